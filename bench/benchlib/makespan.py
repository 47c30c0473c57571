"""4. Makespan on sleep-based DAGs with known costs.

Three DAGs generated with a fixed seed (``scripts``): three chains, a fan-in
and a random layered DAG of 50 statements. The lower bound
max(critical path, work / N) is computed here from the known sleeps, not by
taskpar. Each repetition uses a fresh cost cache (``TASKPAR_CACHE_DIR``):
the first run has no costs (dynamic or estimated plan), the second is
planned from the first's measurements. Before the second run,
``taskpar.schedule`` on the warm cache gives the predicted makespan.

Makespan is read two ways: ``run`` — seconds inside ``run_script`` (what a
user waits, start-up included) — and the statements' span (first start to
last end). The target is judged as run ≤ 1.05 × bound + start-up, with
start-up = ``run`` of an empty script with the same worker count in the same
repetition, i.e. (run − start-up) / bound ≤ 1.05.
"""

from __future__ import annotations

import os
import tempfile

from . import contenders as C
from . import scripts
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table, judge_all

TARGET_RATIO = 1.05
PREDICTION_TOLERANCE = 0.10


def _span(sample: dict) -> float | None:
    t = sample.get("timings", [])
    if not t:
        return None
    return max(r["end"] for r in t) - min(r["start"] for r in t)


def run(ctx: Ctx) -> Section:
    scale = 0.1 if ctx.quick else 1.0
    dags = [scripts.three_chains(), scripts.fan_in(), scripts.random_layered()]
    dags = [d.scaled(scale) for d in dags] if scale != 1.0 else dags
    files = {d.name: ctx.write(f"makespan/{d.name}.py", scripts.sleep_dag_script(d)) for d in dags}
    empty = ctx.write("makespan/empty.py", scripts.empty())
    expect = {d.name: C.python(ctx, files[d.name])["stdout"] for d in dags}
    cache_root = tempfile.mkdtemp(prefix="caches-", dir=ctx.workdir)
    counter = [0]

    def first_second(b: str, d: scripts.SleepDag) -> dict:
        counter[0] += 1
        env = dict(ctx.env, TASKPAR_CACHE_DIR=os.path.join(cache_root, f"{counter[0]}"))
        first = C.api(ctx, b, d.workers, files[d.name], expect=expect[d.name], env=env)
        second = C.api(ctx, b, d.workers, files[d.name], expect=expect[d.name], env=env, predict=True)
        return {"wall": second["wall"], "first": first, "second": second}

    trials = {}
    worker_counts = sorted({d.workers for d in dags})
    for b in ctx.backends:
        for w in worker_counts:
            trials[f"{b}:empty:{w}"] = (lambda b=b, w=w: C.api(ctx, b, w, empty, expect=""))
        for d in dags:
            trials[f"{b}:{d.name}"] = (lambda b=b, d=d: first_second(b, d))
    for d in dags:
        trials[f"python:{d.name}"] = (lambda d=d: C.python(ctx, files[d.name], expect=expect[d.name]))
    ctx.log(f"  {len(trials)} contenders x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, warmup=[t for t in trials if ":empty:" in t],
        log=ctx.log, quick=ctx.quick)

    cols_a = ["DAG (workers)", "contender", "lower bound (s)", "first run: run_script (s)",
              "second run: run_script (s)", "start-up: empty script (s)",
              "first: (run − start-up) / bound", "second: (run − start-up) / bound",
              "second: statement span / bound", "target", "result"]
    cols_b = ["DAG (workers)", "contender", "predicted makespan (s)", "actual statement span (s)",
              "(actual − predicted) / predicted", "statements with estimated cost", "target", "result"]
    rows_a, rows_b = [], []
    data: dict = {"scale": scale, "dags": {}}
    for d in dags:
        lb = d.lower_bound()
        name = f"{d.name} ({d.workers})"
        rec = {"lower_bound": lb, "critical_path": d.critical_path, "work": d.work,
               "statements": len(d.cost), "workers": d.workers}
        py = stat(walls(samples, f"python:{d.name}"))
        rows_a.append([name, "python (serial)", lb, "", py, "", "", "", "", "", ""])
        rec["python"] = py
        for b in ctx.backends:
            S = samples.get(f"{b}:{d.name}", [])
            start = walls(samples, f"{b}:empty:{d.workers}", "run")
            first = [s["first"]["run"] for s in S]
            second = [s["second"]["run"] for s in S]
            r1 = stat(paired(first, start, lambda r, s: (r - s) / lb), "×")
            r2 = stat(paired(second, start, lambda r, s: (r - s) / lb), "×")
            span2 = stat([_span(s["second"]) / lb for s in S if _span(s["second"]) is not None], "×")
            rows_a.append([name, C.label(b), lb, stat(first), stat(second), stat(start), r1, r2, span2,
                           f"second ≤ {TARGET_RATIO} × bound + start-up",
                           judge_all([b], [r2], "<=", TARGET_RATIO)])
            pred = [s["second"].get("predicted", {}) for s in S]
            pm = [p.get("makespan") for p in pred if isinstance(p, dict) and p.get("makespan")]
            actual = [_span(s["second"]) for s in S]
            err = paired(actual, [p.get("makespan") if isinstance(p, dict) else None for p in pred],
                         lambda a, p: (a - p) / p if a is not None and p else None)
            est = [p.get("estimated") for p in pred if isinstance(p, dict) and "estimated" in p]
            perr = [p["error"] for p in pred if isinstance(p, dict) and "error" in p]
            abs_err = stat([abs(e) for e in err if e is not None])
            rows_b.append([name, C.label(b), stat(pm), stat([a for a in actual if a is not None]),
                           stat(err, "×") if pm else (perr[0] if perr else "—"),
                           (f"{min(est)}–{max(est)} of {pred[0].get('statements')}" if est else "—"),
                           f"within ±{PREDICTION_TOLERANCE:.0%}",
                           judge_all([b], [abs_err], "<=", PREDICTION_TOLERANCE) if pm else "—"])
            rec[b] = {"first_run": stat(first), "second_run": stat(second), "startup": stat(start),
                      "first_ratio": r1, "second_ratio": r2, "second_span_ratio": span2,
                      "predicted": stat(pm), "actual_span": stat([a for a in actual if a is not None]),
                      "prediction_error": stat(err), "first_span": stat(
                          [_span(s["first"]) for s in S if _span(s["first"]) is not None]),
                      "plan_policy": [s["second"].get("plan_policy") for s in S]}
        data["dags"][d.name] = rec
    note = ("Costs scaled by 0.1 (--quick). " if scale != 1.0 else "") + (
        "Lower bound from the known sleeps: three_chains 12 × 0.25 s, fan_in 6 × 0.2 s into one 0.02 s "
        "statement (best possible 0.42 s = 1.03 × bound), random_layered_50 seed 6, costs uniform in [0.02, 0.2] s.")
    tables = [Table("Makespan against the lower bound", cols_a, rows_a, note=note),
              Table("Predicted (taskpar.schedule on the warm cost cache) against actual, second run",
                    cols_b, rows_b)]
    return Section("makespan", "4. Makespan on sleep-based DAGs", tables, data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])
