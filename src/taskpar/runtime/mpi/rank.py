"""The MPI ranks of the mpi backend: rank 0 manages, ranks 1..N work.

Rank k >= 1 is the plan's worker k-1; it interprets its program with the
sans-I/O ``Interpreter`` (this module is a thin shell around it, like
``worker.py`` is for sockets). Rank 0 runs no user code: it sends each
worker its program, applies the failure rule (broadcasts the first failed
statement) and hands every event to ``forward`` — in "taskpar launches
mpiexec" mode a socket to the launching ``taskpar run`` process
(``main`` below), in "external mpiexec" mode the driver's ``on_event``
(``taskpar.backends.mpi``). See the diagram in ``taskpar.backends.mpi``.

Messages (COMM_WORLD; everything non-blocking on the worker side except the
small event sends to rank 0, which always polls)::

    tag 1 (CTL)  rank 0 -> k   RankInit | RankOps | End | Failed(F) |
                               Shutdown                              (pickled)
    tag 2 (EVT)  k -> rank 0   Ready | StatementStarted | StatementOutput |
                               StatementReport | TransferReport |
                               TransferFailed | InternalError |
                               Finished                              (pickled)
                               (StatementOutput: live output, sent by the
                               rank's output ticker thread too, when MPI
                               gives THREAD_SERIALIZED; always before the
                               statement's report, which the runner's lock
                               orders after it)
    tag T >= 10  k -> j        one value var@version: a small pickled
                               envelope (var, version, kind, header if small,
                               buffer sizes, send time), then the header (if
                               large) and each out-of-band buffer of
                               ``values.dumps`` as raw ``Isend``s on the same
                               tag — MPI keeps one sender's messages on one tag
                               in order; the receiver ``Irecv``s them straight
                               into fresh buffers (anonymous mmap above 1 MiB)
                               over which ``values.loads`` rebuilds the value.
                               One tag per (var, version, receiver) of the plan.

Nobody blocks in MPI: every wait is an ``Iprobe``/``Test`` loop with a short
back-off sleep (MPICH's blocking calls spin a core at 100%, which would slow
the other ranks' statements on a small machine).

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

import mmap
import os
import select
import socket
import sys
import time
import traceback
from dataclasses import dataclass

from ...plan import Exec, Plan, Recv, Send
from ..interpreter import (VALUE, Interpreter, Message, Outgoing, Payload, WaitOps, WaitRecv,
                           WaitSends)
from ..messages import (End, Failed, Finished, InternalError, Job, Shutdown, StatementReport,
                        TransferReport)

__all__ = ["RankInit", "RankOps", "Ready", "Hello", "Lifeline", "Done", "Manager", "serve_worker",
           "tags_for",
           "pack", "CTL", "EVT", "FIRST_TAG", "CONTROL_ENV", "main"]

CTL, EVT = 1, 2
FIRST_TAG = 10
#: the launcher's private directory (socket + secret file), launched mode only
CONTROL_ENV = "TASKPAR_MPI_CONTROL"
#: a header at most this long travels inside the envelope
INLINE_HEADER = 64 * 1024
#: buffers at least this long are received into anonymous mmap (no zero-fill)
MMAP_MIN = 1 << 20
#: the launcher's handshake must finish within this
CONNECT_TIMEOUT = 30.0
#: a worker whose shell failed waits this long to be stopped, then aborts
INTERNAL_GRACE = 30.0
#: longest sleep between polls of rank 0 and of waiting workers under
#: dynamic assignment (an Iprobe costs about a microsecond)
DYNAMIC_POLL = 2e-4


# -- records ------------------------------------------------------------------

@dataclass(frozen=True)
class RankInit:
    worker: int
    workers: int
    job: Job
    program: tuple
    preds: dict
    #: (var, version, frm, to) -> tag, for this worker's sends and receives
    tags: dict
    #: the --blas-threads setting (``environ.blas_threads``): the rank resolves
    #: it for its node
    threads: int | str | None
    #: True: ``program`` is empty and arrives in ``RankOps`` until ``End``
    dynamic: bool = False


@dataclass(frozen=True)
class RankOps:
    """Dynamic assignment: more of a worker's program, and the tags of its
    new sends and receives."""

    ops: tuple
    tags: dict


@dataclass(frozen=True)
class Ready:
    """A worker (or rank 0 when ``worker`` is None) is set up."""

    worker: int | None
    pid: int
    host: str


@dataclass(frozen=True)
class Hello:
    """Rank 0 -> launcher, first record: the MPI world it sees."""

    size: int
    pid: int
    host: str
    mpi: str


@dataclass(frozen=True)
class Lifeline:
    """A rank's second connection to the launcher: it only ever closes (when
    the rank's process ends), which tells the launcher which rank died first."""

    rank: int
    pid: int


