"""The analysis of an unchanged script, remembered: a second run does not analyse.

Input: a script's path. Output: its ``Script`` — from the cache when this
exact text was analysed before by this exact analysis, else from
``analyze_script`` (and then stored).

The cache lives beside the costs (``taskpar.costs.cache_dir()``), one JSON
file per analysed text::

    <cache dir>/analysis/<key>.json
    key = sha256(format version, taskpar version, python version,
                 the analysis code's fingerprint, file name, script text)

The fingerprint is the size and modification time of every module of
``taskpar.analysis`` and ``graph``: editing the analysis (or installing
another taskpar) gives new keys, never a stale graph. The text is in the key,
so an edited script is analysed again; its old entries are left to age out
(each is a few kB). A file that cannot be read or does not parse as this
format is ignored and rewritten; a cache that cannot be written costs only
the next run's analysis — like the costs cache, it never fails a run.

JSON, not pickle: the cache directory is the user's, and reading it must
never run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
from dataclasses import MISSING, asdict, fields
from pathlib import Path

from ..costs import write_json_atomic
from .load import read_script, script_filename
from .model import LoopSplit, Script, Statement

__all__ = ["analyze_script_cached", "script_to_json", "script_from_json"]

_FORMAT = "taskpar-analysis-3"
_SETS = frozenset({"reads", "writes", "mutates", "resources", "assumed", "maybe_binds"})
#: the columns of the statements table, in ``Statement``'s field order
_FIELDS = tuple(f.name for f in fields(Statement))
#: the fields with a default value, and that value
_DEFAULTS = {f.name: f.default for f in fields(Statement) if f.default is not MISSING}


def _code_fingerprint() -> str:
    here = Path(__file__).resolve().parent
    parts = []
    for p in sorted(here.glob("*.py")) + [here.parent / "graph.py"]:
        st = p.stat()
        parts.append(f"{p.name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts)


def _key(filename: str, source: str) -> str:
    from .. import __version__

    h = hashlib.sha256()
    for part in (_FORMAT, __version__, sys.version, _code_fingerprint(), filename, source):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:40]


def _to_json(k: str, x):
    if k in _SETS:
        return sorted(x)
    if k == "path" or (k == "loop" and x is not None):
        return list(x)
    return x


def _from_json(k: str, col: list) -> list:
    """Column ``k`` of the statements table as ``Statement`` holds it."""
    if k in _SETS:
        empty = frozenset()
        return [frozenset(x) if x else empty for x in col]
    if k == "path":
        return [tuple(x) for x in col]
    if k == "loop":
        return [None if x is None else tuple(x) for x in col]
    return col


def script_to_json(script: Script) -> dict:
    """The JSON form of ``script`` (without its text: the key holds it).

    The statements are stored by column, one per ``Statement`` field, in
    its JSON form (sets as sorted lists, tuples as lists): a list of every
    statement's value, or — when most statements have the field's default —
    ``{"index": [...], "value": [...]}``, the statements that do not and
    their values. Numbers and short lists decode several times faster than
    one object per statement, and the fields most statements leave at their
    default (``mutates``, ``pin``, ``loop``...) cost nothing per statement."""
    stmts = script.statements
    n = len(stmts)
    columns: dict = {}
    for k in _FIELDS:
        values = [getattr(s, k) for s in stmts]
        if k in _DEFAULTS:
            default = _DEFAULTS[k]
            index = [i for i, x in enumerate(values) if x != default]
            if 2 * len(index) < n:
                columns[k] = {"index": index, "value": [_to_json(k, values[i]) for i in index]}
                continue
        columns[k] = [_to_json(k, x) for x in values]
    return {"format": _FORMAT, "filename": script.filename, "notes": list(script.notes),
            "count": n, "columns": columns, "loops": [asdict(x) for x in script.loops]}


def script_from_json(data: dict, source: str) -> Script:
    """Rebuild a ``Script``; raises KeyError/TypeError/ValueError on a foreign file."""
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError("not an analysis cache file")
    n = data["count"]
    columns = data["columns"]
    if not isinstance(n, int) or not isinstance(columns, dict) or set(columns) != set(_FIELDS):
        raise ValueError("not an analysis cache file")
    dense: dict[str, list] = {}  # field -> every statement's value
    sparse: dict[str, tuple[list, list]] = {}  # field -> (statements, their values)
    for k in _FIELDS:
        col = columns[k]
        if isinstance(col, dict) and k in _DEFAULTS:
            index, value = col["index"], col["value"]
            if not isinstance(index, list) or not isinstance(value, list) \
                    or len(index) != len(value) \
                    or not all(type(i) is int and 0 <= i < n for i in index):
                raise ValueError(f"bad column {k!r}")
            sparse[k] = (index, _from_json(k, value))
        elif isinstance(col, list) and len(col) == n:
            dense[k] = _from_json(k, col)
        else:
            raise ValueError(f"bad column {k!r}")
    return Script(filename=data["filename"], source=source,
                  statements=tuple(_statements(n, dense, sparse)), notes=tuple(data["notes"]),
                  loops=tuple(_loops(data["loops"])))


#: whether a Statement is a plain frozen dataclass (its fields in its
#: ``__dict__``, no ``__post_init__``): then ``_statements`` fills that dict
#: directly
_PLAIN = not hasattr(Statement, "__slots__") and not hasattr(Statement, "__post_init__")


def _statements(n: int, dense: dict[str, list], sparse: dict[str, tuple[list, list]]) -> list:
    """The ``n`` statements whose fields are the columns ``dense`` (every
    statement's value) and ``sparse`` (the statements that do not have the
    field's default, and their values)."""
    if not _PLAIN:
        cols = {**{k: [_DEFAULTS[k]] * n for k in sparse}, **dense}
        for k, (index, value) in sparse.items():
            for i, x in zip(index, value):
                cols[k][i] = x
        return [Statement(*row) for row in zip(*(cols[k] for k in _FIELDS))]
    # Without __init__ (a frozen dataclass's sets each field through
    # object.__setattr__): each statement's dict is the defaults, then its
    # dense fields, then its exceptions to the defaults.
    template = {k: _DEFAULTS.get(k) for k in _FIELDS}  # field order
    names = tuple(dense)
    new = object.__new__
    out = []
    append = out.append
    for row in zip(*dense.values()) if names else [()] * n:
        s = new(Statement)
        d = s.__dict__
        d.update(template)
        d.update(zip(names, row))
        append(s)
    for k, (index, value) in sparse.items():
        for i, x in zip(index, value):
            out[i].__dict__[k] = x
    return out


def _loops(rows: list[dict]) -> list[LoopSplit]:
    loops = []
    for d in rows:
        d = dict(d)
        d["path"] = tuple(d["path"])
        d["pieces"] = tuple(d["pieces"])
        d["hoists"] = tuple((j, tuple(a)) for j, a in d["hoists"])
        d["outputs"] = tuple(tuple(o) for o in d["outputs"])
        d["target_reads"] = tuple(d["target_reads"])
        d["binds"] = tuple(d["binds"])
        d["reads"] = tuple(d["reads"])
        d["fresh"] = tuple(d["fresh"])
        d["touching"] = tuple(tuple(t) for t in d["touching"])
        d["comp"] = tuple(d["comp"])
        d["shareable"] = tuple(d["shareable"])
        d["outer"] = tuple(d["outer"])
        loops.append(LoopSplit(**d))
    return loops


def analyze_script_cached(path, cache_dir: Path, loops: bool = True) -> Script:
    """``analyze_script(path, loops)``, or the stored result for the same text and code."""
    from . import analyze_source

    source = read_script(path)
    filename = script_filename(path)
    file = cache_dir / "analysis" / f"{_key(filename, source + ('' if loops else chr(0)))}.json"
    try:
        with open(file, encoding="utf-8") as f:
            script = script_from_json(json.load(f), source)
        if script.filename == filename:
            return script
    except (OSError, ValueError, KeyError, TypeError):
        pass  # absent, unreadable or foreign: analyse again
    script = analyze_source(source, filename, loops=loops)
    with contextlib.suppress(OSError):
        file.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(file, script_to_json(script))
    return script
