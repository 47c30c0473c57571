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

Live output (``StatementRunner(buffering=...)``, the worker shells): the
runner also tracks what python would have *flushed* by now — after a
``flush()`` (``print(..., flush=True)``), a write holding "\\n" or "\\r" on a
line-buffered stream (stdout on a terminal, stderr always), 8 KiB of
unflushed stdout on a block-buffered one (a pipe or file), every write when
unbuffered (``PYTHONUNBUFFERED``/``-u``), and anything that reached fds 1/2
directly. One order is kept for both streams (the interleaving of one
terminal), so a flush of either stream flushes everything written before
it. Flushed output of a statement that has run for ``LIVE_INTERVAL``
(0.1 s) goes out early, through ``on_output(stmt, chunks, warnings)``:

* at a flush point once the statement has run that long (at most one call
  per ``LIVE_GAP``; what a flush within the gap leaves is sent by the tick);
* from ``tick()``, which a shell thread calls every ``LIVE_INTERVAL``
  (``start_ticker``): what was flushed earlier in the statement, and new
  output on fds 1/2 (a child process's progress).

A statement shorter than 0.1 s never streams: its output comes whole with
its ``Outcome``, as without live output, and a statement that prints
nothing costs one uncontended lock more. ``Outcome.chunks`` then holds only
what was not streamed, ``Outcome.streamed`` how many ``on_output`` calls
came first (all of them return before ``run`` does). ``on_output`` may run
on the ticker thread, always under the runner's lock, so the calls of one
statement are ordered and all precede its end.
"""

from __future__ import annotations

import ctypes
import fcntl
import io
import os
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass

from .messages import buffering_for  # noqa: F401 - (re-exported: it was here)
from .tracebacks import format_exception, system_exit_status

__all__ = ["Outcome", "StatementRunner", "FdCapture", "format_exception", "system_exit_status",
           "buffering_for", "start_ticker", "LIVE_INTERVAL", "LIVE_GAP", "BLOCK_SIZE"]

STDOUT, STDERR = 1, 2

#: a statement streams its flushed output once it has run this long (s);
#: also the period of ``tick``
LIVE_INTERVAL = 0.1
#: at most one early send per this many seconds from flushes themselves
LIVE_GAP = 0.05
#: python's buffer size for a block-buffered stdout (io.DEFAULT_BUFFER_SIZE)
BLOCK_SIZE = 8192


@dataclass(frozen=True)
class Outcome:
    status: str  # "ok" | "error" | "exit"
    chunks: tuple[tuple[int, str], ...]
    exit_code: int | None
    warnings: tuple
    start: float
    end: float
    #: on_output calls made before (their output is not in ``chunks``)
    streamed: int = 0


class _Recording:
    def __init__(self):
        self.chunks: list[list] = []  # [stream, text, mergeable]
        self.warnings: list = []
        #: live output: end of what is flushed, (i, n) = chunks[:i] and the
        #: first n characters of chunks[i]; None = nothing flushed
        self.flushed: tuple[int, int] | None = None
        self.unflushed = 0  # characters of stdout written since the last flush

    def mark_flushed(self) -> None:
        self.unflushed = 0
        if self.chunks:
            last = self.chunks[-1]
            # a chunk still open to merging is flushed up to its length now
            self.flushed = (len(self.chunks) - 1, len(last[1])) if last[2] else (len(self.chunks), 0)

    def take_flushed(self) -> tuple[tuple, tuple]:
        """Remove the flushed output: (chunks, warnings) as an ``Outcome`` has them."""
        i, n = self.flushed
        self.flushed = None
        head, rest = self.chunks[:i], self.chunks[i:]
        cut = i
        if n:
            first = rest[0]
            head.append([first[0], first[1][:n], first[2]])
            first[1] = first[1][n:]
            if not first[1]:
                rest.pop(0)
                cut = i + 1
        self.chunks = rest
        taken = tuple((k, idx) for k, idx in self.warnings if idx < i)
        self.warnings = [(k, idx - cut) for k, idx in self.warnings if idx >= i]
        return tuple((st, t) for st, t, _ in head), taken

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
        self._runner._write(self._stream, data.decode("utf-8", "surrogateescape"), binary=True)
        return len(data)

    def flush(self) -> None:
        self._runner._flush()


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
    line_buffering = property(lambda self: self._runner._modes.get(self._stream) == "line")

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._stream

    def flush(self) -> None:
        self._runner._flush()

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


class _Live:
    """The statement whose output may stream now."""

    __slots__ = ("rec", "stmt", "start", "streamed")

    def __init__(self, rec: _Recording, stmt, start: float):
        self.rec, self.stmt, self.start, self.streamed = rec, stmt, start, 0


class StatementRunner:
    """Runs statements with their output recorded (see the module docstring).

    ``fd_capture``: an ``FdCapture`` (the worker process) or None (tests,
    python-level capture only). ``after``: called after every statement
    (the worker re-applies thread limits there). ``clock``: time source.
    ``buffering``: a ``messages.Buffering`` to stream flushed output of long
    statements through ``on_output(stmt, chunks, warnings)`` (set it before
    the first ``run``); None: no live output.
    """

    def __init__(self, fd_capture: FdCapture | None = None, after=None, clock=time.time,
                 buffering=None, on_output=None):
        self._fd = fd_capture
        self._after = after
        self._clock = clock
        self._pending = _Recording()  # output between statements (threads)
        self._recording: _Recording = self._pending  # where output goes now
        self.stdout = _TextWriter(self, STDOUT, sys.__stdout__)
        self.stderr = _TextWriter(self, STDERR, sys.__stderr__)
        self._user_stdout = None
        self._user_stderr = None
        self.buffering = buffering
        self.on_output = on_output
        self._modes = {} if buffering is None else {STDOUT: buffering.stdout,
                                                    STDERR: buffering.stderr}
        #: live output only: guards the recording against the ticker thread
        self._lock = threading.Lock() if buffering is not None else None
        self._live: _Live | None = None
        self._last_sent = float("-inf")
        #: ``on_loop_block(stmt, first, last, total)``: a split loop's
        #: statement starts a block of iterations (``runtime.loops``)
        self.on_loop_block = None
        self._stmt = None

    # -- recording ----------------------------------------------------------
    def _target(self) -> _Recording:
        return self._recording

    def _collect_fds(self, flush_c: bool = False) -> bool:
        if self._fd is None:
            return False
        rec = self._target()
        got = False
        for fd, text in self._fd.collect(flush_c):
            rec.add(fd, text)
            got = True
        return got

    def _write(self, stream: int, text: str, binary: bool = False) -> None:
        if self._lock is None:
            if self._fd is not None and self._fd.sizes_changed():
                self._collect_fds()
            self._target().add(stream, text)
            return
        with self._lock:
            rec = self._target()
            if self._fd is not None and self._fd.sizes_changed() and self._collect_fds():
                rec.mark_flushed()  # it reached the fd: python shows it at once
            rec.add(stream, text)
            mode = self._modes[stream]
            if mode == "unbuffered" or (mode == "line" and not binary
                                        and ("\n" in text or "\r" in text)):
                self._flushed(rec)
            elif stream == STDOUT:
                rec.unflushed += len(text)
                if rec.unflushed >= BLOCK_SIZE:
                    self._flushed(rec)

    def _flush(self) -> None:
        """``sys.stdout.flush()`` / ``sys.stderr.flush()`` (and their buffers')."""
        if self._lock is None:
            return
        with self._lock:
            rec = self._target()
            if self._fd is not None and self._fd.sizes_changed():
                self._collect_fds()
            self._flushed(rec)

    def _flushed(self, rec: _Recording) -> None:
        """A flush point (lock held): stream now if the statement has run long enough."""
        rec.mark_flushed()
        live = self._live
        if live is None or live.rec is not rec:
            return
        now = self._clock()
        if now - live.start >= LIVE_INTERVAL and now - self._last_sent >= LIVE_GAP:
            self._send(live, now)

    def _send(self, live: _Live, now: float) -> None:
        if live.rec.flushed is None:
            return
        chunks, warns = live.rec.take_flushed()
        if chunks:
            live.streamed += 1
            self._last_sent = now
            self.on_output(live.stmt, chunks, warns)

    def tick(self) -> float:
        """Stream what the running statement flushed (the ticker thread calls
        this); returns the seconds until it is worth calling again."""
        live = self._live
        if live is None:
            return LIVE_INTERVAL
        now = self._clock()
        wait = live.start + LIVE_INTERVAL - now
        if wait > 0:
            return wait
        with self._lock:
            if self._live is not live:
                return LIVE_INTERVAL
            if self._fd is not None and self._fd.sizes_changed():
                rec = self._target()
                if self._collect_fds():
                    rec.mark_flushed()
            self._send(live, now)
        return LIVE_INTERVAL

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
        key = (msg.category.__name__, str(msg.message), str(msg.filename), int(msg.lineno or 0))
        if self._lock is None:
            self._record_warning(key, text)
            return
        with self._lock:
            self._flushed(self._record_warning(key, text))  # stderr: its line is flushed

    def _record_warning(self, key, text: str) -> _Recording:
        rec = self._target()
        if self._fd is not None and self._fd.sizes_changed():
            self._collect_fds()
        index = rec.add(STDERR, text, mergeable=False)
        rec.warnings.append((key, index))
        return rec

    # -- running --------------------------------------------------------------
    def run(self, code, namespace: dict, silent: bool = False, stmt=None,
            stream: bool = True, known_names=None, call=None) -> Outcome:
        """Run ``code``; ``stmt`` names it in ``on_output`` calls (live output;
        ``stream=False``: none for this statement). ``known_names()``: the
        script's names bound before it; ``call``: the ``<module>`` frame of a
        ``main()`` statement (both: see ``format_exception``)."""
        if silent:
            # what was written between statements goes to _pending, not to
            # the replica's recording (thrown away); for a reported
            # statement it is collected first in its own, which _pending
            # would have become anyway (python-level writes collect first)
            self._collect_fds()
        self._stmt = None if silent else stmt
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
        live = None
        if self._lock is not None and not silent and self.on_output is not None and stream:
            live = self._live = _Live(rec, stmt, start)
        try:
            exec(code, namespace)
        except SystemExit as e:
            exit_code, tail = system_exit_status(e)
            status = "exit"
        except BaseException as e:  # noqa: BLE001 - the user's error is reported, not swallowed
            status, exit_code = "error", 130 if isinstance(e, KeyboardInterrupt) else 1
            replayed = getattr(e, "replayed_text", None)  # runtime.loops.Replayed
            tail = (replayed if isinstance(replayed, str)
                    else self._traceback(e, code, known_names() if known_names else (), call))
        finally:
            end = self._clock()
            if live is not None:
                with self._lock:  # waits for a send of the ticker thread to finish
                    self._live = None
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
        return Outcome(status, rec.frozen(), exit_code, tuple(rec.warnings), start, end,
                       live.streamed if live is not None else 0)

    # -- loop parts (``runtime.loops``) --------------------------------------
    def loop_block(self, first: int, last: int, total: int) -> None:
        """The running statement works on iterations ``first``..``last``."""
        if self.on_loop_block is not None and self._stmt is not None and first <= last:
            self.on_loop_block(self._stmt, first, last, total)

    def mark(self) -> tuple[int, int, int]:
        """Where the running statement's output is now (see ``take_since``)."""
        if self._fd is not None and self._fd.sizes_changed():
            self._collect_fds()
        rec = self._recording
        return len(rec.chunks), len(rec.chunks[-1][1]) if rec.chunks else 0, len(rec.warnings)

    def take_since(self, mark) -> tuple[tuple, tuple]:
        """Remove the output written since ``mark`` from the running
        statement's and return it as ``(chunks, warnings)`` (a piece of a
        loop part: its output is shown where the loop's chain reaches it).
        Only for a statement run with ``stream=False``."""
        self._flush_python_streams()
        if self._fd is not None and self._fd.sizes_changed():
            self._collect_fds(flush_c=True)
        rec = self._recording
        i, n, w = mark
        if len(rec.chunks) == i and (i == 0 or len(rec.chunks[-1][1]) == n):
            return (), ()
        head = rec.chunks[:i]
        taken = rec.chunks[i:]
        if i and len(rec.chunks[i - 1][1]) > n:  # text added to the chunk that was open
            last = rec.chunks[i - 1]
            taken.insert(0, [last[0], last[1][n:], last[2]])
            head[-1] = [last[0], last[1][:n], last[2]]
            shift = i - 1
        else:
            shift = i
        rec.chunks = head
        warns = tuple((k, idx - shift) for k, idx in rec.warnings[w:])
        del rec.warnings[w:]
        return tuple((st, t) for st, t, _ in taken), warns

    def replay(self, chunks, warns) -> None:
        """Write a segment's output into the running statement's, as if it
        had been written now (warnings keep their keys)."""
        by_index = dict((idx, key) for key, idx in warns)
        for idx, (stream, text) in enumerate(chunks):
            if idx in by_index:
                rec = self._target()
                rec.warnings.append((by_index[idx], rec.add(stream, text, mergeable=False)))
                if self._lock is not None:
                    with self._lock:
                        self._flushed(rec)
            elif stream == STDOUT:
                self.stdout.write(text)
            else:
                self.stderr.write(text)

    def _traceback(self, exc: BaseException, code, known_names=(), call=None) -> str:
        hook = sys.excepthook
        if hook is sys.__excepthook__ or hook is None:
            return format_exception(exc, code, known_names, call)
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
                    + "\nOriginal exception was:\n" + format_exception(exc, code, call=call))
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


def start_ticker(runner: StatementRunner, stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread calling ``runner.tick()`` (live output) until ``stop`` is
    set (never, without one: for the process's life)."""
    stop = stop or threading.Event()

    def loop() -> None:
        delay = LIVE_INTERVAL
        while not stop.wait(max(0.001, delay)):
            delay = runner.tick()

    thread = threading.Thread(target=loop, name="taskpar-output", daemon=True)
    thread.start()
    return thread
