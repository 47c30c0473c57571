"""A rank's beacon (taskpar.runtime.mpi.beacon): what it ran when it died.

The mpi backend names the statement a dead rank was running from the
rank's records, which rank 0 forwards; Hydra kills rank 0 right after the
death, often before the last records went out (CI saw "killed while
running `import os, signal`" for a rank killed three statements later).
The beacon is what the rank wrote itself, in memory shared with the
launcher, and survives its SIGKILL. End to end: tests/conformance's
``test_killed_worker_is_reported_with_the_statement[mpi]``.
"""

from __future__ import annotations

import os
import signal

import pytest

from taskpar.analysis import analyze_source
from taskpar.graph import build_graph
from taskpar.manager import Running
from taskpar.runtime.messages import Job, LoopBlock
from taskpar.runtime.mpi.beacon import Beacons
from taskpar.plan import build_plan
from taskpar.schedule import schedule


def _killed_child(directory, write) -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        beacons = Beacons.open(directory)
        write(beacons)
        os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)


@pytest.mark.timeout(30)
def test_a_killed_rank_leaves_its_statement_and_iterations(tmp_path):
    launcher = Beacons.create(str(tmp_path), 3)

    def write(b):
        b.started(1, 4)
        b.reported(1)
        b.started(1, 7)
        b.block(1, 5, 8, 24)
        b.started(2, 2)

    _killed_child(str(tmp_path), write)
    assert launcher.read(1) == (7, (5, 8, 24))
    assert launcher.read(2) == (2, None)
    assert launcher.read(0) == (None, None)  # rank 0 runs no statements
    assert launcher.read(5) == (None, None)  # no such rank


@pytest.mark.timeout(30)
def test_a_rank_between_statements_is_said_to_be(tmp_path):
    launcher = Beacons.create(str(tmp_path), 2)
    _killed_child(str(tmp_path), lambda b: (b.started(1, 3), b.reported(1)))
    assert launcher.read(1) == (None, None)


def test_no_beacon_file_is_no_beacon(tmp_path):
    assert Beacons.open(str(tmp_path)) is None


def test_the_beacon_overrides_records_that_were_lost(tmp_path):
    src = "import os, signal\na = 1\nb = os.kill(os.getpid(), signal.SIGKILL)\n"
    script = analyze_source(src, "suicide.py")
    graph = build_graph(script)
    plan = build_plan(graph, schedule(graph, 2))
    running = Running(Job(script, ("suicide.py",), str(tmp_path), str(tmp_path)), plan)
    running.started(0, 0)  # all rank 0 forwarded before it was killed
    running.restore(0, 2, None)
    assert "suicide.py:3" in running.where(0)
    running.restore(0, 2, (3, 4, 10))
    assert running.where(0).endswith(", in iterations 3–4 of 10")
    running.restore(0, None, None)
    assert running.where(0) == "between statements"
    running.block(LoopBlock(2, 0, 1, 1, 1))  # not running 2 any more: ignored
    assert running.where(0) == "between statements"

