"""The local backend (taskpar.backends.local) end to end: processes, sockets, faults."""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from support import assert_gone, run_on

import rt_helpers
from rt_helpers import make_plan, write_script

from taskpar.backends.base import Backend
from taskpar.backends.local import LocalBackend
from taskpar.errors import UnpicklableValueError, WorkerDied, WorkerStartError
from taskpar.runtime.messages import StatementStarted

HERE = Path(__file__).resolve().parent


@pytest.fixture(autouse=True, params=["static", "dynamic"])
def plan_mode(request, monkeypatch):
    """Every test here runs twice: on a static plan and with dynamic assignment."""
    monkeypatch.setattr(rt_helpers, "DYNAMIC", request.param == "dynamic")
    return request.param


def python_run(path: Path, cwd: Path):
    return subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_local_backend_implements_the_protocol():
    assert isinstance(LocalBackend(), Backend)


# Every example on this backend, forked and spawned workers (python's stdout,
# stderr and exit status): tests/conformance/test_conformance.py ("local",
# "local-spawn").


@pytest.mark.timeout(60)
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_the_start_method_decides_whether_a_fork_server_forks_the_workers(start_method,
                                                                           tmp_path, shm_clean):
    script = write_script(tmp_path, """\
        import os
        a = os.getpid()              # taskpar: worker 1
        b = os.getpid()              # taskpar: worker 2
        print(a != b)                # taskpar: worker 1
    """)
    backend = LocalBackend(start_method=start_method)
    result = run_on(backend, make_plan(script, 2), cwd=tmp_path, to_end=True)
    assert result.stdout == "True\n" and result.stderr == ""
    assert (backend.server_pid is None) == (start_method == "spawn")


@pytest.mark.timeout(60)
def test_values_travel_between_workers(tmp_path, shm_clean):
    script = write_script(tmp_path, """\
        import numpy as np
        class Point:
            def __init__(self, x):
                self.x = x
        p = Point(np.arange(5))                       # taskpar: worker 1
        big = np.ones(3 << 20)                         # taskpar: worker 1
        print(isinstance(p, Point), p.x.sum(), big.sum())   # taskpar: worker 2
    """)
    plan = make_plan(script, 2)
    result = run_on(LocalBackend(), plan, cwd=tmp_path, to_end=True)
    assert result.stdout == "True 10 3145728.0\n"
    moved = {t.var for t in result.transfers}
    assert moved == {"p", "big"}
    big = [t for t in result.transfers if t.var == "big"][0]
    assert big.nbytes >= 3 << 23 and big.frm == 0 and big.to == 1


@pytest.mark.timeout(60)
def test_the_script_sees_pythons_environment(tmp_path, monkeypatch):
    (tmp_path / "sibling.py").write_text("VALUE = 'sibling'\n")
    script = write_script(tmp_path, '''\
        """The docstring."""
        import os, sys
        import sibling
        print(__name__, __file__ == os.path.abspath(sys.argv[0]), sys.argv[1:])
        print(sys.path[0] == os.path.dirname(__file__), os.getcwd() == os.environ["EXPECT_CWD"])
        print(__doc__, sibling.VALUE, os.environ.get("TASKPAR_SECRET"), sys.modules["__main__"].__doc__)
    ''', barrier_lines=range(1, 100))
    monkeypatch.setenv("EXPECT_CWD", str(tmp_path))  # the driver's environment is the job's
    result = run_on(LocalBackend(), make_plan(script, 2), cwd=tmp_path, args=("a", "-b"),
                    to_end=True)
    assert result.stdout == ("__main__ True ['a', '-b']\nTrue True\n"
                             "The docstring. sibling None The docstring.\n")


@pytest.mark.timeout(60)
def test_exit_stops_later_statements_and_keeps_earlier_output(tmp_path):
    script = write_script(tmp_path, """\
        import sys, time
        a = 1                     # taskpar: worker 2
        print("before")           # taskpar: worker 1
        sys.exit("stopping")      # taskpar: worker 1
        t = time.sleep(0.5)       # taskpar: worker 2
        print("after", t)         # taskpar: worker 2
    """)
    result = run_on(LocalBackend(), make_plan(script, 2), cwd=tmp_path, to_end=True)
    r = result.reports
    assert r[3].status == "exit" and r[3].exit_code == 1 and r[3].chunks == ((2, "stopping\n"),)
    # statement 4 may have started before the exit was known; 5 cannot have. A
    # static plan reports it skipped; dynamic assignment may never have handed
    # it out (it is assigned only if the print before the exit finished while
    # worker 2 had room), and then it has no report at all
    assert (r[5].status == "skipped") if 5 in r else rt_helpers.DYNAMIC
    assert result.stdout == "before\n"
    assert r[1].status == "ok"


