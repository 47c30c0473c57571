"""Loop-heavy programs (tests/loopgen.py) end to end: `taskpar run -w 3` prints
what python prints, on a fresh cache and again on the warm cache it left, and
leaves the same files in the working directory.

The programs' work is in top-level ``for`` loops (independent iterations,
carried dependences, break/continue/else, exceptions in iteration k, empty
iterables, late-binding closures, generators, iterables mutated by the body,
files per iteration) and top-level comprehensions: the oracle for loops split
across workers (``analysis.loops``).

Programs are made before any thread starts (python 3.11's ast.parse is not
thread-safe), then run in batches, the programs of a batch at the same time.
A failure shows each mismatching program's seed, diff and source; reproduce
one with ``python tests/loopgen.py SEED > prog.py``.

Seeds whose program shows a known taskpar bug are strict xfails (KNOWN_BUGS),
and each bug has a reduced reproducer that is a strict xfail too (KNOWN): a
fix makes them XPASS, and then the reproducer moves to FIXED.

    TASKPAR_LOOPGEN_PROGRAMS=200 python -m pytest tests/conformance/test_loopgen.py
    TASKPAR_LOOPGEN_FIRST_SEED=1000 ...
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import loopgen
from loopgen import FAMILIES, generate
from scriptgen import render_diff
from support import ROOT, generated_program_run, python, taskpar, triple as _triple

#: programs per CI run (TASKPAR_LOOPGEN_PROGRAMS to change); seeds from FIRST_SEED.
#: each program costs about 3 s of CPU (python, then taskpar fresh and warm): with 12 the
#: whole file is about 45 CPU seconds, 59 s wall on 2 cores that other suites kept at a
#: load average of 7, about 25 s on idle ones
PROGRAMS = int(os.environ.get("TASKPAR_LOOPGEN_PROGRAMS", "12"))
#: from 8 (seed 19 is a fixed bug's program: NameError hints)
FIRST_SEED = int(os.environ.get("TASKPAR_LOOPGEN_FIRST_SEED", "8"))
BATCH = 4

#: seeds whose program shows a taskpar bug -> the bug. Those in the run's range are strict
#: xfails (the batches leave them out). A hunt over seeds 0..359 found seven, all fixed
#: since (see FIXED below), as is the one a hunt over 700..959 found (902).
KNOWN_BUGS: dict[int, str] = {}

SEEDS = [s for s in range(FIRST_SEED, FIRST_SEED + PROGRAMS) if s not in KNOWN_BUGS]
BATCHES = [SEEDS[i:i + BATCH] for i in range(0, len(SEEDS), BATCH)]


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _files_diff(expected: dict, got: dict) -> str:
    out = []
    for name in sorted(set(expected) | set(got)):
        if name not in got:
            out.append(f"file {name}: written by python only")
        elif name not in expected:
            out.append(f"file {name}: written by taskpar only")
        elif expected[name] != got[name]:
            out.append(f"file {name}: python {expected[name][:200]!r}\n"
                       f"{' ' * (len(name) + 6)}taskpar {got[name][:200]!r}")
    return "\n".join(out)


def _check_one(seed: int, prog: loopgen.Program, base: Path) -> str | None:
    """None if python and both taskpar runs agree, else the failure text."""
    src = prog.source
    d, path, env, expected = generated_program_run(base, seed, src)
    want_rc = 1 if prog.error else 0
    if expected[0] != want_rc or (want_rc == 0 and expected[2] and "print_stderr" not in prog.families):
        return (f"===== seed {seed}: python itself did not do what the generator meant "
                f"(error={prog.error!r}, rc={expected[0]}): a generator bug =====\n"
                f"{expected[2]}\n{src}")
    expected_files = _files(d / "py")
    problems = []
    for mode in ("fresh", "warm"):
        (d / mode).mkdir()
        # warm: the plan from measured costs on all three workers (auto could
        # choose one worker for a program this short: tested in tests/cli)
        warm = ("--schedule", "static") if mode == "warm" else ()
        got = _triple(taskpar("run", path, "-w", 3, "--backend", "local", *warm, cwd=d / mode,
                              env=env, timeout=120))
        if got != expected:
            problems.append(f"--- {mode} cache ---\n{render_diff(expected, got)}")
        files = _files_diff(expected_files, _files(d / mode))
        if files:
            problems.append(f"--- {mode} cache: files ---\n{files}")
    if problems:
        return (f"===== seed {seed} (python tests/loopgen.py {seed}) =====\n" + "\n".join(problems)
                + f"\n--- program ---\n{src}")
    return None


def _run_batch(seeds, tmp_path):
    # made here, before the threads: python 3.11's ast.parse is not thread-safe
    progs = {s: generate(s) for s in seeds}
    with ThreadPoolExecutor(len(seeds)) as ex:
        return [f for f in ex.map(lambda s: _check_one(s, progs[s], tmp_path), seeds) if f]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("seeds", BATCHES, ids=lambda b: f"seeds{b[0]}-{b[-1]}")
def test_loop_programs_identical_to_python(seeds, tmp_path):
    failures = _run_batch(seeds, tmp_path)
    assert not failures, "\n\n".join(failures)


def _known(seeds):
    return [pytest.param(s, marks=pytest.mark.xfail(strict=True, raises=AssertionError,
                                                    reason=KNOWN_BUGS[s]))
            for s in seeds if s in KNOWN_BUGS]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("seed", _known(range(FIRST_SEED, FIRST_SEED + PROGRAMS)) or
                         [pytest.param(None, marks=pytest.mark.skip(reason="no known bug in range"))])
def test_known_taskpar_bugs(seed, tmp_path):
    # where a statement runs can decide whether the bug shows (<dynamic-code> needs the
    # function sent to another worker; a single fresh+warm run of seed 144 passed 1 time
    # in 3): up to 5 tries, so that a pass means the bug is gone. The first failing try ends
    # the test (seed 19's NameError hint fails every time).
    for attempt in range(5):
        base = tmp_path / f"try{attempt}"
        base.mkdir()
        failures = _run_batch([seed], base)
        assert not failures, "\n\n".join(failures)


#: bugs this generator found, reduced to a few lines, each run with a static schedule from
#: estimates (the plan, and the failure, are the same on every run). name -> script.
#: FIXED must pass; KNOWN are strict xfails (why).
FIXED = {
    # after a barrier that only reads globals(), the hint forgot what a loop bound before it
    # (seed 902: "Did you mean: 't3'?" missing on the worker without t3)
    "name_error_hint_after_barrier": (
        "import random\nfor b in range(3):\n    t3 = random.choice([b, b])\n"
        "print('after', t3)  # taskpar: worker 1\n"
        "print('bound?', 'b' in globals())  # taskpar: worker 1\n"
        "print(t7)  # taskpar: worker 2\n"),
    # python 3.10/3.11 print "Did you mean: 'results3'?" from the interpreter's own display;
    # the worker that ran the statement did not have results3 (seeds 19, 128, 253)
    "name_error_hint": "results3 = []\nprint(results5)\n",
    # a name only a loop's body binds, read after the loop: python's hint names it, the
    # worker that raised did not know it was bound (seed 128 from 100 on)
    "name_error_hint_after_loop": ("import math\nfor m in [1, 2]:\n    t1 = m * 2\n"
                                   "print('after', t1)\nu = math.sqrt(4.0)\nprint(t5)\n"),
    # a script function sent to another worker kept cloudpickle's "<dynamic-code>" as its
    # file name, and tracebacks through it had no source line (seeds 144, 208, 221, 232)
    "function_sent_to_another_worker": (
        "a = 1\n\n\ndef check(v):\n    raise ValueError(v)\n\n\n"
        "print('w' in globals())\ncheck(1)\n"),
}
KNOWN = {
    "set_order_after_transfer": (
        "s = set()\nfor v in (73, 91, 87, 31):\n    s.add(v)\n"
        "r = set()\nfor w in (73, 91, 87, 31):\n    r.add(w)\nprint(s, r)\n",
        "a set of ints sent to another worker comes back in another order: python prints "
        "{73, 91, 31, 87} {73, 91, 31, 87}, taskpar {73, 91, 31, 87} {73, 91, 87, 31} (the "
        "unpickled set is rebuilt by inserting the items in iteration order, and 87 and 31 "
        "collide in an 8-slot table). Seen in a loopgen program before the generator's sets were "
        "limited to ints below 8"),
}


def _reproduce(name: str, script: str, tmp_path: Path):
    path = tmp_path / f"{name}.py"
    path.write_text(script)
    expected = _triple(python(path, cwd=tmp_path))
    got = _triple(taskpar("run", path, "-w", 3, "--backend", "local", "--no-cache", "--schedule",
                          "static", cwd=tmp_path))
    assert got == expected, render_diff(expected, got)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(FIXED))
def test_fixed_bug_stays_fixed(name, tmp_path):
    _reproduce(name, FIXED[name], tmp_path)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=r,
                                                                          raises=AssertionError))
                                  for n, (_, r) in KNOWN.items()])
def test_reduced_reproducer(name, tmp_path):
    _reproduce(name, KNOWN[name][0], tmp_path)


# --------------------------------------------------------------------------
# the generator itself


def test_generator_is_deterministic_per_seed():
    import random

    for seed in range(40):
        random.seed(seed * 7)  # the global generator must not matter
        a = generate(seed)
        random.seed(12345)
        b = generate(seed)
        assert a.source == b.source and a.families == b.families and a.error == b.error
        assert loopgen.program_from_seed(seed) == a.source
    assert len({generate(s).source for s in range(40)}) == 40


def test_every_family_appears_across_seeds():
    seen = set()
    for seed in range(300):
        seen |= generate(seed).families
    assert seen <= FAMILIES
    assert FAMILIES - seen == set()


def test_every_program_compiles_and_stays_in_budget():
    errors = set()
    for seed in list(range(300)) + list(range(FIRST_SEED, FIRST_SEED + PROGRAMS)):
        p = generate(seed)
        compile(p.source, f"loopgen-{seed}.py", "exec")
        budget = loopgen.CPU_BUDGET_NUMPY if "import numpy" in p.source else loopgen.CPU_BUDGET
        assert p.cpu <= budget, seed
        assert "for " in p.source
        errors.add(p.error)
    # some programs end in an uncaught exception, most do not
    assert errors == {None, "raise_in_loop", "raise_in_comprehension", "name_error"}


def test_cli_prints_the_program():
    r = python(ROOT / "tests" / "loopgen.py", "7")
    assert r.returncode == 0 and r.stdout == generate(7).source


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [3, 26, 41])
def test_program_output_does_not_depend_on_the_hash_seed(seed, tmp_path):
    p = generate(seed)
    path = tmp_path / "prog.py"
    path.write_text(p.source)
    runs = []
    for hs in ("0", "1"):
        wd = tmp_path / f"h{hs}"
        wd.mkdir()
        r = python(path, cwd=wd, env=dict(os.environ, PYTHONHASHSEED=hs), timeout=60)
        runs.append((_triple(r), _files(wd)))
    assert runs[0] == runs[1]
    assert runs[0][0][0] == (1 if p.error else 0), runs[0][0][2]
