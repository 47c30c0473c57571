"""A worker rank of the mpi backend: ranks 1..N (rank 0 manages:
``taskpar.backends.mpi.rank0``).

Rank k >= 1 is the plan's worker k-1; it interprets its program with the
sans-I/O ``Interpreter`` (this module is a thin shell around it, like
``worker.py`` is for sockets). What it sends and receives is ``protocol``.

A worker's life::

    RankInit ─► set up __main__, argv, cwd, fds 1/2 capture, thread limits
             ─► Ready(pid) ─► interpret (sends as Isend, receives polled)
             ─► receive every message addressed to it (also those a skipped
                statement no longer needed) and complete every send
             ─► Finished ─► wait Shutdown ─► MPI_Finalize ─► exit 0

Stopping early (the driver has all the output it needs) in external mode is
``Failed(-1)``: every worker then skips its remaining statements, still
sends POISON where the plan sends, drains, and ends as above — so every
rank reaches ``MPI_Finalize`` and nobody hangs or is killed (a statement
already running finishes first). In launched mode the launcher kills the job.
"""

from __future__ import annotations

import os
import time
import traceback

from ...plan import Recv
from ..interpreter import Interpreter, Kept, Unkept
from ..messages import (VALUE, End, Failed, Finished, InternalError, LoopBlock, Message, Outgoing,
                        Payload, Shutdown, StatementReport, StatementStarted)
from ..shell import arrived, interpret
from .beacon import Beacons
from .connect import LIFELINES, lifeline
from .protocol import (CONTROL_ENV, CTL, DYNAMIC_POLL, EVT, FIRST_TAG, Backoff, RankInit, RankOps,
                       Ready, alloc, host, pack)

__all__ = ["RankWorker", "serve_worker", "INTERNAL_GRACE"]

#: a worker whose shell failed waits this long to be stopped, then aborts
INTERNAL_GRACE = 30.0


def _local_workers(size: int) -> int:
    """Worker ranks on this node (the launcher tells how many ranks it started here)."""
    for var in ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                "SLURM_NTASKS_PER_NODE"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            n = int(value)
            return max(1, n - 1 if n == size else n)  # rank 0 is here when all are
    return max(1, size - 1)


# -- ranks 1..N ----------------------------------------------------------------

class _Stop(Exception):
    pass


