"""The part of the Dask backend that runs inside Dask worker processes.

Importable on every Dask worker (taskpar must be installed there); the
driver (``taskpar.backends.dask``) only references these functions, which
pickle by reference.

Per run and plan worker ``k`` a ``_RunState`` lives in this module's
registry ``_RUNS`` of the Dask worker process that plays plan worker ``k``.
It holds, for the whole run:

* the script's ``__main__`` module, made by ``runtime.shell.make_main_module``
  (``__name__ == "__main__"``, ``__file__``, docstring, loader), its
  ``sys.argv`` list, its ``sys.path`` list and its current directory;
* an ``Interpreter`` (``runtime.interpreter``) over the worker's program and
  the module's namespace: skipping after a failure, POISON, UNBOUND,
  tokens and replicas are the local backend's, statement by statement;
* a ``StatementRunner`` (``runtime.capture``) for python-identical output
  and tracebacks, with fds 1 and 2 captured (``FdCapture``).

Process-wide state is swapped in only while a task of the run executes
(``_RunState.context``): ``sys.modules["__main__"]``, ``sys.argv``,
``sys.path``, the current directory. Dask's own threads keep running
meanwhile; between tasks the worker process is Dask's again. Values are
(de)serialized with ``runtime.values`` and the namespace passed explicitly
(``main=``), so nothing relies on ``sys.modules["__main__"]`` there.

Tasks (each restricted to one Dask worker, chained in plan order there):

* ``run_segment(run_id, k, seg, chain, *inputs)``: deliver the payloads of
  ``inputs`` (results of ``take`` on other workers) that this segment's
  ``Recv`` ops want, then interpret the segment's ops (receives and
  replicas, one ``Exec``, its sends). Sends are *snapshots*: the value is
  serialized when the statement finished and its buffers copied, so a
  later statement on this worker may mutate the object freely. Returns the
  events for the driver (``StatementStarted``, ``StatementReport``,
  ``TransferReport``, ``TransferFailed``). Live output of a long statement
  (``StatementOutput``) goes out meanwhile as Dask events on
  ``output_topic`` (from the task's thread or the run's output ticker).
* ``take(run_id, k, seg, to, done)``: the payloads segment ``seg`` made for
  worker ``to`` — a separate small task so that the driver fetches only
  reports and a receiver only what it needs.

``setup`` / ``set_failed`` / ``forget`` run through ``Client.run`` (outside
the task queue, in the worker's event-loop thread).
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import sys
import threading
import time
from contextlib import contextmanager

from ..plan import Exec, Recv
from ..runtime.capture import FdCapture
from ..runtime.compiling import register_source
from ..runtime.interpreter import Interpreter
from ..runtime.messages import (LoopBlock, Message, Outgoing, Payload, StatementOutput,
                                StatementStarted)
from ..runtime.shell import arrived, make_main_module, open_session
from ..runtime.values import nbytes

__all__ = ["setup", "run_segment", "take", "set_failed", "forget", "topic", "output_topic",
           "pack_output"]

#: modules whose global state Dask's own threads use too (tornado and
#: distributed draw jitter from the global ``random`` generator): the script
#: gets its own instance, so ``random.seed(42)`` gives python's sequence.
PRIVATE_MODULES = ("random",)

_RUNS: dict = {}  # (run_id, k) -> _RunState
_LOCK = threading.Lock()


def topic(run_id: str) -> str:
    """The Dask event topic on which workers announce started statements."""
    return f"taskpar-{run_id}-started"


def output_topic(run_id: str) -> str:
    """The Dask event topic of live output (``StatementOutput``, ``pack_output``)."""
    return f"taskpar-{run_id}-output"


def pack_output(out: StatementOutput) -> list:
    """``out`` as msgpack carries it (text as UTF-8 bytes: surrogates survive)."""
    return [out.stmt, out.worker, [[s, t.encode("utf-8", "surrogateescape")] for s, t in out.chunks],
            [[list(key), index] for key, index in out.warnings]]


def unpack_output(msg) -> StatementOutput:
    stmt, worker, chunks, warns = msg
    return StatementOutput(int(stmt), int(worker),
                           tuple((int(s), bytes(t).decode("utf-8", "surrogateescape"))
                                 for s, t in chunks),
                           tuple((tuple(key), int(index)) for key, index in warns))


# -- fds 1 and 2: captured while at least one run lives in this process -------

class _Fds:
    """Points fds 1/2 at capture files; Dask's own log handlers and the
    between-tasks ``sys.stdout``/``sys.stderr`` keep writing to the original
    destinations (through duplicates), so Dask's messages never end up in a
    statement's output. Reference counted: the last run restores everything."""

    users = 0
    capture: FdCapture | None = None
    saved: dict = {}
    streams: dict = {}
    handlers: list = []
    sys_streams: tuple = ()

    @classmethod
    def acquire(cls) -> FdCapture:
        with _LOCK:
            if cls.users == 0:
                cls._install()
            cls.users += 1
            return cls.capture

    @classmethod
    def release(cls) -> None:
        with _LOCK:
            cls.users -= 1
            if cls.users == 0:
                cls._uninstall()

    @classmethod
    def _install(cls) -> None:
        for s in (sys.stdout, sys.stderr):
            try:
                s.flush()
            except (AttributeError, OSError, ValueError):
                pass
        cls.saved = {fd: os.dup(fd) for fd in (1, 2)}
        cls.streams = {}
        for fd, like in ((1, sys.__stdout__), (2, sys.__stderr__)):
            raw = io.FileIO(cls.saved[fd], "w", closefd=False)
            cls.streams[fd] = io.TextIOWrapper(
                raw, encoding=getattr(like, "encoding", None) or "utf-8",
                errors=getattr(like, "errors", None) or "backslashreplace", line_buffering=True)
        cls.handlers = []
        loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                           if isinstance(lg, logging.Logger)]
        for lg in loggers:
            for h in lg.handlers:
                if type(h) is not logging.StreamHandler:
                    continue
                fd = _fileno(h.stream)
                if fd in (1, 2):
                    cls.handlers.append((h, h.stream))
                    h.setStream(cls.streams[fd])
        cls.sys_streams = (sys.stdout, sys.stderr)
        if _fileno(sys.stdout) == 1:
            sys.stdout = cls.streams[1]
        if _fileno(sys.stderr) == 2:
            sys.stderr = cls.streams[2]
        cls.capture = FdCapture()

    @classmethod
    def _uninstall(cls) -> None:
        try:
            cls.capture.collect(flush_c=True)  # drop what is left
        except OSError:
            pass
        for h, stream in cls.handlers:
            if h.stream in cls.streams.values():
                h.setStream(stream)
        if sys.stdout is cls.streams.get(1):
            sys.stdout = cls.sys_streams[0]
        if sys.stderr is cls.streams.get(2):
            sys.stderr = cls.sys_streams[1]
        for fd, dup in cls.saved.items():
            try:
                cls.streams[fd].flush()
            except (OSError, ValueError):
                pass
            os.dup2(dup, fd)
            os.close(dup)
        cls.capture, cls.saved, cls.streams, cls.handlers = None, {}, {}, []


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


