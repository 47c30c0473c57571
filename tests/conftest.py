"""Shared fixtures. Helper functions live in ``support.py`` (import them
with ``from support import ...``; this file puts tests/ on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # support.py, progen.py

from support import CONFORMANCE_BACKENDS, EXAMPLES, require_backend  # noqa: E402


@pytest.fixture
def examples_dir():
    return EXAMPLES


def pytest_configure(config):
    # Picture tests need Graphviz's `dot`; CI installs it (.ci/run).
    config.addinivalue_line("markers", "needs_dot: needs Graphviz's dot program")
    # Stress and repetition tests (the same run many times to catch races).
    # CI runs them like any other test; `-m "not slow"` leaves them out of a
    # quick local run.
    config.addinivalue_line("markers", "slow: stress and repetition tests (CI runs them)")


@pytest.fixture(params=CONFORMANCE_BACKENDS)
def backend(request):
    return require_backend(request.param)


@pytest.fixture(scope="module")
def dask_cluster():
    """A Dask cluster taskpar did not start, as a user would start one (tests
    give its address): 2 worker processes, one thread each; one per module."""
    pytest.importorskip("distributed", reason="dask backend needs: pip install 'taskpar[dask]'")
    import logging

    from distributed import LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, scheduler_port=0,
                     dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                     host="127.0.0.1", silence_logs=logging.CRITICAL)
    yield c
    c.close()