@dataclass(frozen=True)
class Done:
    """Rank 0 -> launcher: every worker finished and was released."""


# -- helpers ------------------------------------------------------------------

class Backoff:
    """Spin briefly, then sleep increasingly (up to ``longest`` seconds)."""

    LONGEST = 0.002

    def __init__(self, longest: float = LONGEST):
        self.longest = longest
        self.n = 0

    def reset(self) -> None:
        self.n = 0

    def idle(self) -> None:
        self.n += 1
        if self.n <= 16:
            return
        time.sleep(min(self.longest, 2e-5 * (1 << min(self.n - 16, 10))))


def tags_for(plan: Plan, tag_ub: int = 2**31 - 1) -> dict:
    """(var, version, frm, to) -> tag for every message of the plan.

    Numbered in plan order from ``FIRST_TAG``; a plan with more messages
    than the MPI library has tags wraps around (two messages then share a
    tag only far apart in the plan).
    """
    span = max(1, tag_ub - FIRST_TAG)
    out = {}
    for w, prog in enumerate(plan.programs):
        for op in prog:
            if isinstance(op, Send):
                out[(op.var, op.version, w, op.to)] = FIRST_TAG + len(out) % span
    return out


def worker_init(plan: Plan, job: Job, w: int, tags: dict, threads: int | None) -> RankInit:
    graph = plan.graph
    if plan.dynamic:  # the program (and its tags) arrive as the run goes
        program: tuple = ()
        stmts = range(len(graph.statements))
    else:
        program = plan.programs[w]
        stmts = {op.stmt for op in program if isinstance(op, Exec)}
    preds = {s: frozenset(graph.predecessors(s)) for s in stmts}
    mine = {k: t for k, t in tags.items() if k[2] == w or k[3] == w}
    return RankInit(worker=w, workers=plan.workers, job=job, program=program, preds=preds,
                    tags=mine, threads=threads, dynamic=plan.dynamic)


def pack(out: Outgoing, now: float) -> tuple[tuple, list]:
    """(envelope, raw buffers to send after it) for one outgoing payload."""
    p = out.payload
    header = p.header
    raw: list = []
    inline = None
    if p.kind == VALUE:
        if len(header) <= INLINE_HEADER:
            inline = header
        else:
            raw.append(header)
        raw.extend(p.buffers)
    sizes = [memoryview(b).nbytes for b in raw]
    return (out.var, out.version, p.kind, inline, sizes, now), raw


def _alloc(n: int):
    if n >= MMAP_MIN:
        return mmap.mmap(-1, n)
    return bytearray(n)


def _local_workers(size: int) -> int:
    """Worker ranks on this node (the launcher tells how many ranks it started here)."""
    for var in ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                "SLURM_NTASKS_PER_NODE"):
        value = os.environ.get(var, "")
        if value.isdigit() and int(value) > 0:
            n = int(value)
            return max(1, n - 1 if n == size else n)  # rank 0 is here when all are
    return max(1, size - 1)


def _host() -> str:
    return socket.gethostname()


# -- rank 0 ----------------------------------------------------------------

