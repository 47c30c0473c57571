"""Fixtures of the backend tests (plans without the analysis: ``rt_helpers``;
running them: ``support.run_on``)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def shm_clean(monkeypatch):
    """Fails the test if a run it made leaves files in /dev/shm.

    Only this test's runs (their run ids) are looked at: other tests, of this
    session or another, may be running at the same time with files of theirs.
    """
    from taskpar.backends.local import LocalBackend
    from taskpar.runtime.transport import SHM_DIR, shm_prefix

    runs = []
    real_run = LocalBackend.run

    def run(self, *args, **kwargs):
        try:
            return real_run(self, *args, **kwargs)
        finally:
            runs.append(self.run_id)

    monkeypatch.setattr(LocalBackend, "run", run)
    yield
    assert runs, "shm_clean: the test made no run on the local backend"
    prefixes = tuple(shm_prefix(r) for r in runs if r)
    left = sorted(f for f in os.listdir(SHM_DIR) if f.startswith(prefixes)) \
        if prefixes and os.path.isdir(SHM_DIR) else []
    assert not left, f"shared memory left behind: {left}"
