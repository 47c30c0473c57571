"""5. Real CPU work: examples/model_comparison.py.

Contenders, each in a fresh process with one BLAS thread per process:
``python`` (the reference), ``taskpar run -w 1`` and ``-w 2`` per backend,
and the same statements hand-written with ``dask.delayed`` on a
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``
(``probes/dask_model_comparison.py``; its wall includes starting and closing
the cluster, as taskpar's includes its workers). For information, python
with the BLAS library's default thread count is also shown (not a target).
"""

from __future__ import annotations

import os

from . import contenders as C
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table, judge_all

SPEEDUP_TARGET = 1.8
DASK_TARGET = 1.5
QUICK_ROWS = 300


def example_path() -> str:
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for p in (os.path.join(here, "examples", "model_comparison.py"),
              os.path.join(here, "..", "shared", "examples", "model_comparison.py")):
        if os.path.exists(p):
            return os.path.abspath(p)
    raise FileNotFoundError("examples/model_comparison.py not found")


def run(ctx: Ctx) -> Section:
    src = open(example_path()).read()
    rows_n = 4000
    if ctx.quick:
        assert "n, p = 4000, 60" in src, "model_comparison.py changed: update bench/benchlib/cpu.py"
        src = src.replace("n, p = 4000, 60", f"n, p = {QUICK_ROWS}, 60")
        rows_n = QUICK_ROWS
    script = ctx.write("cpu/model_comparison.py", src)
    expect = C.python(ctx, script)["stdout"]
    default_threads = {k: v for k, v in ctx.env.items()
                       if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    trials = {"python": lambda: C.python(ctx, script, expect=expect)}
    if not ctx.quick:
        trials["python-default-blas"] = lambda: C.python(ctx, script, expect=expect, env=default_threads)
    for b in ctx.backends:
        for w in (1, 2):
            trials[f"{b}:{w}"] = (lambda b=b, w=w: C.taskpar(ctx, b, w, script, expect=expect))
    trials["dask"] = lambda: C.probe(ctx, "dask_model_comparison", rows_n, expect=expect)
    ctx.log(f"  {len(trials)} contenders x {ctx.k}")
    # taskpar warm-up: the first run records costs, later runs are planned from them
    samples, errors = repeat(ctx.k, trials, warmup=[f"{b}:2" for b in ctx.backends], log=ctx.log)
    py = walls(samples, "python")
    dask = walls(samples, "dask")
    cols = ["contender", "wall (s)", "speedup over python", "Dask wall ÷ this", "target", "result",
            "CPU user (s)", "CPU sys (s)"]

    def cpu_cols(name):
        return [stat(walls(samples, name, "user")), stat(walls(samples, name, "sys"))]

    rows = [["python (1 BLAS thread)", stat(py), "1", "", "", "", *cpu_cols("python")]]
    if "python-default-blas" in samples:
        rows.append(["python (default BLAS threads; information only)",
                     stat(walls(samples, "python-default-blas")),
                     stat(paired(py, walls(samples, "python-default-blas"), lambda p, t: p / t), "×"),
                     "", "", "", *cpu_cols("python-default-blas")])
    data: dict = {"rows": rows_n, "python": stat(py), "dask": stat(dask)}
    for b in ctx.backends:
        for w in (1, 2):
            tp = walls(samples, f"{b}:{w}")
            sp = stat(paired(py, tp, lambda p, t: p / t), "×")
            vs_dask = stat(paired(dask, tp, lambda d, t: d / t), "×")
            target, result = "", ""
            if w == 2:
                target = f"≥ {SPEEDUP_TARGET}× python; ≥ {DASK_TARGET}× Dask"
                a = judge_all([b], [sp], ">=", SPEEDUP_TARGET)
                d = judge_all([b], [vs_dask], ">=", DASK_TARGET)
                result = "met" if a == d == "met" else f"{a} (python); {d} (Dask)"
            rows.append([f"{C.label(b)} -w {w}", stat(tp), sp, vs_dask if w == 2 else "", target, result,
                         *cpu_cols(f"{b}:{w}")])
            data[f"{b}_{w}"] = {"wall": stat(tp), "speedup": sp, "dask_over_taskpar": vs_dask}
    rows.append(["dask.delayed, LocalCluster 2 × 1 thread (whole process)", stat(dask),
                 stat(paired(py, dask, lambda p, d: p / d), "×"), "1", "", "", *cpu_cols("dask")])
    rows.append(["  of which cluster start / compute / close",
                 " / ".join(f"{stat(walls(samples, 'dask', k)).median:.2f}" for k in ("start", "compute", "stop"))
                 + " s (medians)", "", "", "", ""])
    note = (f"--quick: model_comparison.py with n = {QUICK_ROWS} rows instead of 4000. " if ctx.quick else "") + (
        "All contenders run with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1, so "
        "python uses one core and each worker (taskpar's or Dask's) one core: the comparison "
        "measures the parallelism of the statements, not of BLAS. taskpar's runs follow one "
        "untimed warm-up run, so they are planned from measured costs. CPU user/sys: the whole "
        "process tree (workers included), from the kernel's accounting of waited-for children.")
    return Section("cpu", "5. Real CPU work: model_comparison.py", [Table("", cols, rows, note=note)],
                   data=data, errors=[f"{k}: {v}" for k, v in errors.items()])
