"""Live output: a long statement's output shows while it runs, as under python.

Liveness is proved by a handshake, never by timing: the script prints
``tick 0`` and then waits (up to 30 s, then prints ``gave up``) for a file
the test creates only once it has *read* ``tick 0``. Output held back until
the statement ends would arrive only after ``gave up``.

Without processes: what the manager writes at once and what it holds
(``Replay``) is in tests/core/test_replay.py; which output the worker's
runner counts as flushed by python's buffering rules (``StatementRunner``
with a fake clock) in tests/runtime/test_capture.py.
"""

from __future__ import annotations

import errno
import os
import select
import subprocess
import sys
import textwrap
import time

import pytest

from support import CONFORMANCE_BACKENDS, require_backend

# -- real runs: the handshake ------------------------------------------------------

TICKS = """\
    import os
    import sys
    import time
    from handshake import wait_for

    go = sys.argv[1]
    print("out before")
    print("err before", file=sys.stderr)
    for k in range(2):
        print("line", k)
        n = k
    for i in range(2):
        {emit}
        if i == 0 and not wait_for(go):
            print("gave up", flush=True)
    print("after", n)
    """

HANDSHAKE = """\
    import os
    import time


    def wait_for(path, limit=30.0):
        deadline = time.monotonic() + limit
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.02)
        return os.path.exists(path)


    def touch(path):
        open(path, "w").close()
    """


def env_for(tmp_path, unbuffered: bool):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    env.update(TASKPAR_CACHE_DIR=str(tmp_path / "cache"), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    return env


def write_scripts(tmp_path, source):
    (tmp_path / "handshake.py").write_text(textwrap.dedent(HANDSHAKE))
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return script


def run_with_handshake(argv, tmp_path, env, terminal: bool, go, then=None):
    """Run ``argv`` with stdout and stderr on one pty (``terminal``) or on two
    pipes; create ``go`` once ``tick 0`` was read from stdout (after
    ``then()``, if given). Returns (exit status, [bytes read per stream])."""
    if os.path.exists(go):
        os.unlink(go)
    if terminal:
        master, slave = os.openpty()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                                cwd=tmp_path, env=env)
        os.close(slave)
        order = [master]
    else:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=tmp_path, env=env)
        order = [proc.stdout.fileno(), proc.stderr.fileno()]
    data = {fd: bytearray() for fd in order}
    reading = set(order)
    told = False
    try:
        while reading:  # until EOF on every stream (the pytest timeout bounds it)
            ready, _, _ = select.select(list(reading), [], [], 1.0)
            for fd in ready:
                try:
                    got = os.read(fd, 65536)
                except OSError as e:  # EIO: the pty's other side is closed
                    if e.errno != errno.EIO:
                        raise
                    got = b""
                if not got:
                    reading.discard(fd)
                data[fd] += got
            if not told and b"tick 0" in data[order[0]]:
                told = True
                if then is not None:
                    then()
                open(go, "w").close()
        status = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if terminal:
            os.close(master)
        else:
            proc.stdout.close()
            proc.stderr.close()
    return status, [bytes(data[fd]) for fd in order]


def taskpar_argv(script, *args, backend="local", workers=2):
    return [sys.executable, "-m", "taskpar", "run", str(script), *map(str, args), "-w",
            str(workers), "--backend", backend, "--no-progress", "--no-cache"]


EMIT = {
    "flush": 'print("tick", i, n, flush=True)',
    "newline": 'print("tick", i, n)',
    # straight to fd 1, as C code or a child process writes: unbuffered
    "fd": 'os.write(1, f"tick {i} {n}\\n".encode())',
}

LIVE_CASES = {
    # (stdout on a terminal, PYTHONUNBUFFERED, how `tick 0` is written)
    "terminal-flush": (True, False, "flush"),
    "terminal-newline": (True, False, "newline"),
    "pipe-flush": (False, False, "flush"),
    "pipe-unbuffered": (False, True, "newline"),
    "terminal-fd": (True, False, "fd"),  # (on a pipe python would put it before
    # the block-buffered lines printed earlier)
}


@pytest.mark.timeout(150)
@pytest.mark.parametrize("backend,terminal,unbuffered,emit", [
    pytest.param(backend, *case, id=f"{name}-{backend}")
    for backend in CONFORMANCE_BACKENDS for name, case in LIVE_CASES.items()
    # mpi and dask take seconds to start (the suite's time): two cases there
    if backend == "local" or name in ("terminal-newline", "pipe-flush")])