class Manager:
    """Rank 0's loop: programs out, events in, failure rule, release.

    ``forward(msg)`` receives ``Ready`` / ``StatementStarted`` /
    ``StatementReport`` / ``TransferReport`` / ``TransferFailed`` /
    ``InternalError``; it returns False to stop (the workers then skip what
    is left and drain; nothing more is forwarded) and may raise (the caller
    then aborts the job). ``idle()`` is called now and then while waiting.
    """

    def __init__(self, comm, job: Job, plan: Plan, forward, threads: int | None = None,
                 idle=None):
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = comm
        self.job = job
        self.plan = plan
        self.forward = forward
        self.threads = threads
        self.idle_hook = idle
        self.requests: list = []
        self.failed: int | None = None
        self.stopping = False
        #: dynamic assignment: the run-time scheduler, and the next free tag
        self.assigner = None
        self.ended = False
        self.next_tag = 0
        if plan.dynamic:
            from ...dynamic import Assigner

            # no Keep: an MPI rank makes progress only between statements
            self.assigner = Assigner(plan, keep=False)

    def _send_all(self, msg) -> None:
        for w in range(self.plan.workers):
            self.requests.append(self.comm.isend(msg, dest=w + 1, tag=CTL))

    def run(self) -> None:
        MPI, comm, plan = self.MPI, self.comm, self.plan
        tag_ub = comm.Get_attr(MPI.TAG_UB) or 32767
        self.tag_span = max(1, tag_ub - FIRST_TAG)
        tags = {} if self.assigner is not None else tags_for(plan, tag_ub)
        for w in range(plan.workers):
            init = worker_init(plan, self.job, w, tags, self.threads)
            self.requests.append(comm.isend(init, dest=w + 1, tag=CTL))
        if self.assigner is not None:
            self._stream(self.assigner.start())
        finished: set[int] = set()
        status = MPI.Status()
        backoff = Backoff(DYNAMIC_POLL if self.assigner is not None else Backoff.LONGEST)
        last_idle = 0.0
        while len(finished) < plan.workers:
            if comm.Iprobe(source=MPI.ANY_SOURCE, tag=EVT, status=status):
                backoff.reset()
                msg = comm.recv(source=status.Get_source(), tag=EVT)
                if isinstance(msg, Finished):
                    finished.add(msg.worker)
                else:
                    self._handle(msg)
                continue
            self._reap()
            now = time.monotonic()
            if self.idle_hook is not None and now - last_idle > 0.05:
                last_idle = now
                self.idle_hook()
            backoff.idle()
        self._send_all(Shutdown())
        while not MPI.Request.Testall(self.requests):
            backoff.idle()
        self.requests.clear()

    def _reap(self) -> None:
        if len(self.requests) > 64:
            self.requests = [r for r in self.requests if not r.Test()]

    def _stream(self, ops: dict) -> None:
        """Dynamic assignment: each worker's new ops with the tags of their
        messages (numbered as ``tags_for`` numbers a static plan's); End once
        nothing more will be assigned."""
        tags: dict = {}
        for w, more in ops.items():
            for op in more:
                if isinstance(op, Send):
                    key = (op.var, op.version, w, op.to)
                    tags[key] = FIRST_TAG + self.next_tag % self.tag_span
                    self.next_tag += 1
        for w, more in ops.items():
            mine = {k: t for k, t in tags.items() if k[2] == w or k[3] == w}
            self.requests.append(self.comm.isend(RankOps(tuple(more), mine), dest=w + 1, tag=CTL))
        if not self.ended and (self.assigner.exhausted or self.stopping):
            self.ended = True
            self._send_all(End())

    def _handle(self, msg) -> None:
        if isinstance(msg, StatementReport) and msg.status in ("error", "exit"):
            if self.failed is None or msg.stmt < self.failed:
                self.failed = msg.stmt
                if not self.stopping:
                    self._send_all(Failed(msg.stmt))
        if self.assigner is not None and isinstance(msg, StatementReport) and not self.ended:
            self._stream(self.assigner.finished(msg.stmt, msg.status))
        if self.stopping:
            return
        if self.forward(msg) is False:
            self.stopping = True
            self._send_all(Failed(-1))
            if self.assigner is not None and not self.ended:
                self._stream({})  # no more ops: every stream ends

    def release_unused(self) -> None:
        """Tell workers still waiting for a program that there is none."""
        self._send_all(Shutdown())
        backoff = Backoff()
        while not self.MPI.Request.Testall(self.requests):
            backoff.idle()


def release_workers(comm) -> None:
    """Rank 0 ran no plan (an error before the run): let every worker rank exit."""
    from mpi4py import MPI

    reqs = [comm.isend(Shutdown(), dest=k, tag=CTL) for k in range(1, comm.Get_size())]
    backoff = Backoff()
    deadline = time.monotonic() + 10
    while not MPI.Request.Testall(reqs) and time.monotonic() < deadline:
        backoff.idle()


# -- ranks 1..N ----------------------------------------------------------------

class _Stop(Exception):
    pass


