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
from ..plan import Exec, Plan, Recv, Send
from ..runtime.messages import (Connected, End, Failed, Finished, Init, InternalError, Job,
                                Listening, Ops, PeerLost, Peers, Shutdown, Start,
                                StatementOutput, StatementReport, StatementStarted,
                                TransferFailed, TransferReport)
from ..runtime.transport import SHM_DIR, ControlChannel, shm_prefix
from .base import SIGNAL_HINTS, unpicklable_error
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
        self.running: int | None = None  # statement started, not yet reported

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
            if server is None or not server.serves(self.python, job.env):
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
            if run is not None and run.assigner is not None:
                self.realized = run.assigner.realized()
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
        graph = plan.graph
        if plan.dynamic:
            # the program arrives as the run goes: any statement may come,
            # any peer may send or receive
            program: tuple = ()
            stmts = range(len(graph.statements))
            send_to = recv_from = tuple(k for k in range(plan.workers) if k != w)
        else:
            program = plan.programs[w]
            stmts = {op.stmt for op in program if isinstance(op, Exec)}
            send_to = tuple(sorted({op.to for op in program if isinstance(op, Send)}))
            recv_from = tuple(sorted({op.frm for op in program if isinstance(op, Recv)}))
        preds = {s: frozenset(graph.predecessors(s)) for s in stmts}
        return Init(worker=w, workers=plan.workers, run_id=run_id, secret=secret, job=job,
                    program=program, preds=preds, send_to=send_to, recv_from=recv_from,
                    threads=threads, manager_pid=os.getpid(), use_shm=self.use_shm,
                    dynamic=plan.dynamic)


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
    """The manager's state for one run; raises the errors of ``LocalBackend.run``."""

    def __init__(self, job: Job, plan: Plan, workers: list[_WorkerProc], events, on_event):
        self.job = job
        self.plan = plan
        self.workers = workers
        self.events = events
        self.on_event = on_event
        self.failed: int | None = None
        self.phase = "start"
        #: with dynamic assignment, who runs what is decided here as the run goes
        self.assigner = None
        if plan.dynamic:
            from ..dynamic import Assigner

            self.assigner = Assigner(plan)
        self.ended = False

    # -- phases --------------------------------------------------------------
    def start(self, timeout: float) -> None:
        addresses = self._gather(Listening, timeout)
        table = {w: (m.host, m.port) for w, m in addresses.items()}
        self._broadcast(Peers(table))
        self._gather(Connected, timeout)
        self.phase = "run"
        self._broadcast(Start())
        if self.assigner is not None:
            self._stream(self.assigner.start())

    def loop(self) -> None:
        finished: set[int] = set()
        while len(finished) < len(self.workers):
            got = self._next()
            if got is None:
                continue
            w, msg = got
            if isinstance(msg, Finished):
                finished.add(w)
            elif self._dispatch(w, msg) is False:
                return  # the driver asked to stop: cleanup kills the workers
        self.phase = "end"
        self._broadcast(Shutdown())
        for p in self.workers:
            p.wait_exit(EXIT_GRACE)

    # -- helpers -------------------------------------------------------------
    def _stream(self, ops: dict) -> None:
        """Dynamic assignment: send each worker its new ops; End once all are out."""
        for w, more in ops.items():
            try:
                self.workers[w].ctl.send(Ops(tuple(more)))
            except OSError:
                pass  # its death is reported by the reader / poll
        if self.ended:
            return
        if self.assigner.exhausted:
            self.ended = True
            self._broadcast(End())
        elif self.assigner.idle:  # pragma: no cover - Assigner guarantees progress
            raise WorkerDied("internal error: dynamic assignment stalled with statements "
                             "left and every worker idle; this is a taskpar bug, please report it")

    def _broadcast(self, msg) -> None:
        for p in self.workers:
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
            plan = self.assigner.realized() if self.assigner is not None else self.plan
            raise unpicklable_error(self.job, plan, msg)
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
                    + _stderr_tail(p))
            item = self._next()
            if item is None:
                continue
            w, msg = item
            if isinstance(msg, kind):
                got[w] = msg
        return got

    def _dispatch(self, w: int, msg):
        p = self.workers[w]
        if isinstance(msg, StatementStarted):
            p.running = msg.stmt
        elif isinstance(msg, StatementReport):
            p.running = None
            if msg.status in ("error", "exit") and (self.failed is None or msg.stmt < self.failed):
                self.failed = msg.stmt
                self._broadcast(Failed(msg.stmt))
            if self.assigner is not None:
                self._stream(self.assigner.finished(msg.stmt, msg.status))
        elif not isinstance(msg, (TransferReport, StatementOutput)):
            return None
        return self.on_event(msg)

    def _check_alive(self) -> None:
        for p in self.workers:
            if p.exit_status() is not None:
                self._died(p)

    # -- errors ----------------------------------------------------------------
    def _where(self, p: _WorkerProc) -> str:
        if self.phase == "start":
            return "while starting"
        if p.running is None:
            return "between statements"
        s = self.plan.graph.statements[p.running]
        return f"while running {self.job.script.filename}:{s.lineno} (`{s.label}`)"

    def _died(self, p: _WorkerProc):
        status = p.wait_exit(PEER_GRACE)
        if status is None:
            how = "closed its control channel"
            hint = ""
        elif status[0] == "code":
            how = f"exited with code {status[1]}"
            hint = ""
        else:
            how = f"was killed by {status[1]}"
            hint = SIGNAL_HINTS.get(status[1], "")
            hint = f"; likely cause: {hint}" if hint else ""
        if self.phase == "start":
            raise WorkerStartError(f"worker {p.index + 1} could not start ({how})" + _stderr_tail(p))
        raise WorkerDied(f"worker {p.index + 1} {how} {self._where(p)}{hint}; the run was stopped")

    def _internal(self, w: int, msg: InternalError):
        p = self.workers[w]
        text = msg.traceback.rstrip()
        if self.phase == "start":
            if "ConnectionRefusedError" in text or "AuthenticationError" in text or "timed out" in text:
                raise NetworkError(f"worker {w + 1} could not connect to its peers:\n{text}")
            raise WorkerStartError(f"worker {w + 1} could not start:\n{text}" + _stderr_tail(p))
        raise WorkerDied(f"worker {w + 1} failed {self._where(p)} (an internal error, not your "
                         f"script's):\n{text}")

    def _peer_lost(self, msg: PeerLost):
        peer = self.workers[msg.peer]
        if peer.wait_exit(PEER_GRACE) is not None:
            self._died(peer)
        raise NetworkError(f"worker {msg.worker + 1} lost its connection to worker "
                           f"{msg.peer + 1} ({msg.detail}); the run was stopped")


def _stderr_tail(p: _WorkerProc) -> str:
    text = p.read_stderr().strip()
    return f"; its stderr:\n{text}" if text else ""
