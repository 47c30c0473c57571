"""2. Start-up and shutdown.

An empty script under ``taskpar run -w N`` for N = 1, 2, 4, 8, against
``python`` on the same empty script and against a fresh process that starts
and closes a Dask ``LocalCluster(n_workers=N, processes=True,
threads_per_worker=1)`` plus a ``Client`` (``probes/dask_startup.py``; import
of distributed included, dashboard off). taskpar's cost is the difference
taskpar − python of the same repetition; Dask's likewise.
"""

from __future__ import annotations

from . import contenders as C
from . import scripts
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table, judge

TARGET_WORKERS = 4
TARGET_SECONDS = 0.3
TARGET_FRACTION = 0.25


def run(ctx: Ctx) -> Section:
    workers = [2] if ctx.quick else [1, 2, 4, 8]
    empty = ctx.write("startup/empty.py", scripts.empty())
    trials = {"python": lambda: C.python(ctx, empty, expect="")}
    for w in workers:
        for b in ctx.backends:
            trials[f"{b}:{w}"] = (lambda b=b, w=w: C.taskpar(ctx, b, w, empty, expect=""))
        trials[f"dask:{w}"] = (lambda w=w: C.probe(ctx, "dask_startup", w))
    ctx.log(f"  {len(trials)} contenders x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, warmup=[t for t in trials if t != "python"],
        log=ctx.log, quick=ctx.quick)
    py = walls(samples, "python")
    cols = ["workers", "contender", "wall (s)", "− python (s)", "÷ Dask's (− python each)",
            "target", "result"]
    rows = [["—", "python (empty script)", stat(py), "", "", "", ""]]
    data: dict = {"python": stat(py), "workers": {}}
    for w in workers:
        dask = walls(samples, f"dask:{w}")
        dask_cost = paired(dask, py, lambda d, p: d - p)
        rec = {"dask": stat(dask), "dask_minus_python": stat(dask_cost),
               "dask_inprocess": stat(walls(samples, f"dask:{w}", "inproc"))}
        for b in ctx.backends:
            tp = walls(samples, f"{b}:{w}")
            cost = stat(paired(tp, py, lambda t, p: t - p))
            frac = stat(paired(cost.samples, dask_cost, lambda c, d: c / d), "×")
            target, result = "", ""
            if w == TARGET_WORKERS:
                target = f"≤ {TARGET_SECONDS} s and ≤ {TARGET_FRACTION} × Dask's"
                a, f = judge(cost.median, "<=", TARGET_SECONDS), judge(frac.median, "<=", TARGET_FRACTION)
                result = "met" if a == f == "met" else f"{a} ({TARGET_SECONDS} s); {f} (¼ Dask)"
            rows.append([w, C.label(b), stat(tp), cost, frac, target, result])
            rec[b] = {"wall": stat(tp), "minus_python": cost, "fraction_of_dask": frac}
        rows.append([w, "Dask LocalCluster + Client (fresh process)", stat(dask), stat(dask_cost),
                     "1", "", ""])
        rows.append([w, "  of which inside the process (start + close)",
                     stat(walls(samples, f"dask:{w}", "inproc")), "", "", "", ""])
        data["workers"][w] = rec
    return Section("startup", "2. Start-up and shutdown", [Table("", cols, rows)], data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])
