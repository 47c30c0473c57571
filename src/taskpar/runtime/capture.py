"""Running one statement the way python would, and recording what it shows.

Input: a compiled statement and the worker's ``__main__`` namespace.
Output: an ``Outcome`` — status ("ok" | "error" | "exit"), the ordered
stdout/stderr chunks ``(1 | 2, text)``, the exit code, the warnings shown,
start and end times.

What is recorded, and how:

* ``sys.stdout`` / ``sys.stderr`` are replaced, for the duration of each
  statement, by two persistent text writers (the same objects every time, so
  a logging handler that kept a reference keeps working). Text is encoded
  with the stream's encoding and error handler first, so a script that
  python would fail on (``print("\\udc80")``) fails here too.
* Output that bypasses them (C code, ``os.system``, ``os.write(1, ...)``)
  lands in the worker's fds 1 and 2, which the worker points at temp files
  (``FdCapture``); new bytes there are collected before each python-level
  write and at the end of the statement, so the interleaving is kept as far
  as it can be observed.
* Warnings shown with python's default ``showwarning`` are recorded as their
  own stderr chunk, tagged ``(category, message, filename, lineno)``.
* An uncaught exception becomes python's traceback text (no taskpar frames:
  the traceback starts at the statement's ``<module>`` frame; chained
  exceptions as python shows them), or whatever a ``sys.excepthook`` the
  script installed writes. ``SystemExit`` is handled like python's
  ``handle_system_exit``: None -> 0 silently, an int -> that code, anything
  else -> its ``str`` on stderr and code 1.

A statement run with ``silent=True`` (a replica) records nothing.
"""

from __future__ import annotations

import ctypes
import fcntl
import io
import os
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass

__all__ = ["Outcome", "StatementRunner", "FdCapture", "format_exception", "system_exit_status"]

STDOUT, STDERR = 1, 2


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok" | "error" | "exit"
    chunks: tuple[tuple[int, str], ...]
    exit_code: int | None
    warnings: tuple
    start: float
    end: float


def format_exception(exc: BaseException, code) -> str:
    """The text python prints for ``exc`` left uncaught by statement ``code``."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is None:  # raised before the statement's frame existed
        tb = exc.__traceback__
    te = traceback.TracebackException(type(exc), exc, tb, compact=True)
    call = _call_frame(code)
    if call is not None and tb is not None and tb.tb_frame.f_code is code:
        te.stack.insert(0, call)
    return "".join(te.format())


def _call_frame(code):
    """The ``<module>`` frame of ``main()`` for a statement taken from main's body."""
    from .interpreter import CALL_FRAMES

    try:
        where = CALL_FRAMES.get(code)
    except TypeError:
        return None
    if where is None:
        return None
    filename, lineno = where
    return traceback.FrameSummary(filename, lineno, "<module>")


def system_exit_status(exc: SystemExit) -> tuple[int, str | None]:
    """(exit code, message to print on stderr or None), as python decides them."""
    code = exc.code
    if code is None:
        return 0, None
    if isinstance(code, int):
        return code, None
    try:
        text = str(code)
    except Exception:  # noqa: BLE001 - python prints nothing useful either
        text = "<exception str() failed>"
    return 1, text + "\n"


class _Recording:
    def __init__(self):
        self.chunks: list[list] = []  # [stream, text, mergeable]
        self.warnings: list = []

    def add(self, stream: int, text: str, mergeable: bool = True) -> int:
        if not text:
            return len(self.chunks) - 1
        last = self.chunks[-1] if self.chunks else None
        if mergeable and last is not None and last[0] == stream and last[2]:
            last[1] += text
        else:
            self.chunks.append([stream, text, mergeable])
        return len(self.chunks) - 1

    def frozen(self) -> tuple[tuple[int, str], ...]:
        return tuple((s, t) for s, t, _ in self.chunks)


class FdCapture:
    """Points fds 1 and 2 at unlinked temp files; ``collect()`` returns new output."""

    def __init__(self):
        self._offsets = {}
        for fd in (STDOUT, STDERR):
            handle, path = tempfile.mkstemp(prefix="taskpar-fd%d-" % fd)
            os.unlink(path)
            # O_APPEND: children writing to the same file never overwrite
            fcntl.fcntl(handle, fcntl.F_SETFL, fcntl.fcntl(handle, fcntl.F_GETFL) | os.O_APPEND)
            os.dup2(handle, fd)
            os.close(handle)
            self._offsets[fd] = 0
        try:
            self._libc = ctypes.CDLL(None)
        except OSError:  # pragma: no cover - no libc to flush
            self._libc = None

    def sizes_changed(self) -> bool:
        return any(os.fstat(fd).st_size != self._offsets[fd] for fd in (STDOUT, STDERR))

    def collect(self, flush_c: bool = False) -> list[tuple[int, str]]:
        if flush_c and self._libc is not None:
            self._libc.fflush(None)
        out = []
        for fd in (STDOUT, STDERR):
            size = os.fstat(fd).st_size
            start = self._offsets[fd]
            if size > start:
                data = os.pread(fd, size - start, start)
                self._offsets[fd] = start + len(data)
                out.append((fd, data.decode("utf-8", "surrogateescape")))
        return out


class _BinaryWriter(io.RawIOBase):
    """``sys.stdout.buffer``: bytes written are recorded as text."""

    def __init__(self, runner: "StatementRunner", stream: int):
        self._runner, self._stream = runner, stream

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        data = bytes(b)
        self._runner._write(self._stream, data.decode("utf-8", "surrogateescape"))
        return len(data)


