"""Records that cross a process boundary: the wire types of the runtime.

Four families of small immutable records (the first three pickled only on
the private manager<->worker control channel, never on a peer socket). They
are ``NamedTuple``s, cheap to define (every process imports this module on
its way to running the first statement), to make and to pickle; test them
with ``isinstance``, never by ``==`` (two of them with equal fields are
equal tuples). ``Job`` and ``Buffering`` are frozen dataclasses.

* what every worker needs: ``Job``;
* events the backend hands to the driver (``on_event``):
  ``StatementStarted``, ``StatementOutput``, ``StatementReport``,
  ``TransferReport``;
* the control protocol between the manager and a worker (below);
* values between workers: the ``Payload`` of a value (its pickle header and
  out-of-band buffers, or UNBOUND / POISON / TOKEN), an ``Outgoing`` one
  the interpreter emits and a ``Message`` delivered to it (framed by each
  transport its own way; never unpickled before the peer authenticated).

Control protocol (one socketpair per worker, passed with ``pass_fds``)::

    manager                                   worker k
    ------- Init(k, run_id, secret, job, program, preds, ...) ------>
    <------ Listening(k, host, port)  (bound port 0 on loopback) ----
    ------- Peers({worker: (host, port)})  (only once all listen) -->
    <------ Connected(k)  (outgoing peers authenticated) ------------
    ------- Start() --------------------------------------------------> barrier
    ------- Ops(ops) ... End()  (dynamic assignment only: the program
            arrives while the run goes on; see taskpar.dynamic) ------>
    <------ StatementStarted / StatementOutput* / StatementReport ---
            / TransferReport  (StatementOutput: flushed output of a
            statement still running, see taskpar.runtime.capture) ----
    <------ TransferFailed / PeerLost / InternalError (faults) -------
    ------- Failed(stmt)  (first failed statement so far) ----------->
    <------ Finished(k)  (program done, every send drained) ---------
    ------- Shutdown() (once every worker finished) ------------------> exit

EOF on the channel means the other side is gone: the manager treats it as a
dead worker, a worker kills itself (and its process group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from ..analysis.model import Script

__all__ = [
    "VALUE",
    "UNBOUND",
    "POISON",
    "TOKEN",
    "Payload",
    "Message",
    "Outgoing",
    "Job",
    "Buffering",
    "StatementStarted",
    "StatementOutput",
    "StatementReport",
    "TransferReport",
    "WarningKey",
    "Init",
    "Listening",
    "Peers",
    "Connected",
    "Start",
    "Ops",
    "End",
    "Failed",
    "Finished",
    "Shutdown",
    "TransferFailed",
    "PeerLost",
    "InternalError",
]


@dataclass(frozen=True)
class Buffering:
    """How ``python script`` would buffer its output here (decides what is
    *flushed*, i.e. what a still-running statement may show at once).

    ``stdout``: "line" (a terminal), "block" (a pipe or file, 8 KiB) or
    "unbuffered" (``PYTHONUNBUFFERED`` / ``-u``); ``stderr``: "line" or
    "unbuffered". See ``buffering_for``.
    """

    stdout: str = "block"
    stderr: str = "line"


def buffering_for(stdout_tty: bool, stderr_tty: bool, environ=None, unbuffered_flag=None):
    """The ``Buffering`` python would use: stdout line-buffered on a terminal,
    block-buffered otherwise; stderr line-buffered; both unbuffered with a
    non-empty ``PYTHONUNBUFFERED`` (or ``-u``, ``unbuffered_flag``)."""
    import os
    import sys

    env = os.environ if environ is None else environ
    if unbuffered_flag is None:  # python -u: this interpreter's stdout writes through
        unbuffered_flag = getattr(sys.__stdout__, "write_through", False)
    if unbuffered_flag or env.get("PYTHONUNBUFFERED"):
        return Buffering("unbuffered", "unbuffered")
    return Buffering("line" if stdout_tty else "block", "line")


#: the hidden states the worker's guard (``runtime.guard``) watches, as
#: named in ``Statement.resources``: a report's ``changed`` and ``unseen``
GUARDED = ("random", "numpy.random", "cwd", "environ")

#: a split loop's note (``StatementReport.note``) when the plan put all its
#: iterations on one worker and the loop ran as written (``runtime.loops``)
LOOP_ALONE = "the plan runs all its iterations on one worker"


@dataclass(frozen=True)
class Job:
    """What every worker needs to act like ``python script ARGS``."""

    script: Script
    #: sys.argv for the script: (path as the user typed it, *args)
    argv: tuple[str, ...]
    #: working directory
    cwd: str
    #: the script's directory, becomes sys.path[0]
    sys_path0: str
    #: None = inherit the manager's environment
    env: dict[str, str] | None = None
    #: BLAS/OpenMP threads per worker (``--blas-threads``, resolved on each
    #: node by ``runtime.environ.blas_threads``): None or "python" = as python
    #: sizes them (no limit), "auto" = cores // workers, or an int
    threads_per_worker: int | str | None = None
    #: python's buffering of the driver's stdout/stderr: workers stream the
    #: flushed output of long statements (``StatementOutput``); None = every
    #: statement's output comes with its report only
    buffering: Buffering | None = None


# -- events for the driver ---------------------------------------------------

class StatementStarted(NamedTuple):
    stmt: int
    worker: int
    time: float


class StatementOutput(NamedTuple):
    """Output a statement has flushed while it still runs (live output).

    Sent only by a statement that has run for ``capture.LIVE_INTERVAL``
    (0.1 s) and flushed output by python's rules (a flush, a newline on a
    line-buffered stream, 8 KiB on a block-buffered one, anything when
    unbuffered, anything written straight to fds 1/2). ``chunks`` and
    ``warnings`` are as in ``StatementReport``; the statement's later output
    (further ``StatementOutput``s, then its report's ``chunks``) continues
    exactly where these end. Events of one statement arrive in order, before
    its report.
    """

    stmt: int
    worker: int
    chunks: tuple[tuple[int, str], ...]
    warnings: tuple = ()


#: A warning's identity: (category qualname, message text, filename, lineno).
#: Python shows a warning once per location under the default filters; two
#: workers may both show one, so the driver shows each key only once.
WarningKey = tuple[str, str, str, int]


class StatementReport(NamedTuple):
    """The outcome of one ``Exec`` (replicas are never reported).

    ``chunks`` are ``(1 | 2, text)`` in write order (1 = stdout, 2 = stderr).
    For ``"error"`` the python-formatted traceback is the last stderr chunk;
    for ``"exit"`` the message python prints for ``sys.exit("msg")`` likewise.
    ``exit_code``: 1 for ``"error"`` (130 for an uncaught KeyboardInterrupt,
    as python), the SystemExit code normalised like python (None -> 0, int,
    other -> 1) for ``"exit"``, None otherwise.

    ``warnings``: ``(key, index)`` for each warning the statement showed;
    ``chunks[index]`` is the stderr chunk holding exactly that warning's text
    (never merged with other output), so the driver can drop repeats of a key
    already shown by an earlier statement.

    ``streamed``: how many ``StatementOutput`` events of this statement came
    before this report; ``chunks`` is then only the output after theirs.

    ``changed``: the guarded hidden states (``GUARDED``:
    "random", "numpy.random", "cwd", "environ") the statement changed;
    ``unseen``: those it could not observe (loaded by the statement itself).
    The manager compares them with the plan (``taskpar.learned``).

    ``note``: of a split loop's items statement, why the loop ran as
    written this time ("" when its iterations ran apart); ``run`` records
    it for the next ``taskpar plan``.
    """

    stmt: int
    worker: int
    status: str  # "ok" | "error" | "exit" | "skipped"
    chunks: tuple[tuple[int, str], ...]
    exit_code: int | None
    start: float
    end: float
    warnings: tuple[tuple[WarningKey, int], ...] = ()
    streamed: int = 0
    changed: tuple[str, ...] = ()
    unseen: tuple[str, ...] = ()
    note: str = ""


class LoopBlock(NamedTuple):
    """Worker ``worker`` runs iterations ``first``..``last`` (from 1) of the
    ``total`` of split loop statement ``stmt`` (a part, or a block of the
    chain): sent once per block, so that a worker dying mid-loop is
    reported with the iterations it was in."""

    stmt: int
    worker: int
    first: int
    last: int
    total: int


class TransferReport(NamedTuple):
    """A value received: sender's start of the send to the receiver's end of it."""

    var: str
    version: int
    frm: int
    to: int
    nbytes: int
    start: float
    end: float


# -- control protocol: manager -> worker --------------------------------------

class Init(NamedTuple):
    worker: int
    workers: int
    run_id: str
    secret: bytes
    #: the Job, or its pickle (the local backend pickles it once for all
    #: workers; ``unpacked`` restores it)
    job: Job | bytes
    program: tuple
    #: statement -> statements it waits for (graph predecessors), for the
    #: statements in this worker's program
    preds: dict
    #: workers this one sends to (it connects to them)
    send_to: tuple[int, ...]
    #: workers this one receives from (they connect to it)
    recv_from: tuple[int, ...]
    #: the --blas-threads setting (``environ.blas_threads`` resolves it)
    threads: int | str | None
    manager_pid: int
    use_shm: bool = True
    #: True: ``program`` is empty and arrives in ``Ops`` records until ``End``
    dynamic: bool = False
    #: statements earlier runs measured quick: announced late (``runtime.outbox``)
    quick: frozenset = frozenset()

    def unpacked(self) -> "Init":
        if not isinstance(self.job, bytes):
            return self
        import pickle

        return self._replace(job=pickle.loads(self.job))

    def __repr__(self) -> str:  # never the secret
        return f"Init(worker={self.worker}, workers={self.workers}, run_id={self.run_id!r}, ...)"


class Peers(NamedTuple):
    addresses: dict  # worker -> (host, port)


class Start(NamedTuple):
    pass


class Ops(NamedTuple):
    """More of this worker's program (dynamic assignment), to run after what it has."""

    ops: tuple


class End(NamedTuple):
    """No more ``Ops`` will come: the worker finishes once its program is done."""


class Failed(NamedTuple):
    """The first failed statement known so far (the minimum id)."""

    stmt: int


class Shutdown(NamedTuple):
    pass


# -- control protocol: worker -> manager --------------------------------------

class Listening(NamedTuple):
    worker: int
    host: str
    port: int


class Connected(NamedTuple):
    worker: int


class Finished(NamedTuple):
    worker: int


class TransferFailed(NamedTuple):
    """A value could not be pickled (stage "send") or unpickled ("receive")."""

    var: str
    version: int
    frm: int
    to: int
    stage: str
    error: str


class PeerLost(NamedTuple):
    worker: int
    peer: int
    detail: str


class InternalError(NamedTuple):
    """A bug or environment failure inside the worker (not the user's code)."""

    worker: int
    traceback: str


# -- values between workers (peer sockets, MPI, Dask) ---------------------------
# What the interpreter emits and is delivered; each transport frames them its
# own way (``runtime.transport``, ``runtime.mpi``, ``backends.dask_worker``).

VALUE, UNBOUND, POISON, TOKEN = "value", "unbound", "poison", "token"


class Payload(NamedTuple):
    kind: str  # VALUE | UNBOUND | POISON | TOKEN
    header: bytes = b""
    buffers: tuple = ()


class Message(NamedTuple):
    """A payload delivered to this worker."""

    var: str | None
    version: int
    frm: int
    payload: Payload


class Outgoing(NamedTuple):
    """Instruction: send ``payload`` as ``var@version`` to worker ``to``."""

    var: str | None
    version: int
    to: int
    payload: Payload