def test_a_long_statement_shows_its_output_while_it_runs(tmp_path, backend, terminal, unbuffered,
                                                         emit):
    require_backend(backend)
    script = write_scripts(tmp_path, TICKS.format(emit=EMIT[emit]))
    env = env_for(tmp_path, unbuffered)
    go = tmp_path / "go"
    expected = run_with_handshake([sys.executable, str(script), go], tmp_path, env, terminal, go)
    got = run_with_handshake(taskpar_argv(script, go, backend=backend), tmp_path, env, terminal,
                             go)
    assert b"gave up" not in b"".join(expected[1])  # python itself is live here
    assert got == expected
    assert b"gave up" not in b"".join(got[1])


AHEAD = """\
    import sys
    import time
    from handshake import touch, wait_for

    for k in range(2):
        print("first", k)
        n = k
    for i in range(2):  # taskpar: worker 1
        print("tick", i, n, flush=True)
        if i == 0 and not wait_for(sys.argv[1]):
            print("gave up", flush=True)
    for j in range(3):  # taskpar: worker 2
        print("ahead", j, flush=True)
        print("ahead err", j, file=sys.stderr, flush=True)
        time.sleep(0.2)
        if j == 1:
            touch(sys.argv[2])
    print("last")
    """


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend,terminal", [("local", True), ("local", False), ("mpi", True)],
                         ids=["local-terminal", "local-pipe", "mpi-terminal"])
def test_output_of_a_statement_that_ran_ahead_appears_after_the_earlier_one(tmp_path, backend,
                                                                            terminal):
    # (not dask: it runs static plans, which may put both statements on one worker)
    require_backend(backend)
    # The third statement does not depend on the second: on another worker
    # (pinned there: a scheduler may otherwise queue it behind the second; and
    # it needs no value the second's worker would have to send) it runs (and
    # streams) while the second waits; the test creates `go` only
    # once it ran (`ran` exists), so its output reached the manager first.
    script = write_scripts(tmp_path, AHEAD)
    env = env_for(tmp_path, unbuffered=False)
    go, ran = tmp_path / "go", tmp_path / "ran"
    expected = run_with_handshake([sys.executable, str(script), go, ran], tmp_path, env, terminal,
                                  go)
    assert b"gave up" not in b"".join(expected[1])

    def ahead_has_run():
        while not ran.exists():  # the pytest timeout bounds this
            time.sleep(0.02)

    ran.unlink()
    got = run_with_handshake(taskpar_argv(script, go, ran, backend=backend), tmp_path, env,
                             terminal, go, then=ahead_has_run)
    assert got == expected


MIXED = """\
    import sys
    import time
    import warnings

    print("out 1")
    print("err 1", file=sys.stderr)
    for i in range(3):
        print("tick", i, flush=True)
        print("tock", i, file=sys.stderr)
        time.sleep(0.15)
    sys.stdout.write("partial ")
    value = sum(range(10))
    print("value", value)
    warnings.warn("careful")
    for i in range(3):
        sys.stderr.write(f"\\rprogress {i}")
        sys.stderr.flush()
        time.sleep(0.15)
    independent = [print("independent", file=sys.stderr), time.sleep(0.3)]
    for i in range(2):
        print("before exit", i, flush=True)
        time.sleep(0.15)
    sys.exit(3)
    print("never")
    """


MIXED_CASES = [
    pytest.param(backend, unbuffered, terminal,
                 id=f"{backend}-{'PYTHONUNBUFFERED' if unbuffered else 'buffered'}-"
                    f"{'terminal' if terminal else 'pipes'}")
    for backend in CONFORMANCE_BACKENDS for terminal in (False, True)
    # mpi and dask take seconds to start (the suite's time): fewer cases there
    for unbuffered in ((False, True) if backend == "local" else (terminal,))
    if backend != "dask" or not terminal
]


@pytest.mark.timeout(240)
@pytest.mark.parametrize("backend,unbuffered,terminal", MIXED_CASES)
def test_mixed_stdout_and_stderr_identical_to_python_on_every_backend(tmp_path, backend,
                                                                      unbuffered, terminal):
    require_backend(backend)
    script = write_scripts(tmp_path, MIXED)
    env = env_for(tmp_path, unbuffered)
    go = tmp_path / "go"  # unused: the script does not wait
    expected = run_with_handshake([sys.executable, str(script)], tmp_path, env, terminal, go)
    got = run_with_handshake(taskpar_argv(script, backend=backend, workers=3), tmp_path, env,
                             terminal, go)
    assert expected[0] == 3 and b"never" not in b"".join(expected[1])
    assert got == expected
