"""Scene-composed programs (tests/scriptgen.py) end to end: `taskpar run -w 3`
prints what python prints, on a fresh cache (dynamic assignment) and again on
the warm cache it left (a static plan from measured costs).

Programs are run in small batches, a batch's programs at the same time (each in
its own thread, each subprocess with a timeout), so that the default 48
programs fit in a couple of minutes on a small machine. A failure shows every
mismatching program of the batch with its diff and its source.

    TASKPAR_SCRIPTGEN_PROGRAMS=300 python -m pytest tests/conformance/test_scriptgen.py
    TASKPAR_SCRIPTGEN_INTROSPECT=0 ...   # programs without the final globals()/dir()/vars()
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from scriptgen import program_from_seed, render_diff
from support import generated_program_run, taskpar, triple as _triple

#: programs per CI run (TASKPAR_SCRIPTGEN_PROGRAMS to change); seeds from FIRST_SEED
PROGRAMS = int(os.environ.get("TASKPAR_SCRIPTGEN_PROGRAMS", "48"))
FIRST_SEED = int(os.environ.get("TASKPAR_SCRIPTGEN_FIRST_SEED", "5000"))
#: TASKPAR_SCRIPTGEN_INTROSPECT=0 leaves out the final globals()/dir()/vars() lines
INTROSPECT = os.environ.get("TASKPAR_SCRIPTGEN_INTROSPECT", "1") != "0"
BATCH = 4
BATCHES = [list(range(s, min(s + BATCH, FIRST_SEED + PROGRAMS)))
           for s in range(FIRST_SEED, FIRST_SEED + PROGRAMS, BATCH)]


def _check_one(seed, src, base):
    """None if python and both taskpar runs agree, else the failure text."""
    d, prog, env, expected = generated_program_run(base, seed, src)
    if expected[0] not in (0, 1) or (expected[0] == 0 and expected[2]):
        return f"seed {seed}: python itself failed (a generator bug)\n{expected[2]}\n{src}"
    problems = []
    for mode in ("fresh", "warm"):
        (d / mode).mkdir()
        # warm: the plan from measured costs on all three workers (auto could
        # choose one worker for a program this short: tested in tests/cli)
        warm = ("--schedule", "static") if mode == "warm" else ()
        got = _triple(taskpar("run", prog, "-w", 3, "--backend", "local", *warm, cwd=d / mode,
                              env=env, timeout=120))
        if got != expected:
            problems.append(f"--- {mode} cache ---\n{render_diff(expected, got)}")
    if problems:
        return f"===== seed {seed} =====\n" + "\n".join(problems) + f"\n--- program ---\n{src}"
    return None


@pytest.mark.timeout(400)
@pytest.mark.parametrize("seeds", BATCHES, ids=lambda b: f"seeds{b[0]}-{b[-1]}")
def test_scene_programs_identical_to_python(seeds, tmp_path):
    # made here, not in the threads: python 3.11's ast.parse is not thread-safe
    # ("AST constructor recursion depth mismatch"), and the generator parses
    sources = {s: program_from_seed(s, introspect=INTROSPECT) for s in seeds}
    with ThreadPoolExecutor(len(seeds)) as ex:
        failures = [f for f in ex.map(lambda s: _check_one(s, sources[s], tmp_path), seeds) if f]
    assert not failures, "\n\n".join(failures)
