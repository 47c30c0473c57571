"""Launched mode: watching mpiexec and the ranks it runs, and ending the job.

Faults. Hydra (MPICH's ``mpiexec``) ends the whole job when a rank dies and
prints ``BAD TERMINATION ... PID p ... EXIT CODE: c`` (no rank number); every
rank reports its pid (``Ready``), so the launcher, which watches both
mpiexec (every ``POLL`` s) and rank 0's socket, names the worker, its exit
code or signal and the statement it was running (``WorkerDied``) within a
second or so. However a launched run ends, the launcher SIGKILLs every rank
(each is a session leader under Hydra, so its process group takes the
script's children with it), then Hydra's proxies, then mpiexec's group, and
removes its directory. If the launcher dies, rank 0 sees its socket close
and aborts the job. In mode (b) the external launcher does all that: a dead
rank ends the job with that launcher's own message; an error in rank 0
(``WorkerDied`` for an internal error, an unpicklable value, Ctrl-C) is
printed, then rank 0 calls ``MPI_Abort`` at exit so no rank is left waiting.

Here: the connections the ranks open to the launcher (``accept_loop``:
rank 0's control channel, every rank's lifeline), the wait for rank 0's
``Hello``, the thread that reads rank 0's records, the watch that reports
the first rank to die (``DeathWatch``) and ``kill_job``. Reading mpiexec's
own report is ``mpiexec_output``; reading /proc is ``procfs``.
"""

from __future__ import annotations

import os
import queue
import select
import signal
import socket
import subprocess
import threading
import time

from ...errors import WorkerStartError
from ...runtime.mpi.protocol import Hello, Lifeline
from .mpiexec_output import tail
from .procfs import descendants, is_rank, pid_status

__all__ = ["POLL", "EOF", "Dead", "DeathWatch", "accept_loop", "read_rank0", "wait_hello",
           "kill_job"]

#: seconds between checks of mpiexec
POLL = 0.2

#: ``read_rank0``'s mark: rank 0's connection closed
EOF = object()


def wait_hello(hellos: queue.SimpleQueue, proc: subprocess.Popen, out, start_timeout: float):
    """Rank 0's (socket, channel, ``Hello``) from ``accept_loop``; WorkerStartError if
    mpiexec exits first or nothing comes within ``start_timeout`` seconds."""
    deadline = time.monotonic() + start_timeout
    while True:
        try:
            return hellos.get(timeout=POLL)
        except queue.Empty:
            pass
        if proc.poll() is not None:
            raise WorkerStartError(
                f"the MPI job could not start (mpiexec exited with status {proc.returncode})"
                + tail(out))
        if time.monotonic() > deadline:
            raise WorkerStartError(f"the MPI job did not start within "
                                   f"{start_timeout:.0f} s" + tail(out))


class Dead:
    __slots__ = ("pid", "how")

    def __init__(self, pid: int, how: str):
        self.pid, self.how = pid, how


class DeathWatch:
    """Reports the first rank to die, as ``Dead`` in ``inbox``.

    Hydra kills every other rank within a millisecond of the first death and
    then names any one of them (its "BAD TERMINATION" block), so each rank
    keeps a lifeline connection to the launcher
    (``runtime.mpi.protocol.Lifeline``) that closes when its process ends — the same moment Hydra notices, since it
    watches the rank's own descriptors; the ranks Hydra then kills close
    theirs only after that. A thread blocked in ``select`` on the lifelines
    reports the first to close, with the exit status read from /proc while
    the rank is a zombie (Hydra reaps it a moment later: then "died").
    """

    def __init__(self, inbox: queue.SimpleQueue):
        self.inbox = inbox
        self.socks: dict[int, tuple] = {}  # fd -> (socket, pid)
        #: pid -> MPI rank, from the lifelines (a rank that dies before rank 0
        #: forwarded its ``Ready`` is still named)
        self.ranks: dict[int, int] = {}
        self.lock = threading.Lock()
        self.wake_r, self.wake_w = os.pipe()
        self.reported = False
        self.thread = threading.Thread(target=self._loop, daemon=True, name="taskpar-mpi-watch")
        self.thread.start()

    def add(self, sock: socket.socket, pid: int, rank: int) -> None:
        with self.lock:
            self.socks[sock.fileno()] = (sock, pid)
            self.ranks[pid] = rank
        os.write(self.wake_w, b"+")

    def _loop(self) -> None:
        while True:
            with self.lock:
                fds = list(self.socks)
            try:
                readable, _, _ = select.select([self.wake_r, *fds], [], [])
            except (OSError, ValueError):
                return
            if self.wake_r in readable and b"q" in os.read(self.wake_r, 4096):
                return
            dead = []
            for fd in readable:
                if fd != self.wake_r:
                    with self.lock:
                        sock, pid = self.socks.pop(fd)
                    sock.close()
                    dead.append(pid)
            if dead and not self.reported:
                self.reported = True
                # several at once (this thread was late): rank 0 last, it runs no user code
                dead.sort(key=lambda pid: pid == self.manager_pid)
                pid = dead[0]
                how = None
                deadline = time.monotonic() + 0.05
                while how is None and time.monotonic() < deadline:
                    how = pid_status(pid)  # a zombie for a moment: catch it
                self.inbox.put(Dead(pid, how or "died"))

    manager_pid = None

    def close(self) -> None:
        os.write(self.wake_w, b"q")
        self.thread.join(5)
        with self.lock:
            for sock, _ in self.socks.values():
                sock.close()
            self.socks.clear()
        os.close(self.wake_r)
        os.close(self.wake_w)


def accept_loop(listener: socket.socket, secret: bytes, hellos: queue.SimpleQueue,
                watch: DeathWatch, stop: threading.Event) -> None:
    """Admit rank 0's control connection (-> ``hellos``) and every rank's lifeline."""
    from ...runtime.auth import AuthenticationError, server_handshake
    from ...runtime.transport import ControlChannel

    listener.settimeout(POLL)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except (socket.timeout, BlockingIOError):
            continue
        except OSError:
            return
        try:
            conn.setblocking(True)
            server_handshake(conn, secret)
            conn.settimeout(30)
            ctl = ControlChannel(conn)
            first = ctl.recv()
            conn.settimeout(None)
        except (AuthenticationError, OSError, EOFError):
            conn.close()
            continue
        if isinstance(first, Hello):
            watch.manager_pid = first.pid
            hellos.put((conn, ctl, first))
        elif isinstance(first, Lifeline):
            watch.add(conn, first.pid, first.rank)
        else:  # pragma: no cover - protocol bug
            conn.close()


def read_rank0(ctl, inbox: queue.SimpleQueue) -> None:
    while True:
        try:
            msg = ctl.recv()
        except Exception:  # noqa: BLE001 - EOF or a broken record: rank 0 is gone
            inbox.put(EOF)
            return
        inbox.put(msg)


def kill_job(proc: subprocess.Popen, rank_pids: list[int]) -> None:
    """SIGKILL the ranks (their groups), Hydra's proxies, then mpiexec's group; reap it."""
    for _ in range(2):  # a second sweep for anything forked meanwhile
        tree = descendants(proc.pid) if proc.poll() is None else []
        victims = list(dict.fromkeys(reversed(tree)))  # deepest (ranks) first
        ours = [pid for pid in rank_pids if pid not in victims and is_rank(pid)]
        for pid in [*ours, *victims]:
            try:
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)  # a rank and the script's children
                else:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if proc.poll() is None:
            try:
                proc.wait(0.5)  # Hydra usually exits by itself once its ranks are gone
            except subprocess.TimeoutExpired:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass
