"""Finding MPI: ``mpiexec`` (on PATH, else beside this Python, where the
``mpich`` wheel puts it) and mpi4py; the hint to install them when missing."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

from ...errors import BackendUnavailable

__all__ = ["find_mpiexec", "require_mpi4py", "INSTALL_HINT"]

INSTALL_HINT = "install the mpi extra: pip install 'taskpar[mpi]'"


def find_mpiexec(path: str | None = None, prefix: str | None = None) -> str:
    """``mpiexec`` on ``path`` (default $PATH), else in ``prefix``/bin (default
    this Python's prefix, where the ``mpich`` wheel puts it)."""
    found = shutil.which("mpiexec", path=path)
    if found:
        return found
    prefix = sys.prefix if prefix is None else prefix
    for name in ("mpiexec", "mpiexec.hydra"):
        candidate = os.path.join(prefix, "bin", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise BackendUnavailable(f"the mpi backend needs mpiexec, which is neither on PATH nor in "
                             f"{os.path.join(prefix, 'bin')}; {INSTALL_HINT}")


def require_mpi4py() -> None:
    if importlib.util.find_spec("mpi4py") is None:
        raise BackendUnavailable(f"the mpi backend needs mpi4py, which is not installed; "
                                 f"{INSTALL_HINT}")
