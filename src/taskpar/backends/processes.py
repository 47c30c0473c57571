"""Worker processes of the local backend: forked by a fork server, or spawned.

Two ways to start a worker, one interface for the manager (``pid``,
``exit_status()``, ``kill()``, ``reap()``):

* ``ForkServer`` (Linux, the default): one server process, started as early
  as the caller can (the CLI forks it from itself right after parsing its
  arguments, so that its imports — the runtime's and the script's leading
  ones — overlap the analysis), forks every worker of the run
  (``ForkedProcess``); the server reports their exit statuses and reaps them
  when asked, after the manager killed their process groups (see
  ``runtime.forkserver``);
* ``spawn_worker``: a fresh ``python -m taskpar.runtime`` per worker
  (``SpawnedProcess``), where fork is not available or not wanted.

A worker is the same process either way: its own process group (spawned: its
own session; forked: in the server's, without a terminal), the control
socketpair end, stdout/stderr to a temporary file, stdin inherited.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

from ..errors import UsageError, WorkerStartError
from ..runtime.forkserver import exit_status_of, recv_record, send_record

__all__ = ["ForkServer", "ForkedProcess", "SpawnedProcess", "spawn_worker", "fork_available",
           "start_method", "prestart", "python_flags", "START_METHOD_ENV"]

#: seconds the fork server gets to import the runtime and say it is ready
READY_TIMEOUT = 60.0
#: seconds to wait for the server's answer to a fork or a reap
REPLY_TIMEOUT = 30.0
#: variables that differ between runs without changing what a worker is
_PER_RUN_ENV = ("PYTHONHASHSEED", "TASKPAR_HASHSEED")


#: the variable that chooses how workers start (``start_method``)
START_METHOD_ENV = "TASKPAR_START_METHOD"
START_METHODS = ("fork", "spawn")


def fork_available() -> bool:
    return hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds") \
        and sys.platform.startswith("linux")


def start_method(chosen: str | None = None) -> str:
    """How workers start: ``chosen``, else ``$TASKPAR_START_METHOD``, else
    "fork" where available (Linux) and "spawn" elsewhere. UsageError for a
    value that is not one of ``START_METHODS`` or "fork" where it cannot be."""
    from_env = chosen is None and os.environ.get(START_METHOD_ENV)
    method = chosen or from_env or ("fork" if fork_available() else "spawn")
    where = f"{START_METHOD_ENV}={method}" if from_env else f"start method {method!r}"
    if method not in START_METHODS:
        raise UsageError(f"{where}: workers start by {' or '.join(START_METHODS)}")
    if method == "fork" and not fork_available():
        raise UsageError(f"{where}: forking workers needs Linux (fork, pidfd_open); use spawn")
    return method


def python_flags() -> list[str]:
    """``-P``: the worker's sys.path[0] is the script's folder, set by the worker."""
    return ["-P"] if sys.version_info >= (3, 11) else []


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class SpawnedProcess:
    """A worker started as a fresh interpreter (a child of the manager)."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.pid = proc.pid

    def exit_status(self) -> tuple[str, str] | None:
        """(kind, value) — ("code", "3") / ("signal", "SIGKILL") — or None if alive.
        Read without reaping: the group id cannot be recycled before ``kill``."""
        try:
            return exit_status_of(self.pid)
        except ChildProcessError:
            rc = self.proc.returncode
            if rc is None:
                return None
            return ("signal", signal.Signals(-rc).name) if rc < 0 else ("code", str(rc))

    def wait_exit(self, timeout: float) -> tuple[str, str] | None:
        """``exit_status`` once it exits, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.exit_status()
            if status is not None or time.monotonic() >= deadline:
                return status
            time.sleep(0.02)

    def kill(self) -> None:
        _kill_group(self.pid)

    def reap(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
            pass


def spawn_worker(python: str, cwd: str, env, control: socket.socket, out) -> SpawnedProcess:
    proc = subprocess.Popen(
        [python, *python_flags(), "-m", "taskpar.runtime", str(control.fileno()), str(os.getpid())],
        pass_fds=(control.fileno(),), start_new_session=True, cwd=cwd, env=env,
        stdin=None, stdout=out, stderr=out, close_fds=True,
    )
    return SpawnedProcess(proc)


class ForkedProcess:
    """A worker forked by the fork server (a child of the server)."""

    def __init__(self, pid: int, server: "ForkServer"):
        self.pid = pid
        self.server = server
        self.reaped = False

    def exit_status(self) -> tuple[str, str] | None:
        return self.server.status(self.pid)

    def wait_exit(self, timeout: float) -> tuple[str, str] | None:
        return self.server.wait_status(self.pid, timeout)

    def kill(self) -> None:
        if not self.reaped:  # not reaped: the group id is still this worker's
            _kill_group(self.pid)

    def reap(self, timeout: float) -> None:
        if not self.reaped:
            self.server.reap(self.pid, timeout)
            self.reaped = True


def _single_threaded() -> bool:
    """Whether this process runs one thread (forking it is then safe)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Threads:"):
                    return int(line.split()[1]) == 1
    except (OSError, ValueError):
        pass
    return False


