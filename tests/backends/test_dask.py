"""The Dask backend (taskpar.backends.dask, dask_worker) end to end:
LocalClusters it starts, clusters it is given.

Few clusters are started (each costs seconds): one module-scoped external
LocalCluster (``dask_cluster`` in conftest.py) serves every "given address"
test (many runs in a row on the same worker processes, as on a shared
cluster), and a handful of runs start their own. Plans come from the real
analysis (``taskpar.run.prepare``, by ``support.run_on``).

Every example on a cluster taskpar starts and on one it is given (python's
output; the given cluster keeps running with nothing of taskpar left on its
workers): tests/conformance/test_conformance.py ("dask", "dask-address").
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="dask backend needs: pip install 'taskpar[dask]'")

import psutil  # noqa: E402
from distributed import Client  # noqa: E402

from taskpar.backends.base import Backend  # noqa: E402
from taskpar.backends.dask import DaskBackend, segments  # noqa: E402
from taskpar.errors import (NetworkError, UnpicklableValueError, UsageError,  # noqa: E402
                            WorkerDied)
from taskpar.plan import Exec, Recv, Send  # noqa: E402
from taskpar.runtime.messages import StatementStarted  # noqa: E402
from support import EXAMPLES, assert_gone, run_on  # noqa: E402

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


# -- helpers -------------------------------------------------------------------------

def python_run(path, cwd):
    r = subprocess.run([sys.executable, str(path)], cwd=cwd, capture_output=True, text=True,
                       timeout=120, env=ENV)
    return r.returncode, r.stdout, r.stderr


def write(tmp_path, source: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def worker_pids(cluster) -> list[int]:
    with Client(cluster, set_as_default=False) as c:
        return sorted(c.run(os.getpid).values())


@pytest.fixture(scope="module")
def cluster(dask_cluster):
    """An external cluster, as a user would start one (the tests give its address)."""
    return dask_cluster


# -- pure helpers ------------------------------------------------------------------------

def test_dask_backend_implements_the_protocol():
    assert isinstance(DaskBackend(), Backend)
    assert DaskBackend().name == "dask"


def test_segments_end_after_each_exec_and_its_sends():
    program = (Recv("a", 0, 1), Exec(1, replica=True), Exec(2), Send("b", 2, 1), Send(None, 2, 2),
               Exec(3), Recv("c", 4, 1), Exec(5), Recv(None, 6, 1))
    assert segments(program) == [(0, 5), (5, 6), (6, 8), (8, 9)]


# -- an external cluster (given by address) ---------------------------------------------

@pytest.mark.timeout(60)
def test_in_place_mutation_persists_and_sent_values_are_snapshots(cluster, tmp_path):
    path = write(tmp_path, """\
        items = []                    # taskpar: worker 1
        items.append(1)               # taskpar: worker 1
        items.append(2)               # taskpar: worker 1
        import time                   # taskpar: worker 2
        time.sleep(0.5)               # taskpar: worker 2
        print("w2 sees", items)       # taskpar: worker 2
        items.append(3)               # taskpar: worker 1
        print("w1 has", items)        # taskpar: worker 1
    """)
    got = run_on(DaskBackend(cluster.scheduler_address), path, workers=2)
    assert got.stdout == "w2 sees [1, 2]\nw1 has [1, 2, 3]\n"
    assert got.status == 0 and got.stderr == ""
    workers = {got.reports[s].worker for s in (0, 1, 2, 6, 7)}
    assert workers == {0}


@pytest.mark.timeout(60)
def test_values_travel_between_workers(cluster, tmp_path):
    path = write(tmp_path, """\
        import numpy as np
        class Point:
            def __init__(self, x):
                self.x = x
        scale = 3
        def scaled(v):
            return v * scale
        p = Point(np.arange(5))                                   # taskpar: worker 1
        big = np.ones(3 << 20)                                    # taskpar: worker 1
        print(isinstance(p, Point), p.x.sum(), big.sum(), scaled(2))  # taskpar: worker 2
    """)
    got = run_on(DaskBackend(cluster.scheduler_address), path, workers=2)
    assert got.stdout == "True 10 3145728.0 6\n" and got.stderr == ""
    big = [t for t in got.transfers if t.var == "big"]
    assert big and big[0].nbytes >= 3 << 23 and (big[0].frm, big[0].to) == (0, 1)
    assert {t.var for t in got.transfers} >= {"p", "big"}


@pytest.mark.timeout(60)
def test_the_script_sees_pythons_main_argv_path_and_cwd(cluster, tmp_path):
    (tmp_path / "sibling.py").write_text("VALUE = 'sibling'\n")
    path = write(tmp_path, '''\
        """The docstring."""
        import os, sys
        import sibling
        print(__name__, __doc__, os.path.basename(__file__), sys.argv[1:])
        print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)), sibling.VALUE)
        print(os.getcwd() == os.path.dirname(os.path.abspath(__file__)))
        print(sys.modules["__main__"].__file__ == __file__, os.environ.get("OMP_NUM_THREADS"))
    ''')
    got = run_on(DaskBackend(cluster.scheduler_address), path, workers=2, args=("a", "b"))
    expected = subprocess.run([sys.executable, str(path), "a", "b"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    assert (got.stdout, got.stderr) == (expected.stdout, expected.stderr)


@pytest.mark.timeout(60)
def test_a_failing_statement_elsewhere_skips_later_statements(cluster, tmp_path):
    path = write(tmp_path, """\
        import time
        print("before")               # taskpar: worker 1
        x = 1 / 0                     # taskpar: worker 1
        time.sleep(0.5)               # taskpar: worker 2
        print("after")                # taskpar: worker 2
    """)
    got = run_on(DaskBackend(cluster.scheduler_address), path, workers=2)
    assert got.status == 1 and got.stdout == "before\n"
    assert f'File "{path}", line 3, in <module>' in got.stderr
    assert got.stderr.endswith("ZeroDivisionError: division by zero\n")
    assert "src/taskpar" not in got.stderr and "distributed" not in got.stderr
    assert got.reports[2].status == "error"


@pytest.mark.timeout(60)
def test_sys_exit_sets_the_status(cluster, tmp_path):
    path = write(tmp_path, """\
        import sys
        print("one")
        sys.exit(3)
        print("two")
    """)
    got = run_on(DaskBackend(cluster.scheduler_address), path, workers=2)
    assert (got.status, got.stdout, got.stderr) == (3, "one\n", "")


@pytest.mark.timeout(60)
def test_unpicklable_value_names_variable_lines_and_fix(cluster, tmp_path):
    # _thread.allocate_lock is not in the analysis's table of unpicklable
    # constructors (threading.Lock is: its users would share one worker)
    path = write(tmp_path, """\
        import _thread
        lock = _thread.allocate_lock()   # taskpar: worker 1
        print(lock.locked())      # taskpar: worker 2
    """)
    with pytest.raises(UnpicklableValueError) as info:
        run_on(DaskBackend(cluster.scheduler_address), path, workers=2)
    msg = str(info.value)
    assert "`lock`" in msg and ":2:" in msg and "line 3" in msg and "# taskpar: worker" in msg
    assert info.value.var == "lock" and info.value.producer == 1 and info.value.consumer == 2


@pytest.mark.timeout(60)
def test_unreachable_address_is_a_network_error_within_seconds(tmp_path):
    path = write(tmp_path, "print(1)\n")
    with pytest.raises(NetworkError) as info:
        run_on(DaskBackend("tcp://127.0.0.1:1", connect_timeout=2), path, workers=1)
    assert "tcp://127.0.0.1:1" in str(info.value) and "scheduler" in str(info.value)


@pytest.mark.timeout(60)
def test_bad_address_is_a_usage_error(tmp_path):
    path = write(tmp_path, "print(1)\n")
    with pytest.raises((UsageError, NetworkError)):
        run_on(DaskBackend("nonsense://x", connect_timeout=2), path, workers=1)


@pytest.mark.timeout(60)
def test_a_plan_wider_than_the_cluster_is_a_usage_error(cluster, tmp_path):
    path = write(tmp_path, "a = 1\nb = 2\nc = 3\nprint(a, b, c)\n")
    with pytest.raises(UsageError, match=r"needs 3 workers.* has 2; use -w 2"):
        run_on(DaskBackend(cluster.scheduler_address, connect_timeout=1), path, workers=3)


# -- clusters taskpar starts ----------------------------------------------------------------

@pytest.mark.timeout(90)
def test_own_cluster_fail_example_and_cluster_closed():
    backend = DaskBackend()
    got = run_on(backend, EXAMPLES / "fail.py", workers=2, cwd=EXAMPLES)
    assert (got.status, got.stdout, got.stderr) == python_run(EXAMPLES / "fail.py", EXAMPLES)
    assert backend.cluster is not None and backend.cluster.status.name == "closed"
    assert all(r.status in ("ok", "error", "skipped") for r in got.reports.values())


@pytest.mark.timeout(90)
def test_killed_worker_is_reported_within_seconds_and_the_cluster_closed(tmp_path):
    path = write(tmp_path, """\
        import time
        x = 1                         # taskpar: worker 1
        time.sleep(60)                # taskpar: worker 2
        print(x)                      # taskpar: worker 2
    """)
    backend = DaskBackend()
    pids: dict = {}
    killed_at: list[float] = []

    def on_event(e):
        if isinstance(e, StatementStarted) and e.stmt == 2 and not killed_at:
            with Client(backend.cluster, set_as_default=False) as c:
                pids.update(c.run(os.getpid))
            victim = pids[backend.addresses[1]]
            killed_at.append(time.monotonic())
            threading.Timer(0.3, os.kill, (victim, signal.SIGKILL)).start()
        return True

    with pytest.raises(WorkerDied) as info:
        run_on(backend, path, workers=2, on_event=on_event)
    assert killed_at
    msg = str(info.value)
    assert "worker 2" in msg and f"{path}:3" in msg, msg
    assert backend.cluster.status.name == "closed"
    assert_gone(pids.values())


@pytest.mark.timeout(90)
def test_stop_and_keyboard_interrupt_close_the_cluster(tmp_path):
    path = write(tmp_path, """\
        import time
        print("first")
        time.sleep(60)
    """)
    backend = DaskBackend()
    pids: list[int] = []

    def on_event(e):
        if isinstance(e, StatementStarted) and e.stmt == 2:
            pids.extend(worker_pids(backend.cluster))
            raise KeyboardInterrupt
        return True

    with pytest.raises(KeyboardInterrupt):
        run_on(backend, path, workers=2, on_event=on_event)
    assert backend.cluster.status.name == "closed"
    assert_gone(pids)


DRIVER = """\
import os, sys
sys.path[:0] = [os.path.dirname({tests!r})]  # support
from support import run_on
from taskpar.backends.dask import DaskBackend
from taskpar.runtime.messages import StatementStarted