@pytest.mark.timeout(60)
def test_unpicklable_value_names_variable_lines_and_fix(tmp_path):
    script = write_script(tmp_path, """\
        import threading
        lock = threading.Lock()   # taskpar: worker 1
        print(lock.locked())      # taskpar: worker 2
    """)
    with pytest.raises(UnpicklableValueError) as info:
        run_on(LocalBackend(), make_plan(script, 2), cwd=tmp_path, to_end=True)
    msg = str(info.value)
    assert "`lock`" in msg and ":2:" in msg and "line 3" in msg
    assert "# taskpar: worker" in msg and "Pin both lines to one worker" in msg
    assert info.value.var == "lock" and info.value.producer == 1 and info.value.consumer == 2


@pytest.mark.timeout(60)
@pytest.mark.parametrize("measured", ["unmeasured", "measured_quick"])
def test_worker_killed_mid_run_is_reported_and_nothing_survives(measured, tmp_path, shm_clean):
    """measured_quick: earlier runs measured every statement quick, so the
    worker announces them late (runtime.outbox); this time one runs long and
    its worker is killed: the outbox's thread has announced it by then."""
    from dataclasses import replace

    script = write_script(tmp_path, """\
        import time
        x = 1                   # taskpar: worker 1
        time.sleep(60)          # taskpar: worker 2
        print(x)                # taskpar: worker 2
    """)
    plan = make_plan(script, 2)
    if measured == "measured_quick":
        n = len(plan.graph.statements)
        plan = replace(plan, schedule=replace(plan.schedule, cost=(1e-5,) * n,
                                              estimated=frozenset()))
    backend = LocalBackend()

    def on_event(e):
        if isinstance(e, StatementStarted) and e.stmt == 2:
            threading.Timer(0.2, os.kill, (backend.pids[1], signal.SIGKILL)).start()
        return True

    with pytest.raises(WorkerDied) as info:
        run_on(backend, plan, cwd=tmp_path, on_event=on_event, to_end=True)
    msg = str(info.value)
    assert "worker 2" in msg and "SIGKILL" in msg and f"{script.filename}:3" in msg
    assert_gone(backend.pids, 2.0)


@pytest.mark.timeout(60)
def test_worker_exit_is_reported_with_its_code(tmp_path):
    script = write_script(tmp_path, """\
        import os
        os._exit(3)
    """)
    backend = LocalBackend()
    with pytest.raises(WorkerDied, match=r"worker 1 exited with code 3 while running .*:2"):
        run_on(backend, make_plan(script, 1), cwd=tmp_path, to_end=True)
    assert_gone(backend.pids, 2.0)


