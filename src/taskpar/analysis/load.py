"""Reading and parsing a script, with the errors a user must see.

``read_script(path)`` returns the text of a script or raises ``ScriptError``
(missing, a directory, unreadable, binary, not UTF-8) with one line naming the
file. ``parse_script(source, filename)`` returns the module AST or raises
``ScriptSyntaxError`` whose ``rendered`` text is what python itself prints for
that syntax error (file, line, caret, message).
"""

from __future__ import annotations

import ast
import os
import traceback
import warnings

from ..errors import ScriptError, ScriptSyntaxError

__all__ = ["read_script", "parse_script", "script_filename"]


def script_filename(path: str | os.PathLike) -> str:
    """The name python gives a script run as ``python PATH``: its absolute path.

    (Since Python 3.9 ``__file__`` and tracebacks of ``__main__`` use the
    absolute path.) Python joins a relative path to the working directory
    without normalising it (``python ../s.py`` in /w/d names ``/w/d/../s.py``),
    and keeps an absolute one as given.
    """
    name = os.fspath(path)
    return name if os.path.isabs(name) else os.path.join(os.getcwd(), name)


def read_script(path: str | os.PathLike) -> str:
    """Return the script's text; raise ScriptError with a one-line reason."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise ScriptError(f"{name}: no such file; check the path of the script to run")
    if os.path.isdir(name):
        raise ScriptError(f"{name}: is a directory, not a Python script")
    try:
        with open(name, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ScriptError(f"{name}: cannot be read ({e.strerror}); check its permissions") from None
    if b"\0" in data:
        raise ScriptError(f"{name}: is a binary file (it contains NUL bytes), not a Python script")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ScriptError(
            f"{name}:{line}: is not valid UTF-8 (byte 0x{data[e.start]:02x}); "
            "save the script as UTF-8"
        ) from None
    return text


def parse_script(source: str, filename: str) -> ast.Module:
    """Parse ``source``; on a syntax error raise ScriptSyntaxError rendered as python does."""
    try:
        with warnings.catch_warnings():
            # SyntaxWarnings (e.g. invalid escapes) are python's to print at
            # run time, not ours at analysis time.
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=filename)
    except SyntaxError as e:
        rendered = "".join(traceback.format_exception_only(type(e), e))
        raise ScriptSyntaxError(f"{filename}:{e.lineno}: {e.msg}", rendered) from None
    except ValueError as e:  # e.g. source code string cannot contain null bytes
        raise ScriptError(f"{filename}: {e}") from None