class RankWorker:
    def __init__(self, comm):
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = comm
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
        else:  # StatementStarted / StatementReport / TransferFailed
            self.report(instruction)

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
        bufs = [_alloc(n) for n in sizes]
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
        self.interp.deliver(Message(var, version, frm, payload))
        if var is not None and kind == VALUE:
            nbytes = (len(inline) if inline is not None else 0) + sum(sizes)
            self.report(TransferReport(var, version, frm, self.init.worker, nbytes, sent_at,
                                       time.time()))

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
        from ..capture import FdCapture, StatementRunner, start_ticker
        from ..interpreter import register_source
        from ..environ import blas_threads
        from ..worker import ThreadLimits, make_main_module

        try:
            os.chdir(job.cwd)
        except OSError:
            pass
        mod = make_main_module(job.script, job)
        register_source(job.script)
        limits = ThreadLimits(blas_threads(init.threads, _local_workers(self.comm.Get_size())))
        limits()
        buffering = getattr(job, "buffering", None)
        runner = StatementRunner(fd_capture=FdCapture(), after=limits, buffering=buffering)
        interp = Interpreter(job.script, init.program, mod.__dict__, init.worker, init.preds,
                             emit=self.emit, runner=runner, poll=self.pump,
                             open_ended=init.dynamic)
        if buffering is not None and self.MPI.Query_thread() >= self.MPI.THREAD_SERIALIZED:
            # the ticker sends only while the main thread is in the user's
            # code (never in MPI); without that level, output streams from
            # flushes on the main thread only
            start_ticker(runner)
        self.interp = interp
        if self.failed_early is not None:
            interp.set_failed(self.failed_early)
        for msg in self.early_ops:
            self._extend(msg)
        self.early_ops.clear()
        for item in self.early:
            self._received(item)
        self.early.clear()
        self.report(Ready(init.worker, os.getpid(), _host()))
        # dynamic assignment: a worker waiting for its next statement polls
        # more often (every wait for rank 0 is a round trip)
        backoff = Backoff(DYNAMIC_POLL if init.dynamic else Backoff.LONGEST)
        while True:
            wait = interp.advance()
            if wait is None:
                break
            assert isinstance(wait, (WaitRecv, WaitSends, WaitOps))
            if self.pump():
                backoff.reset()
            else:
                backoff.idle()
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
    if directory is not None:  # launched mode
        _LIFELINE.append(_lifeline(directory, comm.Get_rank()))
    _private_fds()
    worker = RankWorker(comm)
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


# -- launched mode: rank 0 talks to the taskpar process that started mpiexec ----

def _connect_launcher(directory: str):
    from ..auth import client_handshake
    from ..transport import ControlChannel

    with open(os.path.join(directory, "secret"), "rb") as f:
        secret = f.read()
    path = os.path.join(directory, "sock")
    deadline = time.monotonic() + CONNECT_TIMEOUT
    delay = 0.01
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(CONNECT_TIMEOUT)
        try:
            sock.connect(path)
            break
        except BlockingIOError:  # the launcher's backlog is full for a moment: retry
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    client_handshake(sock, secret)
    sock.settimeout(None)
    return sock, ControlChannel(sock)


_LIFELINE: list = []  # kept open until the process ends


def _lifeline(directory: str, rank: int):
    sock, ctl = _connect_launcher(directory)
    ctl.send(Lifeline(rank, os.getpid()))
    os.set_inheritable(sock.fileno(), False)
    return sock


def _launched_manager(comm, directory: str, channel: list) -> None:
    from mpi4py import MPI

    _LIFELINE.append(_lifeline(directory, 0))
    sock, ctl = _connect_launcher(directory)
    channel[:] = [sock, ctl]
    ctl.send(Hello(comm.Get_size(), os.getpid(), _host(), MPI.Get_library_version().splitlines()[0]))
    job, plan, threads = ctl.recv()

    def launcher_gone() -> None:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:  # the launcher sends nothing after the plan: EOF, it is gone
            comm.Abort(1)

    ready: set = set()

    def forward(msg) -> bool:
        ctl.send(msg)
        if isinstance(msg, Ready):
            ready.add(msg.worker)
            if len(ready) == plan.workers:  # every lifeline is connected: the secret can go
                import shutil

                shutil.rmtree(directory, ignore_errors=True)
        return True

    Manager(comm, job, plan, forward=forward, threads=threads, idle=launcher_gone).run()
    ctl.send(Done())


def main() -> None:
    """``python -m taskpar.runtime.mpi.rank``, started by the mpi backend under mpiexec."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    if comm.Get_rank() != 0:
        serve_worker(comm)  # never returns
    directory = os.environ.pop(CONTROL_ENV, None)
    if directory is None:
        sys.stderr.write("taskpar.runtime.mpi.rank: started without the mpi backend; run "
                         "`taskpar run --backend mpi SCRIPT` or `mpiexec -n K python -m "
                         "taskpar run --backend mpi SCRIPT`\n")
        comm.Abort(2)
    channel: list = []
    try:
        _launched_manager(comm, directory, channel)
    except BaseException:  # noqa: BLE001 - reported by the launcher, which then kills the job
        text = traceback.format_exc()
        sys.stderr.write(text)
        sys.stderr.flush()
        if channel:
            sock, ctl = channel
            try:
                # the launcher decides: often a worker died and MPI noticed here first
                ctl.send(InternalError(-1, text))
                sock.settimeout(INTERNAL_GRACE)
                sock.recv(1)  # returns at EOF: the launcher is gone
            except OSError:
                pass
        comm.Abort(70)


if __name__ == "__main__":
    # run as the imported module, not as ``__main__``: records pickled on
    # rank 0 must name ``taskpar.runtime.mpi.rank``, and the script's
    # ``__main__`` replaces this one on the workers
    from taskpar.runtime.mpi.rank import main as _main

    _main()
