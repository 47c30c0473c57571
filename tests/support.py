"""Helpers shared by the test suites: example paths, running the CLI and python."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: test-only stand-ins for heavy examples (same statements, less work; see each header)
STANDINS = ROOT / "tests" / "standins"


def run_cmd(argv, *, cwd=None, timeout=120, input=None, env=None):
    """Run a command, return CompletedProcess with text stdout/stderr."""
    return subprocess.run(argv, cwd=cwd, timeout=timeout, input=input, env=env,
                          capture_output=True, text=True)


def taskpar(*args, **kw):
    return run_cmd([sys.executable, "-m", "taskpar", *map(str, args)], **kw)


def python(*args, **kw):
    return run_cmd([sys.executable, *map(str, args)], **kw)


def triple(p) -> tuple:
    """What a user sees of a run: (exit status, stdout, stderr)."""
    return (p.returncode, p.stdout, p.stderr)


def generated_program_run(base, seed: int, source: str):
    """A generated program in its own directory ``base/seed<seed>`` (its
    ``prog.py``, a ``cache`` for taskpar, python's run in ``py``): returns
    ``(directory, script path, env with that cache, python's triple)``."""
    d = base / f"seed{seed}"
    d.mkdir()
    path = d / "prog.py"
    path.write_text(source)
    (d / "cache").mkdir()
    env = dict(os.environ, TASKPAR_CACHE_DIR=str(d / "cache"))
    (d / "py").mkdir()
    return d, path, env, triple(python(path, cwd=d / "py", timeout=60))


def _backend_available(name: str) -> str | None:
    """None if usable, else the reason it is not."""
    import importlib.util

    if name == "dask" and importlib.util.find_spec("distributed") is None:
        return "dask backend needs: pip install 'taskpar[dask]'"
    if name == "mpi":
        if importlib.util.find_spec("mpi4py") is None:
            return "mpi backend needs: pip install 'taskpar[mpi]'"
        from taskpar.backends.mpi import find_mpiexec

        try:
            find_mpiexec()
        except Exception as e:  # noqa: BLE001 - the reason is the message
            return str(e)
    return None


# Backends the conformance suite runs on. Extended as backends land.
CONFORMANCE_BACKENDS = ["local", "dask", "mpi"]


def require_backend(name: str) -> str:
    """Skip (outside CI) or fail (in CI) when backend ``name`` cannot run here."""
    reason = _backend_available(name)
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"backend {name} missing in CI: {reason}")
        pytest.skip(reason)
    return name


def backend_matrix(local, other):
    """(backend, value) pairs: ``local`` values for the local backend, the
    (fewer) ``other`` values for engines that take seconds to start."""
    return [("local", v) for v in local] + [(b, v) for b in CONFORMANCE_BACKENDS[1:] for v in other]



def assert_gone(pids, within: float = 5.0):
    """Fail unless every process in ``pids`` has exited within ``within`` seconds."""
    import time

    import psutil

    deadline = time.monotonic() + within
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.05)
    assert not alive, f"processes still alive: {alive}"