@pytest.mark.timeout(60)
def test_manager_killed_takes_its_workers_with_it(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text("import os, time\nos.system('sleep 60 &')\ntime.sleep(60)  # taskpar: worker 2\n"
                      "y = 1  # taskpar: worker 1\n")
    pidfile = tmp_path / "pids.json"
    manager = subprocess.Popen([sys.executable, str(HERE / "manager_main.py"), str(script), "2",
                                str(pidfile)], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = json.loads(pidfile.read_text())
        time.sleep(0.5)
        group = [c.pid for p in pids for c in psutil.Process(p).children(recursive=True)] + pids
        manager.kill()
        manager.wait()
        assert_gone(group, 2.5)
    finally:
        manager.kill()


@pytest.mark.timeout(60)
def test_stdin_reaches_the_statement_that_reads_it(tmp_path):
    script = tmp_path / "reader.py"
    script.write_text("import sys\nline = sys.stdin.readline()\nprint(line.upper(), end='')\n")
    out = subprocess.run([sys.executable, str(HERE / "manager_main.py"), str(script), "2",
                          str(tmp_path / "pids.json")], cwd=tmp_path, input="hello\n",
                         capture_output=True, text=True, timeout=30)
    assert out.stdout == "HELLO\n", out.stderr


@pytest.mark.timeout(60)
def test_rogue_client_cannot_make_a_worker_unpickle(tmp_path):
    marker = tmp_path / "pwned"
    script = write_script(tmp_path, """\
        import time
        x = 21                      # taskpar: worker 1
        time.sleep(1.0)             # taskpar: worker 2
        print(x * 2)                # taskpar: worker 2
    """)
    evil = pickle.dumps(type("E", (), {"__reduce__": lambda self: (open, (str(marker), "w"))})())
    backend = LocalBackend()
    attacked = []

    def attack(port):
        for data in (evil, struct.pack("!I", len(evil)) + evil, b"\0" * 8 + evil):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                    s.sendall(data)
                    s.settimeout(2)
                    try:
                        while s.recv(4096):
                            pass
                    except (socket.timeout, OSError):
                        pass
            except OSError:
                pass
        attacked.append(port)

    def on_event(e):
        if isinstance(e, StatementStarted) and e.stmt == 2:
            for w, pid in enumerate(backend.pids):
                for conn in psutil.Process(pid).net_connections(kind="tcp"):
                    if conn.status == psutil.CONN_LISTEN:
                        threading.Thread(target=attack, args=(conn.laddr.port,)).start()
        return True

    result = run_on(backend, make_plan(script, 2), cwd=tmp_path, on_event=on_event, to_end=True)
    assert result.stdout == "42\n"
    time.sleep(0.5)
    assert len(attacked) == 2
    assert not marker.exists()


@pytest.mark.timeout(60)
def test_stop_requested_by_the_driver_kills_everything(tmp_path):
    script = write_script(tmp_path, """\
        import time
        print("first")
        time.sleep(60)
    """)
    backend = LocalBackend()
    run_on(backend, make_plan(script, 2), cwd=tmp_path, to_end=True,
           on_event=lambda e: not (hasattr(e, "chunks") and e.chunks))
    assert_gone(backend.pids, 2.0)


@pytest.mark.timeout(60)
def test_keyboard_interrupt_in_the_manager_kills_workers_and_propagates(tmp_path):
    script = write_script(tmp_path, "import time\ntime.sleep(60)\n")
    backend = LocalBackend()

    def on_event(e):
        if isinstance(e, StatementStarted) and e.stmt == 1:
            raise KeyboardInterrupt
        return True

    with pytest.raises(KeyboardInterrupt):
        run_on(backend, make_plan(script, 2), cwd=tmp_path, on_event=on_event, to_end=True)
    assert_gone(backend.pids, 2.0)


@pytest.mark.timeout(60)
def test_worker_that_cannot_start_reports_its_stderr(tmp_path):
    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'ImportError: no module named encodings' >&2\nexit 1\n")
    broken.chmod(0o755)
    script = write_script(tmp_path, "x = 1\n")
    with pytest.raises(WorkerStartError, match="no module named encodings"):
        run_on(LocalBackend(python=str(broken)), make_plan(script, 2), cwd=tmp_path, to_end=True)


@pytest.mark.timeout(300)
def test_two_workers_exchange_1_gib_at_once_through_sockets(tmp_path):
    script = write_script(tmp_path, """\
        import numpy as np
        a = np.full(1 << 27, 1.0)    # taskpar: worker 1
        b = np.full(1 << 27, 2.0)    # taskpar: worker 2
        print(b[::4096].sum())       # taskpar: worker 1
        print(a[::4096].sum())       # taskpar: worker 2
    """)
    result = run_on(LocalBackend(use_shm=False), make_plan(script, 2), cwd=tmp_path, to_end=True)
    assert result.stdout == "65536.0\n32768.0\n"
    assert sorted(t.nbytes >= 1 << 30 for t in result.transfers) == [True, True]


def test_cleanup_removes_the_runs_shared_memory_leftovers():
    from taskpar.backends.local import _cleanup
    from taskpar.runtime.transport import SHM_DIR, shm_prefix

    mine = os.path.join(SHM_DIR, shm_prefix("0123abcd") + "w0-1")
    other = os.path.join(SHM_DIR, shm_prefix("ffffffff") + "w0-1")
    for path in (mine, other):
        with open(path, "wb") as f:
            f.write(b"x")
    try:
        _cleanup([], "0123abcd")
        assert not os.path.exists(mine)
        assert os.path.exists(other)  # another run's file is not ours to remove
    finally:
        for path in (mine, other):
            if os.path.exists(path):
                os.unlink(path)


@pytest.mark.timeout(60)
def test_same_warning_on_two_workers_carries_one_key(tmp_path):
    script = write_script(tmp_path, """\
        import warnings
        def old():
            warnings.warn("old is deprecated", UserWarning)
        a = old()     # taskpar: worker 1
        b = old()     # taskpar: worker 2
    """)
    result = run_on(LocalBackend(), make_plan(script, 2), cwd=tmp_path, to_end=True)
    r = result.reports
    keys = [w for s in (2, 3) for w in r[s].warnings]
    assert [k for k, _ in keys] == [("UserWarning", "old is deprecated", script.filename, 3)] * 2
    for s in (2, 3):
        (key, index), = r[s].warnings
        assert r[s].chunks[index] == (2, f"{script.filename}:3: UserWarning: old is deprecated\n"
                                         '  warnings.warn("old is deprecated", UserWarning)\n')


@pytest.mark.timeout(60)
def test_chained_exception_in_a_script_function_matches_python(tmp_path):
    script = write_script(tmp_path, """\
        def parse(text):
            try:
                return int(text)
            except ValueError as e:
                raise RuntimeError(f"bad input {text!r}") from e
        print("start")                # taskpar: worker 1
        value = parse("x1")           # taskpar: worker 2
        print("never")                # taskpar: worker 1
    """)
    expected = python_run(Path(script.filename), tmp_path)
    result = run_on(LocalBackend(), make_plan(script, 2), cwd=tmp_path, to_end=True)
    assert expected.returncode == 1
    assert result.reports[2].status == "error"
    assert result.stdout == expected.stdout
    assert result.stderr == expected.stderr
