"""What python prints for an exception a statement left uncaught.

``format_exception(exc, code)``: the traceback text from the statement's own
``<module>`` frame (no taskpar frames), chained exceptions as python shows
them, a ``main()`` statement's call frame below it (``call``),
and the "Did you mean" hints python would give, looked for among the
script's names as python has them (a worker holds only the names it needed).
``system_exit_status(exc)``: what python's ``handle_system_exit`` makes of a
``SystemExit``.
"""

from __future__ import annotations

import contextlib
import io
import sys
import traceback

__all__ = ["format_exception", "system_exit_status"]


def format_exception(exc: BaseException, code, known_names=(), call=None) -> str:
    """The text python prints for ``exc`` left uncaught by statement ``code``.

    ``known_names``: the script's names python would have bound by now (a
    worker has only those it needed): a NameError's "Did you mean" hint is
    looked for among them too, as python looks among all its globals.
    ``call``: ``(filename, lineno)`` of the ``<module>`` frame python shows
    below the statement's own for a statement of ``main()``'s body (run at
    top level, compiled inside ``def main():``), else None
    (``compiling.call_site``)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is None:  # raised before the statement's frame existed
        tb = exc.__traceback__
    te = _traceback_exception(exc, tb, known_names)
    if call is not None and tb is not None and tb.tb_frame.f_code is code:
        te.stack.insert(0, traceback.FrameSummary(call[0], call[1], "<module>"))
    text = "".join(te.format())
    if sys.version_info < (3, 12) and isinstance(exc, (NameError, AttributeError)):
        text = _with_suggestion(text, exc, known_names)
    return text


def _with_suggestion(text: str, exc: BaseException, known_names) -> str:
    """Python 3.10/3.11 add "Did you mean: 'x'?" to a NameError or
    AttributeError in the interpreter's own display (C), not in the
    ``traceback`` module: take that line from the interpreter's display."""
    if getattr(exc, "__notes__", None):
        return text
    buf, saved = io.StringIO(), sys.stderr
    try:
        with _globals_as_python_has_them(exc, known_names):
            sys.stderr = buf
            sys.__excepthook__(type(exc), exc, None)
    except Exception:  # noqa: BLE001 - no hint then
        return text
    finally:
        sys.stderr = saved
    ours = text.rstrip("\n").rsplit("\n", 1)[-1]
    theirs = buf.getvalue().rstrip("\n").rsplit("\n", 1)[-1]
    if theirs != ours and theirs.startswith(ours + ". Did you mean"):
        return text[: len(text.rstrip("\n")) - len(ours)] + theirs + "\n"
    return text


def _traceback_exception(exc, tb, known_names):
    with _globals_as_python_has_them(exc, known_names):
        return traceback.TracebackException(type(exc), exc, tb, compact=True)


@contextlib.contextmanager
def _globals_as_python_has_them(exc, known_names):
    """While a NameError's hint is looked for: the failing frame's globals
    hold every name python would have bound by now (placeholders for those
    other workers bound), in python's binding order (a tie goes to the name
    bound first). The namespace is put back as it was afterwards."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if not known_names or tb is None or not isinstance(exc, NameError):
        yield
        return
    ns = tb.tb_frame.f_globals
    before = list(ns.items())
    first = [k for k, _ in before if k.startswith("__") and k.endswith("__")]
    order = first + [n for n in known_names if n not in first]
    order += [k for k, _ in before if k not in set(order)]
    values = dict(before)
    ns.clear()
    for k in order:
        ns[k] = values.get(k)
    try:
        yield
    finally:
        ns.clear()
        ns.update(before)


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
