"""Run a script through taskpar's Python API and report what it did.

    python api_run.py [--predict] --backend B -w N SCRIPT

Prints nothing on stdout; on stderr, as its last line, one JSON object:
``run`` (seconds inside ``run_script``), ``exit_status``, ``out``/``err``
(the replayed output), ``timings`` (stmt, lineno, worker, status, start,
end), ``transfers`` (whatever the runtime's TransferReport carries, as
dicts), ``plan_makespan`` (the plan's own prediction, when the plan carries
one) and, with ``--predict``, ``predicted``: the makespan that
``taskpar.schedule`` predicts from the cost cache as it is *before* this run.
"""

import argparse
import dataclasses
import json
import sys
import time


def as_dict(obj):
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            out[f.name] = v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)[:80]
        return out
    if hasattr(obj, "__dict__"):
        return {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)[:80])
                for k, v in vars(obj).items()}
    return {"repr": repr(obj)[:200]}


def predicted_makespan(script_path, workers, backend):
    try:
        from taskpar.analysis import analyze_script
        from taskpar.costs import load_costs
        from taskpar.graph import build_graph
        from taskpar.schedule import schedule
    except ImportError as e:
        return {"error": f"import: {e}"}
    graph = build_graph(analyze_script(script_path))
    costs = load_costs(graph.script, backend)
    s = schedule(graph, workers, costs)
    return {"makespan": s.makespan, "lower_bound": s.lower_bound, "estimated": len(s.estimated),
            "statements": len(graph.statements)}


def stage_times(path, workers):
    """Seconds of each stage before the run, measured separately (untimed run)."""
    out = {}
    try:
        from taskpar.analysis import analyze_script
        from taskpar.graph import build_graph
        from taskpar.plan import build_plan
        from taskpar.schedule import schedule

        t = time.perf_counter()
        script = analyze_script(path)
        out["analyze_script"] = time.perf_counter() - t
        t = time.perf_counter()
        graph = build_graph(script)
        out["build_graph"] = time.perf_counter() - t
        t = time.perf_counter()
        sched = schedule(graph, workers)
        out["schedule"] = time.perf_counter() - t
        t = time.perf_counter()
        build_plan(graph, sched)
        out["build_plan"] = time.perf_counter() - t
        out["edges"] = len(graph.edges)
    except Exception as e:  # noqa: BLE001 - a probe reports, it does not fail the bench
        out["error"] = f"{type(e).__name__}: {e}"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--predict", action="store_true")
    ap.add_argument("--prepare", action="store_true",
                    help="also time the stages before the run (analysis, graph, schedule, plan)")
    ap.add_argument("--backend", default="local")
    ap.add_argument("-w", type=int, default=2)
    ap.add_argument("script")
    a = ap.parse_args()
    report = {}
    if a.predict:
        try:
            report["predicted"] = predicted_makespan(a.script, a.w, a.backend)
        except Exception as e:  # noqa: BLE001 - a probe reports, it does not fail the bench
            report["predicted"] = {"error": f"{type(e).__name__}: {e}"}
    import taskpar

    if a.prepare:
        report["stages"] = stage_times(a.script, a.w)
    t0 = time.perf_counter()
    r = taskpar.run_script(a.script, workers=a.w, backend=a.backend)
    report["run"] = time.perf_counter() - t0
    report["exit_status"] = r.exit_status
    report["out"] = r.stdout
    report["err"] = r.stderr
    report["timings"] = [as_dict(t) for t in r.timings]
    report["transfers"] = [as_dict(t) for t in getattr(r, "transfers", [])]
    sched = getattr(r.plan, "schedule", None)
    if sched is not None and getattr(sched, "makespan", None) is not None:
        report["plan_makespan"] = sched.makespan
        report["plan_policy"] = getattr(sched, "policy", None)
    sys.stderr.write("\n" + json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
