"""Generated programs end to end: `taskpar run -w 3` prints what python prints.

The programs (tests/progen.py) mix aliasing, in-place mutation, globals read
by functions at call time, closures, classes, `del`, loops, the random module
and files; each is run with python and with taskpar on every backend.
"""

from __future__ import annotations

import os

import pytest

from progen import program_from_seed
from support import backend_matrix, python, require_backend, taskpar

#: programs per backend per CI run (TASKPAR_E2E_PROGRAMS to change)
PROGRAMS = int(os.environ.get("TASKPAR_E2E_PROGRAMS", "12"))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend,seed", backend_matrix(local=range(1000, 1000 + PROGRAMS),
                                                        other=range(2000, 2000 + PROGRAMS // 3)))
def test_generated_program_identical_to_python(seed, backend, tmp_path):
    require_backend(backend)
    src = tmp_path / f"gen_{seed}.py"
    src.write_text(program_from_seed(seed))
    expected = python(src, cwd=tmp_path)
    assert expected.returncode == 0, expected.stderr
    # without costs (--no-cache) auto assigns dynamically on the local and
    # mpi backends; dask, and every third program, run a static plan
    schedule = "static" if backend == "dask" or seed % 3 == 0 else "auto"
    got = taskpar("run", src, "-w", 3, "--backend", backend, "--no-cache", "--schedule", schedule,
                  cwd=tmp_path)
    assert (got.returncode, got.stdout, got.stderr) == (expected.returncode, expected.stdout,
                                                        expected.stderr), src.read_text()