class RankWorker:
    def __init__(self, comm, beacons: Beacons | None = None):
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        #: launched mode: this rank's current statement, for the launcher after a death
        self.beacons = beacons
        self.status = MPI.Status()
        self.sends: list = []  # [requests, Outgoing, keep-alive]
        self.recvs: list = []  # [requests, envelope, buffers, frm]
        self.arrived: set = set()  # (var, version, frm)
        self.failed_early: int | None = None
        self.interp: Interpreter | None = None
        self.early: list = []  # values received before the interpreter existed
        self.early_ops: list = []  # RankOps / End received before it existed
        self.init: RankInit | None = None
        self.shutdown = False

    # -- events to rank 0 -------------------------------------------------------
    def report(self, msg) -> None:
        self.comm.send(msg, dest=0, tag=EVT)

    def emit(self, instruction) -> None:
        if isinstance(instruction, Outgoing):
            self._isend(instruction)
        elif isinstance(instruction, (Kept, Unkept)):
            pass  # no Keep ops here (a rank ships only between statements)
        else:  # StatementStarted / StatementReport / LoopBlock / TransferFailed
            if self.beacons is not None:
                self._beacon(instruction)
            self.report(instruction)

    def _beacon(self, msg) -> None:
        if isinstance(msg, StatementStarted):
            self.beacons.started(self.rank, msg.stmt)
        elif isinstance(msg, LoopBlock):
            self.beacons.block(self.rank, msg.first, msg.last, msg.total)
        elif isinstance(msg, StatementReport):
            self.beacons.reported(self.rank)

    def _isend(self, out: Outgoing) -> None:
        MPI, comm = self.MPI, self.comm
        tag = self.init.tags[(out.var, out.version, self.init.worker, out.to)]
        envelope, raw = pack(out, time.time())
        reqs = [comm.isend(envelope, dest=out.to + 1, tag=tag)]
        for buf in raw:
            reqs.append(comm.Isend([buf, MPI.BYTE], dest=out.to + 1, tag=tag))
        self.sends.append([reqs, out, raw])

    # -- progress --------------------------------------------------------------
    def pump(self) -> bool:
        """Make every progress possible without blocking; True if anything happened."""
        MPI, comm, st = self.MPI, self.comm, self.status
        progressed = False
        if self.sends:
            left = []
            for item in self.sends:
                if MPI.Request.Testall(item[0]):
                    out = item[1]
                    if self.interp is not None:
                        self.interp.send_done(out.var, out.version, out.to)
                    progressed = True
                else:
                    left.append(item)
            self.sends = left
        while comm.Iprobe(source=MPI.ANY_SOURCE, tag=MPI.ANY_TAG, status=st):
            progressed = True
            src, tag = st.Get_source(), st.Get_tag()
            if tag == CTL:
                self._control(comm.recv(source=src, tag=CTL))
            elif tag >= FIRST_TAG:
                envelope = comm.recv(source=src, tag=tag)
                self._start_recv(envelope, src, tag)
            else:  # pragma: no cover - nobody sends other tags to a worker
                comm.recv(source=src, tag=tag)
        if self.recvs:
            left = []
            for item in self.recvs:
                if not item[0] or MPI.Request.Testall(item[0]):
                    self._received(item)
                    progressed = True
                else:
                    left.append(item)
            self.recvs = left
        return progressed

    def _control(self, msg) -> None:
        if isinstance(msg, Failed):
            if self.interp is not None:
                self.interp.set_failed(msg.stmt)
            elif self.failed_early is None or msg.stmt < self.failed_early:
                self.failed_early = msg.stmt
        elif isinstance(msg, Shutdown):
            self.shutdown = True
        elif isinstance(msg, RankInit):
            self.init = msg
        elif isinstance(msg, (RankOps, End)):
            if self.interp is None:
                self.early_ops.append(msg)
            else:
                self._extend(msg)

    def _extend(self, msg) -> None:
        if isinstance(msg, End):
            self.interp.close()
        else:
            self.init.tags.update(msg.tags)  # before any op that uses them runs
            self.interp.extend(msg.ops)

    def _start_recv(self, envelope, src: int, tag: int) -> None:
        MPI = self.MPI
        sizes = envelope[4]
        bufs = [alloc(n) for n in sizes]
        reqs = [self.comm.Irecv([b, MPI.BYTE], source=src, tag=tag) for b in bufs]
        self.recvs.append([reqs, envelope, bufs, src - 1])

    def _received(self, item) -> None:
        if self.interp is None:
            # A fast peer's value can arrive in the same pump that brings our
            # program, before the interpreter exists: keep it for later.
            self.early.append(item)
            return
        _, (var, version, kind, inline, sizes, sent_at), bufs, frm = item
        self.arrived.add((var, version, frm))
        if kind == VALUE:
            if inline is None:
                header, buffers = bytes(bufs[0]), tuple(bufs[1:])
            else:
                header, buffers = inline, tuple(bufs)
            payload = Payload(kind, header, buffers)
        else:
            payload = Payload(kind)
        msg = Message(var, version, frm, payload)
        self.interp.deliver(msg)
        nbytes = (len(inline) if inline is not None else 0) + sum(sizes)
        report = arrived(msg, self.init.worker, nbytes, sent_at, time.time())
        if report is not None:
            self.report(report)

    def wait_until(self, done) -> None:
        backoff = Backoff()
        while not done():
            if self.pump():
                backoff.reset()
            else:
                backoff.idle()

    # -- the worker's life -------------------------------------------------------
    def run(self) -> None:
        self.wait_until(lambda: self.init is not None or self.shutdown)
        if self.init is None:
            return  # released: rank 0 had no plan for us
        init, job = self.init, self.init.job
        from ..capture import FdCapture
        from ..shell import open_session

        try:
            os.chdir(job.cwd)
        except OSError:
            pass
        session = open_session(
            job, init.worker, init.program, init.preds, emit=self.emit, fd_capture=FdCapture(),
            threads=init.threads, workers_here=_local_workers(self.comm.Get_size()),
            open_ended=init.dynamic, before_exec=True,
            # the ticker sends only while the main thread is in the user's
            # code (never in MPI); without that level, output streams from
            # flushes on the main thread only
            ticker=self.MPI.Query_thread() >= self.MPI.THREAD_SERIALIZED)
        interp = self.interp = session.interp
        if self.failed_early is not None:
            interp.set_failed(self.failed_early)
        for msg in self.early_ops:
            self._extend(msg)
        self.early_ops.clear()
        for item in self.early:
            self._received(item)
        self.early.clear()
        self.report(Ready(init.worker, os.getpid(), host()))
        # dynamic assignment: a worker waiting for its next statement polls
        # more often (every wait for rank 0 is a round trip)
        backoff = Backoff(DYNAMIC_POLL if init.dynamic else Backoff.LONGEST)

        def wait(_):
            if self.pump():
                backoff.reset()
            else:
                backoff.idle()

        interpret(interp, self.pump, wait)
        expected = {(op.var, op.version, op.frm) for op in interp.program if isinstance(op, Recv)}
        self.wait_until(lambda: not self.sends and not self.recvs and expected <= self.arrived)
        self.report(Finished(init.worker))
        self.wait_until(lambda: self.shutdown)