class _ServerChild:
    """The fork server as this process's forked child (``Popen`` for a spawned one)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if timeout is not None:
                fd = os.pidfd_open(self.pid)
                try:
                    if not select.select([fd], [], [], timeout)[0]:
                        raise subprocess.TimeoutExpired("taskpar fork server", timeout)
                finally:
                    os.close(fd)
            try:
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            except ChildProcessError:  # reaped by someone else: it is gone all the same
                self.returncode = -1
        return self.returncode


def _fork_server(child: socket.socket, out, cwd: str | None, env: dict,
                 script: str | None) -> _ServerChild:
    """The fork server forked from this single-threaded process instead of
    started as a fresh interpreter: no second python start-up, and the
    modules imported so far come with it (``runtime.forkserver.run_forked``)."""
    from ..runtime.forkserver import run_forked

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        run_forked(child.fileno(), out.fileno(), os.getppid(), cwd, env, script)  # never returns
    return _ServerChild(pid)


class ForkServer:
    """The manager's end of one fork server (see module docstring).

    ``ForkServer(python, cwd, env, script, fork)`` starts the process and
    returns at once; the first ``fork`` waits until it is ready. ``close``
    ends it (and any worker it still has); use it as a context manager.

    ``fork``: the caller is the ``taskpar`` command at its start (nothing of
    anyone's program imported, ``cli._is_command``): the server is then
    forked from it while it runs one thread, which saves a second python
    start-up; otherwise (or with threads running) it is a fresh ``python -m
    taskpar.runtime.forkserver``. ``script``: the server imports the script's
    leading imports before it says it is ready (``runtime.preimport``);
    ``serves`` says no for another script, or when those imports would make
    its workers differ from python's (``spoiled``), and the backend then
    starts a server of its own.
    """

    def __init__(self, python: str | None = None, cwd: str | None = None, env=None,
                 script: str | None = None, fork: bool = False):
        self.python = python or sys.executable
        #: the script whose leading imports it imports before forking
        self.script = script
        self.env = dict(os.environ if env is None else env)
        self.stderr = tempfile.TemporaryFile()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            if fork and self.python == sys.executable and _single_threaded():
                self.proc = _fork_server(child, self.stderr, cwd, self.env, script)
            else:
                self.proc = subprocess.Popen(
                    [self.python, *python_flags(), "-m", "taskpar.runtime.forkserver",
                     str(child.fileno()), str(os.getpid()), *([script] if script else [])],
                    pass_fds=(child.fileno(),), start_new_session=True, cwd=cwd, env=self.env,
                    stdin=None, stdout=self.stderr, stderr=self.stderr, close_fds=True)
        except OSError as e:
            parent.close()
            self.stderr.close()
            raise WorkerStartError(f"the fork server could not start: {e}") from None
        finally:
            child.close()
        self.sock = parent
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._ready = False
        #: the script's modules it imported before forking
        #: (``runtime.preimport``), and why it must not fork after them
        self.preimported: tuple[str, ...] = ()
        self.spoiled = ""
        self._source_crc = 0
        self._lost = False
        self._forked: dict[int, tuple] = {}  # request number -> ("forked", pid) / ("fork_failed", why)
        self._exited: dict[int, tuple[str, str]] = {}
        self._reaped: set[int] = set()
        self._pids: set[int] = set()
        self._requests = 0
        self._closed = False
        threading.Thread(target=self._read, daemon=True, name="taskpar-forkserver").start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- what the manager asks -----------------------------------------------
    def serves(self, python: str, env, script: str | None = None, source: str | None = None) -> bool:
        """Whether workers forked here are those ``python`` with ``env`` would
        start for ``script`` (its text ``source``, as analysed): a server
        that imported another script's leading modules does not serve, nor
        one that read another text (the file changed since), nor one whose
        imports would make its workers differ from python's (``spoiled``):
        it waits until the server knows."""
        def strip(e):
            return {k: v for k, v in e.items() if k not in _PER_RUN_ENV}
        if self._closed or self._lost or python != self.python \
                or strip(self.env) != strip(dict(env if env is not None else os.environ)):
            return False
        if self.script is None:
            return True
        if self.script != script:
            return False
        try:
            self._wait(lambda: self._ready, READY_TIMEOUT, "did not start")
        except WorkerStartError:
            return False
        if self.preimported and source is not None and zlib.crc32(source.encode()) != self._source_crc:
            return False
        return not self.spoiled

    def fork(self, w: int, cwd: str, env, control: socket.socket, out) -> ForkedProcess:
        """Fork worker ``w`` (0-based) on its control socket end, output to ``out``."""
        return self.fork_all(cwd, env, [(w, control, out)])[0]

    def fork_all(self, cwd: str, env, workers) -> list[ForkedProcess]:
        """Fork one worker per (w, control socket end, output file), all
        requests sent before the first answer is awaited."""
        self._wait(lambda: self._ready, READY_TIMEOUT, "did not start")
        env = dict(os.environ if env is None else env)
        asked = []
        for w, control, out in workers:
            with self._cond:
                self._requests += 1
                n = self._requests
            with self._send_lock:
                try:
                    send_record(self.sock, ("fork", n, cwd, env), (control.fileno(), out.fileno()))
                except OSError as e:
                    raise self._start_error(f"could not be asked to fork ({e})") from None
            asked.append((w, n))
        procs = []
        for w, n in asked:
            self._wait(lambda: n in self._forked, REPLY_TIMEOUT, "did not answer")
            reply = self._forked.pop(n)
            if reply[0] == "fork_failed":
                raise WorkerStartError(f"worker {w + 1} could not start: {reply[1]}")
            procs.append(ForkedProcess(reply[1], self))
        return procs

    def status(self, pid: int) -> tuple[str, str] | None:
        with self._cond:
            return self._exited.get(pid)

    def wait_status(self, pid: int, timeout: float) -> tuple[str, str] | None:
        with self._cond:
            self._cond.wait_for(lambda: pid in self._exited, timeout)
            return self._exited.get(pid)

    def reap(self, pid: int, timeout: float) -> None:
        with self._send_lock:
            try:
                send_record(self.sock, ("reap", pid))
            except OSError:
                return  # the server is gone: so are its children (PDEATHSIG)
        try:
            self._wait(lambda: pid in self._reaped, timeout, "did not reap a worker")
        except WorkerStartError:  # pragma: no cover - the server waits for a killed child
            pass

    def close(self) -> None:
        """End the server; it kills and reaps the workers it still has."""
        if self._closed:
            return
        self._closed = True
        with self._cond:
            ready = self._ready
        if not ready:  # still importing: it has no worker to end
            _kill_group(self.proc.pid)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - it exits on EOF
            _kill_group(self.proc.pid)
            self.proc.wait()
        self.stderr.close()

    # -- the reader thread -----------------------------------------------------
    def _read(self) -> None:
        while True:
            try:
                record, fds = recv_record(self.sock)
            except (EOFError, OSError, ValueError):
                break
            for fd in fds:
                os.close(fd)
            with self._cond:
                kind = record[0]
                if kind == "ready":
                    self._ready = True
                    self.preimported, self.spoiled, self._source_crc = record[2:5]
                elif kind in ("forked", "fork_failed"):
                    self._forked[record[1]] = (kind, record[2])
                    if kind == "forked":
                        self._pids.add(record[2])
                elif kind == "exited":
                    self._exited[record[1]] = (record[2], record[3])
                elif kind == "reaped":
                    self._reaped.add(record[1])
                self._cond.notify_all()
        with self._cond:
            # its workers die with it (PDEATHSIG), unseen by anyone who could report how
            self._lost = True
            for pid in self._pids:
                self._exited.setdefault(pid, ("signal", "SIGKILL"))
                self._reaped.add(pid)
            self._cond.notify_all()

    def _wait(self, done, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done():
                if self._lost:
                    raise self._start_error("exited")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._start_error(f"{what} within {timeout:.0f} s")
                self._cond.wait(left)

    def _start_error(self, what: str) -> WorkerStartError:
        try:
            self.stderr.seek(0)
            text = self.stderr.read()[-20000:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            text = ""
        tail = f"; its stderr:\n{text}" if text else ""
        return WorkerStartError(f"the fork server that starts the workers {what}{tail}")


def prestart(python: str | None = None, cwd: str | None = None, env=None,
             script: str | None = None, fork: bool = False) -> ForkServer | None:
    """A fork server starting now (None when workers are spawned); with
    ``script``, one that imports the script's leading modules first;
    ``fork``: forked from this process (see ``ForkServer``)."""
    if start_method() != "fork":
        return None
    if script is not None and not os.path.isabs(script):
        script = os.path.join(cwd or os.getcwd(), script)  # as ``Script.filename``
    return ForkServer(python, cwd, env, script, fork)
