"""8. BLAS threads: python's pool sizes (the default) vs ``--blas-threads auto``.

A BLAS-heavy script of two independent LAPACK statements (``eigvals`` of two
matrices) and their extremes printed, on 2 workers. Contenders, every one
with the thread variables *unset* (so pools are as python sizes them:
one thread per core): python; ``taskpar run -w 2`` (the default: each
worker's pools as python's, so the two statements share the cores: 2 × cores
threads); ``taskpar run -w 2 --blas-threads auto`` (cores ÷ 2 threads per
worker). The default must print python's digits (checked); ``auto`` is
reported as equal or not.
"""

from __future__ import annotations

import os

from . import contenders as C
from .harness import Ctx, BenchError, paired, repeat, stat, walls
from .report import Section, Table

WORKERS = 2
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS")


def script(n: int) -> str:
    return f"""\
import numpy as np
a = np.random.default_rng(1).standard_normal(({n}, {n}))
b = np.random.default_rng(2).standard_normal(({n}, {n}))
ea = np.linalg.eigvals(a)
eb = np.linalg.eigvals(b)
print(repr(ea.real.max()), repr(abs(ea).min()))
print(repr(eb.real.max()), repr(abs(eb).min()))
"""


def run(ctx: Ctx) -> Section:
    n = 300 if ctx.quick else 700
    f = ctx.write(f"blas/eigvals_{n}.py", script(n))
    env = {k: v for k, v in ctx.env.items() if k not in THREAD_VARS}
    expect = C.python(ctx, f, env=env)["stdout"]
    auto_digits: list[bool] = []

    def auto():
        s = C.taskpar(ctx, "local", WORKERS, f, env=env, extra=["--no-cache", "--blas-threads", "auto"])
        auto_digits.append(s["stdout"] == expect)
        return s

    trials = {
        "python": lambda: C.python(ctx, f, env=env, expect=expect),
        "default": lambda: C.taskpar(ctx, "local", WORKERS, f, env=env, expect=expect,
                                     extra=["--no-cache"]),
        "auto": auto,
    }
    ctx.log(f"  {len(trials)} contenders x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, log=ctx.log, quick=ctx.quick)
    py, de, au = (walls(samples, k) for k in ("python", "default", "auto"))
    rows = [
        ["wall time", stat(py), stat(de), stat(au)],
        ["python / contender", "1", stat(paired(py, de, lambda p, t: p / t), "×"),
         stat(paired(py, au, lambda p, t: p / t), "×")],
        ["default / auto (cost of python's digits)", "", "1",
         stat(paired(de, au, lambda d, a: d / a), "×")],
        ["stdout identical to python's", "—", "yes (checked)" if de else "—",
         (f"{sum(auto_digits)} of {len(auto_digits)} runs" if auto_digits else "—")],
    ]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    table = Table("", ["figure", "python", f"taskpar -w {WORKERS} (default: python's threads)",
                       f"taskpar -w {WORKERS} --blas-threads auto"], rows,
                  note=f"two independent `np.linalg.eigvals` of {n}×{n} matrices; {cores} cores; "
                       "thread variables unset for every contender; first runs (`--no-cache`: "
                       "statements assigned as the run goes).")
    data = {"n": n, "cores": cores, "python": stat(py), "default": stat(de), "auto": stat(au),
            "default_over_auto": stat(paired(de, au, lambda d, a: d / a), "×"),
            "auto_identical": auto_digits}
    return Section("blas", "8. BLAS threads: python's digits vs cores ÷ workers", [table], data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])
