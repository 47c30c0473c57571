"""The venv fixture of the generated-program tests (see ``mpi_support``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # mpi_support, naive_analysis

from mpi_support import make_mpi_env  # noqa: E402


@pytest.fixture(scope="session")
def mpi_env():
    """(python, mpiexec) of a venv with mpi4py, mpich and the examples'
    libraries but no taskpar; skipped with the reason outside CI when it
    cannot be made."""
    env = make_mpi_env()
    if isinstance(env, str):
        if os.environ.get("CI"):
            pytest.fail(env)
        pytest.skip(env)
    return env
