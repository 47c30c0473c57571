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
from pathlib import Path

from ..costs import write_json_atomic
from .load import read_script, script_filename
from dataclasses import asdict

from .model import LoopSplit, Script, Statement

__all__ = ["analyze_script_cached", "script_to_json", "script_from_json"]

_FORMAT = "taskpar-analysis-2"
_SETS = ("reads", "writes", "mutates", "resources", "assumed", "maybe_binds")


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


def script_to_json(script: Script) -> dict:
    statements = []
    for s in script.statements:
        d = {k: getattr(s, k) for k in s.__dataclass_fields__}
        for k in _SETS:
            d[k] = sorted(d[k])
        d["path"] = list(s.path)
        d["loop"] = list(s.loop) if s.loop is not None else None
        statements.append(d)
    return {"format": _FORMAT, "filename": script.filename, "notes": list(script.notes),
            "statements": statements, "loops": [asdict(x) for x in script.loops]}


def script_from_json(data: dict, source: str) -> Script:
    """Rebuild a ``Script``; raises KeyError/TypeError/ValueError on a foreign file."""
    if data.get("format") != _FORMAT:
        raise ValueError("not an analysis cache file")
    statements = []
    for d in data["statements"]:
        d = dict(d)
        for k in _SETS:
            d[k] = frozenset(d[k])
        d["path"] = tuple(d["path"])
        d["loop"] = tuple(d["loop"]) if d["loop"] is not None else None
        statements.append(Statement(**d))
    loops = []
    for d in data["loops"]:
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
    return Script(filename=data["filename"], source=source, statements=tuple(statements),
                  notes=tuple(data["notes"]), loops=tuple(loops))


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
