"""Pins: ``# taskpar: worker K`` comments that place a statement by hand.

Design note. Comments are found with ``tokenize`` (so a ``#`` inside a string
is never mistaken for one). A comment whose text starts with ``taskpar:``
must read ``worker K`` with K a whole number from 1, else ``PinError`` names
the file and line. A valid pin belongs to every top-level statement that
*starts* on the comment's line (``a = 1; b = 2  # taskpar: worker 2`` pins
both); a pin on a line where no top-level statement starts is ignored.
"""

from __future__ import annotations

import io
import re
import tokenize

from ..errors import PinError

_TASKPAR = re.compile(r"#\s*taskpar\s*:(.*)$", re.IGNORECASE)
_WORKER = re.compile(r"\s*worker\s+(\d+)\s*$")
#: a comment's text is part of the source: with no match of this anywhere,
#: no comment can match ``_TASKPAR`` and tokenizing is skipped
_MARKER = re.compile(r"#\s*taskpar\s*:", re.IGNORECASE)


def find_pins(source: str, filename: str) -> dict[int, int]:
    """Line number -> worker number (1-based) for every pin comment."""
    out: dict[int, int] = {}
    if _MARKER.search(source) is None:
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):  # pragma: no cover
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        m = _TASKPAR.match(tok.string)
        if not m:
            continue
        w = _WORKER.match(m.group(1))
        k = int(w.group(1)) if w else 0
        if k < 1:
            line = tok.start[0]
            raise PinError(f"{filename}:{line}: bad pin '{tok.string.strip()}': write "
                           "'# taskpar: worker K' with K a whole number from 1")
        out[tok.start[0]] = k
    return out
