"""Split loops end to end: ``taskpar run`` prints and writes what python does.

The loop examples (examples/loops, the issue's acceptance scripts) and the
edge programs in programs/ (break/continue/else, an exception or sys.exit
in an iteration's private work, empty iterables, closures over the loop
variable, a body that grows the list it loops over, generators consumed in
step with the body, items that cannot be pickled, results that are objects
made before the loop, warnings raised apart) run on a fresh cache and a warm
one (planned from the first run's costs), with 2 and then 3 workers; a few
also on the Dask and MPI backends.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import EXAMPLES, python, require_backend, taskpar

LOOPS = EXAMPLES / "loops"
PROGRAMS = Path(__file__).resolve().parent / "programs"
#: one BLAS thread for both sides (the output does not depend on it)
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
       "PYTHONHASHSEED": "3"}


def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file() and "cache" not in p.parts}


def compare(script: Path, tmp_path: Path, runs, backend: str = "local"):
    env = dict(ENV, TASKPAR_CACHE_DIR=str(tmp_path / "cache"))
    (tmp_path / "python").mkdir()
    expected = python(script, cwd=tmp_path / "python", env=env, timeout=300)
    for n, workers in enumerate(runs):
        cwd = tmp_path / f"run{n}"
        cwd.mkdir()
        # later runs: the plan from measured costs on every worker (auto could
        # choose one worker for a short program)
        warm = ("--schedule", "static") if n else ()
        got = taskpar("run", script, "-w", workers, "--backend", backend, *warm, cwd=cwd, env=env,
                      timeout=300)
        what = f"run {n + 1} with -w {workers} on {backend}"
        assert (got.returncode, got.stdout, got.stderr) == (
            expected.returncode, expected.stdout, expected.stderr), what
        assert files(cwd) == files(tmp_path / "python"), what
    return expected


#: reused_models.py (scikit-learn, 10 s, its loop not split) runs in
#: bench/benchlib/loops.py, which checks its output on every run
CHEAP = sorted(p.name for p in LOOPS.glob("*.py") if p.name != "reused_models.py")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", CHEAP)
def test_loop_example_identical_to_python(name, tmp_path):
    # fresh cache with 2 workers, then warm (planned from those measured costs) with 3
    expected = compare(LOOPS / name, tmp_path, runs=(2, 3))
    assert expected.returncode == 0


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(p.name for p in PROGRAMS.glob("*.py")))
def test_loop_edges_identical_to_python(name, tmp_path):
    compare(PROGRAMS / name, tmp_path, runs=(2, 3))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", ["dask", "mpi"])
@pytest.mark.parametrize("script", [LOOPS / "subplots.py", PROGRAMS / "edges.py"],
                         ids=["subplots", "edges"])
def test_split_loops_on_other_backends(backend, script, tmp_path):
    require_backend(backend)
    compare(script, tmp_path, runs=(3,), backend=backend)


def test_the_edges_program_ends_in_an_iteration_error(tmp_path):
    # (so that the comparison above covers an exception in a split loop)
    expected = python(PROGRAMS / "edges.py", cwd=tmp_path, env=ENV)
    assert expected.returncode == 1
    assert expected.stderr.rstrip().endswith("ZeroDivisionError: float division by zero")
    assert "ok 1\n" in expected.stdout and "ok -1" not in expected.stdout


SHARED = """
import math


class Acc:
    n = 0


def heavy(x, n=30000):
    return sum(math.sin(x * k) / k for k in range(1, n))


m = Acc()
items = [m, m, m]
for a in items:
    r = heavy(a.n + 1.0)
    a.n += 1
    print(round(r, 6))
"""


@pytest.mark.timeout(300)
def test_why_a_loop_ran_as_written_is_shown_by_the_next_plan(tmp_path):
    # the run time found what the analysis could not (one object in three
    # iterations); the next plan says so, and a run that splits the loop
    # again forgets it
    script = tmp_path / "prog.py"
    script.write_text(SHARED)
    env = dict(ENV, TASKPAR_CACHE_DIR=str(tmp_path / "cache"))

    def plan_after_a_run():
        got = taskpar("run", script, "-w", "2", cwd=tmp_path, env=env, timeout=300)
        assert got.returncode == 0, got.stderr
        plan = taskpar("plan", script, "-w", "2", cwd=tmp_path, env=env, timeout=120)
        assert plan.returncode == 0, plan.stderr
        return " ".join(plan.stdout.split())

    assert ("line 15: the last run ran the loop as written: iterations 1 and 2 share an object "
            "(a Acc)") in plan_after_a_run()
    script.write_text(SHARED.replace("[m, m, m]", "[Acc(), Acc(), Acc()]"))
    text = plan_after_a_run()
    assert "line 15: the loop's iterations run in parallel" in text
    assert "the last run ran" not in text


ALONE = """\
import math

out = []
for i in range(3000):
    v = math.fsum(math.sqrt(i + k) for k in range(20))
    out.append(round(v, 6))
print(len(out), out[-1], sum(out))
"""


@pytest.mark.timeout(300)
def test_a_loop_planned_on_one_worker_runs_as_written_and_keeps_its_costs(tmp_path):
    # the plan puts the items and every part on one worker: the loop runs as
    # written (no pickled blocks, no results); that run's seconds say nothing
    # of what the parts cost, so they are not recorded, and the next plan
    # has no note of a loop that "ran as written"
    import json

    script = tmp_path / "prog.py"
    script.write_text(ALONE)
    env = dict(ENV, TASKPAR_CACHE_DIR=str(tmp_path / "cache"))
    want = python(script, cwd=tmp_path, env=env, timeout=120)

    def runs_per_statement():
        (cache,) = [p for p in (tmp_path / "cache").rglob("*.json") if "costs" in str(p)]
        return [rec.get("runs") for rec in json.loads(cache.read_text())["statements"].values()]

    for args in (("-w", "2"), ("-w", "1", "--schedule", "static")):
        got = taskpar("run", script, *args, cwd=tmp_path, env=env, timeout=120)
        assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)
    runs = runs_per_statement()
    loop_statements = 1 + 2 * 8  # items, 8 parts, 8 chains
    assert runs.count(1) == loop_statements and runs.count(2) == len(runs) - loop_statements
    plan = taskpar("plan", script, "-w", "2", cwd=tmp_path, env=env, timeout=120)
    assert "ran the loop as written" not in plan.stdout and "in parallel" in plan.stdout


@pytest.mark.timeout(300)
def test_loops_that_can_break_over_iterators_run_split(tmp_path):
    # enumerate/zip/dict iterators in a loop with a break: the items come
    # from a copy, so the loop splits (the output is compared with python's
    # in test_loop_edges_identical_to_python[break_iterators.py])
    script = PROGRAMS / "break_iterators.py"
    env = dict(ENV, TASKPAR_CACHE_DIR=str(tmp_path / "cache"))
    got = taskpar("run", script, "-w", "2", cwd=tmp_path, env=env, timeout=300)
    assert got.returncode == 0, got.stderr
    plan = taskpar("plan", script, "-w", "2", cwd=tmp_path, env=env, timeout=120)
    text = " ".join(plan.stdout.split())
    for line in (15, 26, 34, 42):
        assert f"line {line}: the loop's iterations run in parallel" in text
    assert "the last run ran" not in text
