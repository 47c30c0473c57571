"""Fixtures of the runtime tests (helpers live in ``rt_helpers``)."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def shm_clean():
    """Fails the test if it leaves files of a run in /dev/shm."""
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    yield
    after = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    left = {f for f in after - before if f.startswith("taskpar-")}
    assert not left, f"shared memory left behind: {sorted(left)}"
