"""What the MPI ranks of the mpi backend send each other, and the helpers
both sides of it use (rank 0: ``taskpar.backends.mpi.rank0``; ranks 1..N:
``rank``; the launcher's records ``Hello`` / ``Lifeline`` / ``Done``).

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
"""

from __future__ import annotations

import mmap
import socket
import time
from dataclasses import dataclass

from ...plan import Plan, Send, worker_program
from ..messages import VALUE, Outgoing
from ..messages import Job

__all__ = ["RankInit", "RankOps", "Ready", "Hello", "Lifeline", "Done", "Backoff", "tags_for",
           "worker_init", "pack", "alloc", "host", "CTL", "EVT", "FIRST_TAG", "CONTROL_ENV",
           "INLINE_HEADER", "MMAP_MIN", "DYNAMIC_POLL"]

CTL, EVT = 1, 2
FIRST_TAG = 10
#: the launcher's private directory (socket + secret file), launched mode only
CONTROL_ENV = "TASKPAR_MPI_CONTROL"
#: a header at most this long travels inside the envelope
INLINE_HEADER = 64 * 1024
#: buffers at least this long are received into anonymous mmap (no zero-fill)
MMAP_MIN = 1 << 20
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
    part = worker_program(plan, w)  # dynamic: the program (and its tags) arrive as the run goes
    mine = {k: t for k, t in tags.items() if k[2] == w or k[3] == w}
    return RankInit(worker=w, workers=plan.workers, job=job, program=part.program,
                    preds=part.preds, tags=mine, threads=threads, dynamic=plan.dynamic)


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


def alloc(n: int):
    if n >= MMAP_MIN:
        return mmap.mmap(-1, n)
    return bytearray(n)


def host() -> str:
    return socket.gethostname()
