"""Conformance: every example script gives python's stdout, stderr and exit status.

One suite for every backend and every way of reaching it (``VARIANTS``): a
backend's own tests (tests/backends) do not run the examples against python
again. A backend whose extra is not installed is skipped with a reason
outside CI and fails in CI.
"""

from __future__ import annotations

import ast
import functools
import os
import sys

import pytest

from support import (EXAMPLES, STANDINS, assert_dask_cluster_left_as_it_was, python,
                     require_backend, run_cmd, taskpar)

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.glob("*.py"))

#: how `taskpar run` reaches a backend: variant -> what the run is
VARIANTS = {
    "local": "the local backend, workers forked (the default start method)",
    "local-spawn": "the local backend, TASKPAR_START_METHOD=spawn (a fresh interpreter per worker)",
    "dask": "a LocalCluster taskpar starts and closes",
    "dask-address": "--address of a cluster taskpar did not start (``dask_cluster``, 2 workers): "
                    "after each run it still runs, with nothing of taskpar left on its workers",
    "mpi": "mpiexec launched by taskpar",
    "mpi-external": "`mpiexec -n W+1 python -m taskpar run --backend mpi` (rank 0 drives)",
}

#: examples that are seconds of numpy per statement: the full matrix below runs
#: a test-only stand-in (tests/standins: the same statements with fewer
#: repeats, see test_stand_in_is_the_example_with_fewer_repeats) on every
#: backend and schedule, the example itself once, as the README runs it
#: (the other backends ran the same plan's statements with the stand-in)
HEAVY = {"model_comparison.py": STANDINS / "model_comparison_small.py"}
HEAVY_MATRIX = [("local", 2)]
#: (variant, workers): every worker count on local; the variants that take
#: seconds to start, or that only change how workers start or are reached,
#: fewer
MATRIX = ([("local", w) for w in (1, 2, 3, 4)] + [("local-spawn", 3)]
          + [("dask", w) for w in (1, 3)] + [("dask-address", 2)]
          + [("mpi", w) for w in (1, 3)] + [("mpi-external", 2)])
#: (program, backend, workers); program: an example's name or a stand-in's path
CASES = ([(name, b, w) for name in EXAMPLE_NAMES for b, w in MATRIX
          if name not in HEAVY or (b, w) in HEAVY_MATRIX]
         + [(standin, b, w) for standin in HEAVY.values() for b, w in MATRIX])
PROGRAMS = [*EXAMPLE_NAMES, *HEAVY.values()]

# One BLAS thread for python and taskpar alike: on a loaded 2-core machine
# OpenBLAS threads that spin for a busy core make numpy 20x slower, and the
# examples' output does not depend on the thread count.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_taskpar(variant, path, workers, *options, request=None):
    """`taskpar run PATH` on ``variant`` (see VARIANTS) with ``options``, as a
    user types it, in the script's folder; ``request``: the test's (for the
    cluster of "dask-address")."""
    env = {k: v for k, v in ENV.items() if k != "TASKPAR_START_METHOD"}
    if variant == "local-spawn":
        env["TASKPAR_START_METHOD"] = "spawn"
    if variant == "mpi-external":
        from taskpar.backends.mpi import find_mpiexec

        return run_cmd([find_mpiexec(), "-n", str(workers + 1), sys.executable, "-m", "taskpar",
                        "run", "--backend", "mpi", "--no-cache", *options, path],
                       cwd=path.parent, env=env)
    backend = variant.split("-")[0]
    if variant == "dask-address":
        options = ("--address", request.getfixturevalue("dask_cluster").scheduler_address,
                   *options)
    return taskpar("run", path, "-w", workers, "--backend", backend, *options, cwd=path.parent,
                   env=env)


def _path(program):
    return EXAMPLES / program if isinstance(program, str) else program


def _id(program):
    return program if isinstance(program, str) else f"standin-{program.name}"


@functools.lru_cache(maxsize=None)
def python_run(program):
    path = _path(program)
    r = python(path, cwd=path.parent, env=ENV)
    return r.returncode, r.stdout, r.stderr


