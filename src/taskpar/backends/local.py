"""The local backend: N worker processes on this machine, values peer to peer.

The manager only starts, watches and stops; values travel worker to worker
(``taskpar.runtime.transport``). One control socketpair per worker::

        manager (calling thread: the loop below; one reader thread per worker)
        |  Init ─► Listening ◄─ (all) ─► Peers ─► Connected ◄─ (all) ─► Start
        |  events ◄─ StatementStarted / StatementOutput / StatementReport / TransferReport
        |  Failed(F) ─► all            Finished ◄─ (all) ─► Shutdown ─► all
     ┌──┴───────┬──────────┐
   worker 0  worker 1 … worker N-1      (each its own process group; loopback TCP
        ◄──────► ◄──────►                mesh where the plan sends values)

Nobody connects to a socket that is not listening yet (the address table is
published only when every worker listens); no port number is fixed.

Workers are forked by a fork server or spawned (``processes``); either
way the manager sees a process with ``exit_status``, ``kill`` and ``reap``.

Fault handling: a worker whose control channel closes or whose process
exits (checked every ``POLL`` seconds; the status is read without reaping,
by ``waitid(WNOWAIT)`` or by the fork server, so the process group cannot be
recycled before it is killed) ends the run with ``WorkerDied`` naming the worker,
its exit code or signal, and the statement it was running. However ``run``
ends, every worker's process group is killed and reaped, control sockets
are closed and the run's shared-memory files are removed.
"""

from __future__ import annotations

import glob
import os
import pickle
import queue
import secrets
import socket
import sys
import tempfile
import threading
import time

from ..errors import NetworkError, WorkerDied, WorkerStartError
from ..manager import Broadcast, ManagerCore, Report, texts
from ..plan import Plan, worker_program
from ..runtime.messages import (Connected, Init, InternalError, Job, Listening, Ops, PeerLost,
                                Peers, Start, TransferFailed)
from ..runtime.outbox import quick_statements
from ..runtime.transport import SHM_DIR, ControlChannel, shm_prefix
from .base import unpicklable_error
from .processes import ForkServer, spawn_worker
from .processes import start_method as start_method_for

__all__ = ["LocalBackend"]

#: seconds between checks of the worker processes
POLL = 0.2
#: a worker that has not reported its address by then failed to start
START_TIMEOUT = 60.0
#: after Shutdown, how long workers get to exit before being killed
EXIT_GRACE = 5.0
#: how long to wait for a peer's process to exit after a lost connection
#: (to report its signal rather than a network error)
PEER_GRACE = 1.0

_EOF = object()



