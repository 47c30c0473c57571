"""1. Overhead per statement.

Scripts of N trivial statements (a dependent chain; independent ones) under
``taskpar run -w 2`` and ``python``. Overhead per statement =
(taskpar time − taskpar time on an empty script) / N, both from the same
repetition. python's own cost per statement is shown beside it. Second
runs (the analysis and the costs of an earlier run cached) and first runs
(``--no-cache``: analysed, and assigned to workers as the run goes) have
their own targets (issue 13: 20 and 60 µs).
"""

from __future__ import annotations

from . import contenders as C
from . import scripts
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table, judge_all

TARGET_US = 20.0
#: a first run analyses the script and assigns statements as it goes
FIRST_TARGET_US = 60.0
WORKERS = 2
FIRST = ("--no-cache",)


def run(ctx: Ctx) -> Section:
    n = 200 if ctx.quick else 2000
    files = {
        "empty": ctx.write("overhead/empty.py", scripts.empty()),
        "chain": ctx.write(f"overhead/chain_{n}.py", scripts.trivial_chain(n)),
        "independent": ctx.write(f"overhead/independent_{n}.py", scripts.trivial_independent(n)),
    }
    expect = {k: C.python(ctx, f)["stdout"] for k, f in files.items()}
    trials = {}
    for kind, f in files.items():
        trials[f"python:{kind}"] = (lambda f=f, e=expect[kind]: C.python(ctx, f, expect=e))
    for b in ctx.backends:
        for kind, f in files.items():
            trials[f"{b}:{kind}"] = (lambda b=b, f=f, e=expect[kind]: C.taskpar(ctx, b, WORKERS, f, expect=e))
            trials[f"{b}-first:{kind}"] = (lambda b=b, f=f, e=expect[kind]:
                                           C.taskpar(ctx, b, WORKERS, f, expect=e, extra=FIRST))
    ctx.log(f"  {len(trials)} contenders x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, warmup=[t for t in trials if not t.startswith("python")],
                             log=ctx.log, quick=ctx.quick)

    def per_stmt(who: str, kind: str):
        return stat(paired(walls(samples, f"{who}:{kind}"), walls(samples, f"{who}:empty"),
                           lambda a, e: (a - e) / n * 1e6), "µs")

    cols = ["figure", "python"] + [C.label(b) for b in ctx.backends] + ["target", "result"]
    rows = []
    data = {"statements": n, "workers": WORKERS}
    for kind in ("chain", "independent"):
        py = per_stmt("python", kind)
        tps = [per_stmt(b, kind) for b in ctx.backends]
        rows.append([f"overhead per statement, {kind} ({n} statements, -w {WORKERS})", py, *tps,
                     f"≤ {TARGET_US:.0f} µs", judge_all(ctx.backends, tps, "<=", TARGET_US)])
        data[f"per_statement_{kind}"] = {"python": py, **{b: t for b, t in zip(ctx.backends, tps)}}
    for kind in ("chain", "independent"):
        tps = [per_stmt(f"{b}-first", kind) for b in ctx.backends]
        rows.append([f"overhead per statement, {kind}, first run (--no-cache)", "", *tps,
                     f"≤ {FIRST_TARGET_US:.0f} µs", judge_all(ctx.backends, tps, "<=", FIRST_TARGET_US)])
        data[f"per_statement_{kind}_first"] = {b: t for b, t in zip(ctx.backends, tps)}
    for kind in ("empty", "chain", "independent"):
        py = stat(walls(samples, f"python:{kind}"))
        tps = [stat(walls(samples, f"{b}:{kind}")) for b in ctx.backends]
        rows.append([f"wall time, {kind} script", py, *tps, "", ""])
        data[f"wall_{kind}"] = {"python": py, **{b: t for b, t in zip(ctx.backends, tps)}}
        tps = [stat(walls(samples, f"{b}-first:{kind}")) for b in ctx.backends]
        rows.append([f"wall time, {kind} script, first run", "", *tps, "", ""])
    for kind in ("chain", "independent"):
        tps = [stat(paired(walls(samples, f"{b}:{kind}"), walls(samples, f"python:{kind}"),
                           lambda a, p: a / p), "×") for b in ctx.backends]
        rows.append([f"taskpar / python, {kind} script", "1", *tps, "", ""])

    # One untimed API run of the chain: where the statements ran and how long
    # each took inside its worker, to split the overhead into its parts.
    breakdown = []
    for b in ctx.backends:
        try:
            s = C.api(ctx, b, WORKERS, files["chain"], expect=expect["chain"], prepare=True)
            row = _breakdown(b, s, n)
            breakdown.append(row)
            data[f"api_chain_{b}"] = {"run": s.get("run"), "stages": s.get("stages", {}),
                                      "median_exec_us": row[3], "median_gap_us": row[4], "span": row[5]}
        except Exception as e:  # noqa: BLE001 - a failed probe is reported, the bench goes on
            errors[f"api:{b}"] = str(e)
    tables = [Table("", cols, rows)]
    if breakdown:
        tables.append(Table("Where the chain's time goes (one API run, -w 2)",
                            ["backend", "run_script (s)", "statements per worker",
                             "median exec inside worker (µs)", "median gap between consecutive statements (µs)",
                             "first start → last end (s)", "analyze_script (s)", "build_graph (s)",
                             "schedule (s)", "build_plan (s)"], breakdown,
                            note="The four stage times are measured separately, before the run, in the "
                                 "same process (run_script repeats them)."))
    return Section("overhead", "1. Overhead per statement", tables, data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])


def _breakdown(backend: str, s: dict, n: int) -> list:
    import statistics

    t = sorted(s.get("timings", []), key=lambda r: r["stmt"])
    per_worker: dict[int, int] = {}
    for r in t:
        per_worker[r["worker"]] = per_worker.get(r["worker"], 0) + 1
    execs = [(r["end"] - r["start"]) * 1e6 for r in t]
    gaps = [(b["start"] - a["end"]) * 1e6 for a, b in zip(t, t[1:])]
    return [backend, s.get("run"), ", ".join(f"w{w}: {c}" for w, c in sorted(per_worker.items())),
            statistics.median(execs) if execs else None, statistics.median(gaps) if gaps else None,
            (max(r["end"] for r in t) - min(r["start"] for r in t)) if t else None,
            *[s.get("stages", {}).get(k) for k in ("analyze_script", "build_graph", "schedule", "build_plan")]]

