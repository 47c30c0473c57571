"""Call frames of statements taken from a function body (the ``main()`` pattern).

A statement of ``main()``'s body that runs at top level is compiled inside
``def main():`` (``analysis.mainfn.compile_in_scope``); its traceback must
still show the ``<module>`` frame of the call, as python prints it. Whoever
compiles such a statement records its code here (``record``); the
traceback formatter (``capture``) asks for the frame (``frame_of``).
"""

from __future__ import annotations

import traceback
import weakref

__all__ = ["record", "frame_of"]

#: code object -> (file name, line of the call)
_FRAMES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def record(code, filename: str, lineno: int | None) -> None:
    _FRAMES[code] = (filename, lineno)


def frame_of(code) -> traceback.FrameSummary | None:
    """The ``<module>`` frame to add below ``code``'s frame, or None."""
    try:
        where = _FRAMES.get(code)
    except TypeError:
        return None
    if where is None:
        return None
    filename, lineno = where
    return traceback.FrameSummary(filename, lineno, "<module>")