class _TextWriter(io.TextIOBase):
    def __init__(self, runner: "StatementRunner", stream: int, like):
        self._runner = runner
        self._stream = stream
        self._encoding = getattr(like, "encoding", None) or "utf-8"
        self._errors = getattr(like, "errors", None) or ("strict" if stream == STDOUT else "backslashreplace")
        self._buffer = _BinaryWriter(runner, stream)

    encoding = property(lambda self: self._encoding)
    errors = property(lambda self: self._errors)
    buffer = property(lambda self: self._buffer)
    name = property(lambda self: "<stdout>" if self._stream == STDOUT else "<stderr>")
    line_buffering = property(lambda self: False)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream

    def flush(self) -> None:
        pass

    def write(self, s) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        encoded = s.encode(self._encoding, self._errors)
        if self._errors != "strict" or self._encoding.lower().replace("-", "") != "utf8":
            text = encoded.decode(self._encoding, "surrogateescape")
        else:
            text = s
        self._runner._write(self._stream, text)
        return len(s)


class StatementRunner:
    """Runs statements with their output recorded (see the module docstring).

    ``fd_capture``: an ``FdCapture`` (the worker process) or None (tests,
    python-level capture only). ``after``: called after every statement
    (the worker re-applies thread limits there). ``clock``: time source.
    """

    def __init__(self, fd_capture: FdCapture | None = None, after=None, clock=time.time):
        self._fd = fd_capture
        self._after = after
        self._clock = clock
        self._pending = _Recording()  # output between statements (threads)
        self._recording: _Recording = self._pending  # where output goes now
        self.stdout = _TextWriter(self, STDOUT, sys.__stdout__)
        self.stderr = _TextWriter(self, STDERR, sys.__stderr__)
        self._user_stdout = None
        self._user_stderr = None

    # -- recording ----------------------------------------------------------
    def _target(self) -> _Recording:
        return self._recording

    def _collect_fds(self, flush_c: bool = False) -> None:
        if self._fd is None:
            return
        rec = self._target()
        for fd, text in self._fd.collect(flush_c):
            rec.add(fd, text)

    def _write(self, stream: int, text: str) -> None:
        if self._fd is not None and self._fd.sizes_changed():
            self._collect_fds()
        self._target().add(stream, text)

    def _show_warning(self, msg) -> None:
        """Replacement of ``warnings._showwarnmsg_impl`` (python's default display)."""
        file = msg.file if msg.file is not None else sys.stderr
        if file is None:
            return
        text = warnings._formatwarnmsg(msg)
        if file is not self.stderr:
            try:
                file.write(text)
            except OSError:
                pass
            return
        rec = self._target()
        if self._fd is not None and self._fd.sizes_changed():
            self._collect_fds()
        key = (msg.category.__name__, str(msg.message), str(msg.filename), int(msg.lineno or 0))
        index = rec.add(STDERR, text, mergeable=False)
        rec.warnings.append((key, index))

    # -- running --------------------------------------------------------------
    def run(self, code, namespace: dict, silent: bool = False) -> Outcome:
        self._collect_fds()  # anything written between statements goes to _pending
        rec = _Recording()  # a replica's is thrown away
        if not silent and self._pending.chunks:
            rec.chunks, rec.warnings = self._pending.chunks, self._pending.warnings
            self._pending = _Recording()
        self._recording = rec
        saved = sys.stdout, sys.stderr, warnings._showwarnmsg_impl
        sys.stdout = self._user_stdout or self.stdout
        sys.stderr = self._user_stderr or self.stderr
        warnings._showwarnmsg_impl = self._show_warning
        status, exit_code, tail = "ok", None, None
        start = self._clock()
        try:
            exec(code, namespace)
        except SystemExit as e:
            exit_code, tail = system_exit_status(e)
            status = "exit"
        except BaseException as e:  # noqa: BLE001 - the user's error is reported, not swallowed
            status, exit_code = "error", 130 if isinstance(e, KeyboardInterrupt) else 1
            tail = self._traceback(e, code)
        finally:
            end = self._clock()
            self._flush_python_streams()
            self._collect_fds(flush_c=True)
            if sys.stdout is not self.stdout and sys.stdout is not self._user_stdout:
                self._user_stdout = sys.stdout  # the script replaced it: keep theirs
            if sys.stderr is not self.stderr and sys.stderr is not self._user_stderr:
                self._user_stderr = sys.stderr
            if warnings._showwarnmsg_impl is self._show_warning:
                warnings._showwarnmsg_impl = saved[2]
            sys.stdout, sys.stderr = saved[0], saved[1]
            self._recording = self._pending
        if tail is not None:
            rec.add(STDERR, tail, mergeable=False)
        if self._after is not None:
            self._after()
        if silent:
            return Outcome(status, (), exit_code, (), start, end)
        return Outcome(status, rec.frozen(), exit_code, tuple(rec.warnings), start, end)

    def _traceback(self, exc: BaseException, code) -> str:
        hook = sys.excepthook
        if hook is sys.__excepthook__ or hook is None:
            return format_exception(exc, code)
        # the script installed its own hook: python would call it
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code is not code:
            tb = tb.tb_next
        sink = _Recording()
        outer, self._recording = self._recording, sink
        try:
            hook(type(exc), exc, tb)
        except BaseException as hook_error:  # noqa: BLE001 - python reports both
            self._recording = outer
            return ("Error in sys.excepthook:\n" + format_exception(hook_error, None)
                    + "\nOriginal exception was:\n" + format_exception(exc, code))
        finally:
            self._recording = outer
        return "".join(t for _, t, _ in sink.chunks)

    def _flush_python_streams(self) -> None:
        for stream in (sys.__stdout__, sys.__stderr__):
            if stream is not None:
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