# -- one run on this worker ----------------------------------------------------

class _SegmentInterpreter(Interpreter):
    """An Interpreter that stops at ``limit`` (the end of the current segment)."""

    limit = sys.maxsize  # the whole program until a segment sets it

    @property
    def program(self):
        return self._full[:self.limit]

    @program.setter
    def program(self, ops):
        self._full = tuple(ops)


def _clean_path(path: list, local_dirs: set) -> list:
    """The worker's sys.path without Dask's scratch directories."""
    out = []
    for p in path:
        if p in local_dirs or "dask-scratch-space" in p:
            continue
        out.append(p)
    return out


class _RunState:
    def __init__(self, run_id: str, k: int, job, program, preds, segments, threads,
                 local_dirs: set, workers_here: int = 1):
        self.run_id, self.k, self.job = run_id, k, job
        self.script = job.script
        self.segments = segments  # [(start, end)]
        self.lock = threading.Lock()
        self.closed = False
        self.events: list = []
        self.outbox: dict = {}  # (seg, to) -> {(var, version, frm): payload tuple}
        self.seg = -1
        self.dask_worker = None
        saved = sys.modules.get("__main__"), sys.argv, sys.path
        sys.path = _clean_path(list(sys.path), local_dirs)
        try:
            self.module = make_main_module(job.script, job)
            self.argv, self.path = sys.argv, sys.path
        finally:
            _restore_main(saved[0])
            sys.argv, sys.path = saved[1], saved[2]
        self.cwd = job.cwd if os.path.isdir(job.cwd) else None
        self.private = {name: _fresh_module(name) for name in PRIVATE_MODULES}
        self.fds = _Fds.acquire()
        # live output (job.buffering, set by the driver only when it listens
        # on output_topic): StatementOutput goes out as Dask events
        self.ticker_stop = threading.Event()
        session = open_session(job, k, program, preds, emit=self._emit, fd_capture=self.fds,
                               threads=threads, workers_here=workers_here, module=self.module,
                               interpreter=_SegmentInterpreter, ticker_stop=self.ticker_stop)
        self.runner, self.interp = session.runner, session.interp

    def _emit(self, instruction) -> None:
        if isinstance(instruction, Outgoing):
            p = instruction.payload
            # a snapshot: the buffers are the object's own memory until copied
            buffers = tuple(bytes(b) for b in p.buffers)
            box = self.outbox.setdefault((self.seg, instruction.to), {})
            box[(instruction.var, instruction.version, self.k)] = (p.kind, p.header, buffers,
                                                                  time.time())
            self.interp.send_done(instruction.var, instruction.version, instruction.to)
            return
        if isinstance(instruction, StatementOutput) and self.dask_worker is not None:
            # from the task's thread or the ticker's; log_event is thread-safe
            try:
                self.dask_worker.log_event(output_topic(self.run_id), pack_output(instruction))
                return
            except Exception:  # noqa: BLE001 - then it comes with the segment's result
                pass
        if isinstance(instruction, (StatementStarted, LoopBlock)) and self.dask_worker is not None:
            record = ([instruction.stmt, instruction.worker, instruction.time]
                      if isinstance(instruction, StatementStarted) else
                      [instruction.stmt, instruction.worker, instruction.first,
                       instruction.last, instruction.total])
            try:
                self.dask_worker.log_event(topic(self.run_id), record)
            except Exception:  # noqa: BLE001 - progress only; the report still comes
                pass
        self.events.append(instruction)

    @contextmanager
    def context(self):
        """The script's process-wide state, swapped in for one task."""
        saved = sys.modules.get("__main__"), sys.argv, sys.path
        saved_modules = {name: sys.modules.get(name) for name in self.private}
        try:
            saved_cwd = os.getcwd()
        except OSError:
            saved_cwd = None
        register_source(self.script)
        sys.modules["__main__"] = self.module
        sys.modules.update(self.private)
        sys.argv, sys.path = self.argv, self.path
        if self.cwd is not None:
            try:
                os.chdir(self.cwd)
            except OSError:
                pass
        try:
            yield
        finally:
            self.argv, self.path = sys.argv, sys.path  # the script may rebind them
            try:
                self.cwd = os.getcwd()
            except OSError:
                pass
            _restore_main(saved[0])
            sys.argv, sys.path = saved[1], saved[2]
            for name, mod in saved_modules.items():
                if mod is not None:
                    sys.modules[name] = mod
            if saved_cwd is not None:
                try:
                    os.chdir(saved_cwd)
                except OSError:
                    pass

    def close(self) -> None:
        self.ticker_stop.set()
        if not self.closed:
            self.closed = True
            self.outbox.clear()
            _Fds.release()


