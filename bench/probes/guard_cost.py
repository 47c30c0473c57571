"""The run-time guard's cost per statement, with and without it, in one process.

    python guard_cost.py N ROUNDS [--numpy]

Runs a worker ``Interpreter`` (no sockets, python-level capture) over N
trivial statements (``x_i = i``), alternately with the hidden-state guard
(``runtime.guard``) and without it, ROUNDS times each, and reports
{"with": [µs per statement...], "without": [...], "check": µs} on stderr.
Times are the thread's CPU time (``time.thread_time``), not wall time: on a
shared machine, time spent descheduled would swamp a few µs.
With ``--numpy`` numpy's global generator exists (numpy.random loaded), so
the guard reads its state too. ``check`` is ``StateGuard.check()`` alone
(timeit, best of 5).
"""
import json
import sys
import time
import timeit

from taskpar.analysis.model import Script, Statement
from taskpar.plan import Exec
from taskpar.runtime.capture import StatementRunner
from taskpar.runtime.guard import StateGuard
from taskpar.runtime.interpreter import Interpreter

n, rounds = int(sys.argv[1]), int(sys.argv[2])
if "--numpy" in sys.argv:
    import numpy as np

    np.random.seed(0)  # loads numpy.random: the guard reads its state

lines = [f"x_{i} = {i}" for i in range(n)]
source = "\n".join(lines) + "\n"
stmts = tuple(Statement(id=i, lineno=i + 1, col_offset=0, end_lineno=i + 1,
                        end_col_offset=len(t), source=t, path=(i,), writes=frozenset({f"x_{i}"}))
              for i, t in enumerate(lines))
script = Script("/virtual/guard_cost.py", source, stmts)
program = tuple(Exec(i) for i in range(n))
runner = StatementRunner()


def once(guard) -> float:
    sink = []
    it = Interpreter(script, program, {"__name__": "__main__"}, 0, {}, emit=sink.append,
                     runner=runner, guard=guard)
    t = time.thread_time()
    it.advance()
    return (time.thread_time() - t) / n * 1e6


once(None), once(StateGuard())  # warm-up (compiled code, caches)
out = {"with": [], "without": []}
for r in range(rounds):
    pair = [("with", StateGuard()), ("without", None)]
    if r % 2:
        pair.reverse()
    for name, guard in pair:
        out[name].append(once(guard))
g = StateGuard()
g.reset()
timer = timeit.Timer(g.check, timer=time.thread_time)
out["check"] = min(timer.repeat(number=20000, repeat=5)) / 20000 * 1e6
sys.stderr.write("\n" + json.dumps(out) + "\n")
