"""Shared fixtures. Helper functions live in ``support.py`` (import them
with ``from support import ...``; this file puts tests/ on sys.path)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # support.py, progen.py

from support import EXAMPLES  # noqa: E402


@pytest.fixture
def examples_dir():
    return EXAMPLES


def pytest_configure(config):
    # Picture tests need Graphviz's `dot`; CI installs it (.ci/run).
    config.addinivalue_line("markers", "needs_dot: needs Graphviz's dot program")


def _backend_available(name: str) -> str | None:
    """None if usable, else the reason it is not."""
    import importlib.util
    import shutil

    if name == "dask" and importlib.util.find_spec("distributed") is None:
        return "dask backend needs: pip install 'taskpar[dask]'"
    if name == "mpi":
        if importlib.util.find_spec("mpi4py") is None:
            return "mpi backend needs: pip install 'taskpar[mpi]'"
    return None


# Backends the conformance suite runs on. Extended as backends land.
CONFORMANCE_BACKENDS = ["local"]


@pytest.fixture(params=CONFORMANCE_BACKENDS)
def backend(request):
    reason = _backend_available(request.param)
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"backend {request.param} missing in CI: {reason}")
        pytest.skip(reason)
    return request.param