def _fresh_module(name: str):
    """A new instance of module ``name``, with its own state."""
    spec = importlib.util.find_spec(name)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _restore_main(mod) -> None:
    if mod is None:
        sys.modules.pop("__main__", None)
    else:
        sys.modules["__main__"] = mod


def _state(run_id: str, k: int) -> _RunState:
    state = _RUNS.get((run_id, k))
    if state is None:
        raise RuntimeError(f"taskpar run {run_id} has no state for worker {k + 1} on this Dask "
                           f"worker (was it restarted?)")
    return state


# -- Client.run entry points ---------------------------------------------------

def setup(run_id: str, job, workers: dict, threads, dask_worker=None) -> int:
    """Create this worker's run state; ``workers``: address -> (k, program, preds, segments)."""
    k, program, preds, segments = workers[dask_worker.address]
    local_dirs = {getattr(dask_worker, "local_directory", None)}
    host = dask_worker.address.rpartition(":")[0]
    here = sum(1 for a in workers if a.rpartition(":")[0] == host)  # plan workers on this node
    state = _RunState(run_id, k, job, program, preds, segments, threads, local_dirs, here)
    state.dask_worker = dask_worker
    with _LOCK:
        _RUNS[(run_id, k)] = state
    return os.getpid()


def set_failed(run_id: str, stmt: int) -> None:
    """The first failed statement known so far (statements after it are skipped)."""
    for (rid, _), state in list(_RUNS.items()):
        if rid == run_id:
            state.interp.set_failed(stmt)


