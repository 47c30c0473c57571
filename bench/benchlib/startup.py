"""2. Start-up and shutdown.

An empty script under ``taskpar run -w N`` for N = 1, 2, 4, 8, against
``python`` on the same empty script and against a fresh process that starts
and closes a Dask ``LocalCluster(n_workers=N, processes=True,
threads_per_worker=1)`` plus a ``Client`` (``probes/dask_startup.py``; import
of distributed included, dashboard off). taskpar's cost is the difference
taskpar − python of the same repetition; Dask's likewise.

Issue 13's figure, 4 workers of the local backend, side by side in the same
repetitions: workers forked from the fork server (the default) and spawned
as fresh interpreters (``TASKPAR_START_METHOD=spawn``), each in this
interpreter (whatever its site-packages hold) and in a clean venv with only
taskpar and its required packages (made once per bench run under the work
directory; skipped with --quick or when it cannot be made).
"""

from __future__ import annotations

import os
import subprocess
import sys

from . import contenders as C
from . import scripts
from .harness import Ctx, paired, repeat, run_cmd, stat, walls
from .report import Section, Table, judge

TARGET_WORKERS = 4
TARGET_SECONDS = 0.3
TARGET_FRACTION = 0.25
#: issue 13: start + stop of 4 local workers beyond python's own start-up
TARGET_ISSUE13 = 0.15
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def clean_venv(ctx: Ctx) -> str | None:
    """The python of a venv holding taskpar and its required packages only."""
    d = ctx.path("startup/venv")
    py = os.path.join(d, "bin", "python")
    if os.path.exists(py):
        return py
    try:
        subprocess.run([sys.executable, "-m", "venv", d], check=True, capture_output=True, timeout=300)
        subprocess.run([py, "-m", "pip", "install", "-q", ROOT], check=True, capture_output=True,
                       timeout=900)
    except (subprocess.SubprocessError, OSError) as e:
        ctx.log(f"  ! clean venv: {e}")
        return None
    return py


def run(ctx: Ctx) -> Section:
    workers = [2] if ctx.quick else [1, 2, 4, 8]
    empty = ctx.write("startup/empty.py", scripts.empty())
    trials = {"python": lambda: C.python(ctx, empty, expect="")}
    for w in workers:
        for b in ctx.backends:
            trials[f"{b}:{w}"] = (lambda b=b, w=w: C.taskpar(ctx, b, w, empty, expect=""))
        trials[f"dask:{w}"] = (lambda w=w: C.probe(ctx, "dask_startup", w))
    # issue 13: fork server against spawn, this interpreter and a clean venv
    pythons = {"this python": sys.executable}
    venv = None if ctx.quick else clean_venv(ctx)
    if venv:
        pythons["clean venv"] = venv
    for where, py in pythons.items():
        env = {k: v for k, v in ctx.env.items() if k != "PYTHONPATH"} if py != sys.executable else ctx.env
        trials[f"py[{where}]"] = (lambda py=py, env=env: run_cmd(
            [py, empty], env=env, timeout=ctx.timeout, cwd=ctx.workdir, expect_stdout=""))
        for method in ("fork", "spawn"):
            menv = dict(env, TASKPAR_START_METHOD=method)
            trials[f"{method}[{where}]"] = (lambda py=py, menv=menv: run_cmd(
                [py, "-m", "taskpar", "run", "-w", str(TARGET_WORKERS), empty], env=menv,
                timeout=ctx.timeout, cwd=ctx.workdir, expect_stdout=""))
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
    cols13 = ["interpreter", "workers start", "wall (s)", "− python (s)", "spawn ÷ fork (− python)",
              "target", "result"]
    rows13 = []
    data["issue13"] = {}
    for where in pythons:
        py13 = walls(samples, f"py[{where}]")
        costs = {m: paired(walls(samples, f"{m}[{where}]"), py13, lambda t, p: t - p)
                 for m in ("fork", "spawn")}
        rows13.append([where, "python (empty script)", stat(py13), "", "", "", ""])
        for m in ("fork", "spawn"):
            cost = stat(costs[m])
            ratio = stat(paired(costs["spawn"], costs[m], lambda a, b: a / b if b > 0 else None), "×")
            target = f"≤ {TARGET_ISSUE13} s" if m == "fork" else ""
            result = judge(cost.median, "<=", TARGET_ISSUE13) if m == "fork" else ""
            rows13.append([where, f"{m} ({TARGET_WORKERS} workers)", stat(walls(samples, f"{m}[{where}]")),
                           cost, ratio if m == "fork" else "", target, result])
            data["issue13"][f"{m}[{where}]"] = {"minus_python": cost}
    tables = [Table("", cols, rows),
              Table(f"Issue 13: {TARGET_WORKERS} local workers, forked from the fork server or "
                    "spawned, same repetitions", cols13, rows13)]
    return Section("startup", "2. Start-up and shutdown", tables, data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])