class _WorkerProc:
    def __init__(self, index: int, proc, ctl: ControlChannel, stderr):
        self.index = index
        self.proc = proc  # a processes.SpawnedProcess or ForkedProcess
        self.ctl = ctl
        self.stderr = stderr

    def exit_status(self) -> tuple[str, str] | None:
        """(kind, value) — ("code", "3") / ("signal", "SIGKILL") — or None if alive."""
        return self.proc.exit_status()

    def wait_exit(self, timeout: float) -> tuple[str, str] | None:
        return self.proc.wait_exit(timeout)

    def read_stderr(self, limit: int = 20000) -> str:
        try:
            self.stderr.seek(0)
            return self.stderr.read()[-limit:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        self.proc.kill()


class LocalBackend:
    """Runs a plan on worker processes of this machine (see module docstring)."""

    name = "local"

    def __init__(self, use_shm: bool = True, start_timeout: float = START_TIMEOUT,
                 python: str | None = None, forkserver: ForkServer | None = None,
                 start_method: str | None = None):
        """``forkserver``: a server started earlier (the caller closes it);
        ``start_method``: "fork" (from a fork server; the default where
        available) or "spawn" (a fresh interpreter per worker); None:
        ``$TASKPAR_START_METHOD`` or the default (``processes.start_method``)."""
        self.use_shm = use_shm
        self.start_timeout = start_timeout
        self.python = python or sys.executable
        self.start_method = start_method_for(start_method)
        self.forkserver = forkserver
        #: run id of the last run (names its shared-memory files)
        self.run_id: str | None = None
        #: process ids of the last run's workers (for tests and diagnostics)
        self.pids: list[int] = []
        #: process id of the fork server that forked them (None: spawned)
        self.server_pid: int | None = None
        #: with dynamic assignment, the plan the last run carried out
        self.realized: Plan | None = None

    # -- the run ---------------------------------------------------------------
    def run(self, job: Job, plan: Plan, on_event) -> None:
        run_id = secrets.token_hex(8)
        self.run_id = run_id
        secret = secrets.token_bytes(32)
        workers: list[_WorkerProc] = []
        events: queue.SimpleQueue = queue.SimpleQueue()
        run = None
        self.realized = None
        server = own_server = self.server_pid = None
        if self.start_method == "fork":
            server = self.forkserver
            if server is None or not server.serves(self.python, job.env, job.script.filename,
                                                   job.script.source):
                server = own_server = ForkServer(self.python, job.cwd, job.env)
            self.server_pid = server.proc.pid
        try:
            workers.extend(self._start(plan.workers, job, server))
            self.pids = [p.proc.pid for p in workers]
            threads = job.threads_per_worker  # resolved by each worker (blas_threads)
            for p in workers:
                threading.Thread(target=_read_control, args=(p, events), daemon=True,
                                 name=f"taskpar-ctl-{p.index}").start()
            run = _Run(job, plan, workers, events, on_event)
            packed = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)  # once for all workers
            for p in workers:
                try:
                    p.ctl.send(self._init(p.index, run_id, secret, packed, plan, threads))
                except OSError:
                    run._died(p)  # it exited at once: WorkerStartError with its stderr
            run.start(self.start_timeout)
            run.loop()
        finally:
            if run is not None and plan.dynamic:
                self.realized = run.core.realized()
            _cleanup(workers, run_id)
            if own_server is not None:
                own_server.close()

    def _start(self, n: int, job: Job, server: ForkServer | None) -> list[_WorkerProc]:
        """Workers 0 … n-1, forked by ``server`` or (None) spawned."""
        ends = [(w, *socket.socketpair(), tempfile.TemporaryFile()) for w in range(n)]
        try:
            if server is not None:
                procs = server.fork_all(job.cwd, job.env, [(w, child, out) for w, _, child, out in ends])
            else:
                procs = [self._spawn(w, job, child, out) for w, _, child, out in ends]
        except BaseException:
            for _, parent, _, out in ends:
                parent.close()
                out.close()
            raise
        finally:
            for _, _, child, _ in ends:
                child.close()
        return [_WorkerProc(w, proc, ControlChannel(parent), out)
                for (w, parent, _, out), proc in zip(ends, procs)]

    def _spawn(self, w: int, job: Job, child: socket.socket, out):
        try:
            return spawn_worker(self.python, job.cwd, job.env, child, out)
        except OSError as e:
            raise WorkerStartError(f"worker {w + 1} could not start: {e}") from None

    def _init(self, w: int, run_id: str, secret: bytes, job: bytes, plan: Plan, threads) -> Init:
        part = worker_program(plan, w)
        sched = plan.schedule
        return Init(worker=w, workers=plan.workers, run_id=run_id, secret=secret, job=job,
                    program=part.program, preds=part.preds, send_to=part.send_to,
                    recv_from=part.recv_from, threads=threads, manager_pid=os.getpid(),
                    use_shm=self.use_shm, dynamic=plan.dynamic,
                    quick=quick_statements(sched.cost, sched.estimated, part.preds))


def _read_control(p: _WorkerProc, events: queue.SimpleQueue) -> None:
    while True:
        try:
            msg = p.ctl.recv()
        except EOFError:
            events.put((p.index, _EOF))
            return
        except Exception:  # noqa: BLE001 - a record we cannot read: treat as lost
            events.put((p.index, _EOF))
            return
        events.put((p.index, msg))


def _cleanup(workers: list[_WorkerProc], run_id: str) -> None:
    for p in workers:
        p.kill()
    for p in workers:
        p.proc.reap(timeout=5)
        p.ctl.close()
        p.stderr.close()
    for path in glob.glob(os.path.join(SHM_DIR, shm_prefix(run_id) + "*")):
        try:
            os.unlink(path)
        except OSError:
            pass