def forget(run_id: str) -> None:
    """Drop the run's state here (a task still running closes it when it ends)."""
    for key in [key for key in _RUNS if key[0] == run_id]:
        state = _RUNS.pop(key)
        if state.lock.acquire(blocking=False):
            try:
                state.close()
            finally:
                state.lock.release()
        else:
            state.closed = None  # "close when done": the running task does it


# -- tasks -------------------------------------------------------------------------

def run_segment(run_id: str, k: int, seg: int, chain, *inputs) -> tuple:
    state = _state(run_id, k)
    with state.lock:
        if state.closed is not False:
            if state.closed is None:
                state.close()
            return ()
        try:
            return _run_segment(state, seg, inputs)
        finally:
            if state.closed is None:  # forgotten while running
                state.close()


def _run_segment(state: _RunState, seg: int, inputs) -> tuple:
    interp = state.interp
    start, end = state.segments[seg]
    if interp.pc != start:
        raise RuntimeError(f"worker {state.k + 1}: segment {seg} starts at op {start}, "
                           f"the interpreter is at op {interp.pc}")
    wanted = {(op.var, op.version, op.frm) for op in interp._full[start:end] if isinstance(op, Recv)}
    state.events = events = []
    state.seg = seg
    now = time.time()
    for box in inputs:
        for (var, version, frm), (kind, header, buffers, sent_at) in box.items():
            if (var, version, frm) not in wanted:
                continue
            msg = Message(var, version, frm, Payload(kind, header, buffers))
            interp.deliver(msg)
            report = arrived(msg, state.k, nbytes(header, buffers), sent_at, now)
            if report is not None:
                events.append(report)
    interp.limit = end
    with state.context():
        wait = interp.advance()
    if wait is not None:
        raise RuntimeError(f"worker {state.k + 1}: segment {seg} is blocked on {wait!r}")
    return tuple(events)


def take(run_id: str, k: int, seg: int, to: int, done) -> dict:
    """The payloads segment ``seg`` of worker ``k`` made for worker ``to``."""
    state = _state(run_id, k)
    return state.outbox.pop((seg, to), {})


def exec_stmt(program, start: int, end: int) -> int | None:
    """The statement of the (non-replica) Exec in ``program[start:end]``, if any."""
    for op in program[start:end]:
        if isinstance(op, Exec) and not op.replica:
            return op.stmt
    return None
