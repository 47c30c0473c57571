"""Worker processes from the fork server (taskpar.backends.processes, runtime.forkserver)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psutil
import pytest

from support import assert_gone, python, taskpar, triple

from taskpar.backends.processes import ForkServer, fork_available
from taskpar.errors import WorkerStartError
from taskpar.runtime.environ import worker_environment

pytestmark = [pytest.mark.skipif(not fork_available(), reason="the fork server needs Linux"),
              pytest.mark.timeout(60)]


def fork_idle(server: ForkServer, w: int = 0):
    """A forked worker that waits for its Init (which never comes)."""
    parent, child = socket.socketpair()
    out = tempfile.TemporaryFile()
    try:
        proc = server.fork(w, os.getcwd(), None, child, out)
    finally:
        child.close()
    return proc, parent, out


def test_workers_are_the_servers_children_each_leading_its_group():
    with ForkServer() as server:
        procs = [fork_idle(server, w) for w in range(3)]
        pids = [p.pid for p, _, _ in procs]
        assert len(set(pids)) == 3
        for pid in pids:
            ps = psutil.Process(pid)
            assert ps.ppid() == server.proc.pid
            assert os.getpgid(pid) == pid  # its own group from the start: killpg reaches only it
            assert os.getsid(pid) == server.proc.pid  # no controlling terminal
        for p, ctl, out in procs:
            p.kill()
            p.reap(5)
            ctl.close()
            out.close()
        assert_gone(pids, 2.0)


def test_exit_status_is_reported_without_reaping_until_asked():
    with ForkServer() as server:
        proc, ctl, out = fork_idle(server)
        assert proc.exit_status() is None
        os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while proc.exit_status() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.exit_status() == ("signal", "SIGTERM")
        # not reaped yet: the pid (its group's id) cannot be anyone else's
        assert psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE
        proc.reap(5)
        assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).ppid() != server.proc.pid
        ctl.close()
        out.close()


def test_a_worker_whose_manager_closes_its_control_channel_exits():
    with ForkServer() as server:
        proc, ctl, out = fork_idle(server)
        ctl.close()  # EOF before Init: the worker ends itself and its group
        deadline = time.monotonic() + 10
        while proc.exit_status() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.exit_status() is not None
        proc.reap(5)
        out.close()


def test_closing_the_server_ends_the_workers_it_still_has():
    server = ForkServer()
    proc, ctl, out = fork_idle(server)
    server_pid = server.proc.pid
    server.close()
    assert_gone([proc.pid, server_pid], 5.0)
    ctl.close()
    out.close()


def test_a_server_that_cannot_start_says_so_with_its_stderr(tmp_path):
    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n")
    broken.chmod(0o755)
    with ForkServer(str(broken)) as server:
        with pytest.raises(WorkerStartError, match="(?s)fork server .* exited.*init_fs_encoding"):
            fork_idle(server)


def test_a_missing_interpreter_is_a_start_error(tmp_path):
    with pytest.raises(WorkerStartError, match="fork server could not start"):
        ForkServer(str(tmp_path / "no-such-python"))


def test_a_server_is_used_only_for_the_environment_it_was_started_with():
    env = worker_environment(os.environ) or dict(os.environ)
    with ForkServer(env=env) as server:
        # another run's hash seed is the same worker; another variable is not
        assert server.serves(sys.executable, dict(env, PYTHONHASHSEED="7"))
        assert not server.serves(sys.executable, dict(env, TASKPAR_TEST_OTHER="1"))
        assert not server.serves("/usr/bin/python-other", env)
    assert not server.serves(sys.executable, env)  # closed


def test_killing_the_manager_ends_the_server_and_its_workers(tmp_path):
    """The manager is SIGKILLed mid-run: PDEATHSIG and EOF end everything."""
    code = (
        "import os, socket, sys, tempfile, time\n"
        "from taskpar.backends.processes import ForkServer\n"
        "s = ForkServer()\n"
        "a, b = socket.socketpair()\n"
        "p = s.fork(0, os.getcwd(), None, b, tempfile.TemporaryFile())\n"
        "print(s.proc.pid, p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    manager = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               cwd=tmp_path)
    try:
        pids = [int(x) for x in manager.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
        manager.kill()
        manager.wait(10)
        assert_gone(pids, 5.0)
    finally:
        manager.kill()
        manager.wait(10)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_the_start_method_variable_chooses_how_workers_start(tmp_path, method):
    src = tmp_path / "s.py"
    src.write_text("import os\nx = os.getpid()\ny = os.getpid()\nprint(x != 0, y != 0)\n")
    env = dict(os.environ, TASKPAR_START_METHOD=method, TASKPAR_CACHE_DIR=str(tmp_path / "c"))
    assert triple(taskpar("run", src, "-w", "2", "--no-cache", cwd=tmp_path, env=env)) == \
        triple(python(src, cwd=tmp_path, env=env))


def test_an_unknown_start_method_is_a_clear_error(tmp_path):
    src = tmp_path / "s.py"
    src.write_text("print(1)\n")
    env = dict(os.environ, TASKPAR_START_METHOD="vfork")
    r = taskpar("run", src, "-w", "2", cwd=tmp_path, env=env)
    assert r.returncode == 2
    assert r.stderr == "taskpar: TASKPAR_START_METHOD=vfork: workers start by fork or spawn\n"
