"""9. Loops (issue 15): the loop examples, python vs taskpar -w 2.

Every script of examples/loops runs with python, with ``taskpar run -w 2
--no-cache`` (a first run: no measured costs, statements assigned as the
run goes) and with ``taskpar run -w 2`` on a warm cache (planned from the
earlier runs' measurements), interleaved, k times, one BLAS thread for
every contender; each taskpar run's stdout must be python's (checked).
Targets (issue 15): together the six parallel scripts ≥ 1.6× on a second
run, each ≥ 1.4× on a second run and ≥ 1.2× on a first; ``carried.py`` no
slower than python plus start-up.
"""

from __future__ import annotations

import os
import shutil

from . import contenders as C
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table

WORKERS = 2
PARALLEL = ("sweep.py", "reused_models.py", "subplots.py", "comprehensions.py", "reseeded.py",
            "in_main.py")
SERIAL = ("carried.py",)
#: sweep.py with ten times the work in each iteration: what splitting a loop
#: gives once the work outweighs start-up (name, text, replacement)
SCALED = ("sweep_x10.py", "repeats=15", "repeats=150")


def examples_dir() -> str:
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(here, "examples", "loops")


def run(ctx: Ctx) -> Section:
    names = list(PARALLEL + SERIAL)
    if ctx.quick:
        names = ["sweep.py", "carried.py"]
    rows, data, errors_all = [], {}, []
    together = {"python": [], "first": [], "warm": []}
    scaled = [] if ctx.quick else [SCALED]
    for name in names + [s[0] for s in scaled]:
        script = ctx.path(f"loops/{name}")
        os.makedirs(os.path.dirname(script), exist_ok=True)
        if name == SCALED[0]:
            src = open(os.path.join(examples_dir(), "sweep.py")).read()
            assert SCALED[1] in src, "sweep.py changed: update bench/benchlib/loops.py"
            with open(script, "w") as f:
                f.write(src.replace(SCALED[1], SCALED[2]))
        else:
            shutil.copy(os.path.join(examples_dir(), name), script)
        expect = C.python(ctx, script)["stdout"]
        trials = {
            "python": lambda: C.python(ctx, script, expect=expect),
            "first": lambda: C.taskpar(ctx, "local", WORKERS, script, expect=expect,
                                       extra=["--no-cache"]),
            "warm": lambda: C.taskpar(ctx, "local", WORKERS, script, expect=expect),
        }
        ctx.log(f"  {name}: {len(trials)} contenders x {ctx.k}")
        samples, errors = repeat(ctx.k, trials, warmup=["warm"], log=ctx.log, quick=ctx.quick)
        errors_all += [f"{name} {k}: {v}" for k, v in errors.items()]
        py, first, warm = (walls(samples, k) for k in ("python", "first", "warm"))
        r_first = stat(paired(py, first, lambda p, t: p / t), "×")
        r_warm = stat(paired(py, warm, lambda p, t: p / t), "×")
        kind = ("parallel" if name in PARALLEL else "must stay correct" if name in SERIAL
                else "sweep.py with 10x the work per iteration (not an issue target)")
        rows.append([name, stat(py), stat(first), stat(warm), r_first, r_warm, kind])
        data[name] = {"python": stat(py), "first": stat(first), "warm": stat(warm),
                      "python_over_first": r_first, "python_over_warm": r_warm}
        if name in PARALLEL:
            for k, v in (("python", py), ("first", first), ("warm", warm)):
                together[k].append(v)
    if together["python"]:
        k = min(len(v) for vs in together.values() for v in vs)
        sums = {key: [sum(v[i] for v in vs) for i in range(k)] for key, vs in together.items()}
        rows.append(["the parallel scripts together", stat(sums["python"]), stat(sums["first"]),
                     stat(sums["warm"]),
                     stat(paired(sums["python"], sums["first"], lambda p, t: p / t), "×"),
                     stat(paired(sums["python"], sums["warm"], lambda p, t: p / t), "×"), ""])
        data["together"] = {key: stat(v) for key, v in sums.items()}
    table = Table("", ["script", "python (s)", f"taskpar -w {WORKERS} first run (s)",
                       f"taskpar -w {WORKERS} second run (s)", "python ÷ first", "python ÷ second",
                       "kind"], rows,
                  note="wall seconds min / median of k interleaved runs; one BLAS thread for "
                       "every contender; each taskpar run printed python's stdout (checked)")
    return Section("loops", "9. Loops: the loop examples (issue 15)", [table], data=data,
                   errors=errors_all)