def _repeats_blanked(path):
    """The AST of ``path`` with every ``repeats`` value (defaults, keywords) blanked."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "repeats":
            node.value = ast.Constant(None)
        if isinstance(node, ast.arguments):
            names = [a.arg for a in node.args]
            for k in range(len(node.defaults)):
                if names[len(names) - len(node.defaults) + k] == "repeats":
                    node.defaults[k] = ast.Constant(None)
    return ast.dump(tree)


@pytest.mark.parametrize("name", sorted(HEAVY))
def test_stand_in_is_the_example_with_fewer_repeats(name):
    # what the matrix runs instead of the heavy example must be that example
    # (statements, data, output) but for how often each fit repeats itself
    assert _repeats_blanked(HEAVY[name]) == _repeats_blanked(EXAMPLES / name), (
        f"{HEAVY[name]} no longer matches examples/{name}: copy the example again and "
        "lower only its repeat counts")
    assert HEAVY[name].read_text() != (EXAMPLES / name).read_text()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("program,backend,workers", CASES,
                         ids=[f"{b}-{w}-{_id(p)}" for p, b, w in CASES])
def test_example_identical_to_python(program, workers, backend, request):
    require_backend(backend.split("-")[0])
    path = _path(program)
    if path.name in ("seed_pipeline.py", "big_payload.py") and workers < 2:
        # pinned to worker 2: with one worker this is a user error (tested below)
        r = run_taskpar(backend, path, workers, request=request)
        assert r.returncode == 2 and "pinned to worker 2" in r.stderr
        return
    r = run_taskpar(backend, path, workers, request=request)
    assert (r.returncode, r.stdout, r.stderr) == python_run(program)
    if program in HEAVY:  # a repeat recomputes the same fit: the stand-in prints the same
        assert python_run(HEAVY[program]) == python_run(program)
    if backend == "dask-address":  # taskpar leaves the cluster it was given as it was
        assert_dask_cluster_left_as_it_was(request.getfixturevalue("dask_cluster"))


SCHEDULES = [("local", "static"), ("local", "dynamic"), ("mpi", "dynamic")]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("program,backend,schedule", [
    (p, b, s) for p in PROGRAMS for b, s in SCHEDULES
    # (the heavy example's stand-in takes every schedule)
    if p not in HEAVY],
    ids=lambda x: _id(x) if not isinstance(x, str) or x.endswith(".py") else x)
def test_example_identical_to_python_under_each_schedule(program, backend, schedule):
    # the default (auto) is dynamic on a first run and static once costs are
    # known; the cache decides which one the test above gets, so force both
    require_backend(backend)
    path = _path(program)
    r = taskpar("run", path, "-w", 3, "--backend", backend, "--schedule", schedule,
                "--no-cache", cwd=path.parent, env=ENV)
    assert (r.returncode, r.stdout, r.stderr) == python_run(program)


@pytest.mark.timeout(60)
def test_fail_names_line_7(backend):
    r = taskpar("run", EXAMPLES / "fail.py", "-w", 2, "--backend", backend, cwd=EXAMPLES,
                    env=ENV)
    assert r.returncode == 1
    assert r.stdout == "before\n"
    assert 'fail.py", line 7, in <module>' in r.stderr
    assert r.stderr.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "taskpar" not in r.stderr
    assert "BAD TERMINATION" not in r.stdout + r.stderr  # mpiexec's noise when a rank fails


@pytest.mark.timeout(120)
def test_fd_level_output_is_captured_in_order(backend, tmp_path):
    # output that bypasses sys.stdout (os.write, a child process) keeps its
    # place among print()s, stderr too, as python shows it
    src = tmp_path / "fds.py"
    src.write_text("import os, sys\n"
                   "if True:\n"
                   "    print('one', flush=True)\n"
                   "    os.write(1, b'two\\n')\n"
                   "    print('three')\n"
                   "    os.system('echo four; echo err >&2')\n"
                   "    print('five')\n")
    want = python(src, cwd=tmp_path, env=ENV)
    assert (want.stdout, want.stderr) == ("one\ntwo\nthree\nfour\nfive\n", "err\n")
    r = taskpar("run", src, "-w", 1, "--backend", backend, "--no-cache", cwd=tmp_path, env=ENV)
    assert (r.returncode, r.stdout, r.stderr) == (want.returncode, want.stdout, want.stderr)


@pytest.mark.timeout(120)
def test_killed_worker_is_reported_with_the_statement(backend, tmp_path):
    src = tmp_path / "suicide.py"
    src.write_text("import os, signal\n"
                   "a = 1\n"
                   "b = os.kill(os.getpid(), signal.SIGKILL)\n"
                   "print('never')\n")
    r = taskpar("run", src, "-w", 2, "--backend", backend, "--no-cache", cwd=tmp_path, env=ENV)
    assert r.returncode not in (0, None)
    assert "never" not in r.stdout
    assert f"{src.name}:3" in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


KILLED_IN_A_LOOP = """\
import math
import os
import signal
import time


def work(i):
    s = sum(math.sin(i * k) for k in range(20000))
    if i == 5:
        time.sleep(1.0)  # the events of the block reach the driver first (Dask)
        os.kill(os.getpid(), signal.SIGKILL)
    return s


for i in range(8):
    v = work(i)
    print(i, round(v, 6))
"""


@pytest.mark.timeout(120)
def test_a_worker_killed_in_a_split_loop_is_reported_with_the_iteration(backend, tmp_path):
    src = tmp_path / "killed_in_loop.py"
    src.write_text(KILLED_IN_A_LOOP)
    r = taskpar("run", src, "-w", 2, "--backend", backend, "--no-cache", cwd=tmp_path, env=ENV)
    assert r.returncode not in (0, None)
    assert "5 " not in r.stdout  # nothing from the iteration that died, nor after it
    (line,) = r.stderr.strip().splitlines()
    assert f"{src.name}:15 (`[part 6/8] for i in range(8):`), in iteration 6 of 8" in line, line
