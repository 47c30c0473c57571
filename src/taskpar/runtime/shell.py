"""The worker shell: what every backend's worker does around the Interpreter.

A worker — a process of the local backend (``runtime.worker``), an MPI rank
(``runtime.mpi.rank``), a Dask worker playing a plan worker
(``backends.dask_worker``) — differs from the others only in how messages
travel. What it does with the script is the same, and lives here:

* ``make_main_module``: a real ``__main__`` module for the script (name,
  file, docstring, loader, ``sys.argv``, ``sys.path[0]``), as python makes it;
* ``open_session``: the source registered for tracebacks, BLAS/OpenMP
  thread limits (``ThreadLimits``, re-applied after imports), the
  ``StatementRunner`` with fds 1/2 captured, the ``Interpreter`` over the
  worker's program and the live-output ticker;
* ``interpret``: the loop every worker runs its interpreter in;
* ``arrived``: the ``TransferReport`` of a value delivered to this worker
  (the receive path every transport reports the same way);
* the typed events a shell's threads hand to its main thread about sends
  (``Sending``, ``Sent``).

A new backend's worker: receive the ``Job`` and the worker's part of the
plan (``plan.worker_program``), call ``open_session``, then ``interpret``
— carrying out what the interpreter emits (``Outgoing``: send it; anything
else: report it to the manager) and feeding it ``deliver`` / ``send_done``
/ ``set_failed`` / ``extend`` / ``close`` as messages come.
"""

from __future__ import annotations

import ast
import builtins
import importlib.machinery
import os
import sys
import types
from dataclasses import dataclass

from .capture import StatementRunner, start_ticker
from .compiling import register_source
from .environ import HASHSEED_ENV, blas_threads
from .interpreter import BeforeExec, Interpreter, WaitOps, WaitRecv, WaitSends
from .messages import VALUE, Message, TransferReport

__all__ = ["module_doc", "make_main_module", "ThreadLimits", "Session", "open_session",
           "interpret", "arrived", "Sending", "Sent"]


def module_doc(script) -> str | None:
    """The script's docstring, read from its first statement alone (parsing
    the whole source would cost each worker milliseconds per 100 lines)."""
    first = script.statements[0] if script.statements else None
    if first is None or first.path != (0,) or not first.source.lstrip()[:1] in ("'", '"', "r", "R",
                                                                              "u", "U", "b", "B", "f", "F"):
        return None
    try:
        body = ast.parse(first.source).body
    except SyntaxError:  # pragma: no cover - a statement's own text parses
        body = ast.parse(script.source, script.filename).body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].value.value
    return None


def make_main_module(script, job) -> types.ModuleType:
    """A real ``__main__`` module for the script, registered in sys.modules."""
    if os.environ.pop(HASHSEED_ENV, None):
        os.environ.pop("PYTHONHASHSEED", None)  # ours, not the user's
    mod = types.ModuleType("__main__", module_doc(script))
    mod.__file__ = script.filename
    mod.__builtins__ = builtins
    mod.__loader__ = importlib.machinery.SourceFileLoader("__main__", script.filename)
    mod.__spec__ = None
    mod.__package__ = None
    mod.__cached__ = None
    if sys.version_info < (3, 14):
        mod.__annotations__ = {}  # python's __main__ has one before its first statement
    sys.modules["__main__"] = mod
    sys.argv = list(job.argv)
    if _entry_dropped or getattr(sys.flags, "safe_path", False) or not sys.path:
        sys.path.insert(0, job.sys_path0)  # started with -P: nothing to replace
    else:
        sys.path[0] = job.sys_path0
    return mod


#: sys.path holds no entry directory (``drop_entry_path``)
_entry_dropped = False


def drop_entry_path() -> None:
    """In a process forked from the manager: take the directory python put
    first on sys.path for the manager's own entry (the ``taskpar`` command's
    folder; ``python -m taskpar`` dropped the working directory already), so
    that sys.path is what ``-P`` gives and ``make_main_module`` inserts the
    script's folder in front."""
    global _entry_dropped
    if not getattr(sys.flags, "safe_path", False) and sys.path and sys.argv and sys.argv[0]:
        entry = os.path.dirname(os.path.realpath(sys.argv[0]))
        if sys.path[0] == entry:
            del sys.path[0]
    _entry_dropped = True


class ThreadLimits:
    """Limit BLAS/OpenMP pools to ``n`` threads (None: leave them alone);
    re-apply when modules were imported."""

    def __init__(self, n: int | None):
        self.n = n
        self._seen = -1

    def __call__(self) -> None:
        if self.n is None or len(sys.modules) == self._seen:
            return
        self._seen = len(sys.modules)
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            self.n = None
            return
        threadpool_limits(limits=self.n)


@dataclass
class Session:
    """The script's side of one worker: its ``__main__``, runner and interpreter."""

    module: types.ModuleType
    runner: StatementRunner
    interp: Interpreter
    limits: ThreadLimits


def open_session(job, worker: int, program, preds: dict, *, emit, fd_capture,
                 threads: int | None, workers_here: int, module: types.ModuleType | None = None,
                 open_ended: bool = False, before_exec: bool = False,
                 interpreter=Interpreter, ticker: bool = True, ticker_stop=None) -> Session:
    """Everything a worker needs to run its statements (see module docstring).

    ``threads``: ``Job.threads_per_worker`` (resolved with ``workers_here``,
    the plan workers on this machine, by ``environ.blas_threads``);
    ``module``: a ``__main__`` made already (else made here);
    ``before_exec``: the interpreter returns ``BeforeExec`` before each
    statement (a shell whose threads or transport queue what arrives);
    ``ticker``: start the live-output ticker when the job streams output
    (``ticker_stop``: an Event that stops it)."""
    mod = module if module is not None else make_main_module(job.script, job)
    register_source(job.script)
    limits = ThreadLimits(blas_threads(threads, workers_here))
    limits()
    buffering = getattr(job, "buffering", None)
    runner = StatementRunner(fd_capture=fd_capture, after=limits, buffering=buffering)
    interp = interpreter(job.script, program, mod.__dict__, worker, preds, emit=emit,
                         runner=runner, open_ended=open_ended, before_exec=before_exec)
    if buffering is not None and ticker:
        start_ticker(runner, ticker_stop)
    return Session(mod, runner, interp, limits)


def arrived(msg: Message, me: int, nbytes: int, sent_at: float, now: float) -> TransferReport | None:
    """The report of a value that reached worker ``me`` (None for tokens,
    UNBOUND and POISON: nothing was transferred that a plan would size)."""
    if msg.var is None or msg.payload.kind != VALUE:
        return None
    return TransferReport(msg.var, msg.version, msg.frm, me, nbytes, sent_at, now)


@dataclass(frozen=True, slots=True)
class Sending:
    """A shell thread shipped a kept value itself: count it in flight."""

    var: str | None


@dataclass(frozen=True, slots=True)
class Sent:
    """An ``Outgoing`` has left this process."""

    var: str | None
    version: int
    to: int


def interpret(interp: Interpreter, hand_over, wait) -> None:
    """Run the interpreter to the end of its program: every worker's loop.

    ``hand_over()``: give the interpreter what has arrived (never blocks);
    ``wait(w)``: block until something arrives for the wait ``w``
    (``WaitRecv`` / ``WaitSends`` / ``WaitOps``) and hand it over."""
    while True:
        w = interp.advance()
        if w is None:
            return
        if isinstance(w, BeforeExec):
            hand_over()  # a failure elsewhere is known before the statement runs
            continue
        assert isinstance(w, (WaitRecv, WaitSends, WaitOps)), w
        wait(w)
