"""7. The run-time guard's cost per statement (issue 14).

Every worker fingerprints the global ``random`` and ``numpy.random``
generators, the working directory and ``os.environ`` around each statement
(``taskpar.runtime.guard``). ``probes/guard_cost.py`` runs a worker
Interpreter over 2000 trivial statements with the guard and without it,
alternately, in one process; each repetition is one fresh probe process,
whose per-statement figures are the best of its rounds, in the thread's CPU
time (wall time on a shared machine counts time spent descheduled); the
cost is the difference with − without, per repetition. Twice: with numpy's global
generator loaded (the guard then reads it too) and without numpy.
"""

from __future__ import annotations

from . import contenders as C
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table, judge

TARGET_US = 5.0


def run(ctx: Ctx) -> Section:
    n, rounds = (300, 3) if ctx.quick else (2000, 7)
    trials = {
        "no numpy": lambda: _sample(ctx, n, rounds),
        "numpy loaded": lambda: _sample(ctx, n, rounds, "--numpy"),
    }
    ctx.log(f"  {len(trials)} contenders x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, log=ctx.log, quick=ctx.quick)
    rows, data = [], {"statements": n, "rounds": rounds}
    for name in trials:
        without = stat(walls(samples, name, "without_us"), "µs")
        with_ = stat(walls(samples, name, "with_us"), "µs")
        cost = stat(paired(walls(samples, name, "with_us"), walls(samples, name, "without_us"),
                           lambda a, b: a - b), "µs")
        check = stat(walls(samples, name, "check"), "µs")
        rows.append([f"guard per statement, {name}", without, with_, cost, check,
                     f"≤ {TARGET_US:.0f} µs", judge(cost.median, "<=", TARGET_US)])
        data[name] = {"without": without, "with": with_, "cost": cost, "check": check}
    table = Table("", ["figure", "statement without guard", "statement with guard",
                       "guard (with − without)", "StateGuard.check() alone", "target", "result"],
                  rows, note=f"{n} trivial statements (`x_i = i`) through a worker Interpreter "
                             "(python-level output capture, no sockets), with and without the guard "
                             f"alternately in one process; thread CPU time, best of {rounds} rounds per "
                             "repetition. `check()` alone: timeit (thread CPU time), best of 5 × 20000.")
    return Section("guard", "7. Run-time guard for hidden state", [table], data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])


def _sample(ctx: Ctx, n: int, rounds: int, *flags: str) -> dict:
    s = C.probe(ctx, "guard_cost", str(n), str(rounds), *flags)
    return {"wall": s["wall"], "with_us": min(s["with"]), "without_us": min(s["without"]),
            "check": s["check"]}