class _Run:
    """The shell over ``ManagerCore`` for one run: control channels in and
    out; raises the errors of ``LocalBackend.run``."""

    def __init__(self, job: Job, plan: Plan, workers: list[_WorkerProc], events, on_event):
        self.job = job
        self.plan = plan
        self.workers = workers
        self.events = events
        self.on_event = on_event
        self.core = ManagerCore(job, plan)
        self.phase = "start"
        #: worker -> when its process was seen dead while its control channel
        #: was still open (its last records are read first, see _check_alive)
        self.dead_since: dict[int, float] = {}

    # -- phases --------------------------------------------------------------
    def start(self, timeout: float) -> None:
        addresses = self._gather(Listening, timeout)
        table = {w: (m.host, m.port) for w, m in addresses.items()}
        self._broadcast(Peers(table))
        self._gather(Connected, timeout)
        self.phase = "run"
        self._broadcast(Start())
        self._carry_out(self.core.start())

    def loop(self) -> None:
        while not self.core.done:
            got = self._next()
            if got is not None and self._carry_out(self.core.event(*got)) is False:
                return  # the driver asked to stop: cleanup kills the workers
        self.phase = "end"
        for p in self.workers:
            p.wait_exit(EXIT_GRACE)

    # -- helpers -------------------------------------------------------------
    def _carry_out(self, instructions) -> bool:
        """The core's instructions, in order; False once the driver said stop."""
        for ins in instructions:
            if isinstance(ins, Report):
                if self.on_event(ins.event) is False:
                    return False
            elif isinstance(ins, Broadcast):
                self._broadcast(ins.message)
            else:
                self._send(self.workers[ins.worker], Ops(ins.ops))
        return True

    def _broadcast(self, msg) -> None:
        for p in self.workers:
            self._send(p, msg)

    @staticmethod
    def _send(p: _WorkerProc, msg) -> None:
        try:
            p.ctl.send(msg)
        except OSError:
            pass  # its death is reported by the reader / poll

    def _next(self):
        try:
            w, msg = self.events.get(timeout=POLL)
        except queue.Empty:
            self._check_alive()
            return None
        if msg is _EOF:
            self._died(self.workers[w])
        if isinstance(msg, InternalError):
            self._internal(w, msg)
        if isinstance(msg, PeerLost):
            self._peer_lost(msg)
        if isinstance(msg, TransferFailed):
            raise unpicklable_error(self.job, self.core.realized(), msg)
        return w, msg

    def _gather(self, kind, timeout: float) -> dict:
        got: dict = {}
        deadline = time.monotonic() + timeout
        while len(got) < len(self.workers):
            if time.monotonic() > deadline:
                missing = [p for p in self.workers if p.index not in got]
                p = missing[0]
                raise WorkerStartError(
                    f"worker {p.index + 1} did not start within {timeout:.0f} s"
                    + texts.stderr_tail(p.read_stderr()))
            item = self._next()
            if item is None:
                continue
            w, msg = item
            if isinstance(msg, kind):
                got[w] = msg
        return got

    def _check_alive(self) -> None:
        """A worker whose process has exited ends the run — once what it sent
        before it died has been read (its channel's EOF comes after its last
        records: the statement it was running is known), or ``PEER_GRACE`` s
        later (a child of the script may hold the channel open)."""
        now = time.monotonic()
        for p in self.workers:
            if p.exit_status() is not None:
                since = self.dead_since.setdefault(p.index, now)
                if now - since >= PEER_GRACE:
                    self._died(p)

    # -- errors ----------------------------------------------------------------
    def _where(self, p: _WorkerProc) -> str:
        return "while starting" if self.phase == "start" else self.core.where(p.index)

    def _died(self, p: _WorkerProc):
        how = texts.how_it_ended(p.wait_exit(PEER_GRACE))
        who = f"worker {p.index + 1}"
        if self.phase == "start":
            raise WorkerStartError(texts.start_failed(who, how, texts.stderr_tail(p.read_stderr())))
        raise WorkerDied(texts.died(who, how, self._where(p)))

    def _internal(self, w: int, msg: InternalError):
        p = self.workers[w]
        text = msg.traceback.rstrip()
        if self.phase == "start":
            if "ConnectionRefusedError" in text or "AuthenticationError" in text or "timed out" in text:
                raise NetworkError(f"worker {w + 1} could not connect to its peers:\n{text}")
            raise WorkerStartError(texts.start_failed(f"worker {w + 1}", detail=":\n" + text
                                                      + texts.stderr_tail(p.read_stderr())))
        raise WorkerDied(texts.internal(f"worker {w + 1}", self._where(p), text))

    def _peer_lost(self, msg: PeerLost):
        peer = self.workers[msg.peer]
        if peer.wait_exit(PEER_GRACE) is not None:
            self._died(peer)
        raise NetworkError(texts.peer_lost(msg.worker, msg.peer, msg.detail))