def on_event(e):
    if isinstance(e, StatementStarted) and e.stmt == 2:
        print("sleeping", flush=True)
    return True


if __name__ == "__main__":
    try:  # as the CLI does: the driver's own interrupt is one line
        run_on(DaskBackend(), sys.argv[1], workers=2, on_event=on_event)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", file=sys.stderr)
        sys.exit(130)
"""


@pytest.mark.timeout(90)
def test_ctrl_c_to_the_process_group_leaves_no_dask_noise(tmp_path):
    """A terminal's Ctrl-C reaches the Dask workers too: they must not print tracebacks."""
    path = write(tmp_path, """\
        import time
        print("started", flush=True)
        time.sleep(60)
    """)
    driver = write(tmp_path, DRIVER.format(tests=str(Path(__file__).parent)), "driver.py")
    proc = subprocess.Popen([sys.executable, str(driver), str(path)], cwd=tmp_path,
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "sleeping\n"  # the cluster is up, the sleep runs
        children = [c for c in psutil.Process(proc.pid).children(recursive=True)
                    if "spawn_main" in " ".join(c.cmdline())]
        assert len(children) == 2
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0
    assert "KeyboardInterrupt" in err
    assert "distributed" not in err and "Nanny" not in err, err
    assert_gone([c.pid for c in children])
