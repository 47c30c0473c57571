"""Running generated mpi4py programs in tests: a virtual environment that
holds mpi4py, the mpich wheel and the libraries the example scripts import
-- not taskpar --, ``mpiexec`` from it, and python itself to compare with.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: BLAS threads: the ranks share the machine's cores
QUIET_BLAS = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
#: the venv's environment: no PYTHONPATH (a developer's PYTHONPATH=src would
#: let the generated program import taskpar, which it must not need)
VENV_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **QUIET_BLAS}
#: what the venv holds (the loop examples run under mpiexec import numpy
#: and matplotlib)
PACKAGES = ("mpi4py", "mpich", "numpy", "matplotlib")


def make_mpi_env() -> tuple[str, str] | str:
    """``(python, mpiexec)`` of the venv, or why it cannot be made.

    Made once and kept in the temp directory between sessions (made again
    when broken or made with other packages)."""
    root = Path(tempfile.gettempdir()) / f"taskpar-mpi-venv-py{sys.version_info[0]}{sys.version_info[1]}"
    python, mpiexec = root / "bin" / "python", root / "bin" / "mpiexec"
    marker, wanted = root / "ready", " ".join(PACKAGES) + "\n"
    # one maker at a time: test processes running at once (pytest -n, two
    # sessions) would otherwise `venv --clear` each other's venv
    with open(f"{root}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists() or marker.read_text() != wanted:
            steps = [[sys.executable, "-m", "venv", "--clear", str(root)],
                     [str(python), "-m", "pip", "install", "-q", *PACKAGES]]
            for argv in steps:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=900)
                if r.returncode != 0:
                    return f"cannot make the mpi venv ({' '.join(argv[:4])}): {r.stderr[-500:]}"
            marker.write_text(wanted)
    r = subprocess.run([str(python), "-c", "import taskpar"], capture_output=True, text=True,
                       env=VENV_ENV, timeout=60)
    assert r.returncode != 0 and "No module named 'taskpar'" in r.stderr, "the venv must not see taskpar"
    return str(python), str(mpiexec)


def run_mpi(env, program, workers, cwd, timeout=110):
    python, mpiexec = env
    r = subprocess.run([mpiexec, "-n", str(workers), python, str(program)], cwd=cwd, timeout=timeout,
                       capture_output=True, text=True, env=VENV_ENV)
    return r.returncode, r.stdout, r.stderr


def run_python(path, cwd, timeout=110):
    r = subprocess.run([sys.executable, str(path)], cwd=cwd, timeout=timeout, capture_output=True,
                       text=True, env={**os.environ, **QUIET_BLAS})
    return r.returncode, r.stdout, r.stderr