def serve_worker(comm) -> None:
    """Ranks 1..N: work until released, then finalize MPI and end the process (exit 0).

    Never returns. Output of the script is captured per statement and goes
    to rank 0; this process writes nothing to its own stdout/stderr.
    """
    from mpi4py import MPI

    directory = os.environ.pop(CONTROL_ENV, None)
    beacons = None
    if directory is not None:  # launched mode
        LIFELINES.append(lifeline(directory, comm.Get_rank()))
        beacons = Beacons.open(directory)
    _private_fds()
    worker = RankWorker(comm, beacons)
    try:
        worker.run()
    except BaseException:  # noqa: BLE001 - a taskpar bug, a broken environment, a dead peer
        # Report and wait to be stopped: in launched mode the launcher kills
        # the job at once (and first checks whether a dead worker explains
        # this error); MPI_Abort would kill every rank and hide which died.
        text = traceback.format_exc()
        w = worker.init.worker if worker.init is not None else comm.Get_rank() - 1
        try:
            worker.report(InternalError(w, text))
        except BaseException:  # noqa: BLE001
            pass
        deadline = time.monotonic() + INTERNAL_GRACE
        while not worker.shutdown and time.monotonic() < deadline:
            try:
                worker.pump()
            except BaseException:  # noqa: BLE001
                pass
            time.sleep(0.05)
        if not worker.shutdown:
            comm.Abort(70)
    try:
        MPI.Finalize()
    finally:
        _exit_process(0)


def _private_fds() -> None:
    """Keep the launcher's and MPI's descriptors (PMI socket, stdio pipes,
    shared memory) out of the processes the script starts: a child holding
    them would hide this rank's death from mpiexec, which watches them."""
    try:
        fds = [int(f) for f in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        return
    for fd in fds:
        if fd > 2:
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass


def _exit_process(code: int) -> None:
    """End the process now, without python's teardown (the script's atexit
    handlers and threads), but *with* the C library's exit handlers: MPICH
    tells Hydra "finalize" from one of them. After ``os._exit`` Hydra sees
    the rank's PMI socket close unannounced and kills the ranks still
    running (rank 0 then "BAD TERMINATION ... signal 9", in about one run
    out of six)."""
    import ctypes

    try:
        ctypes.CDLL(None).exit(code)
    finally:
        os._exit(code)
