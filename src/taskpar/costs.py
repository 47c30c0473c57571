"""Costs: how long each statement takes, how big each value is, how fast
values move — and the on-disk cache that remembers them between runs.

``Costs`` is what the scheduler reads (``taskpar.schedule``):

* ``seconds[i]`` — statement i's run time: a float, or a tuple with one float
  per worker (heterogeneous workers);
* ``nbytes[(i, var)]`` — serialized size of ``var`` as statement i left it;
* ``latency`` (s) and ``bandwidth`` (bytes/s) of the backend: a message of
  ``b`` bytes costs ``latency + b / bandwidth``.

The cache
---------

One JSON file per script (``<cache dir>/costs/<hash of the script's absolute
path>.json``) in ``platformdirs.user_cache_dir("taskpar")``, or in
``$TASKPAR_CACHE_DIR`` when that is set. Statements are keyed by the SHA-256
of their source text plus an occurrence index (``<hash>:<k>``, k-th statement
with that exact text), so editing one statement keeps every other one's
costs; line numbers do not matter. Layout::

    {"format": "taskpar-costs", "version": 1, "script": "/abs/path.py",
     "statements": {"<hash>:<k>": {"seconds": 0.25, "runs": 3,
                                   "nbytes": {"a": 120},
                                   "touches": ["numpy.random"],
                                   "untouched": ["random"]}},
     "backends": {"local": {"latency": 1e-4, "bandwidth": 1e9}},
     "colocate": [["<hash>:<k>", "<hash>:<k>"], ...]}

``touches`` and ``untouched`` (both optional) are hidden state the run-time
guard saw (``runtime.guard``, ``taskpar.learned``): guarded states the
statement changed although the plan did not expect it, and assumed ones
(``Statement.assumed``) it ran without changing. A state once in
``touches`` is never in ``untouched``. Files without them (written before
the guard) read as before.

Merging (``record_costs``): seconds are an exponential moving average
(``new = ALPHA * measured + (1 - ALPHA) * old``), sizes, latency and
bandwidth take the latest measurement. Writes are atomic (temporary file then
``os.replace``) under an advisory lock (``fcntl.flock`` where available), so
concurrent runs neither corrupt the file nor lose each other's updates. A
run parses and validates the file once: a write reuses what the loads read
while the file's text is unchanged.

A missing file gives empty costs. A corrupt or foreign file is ignored: the
functions return empty results plus a one-line message (``Costs.messages``,
or the return value of the ``record_*`` functions) for the caller to print;
library code never prints and never raises for a bad cache. ``--no-cache``
is the caller's business: just don't call these functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = [
    "load_loop_modes",
    "record_loop_modes",
    "Costs",
    "DEFAULT_LATENCY",
    "DEFAULT_BANDWIDTH",
    "ALPHA",
    "cache_dir",
    "cache_file",
    "statement_keys",
    "load_costs",
    "record_costs",
    "record_colocation",
    "load_colocation",
    "record_hidden_state",
    "load_hidden_state",
]

#: local backend defaults: 100 µs per message, 1 GB/s
DEFAULT_LATENCY = 1e-4
DEFAULT_BANDWIDTH = 1e9
#: weight of a new measurement in the moving average of seconds
ALPHA = 0.5

_FORMAT = "taskpar-costs"
_VERSION = 1


@dataclass(frozen=True)
class Costs:
    seconds: dict[int, float | tuple[float, ...]] = field(default_factory=dict)
    nbytes: dict[tuple[int, str], int] = field(default_factory=dict)
    latency: float = DEFAULT_LATENCY
    bandwidth: float = DEFAULT_BANDWIDTH
    #: one-line notes for the user (e.g. "ignored a corrupt cache file ...")
    messages: tuple[str, ...] = ()

    def transfer_seconds(self, nbytes: int) -> float:
        """Time to send one value of ``nbytes`` bytes."""
        bw = self.bandwidth if self.bandwidth > 0 else DEFAULT_BANDWIDTH
        return self.latency + nbytes / bw

    def known(self, stmt: int) -> bool:
        return stmt in self.seconds


# ---------------------------------------------------------------------------
# Locations and keys
# ---------------------------------------------------------------------------


def cache_dir() -> Path:
    """``$TASKPAR_CACHE_DIR`` if set, else the platform's user cache dir for taskpar."""
    env = os.environ.get("TASKPAR_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("taskpar"))


def _script_path(script: Any) -> str:
    name = getattr(script, "filename", script)
    return os.path.abspath(os.fspath(name))


def cache_file(script: Any) -> Path:
    """The cache file of ``script`` (a ``Script`` or a path)."""
    path = _script_path(script)
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return cache_dir() / "costs" / f"{digest}.json"


try:  # python's own SHA-256: for a statement's few bytes, faster than OpenSSL's
    from _sha256 import sha256 as _sha256
except ImportError:  # another python: the same digest
    _sha256 = hashlib.sha256

#: the sources of the last script whose keys were computed, and its keys
#: (prepare, the run and record_run ask for the same script's keys several
#: times, and ``learned.with_learned`` may make a new Script of the same text)
_LAST_KEYS: list = [None, (), None]


def statement_keys(script: Any) -> list[str]:
    """Cache key of each statement of ``script`` (a ``Script``), by statement id."""
    return list(_keys(script))


def _keys(script: Any) -> tuple[str, ...]:
    sources = tuple([s.source for s in script.statements])
    if _LAST_KEYS[0] != sources:
        _LAST_KEYS[:] = [sources, tuple(_statement_keys(sources)), None]
    return _LAST_KEYS[1]


def _key_ids(script: Any) -> dict[str, int]:
    """Statement key -> statement id, for ``script``."""
    keys = _keys(script)
    if _LAST_KEYS[2] is None:
        _LAST_KEYS[2] = dict(zip(keys, range(len(keys))))
    return _LAST_KEYS[2]


def _statement_keys(sources: tuple[str, ...]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    sha = _sha256
    for source in sources:
        h = sha(source.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        k = seen.get(h, 0)
        seen[h] = k + 1
        out.append(f"{h}:{k}")
    return out


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _empty(path: str) -> dict:
    return {"format": _FORMAT, "version": _VERSION, "script": path,
            "statements": {}, "backends": {}, "colocate": []}


@dataclass
class _Known:
    """A cost file's text as this process last read or wrote it, and its content."""

    stamp: tuple  # (mtime_ns, size, inode) of the file holding ``text``
    text: str
    data: dict
    msg: str | None
    #: the keys of the records holding more than seconds and runs (``_validate``);
    #: None: written by this process, to validate if read (as parsing ``text`` would)
    rich: list[str] | None = None


#: (file, script path) -> _Known, the cost file this process last read or wrote:
#: readers get its ``data`` while the file is unchanged (same stamp or text) and
#: must not change it; ``_update`` takes it out, changes and writes it.
_KNOWN: dict = {}


def _stamp(st: os.stat_result) -> tuple:  # (what a rename keeps)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _content(script: Any) -> tuple[dict, str | None, list[str]]:
    """The cost file of ``script``, for readers only (the result must not be
    changed): ``(data, message, rich keys)`` as ``_parse`` gives them. The
    file is parsed once while it is unchanged, not once per ``load_*``."""
    file, path = cache_file(script), _script_path(script)
    key = (str(file), path)
    hit = _KNOWN.get(key)
    try:
        stamp = _stamp(file.stat())
    except OSError:
        stamp = None  # (absent: _read_text says so)
    if hit is None or stamp is None or hit.stamp != stamp:
        raw, msg = _read_text(file)
        if raw is None:
            return _empty(path), msg, []
        if hit is None or hit.text != raw:
            hit = _Known(stamp, raw, *_parse(raw, file, path))
            _KNOWN.clear()
            _KNOWN[key] = hit
        hit.stamp = stamp
    if hit.rich is None:
        try:
            hit.rich = _validate(hit.data)
        except (ValueError, TypeError, KeyError) as e:
            hit.data, hit.msg, hit.rich = (
                _empty(path), f"taskpar: ignoring corrupt cost cache {file} ({e})", [])
    return hit.data, hit.msg, hit.rich


def _read_text(file: Path) -> tuple[str | None, str | None]:
    """The file's text, or None and a message (None when there is no file)."""
    try:
        return file.read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as e:
        return None, f"taskpar: ignoring unreadable cost cache {file} ({e})"


def _parse(raw: str, file: Path, script_path: str) -> tuple[dict, str | None, list[str]]:
    """``(content, None, rich keys)`` of a cost file's text, or an empty
    content, a message and no keys when it is unusable."""
    try:
        data = json.loads(raw)
        rich = _validate(data)
    except (ValueError, TypeError, KeyError) as e:
        return _empty(script_path), f"taskpar: ignoring corrupt cost cache {file} ({e})", []
    if data["script"] != script_path:
        return _empty(script_path), (
            f"taskpar: ignoring cost cache {file}: it belongs to {data['script']}"), []
    return data, None, rich


def _number(x: Any, what: str, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0 \
            or (positive and x <= 0):
        raise ValueError(f"bad {what}: {x!r}")
    return float(x)


#: the fields of a statement that was only timed
_TIMED = frozenset({"seconds", "runs"})


def _validate(d: Any) -> list[str]:
    """Raise ValueError unless ``d`` is a cost cache's content; return the
    keys of the statements whose record holds more than seconds and runs."""
    if not isinstance(d, dict) or d.get("format") != _FORMAT:
        raise ValueError("not a taskpar cost cache")
    if d.get("version") != _VERSION:
        raise ValueError(f"unsupported version {d.get('version')!r}")
    if not isinstance(d.get("script"), str):
        raise ValueError("no script path")
    st = d.get("statements")
    if not isinstance(st, dict):
        raise ValueError("no statements table")
    inf = math.inf
    rich = []
    for key, rec in st.items():
        if not isinstance(rec, dict):
            raise ValueError(f"bad record for {key}")
        if "seconds" in rec:
            sec = rec["seconds"]
            if type(sec) is float and 0.0 <= sec < inf:
                pass  # the common case, checked cheaply (NaN fails both tests)
            elif isinstance(sec, list):
                for x in sec:
                    _number(x, "seconds")
            else:
                _number(sec, "seconds")
        if rec.keys() <= _TIMED:
            continue  # nothing else to check
        rich.append(key)
        nb = rec.get("nbytes", {})
        if not isinstance(nb, dict):
            raise ValueError(f"bad sizes for {key}")
        for v, b in nb.items():
            _number(b, "size")
        for k in ("touches", "untouched"):
            names = rec.get(k, [])
            if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
                raise ValueError(f"bad {k} for {key}")
    be = d.get("backends")
    if not isinstance(be, dict):
        raise ValueError("no backends table")
    for name, rec in be.items():
        if not isinstance(rec, dict):
            raise ValueError(f"bad backend {name}")
        if "latency" in rec:
            _number(rec["latency"], "latency")
        if "bandwidth" in rec:
            _number(rec["bandwidth"], "bandwidth", positive=True)
    co = d.get("colocate")
    if not isinstance(co, list) or not all(
            isinstance(g, list) and all(isinstance(k, str) for k in g) for g in co):
        raise ValueError("bad colocate list")
    return rich


def load_costs(script: Any, backend: str = "local") -> Costs:
    """Costs of ``script`` (a ``taskpar.analysis.Script``) from the cache.

    Statements are matched by source hash and occurrence index; statements
    not in the cache are absent from ``seconds``. Latency and bandwidth are
    those recorded for ``backend``, else the local defaults. Never raises for
    a bad cache file: ``Costs.messages`` then says what was ignored.
    """
    data, msg, _ = _content(script)
    seconds: dict[int, Any] = {}
    nbytes: dict[tuple[int, str], int] = {}
    for i, rec in enumerate(map(data["statements"].get, _keys(script))):
        if rec is None:
            continue
        if "seconds" in rec:
            sec = rec["seconds"]
            if type(sec) is not float:
                sec = tuple(float(x) for x in sec) if isinstance(sec, list) else float(sec)
            seconds[i] = sec
        if "nbytes" in rec:
            for v, b in rec["nbytes"].items():
                nbytes[(i, v)] = int(b)
    be = data["backends"].get(backend, {})
    return Costs(
        seconds=seconds,
        nbytes=nbytes,
        latency=float(be.get("latency", DEFAULT_LATENCY)),
        bandwidth=float(be.get("bandwidth", DEFAULT_BANDWIDTH)),
        messages=(msg,) if msg else (),
    )


def load_colocation(script: Any) -> list[tuple[int, ...]]:
    """Groups of statement ids learned to need one process (unpicklable values),
    mapped to the current statements; members no longer in the script are
    dropped, and groups left with fewer than two members too. A bad cache
    file gives ``[]``."""
    data, _, _ = _content(script)
    if not data["colocate"]:
        return []
    ids = _key_ids(script)
    out = []
    for g in data["colocate"]:
        members = tuple(sorted({ids[k] for k in g if k in ids}))
        if len(members) > 1:
            out.append(members)
    return sorted(set(out))


def load_hidden_state(script: Any) -> dict[int, tuple[frozenset[str], frozenset[str]]]:
    """What the guard learned per statement id of ``script``:
    ``(touches, untouched)``; statements with neither are absent. A bad
    cache file gives ``{}``."""
    table, found = _rich(script)
    out = {}
    for i, key in found:
        rec = table[key]
        if rec.get("touches") or rec.get("untouched"):
            out[i] = (frozenset(rec.get("touches", ())), frozenset(rec.get("untouched", ())))
    return out


def _rich(script: Any) -> tuple[dict, list[tuple[int, str]]]:
    """The statements table of ``script``'s cost file, and ``(statement id,
    key)`` of the statements whose record holds more than seconds and runs,
    by id (the others have no hidden state and no loop mode)."""
    data, _, rich = _content(script)
    if not rich:
        return {}, []
    ids = _key_ids(script)
    return data["statements"], sorted((ids[k], k) for k in rich if k in ids)


def load_loop_modes(script: Any) -> dict[int, str]:
    """Why the last run ran split loops as written: items statement id ->
    reason (``record_loop_modes``). A bad cache file gives ``{}``."""
    table, found = _rich(script)
    out = {}
    for i, key in found:
        why = table[key].get("serial")
        if isinstance(why, str) and why:
            out[i] = why
    return out


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(file: Path):
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: atomic replace only
        yield
        return
    with open(str(file) + ".lock", "a+") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lk, fcntl.LOCK_UN)


def write_json_atomic(file: Path, data: dict) -> tuple[str, tuple]:
    """Write ``data`` as JSON to ``file`` all at once (temporary file, fsync,
    rename); returns the text and the file's stamp (``_stamp``).

    One line, keys sorted: ``json.dumps`` without ``indent`` is the C
    encoder, ten times faster than the pure-python one ``indent`` takes."""
    text = json.dumps(data, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=file.name + ".", suffix=".tmp", dir=str(file.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            stamp = _stamp(os.fstat(f.fileno()))  # a rename keeps all three
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return text, stamp


def _update(script: Any, change) -> str | None:
    """Read-modify-write the cache of ``script`` under the lock."""
    file = cache_file(script)
    path = _script_path(script)
    key = (str(file), path)
    try:
        with _locked(file):
            raw, msg = _read_text(file)
            known = _KNOWN.pop(key, None)  # changed below: no reader may see it
            if raw is None:
                data = _empty(path)
            elif known is not None and known.text == raw and known.rich is not None \
                    and not known.msg:
                data = known.data  # what load_costs parsed, unchanged since: not again
            else:
                data, msg, _ = _parse(raw, file, path)
            change(data)
            text, stamp = write_json_atomic(file, data)
            _KNOWN.clear()
            _KNOWN[key] = _Known(stamp, text, data, None)
    except OSError as e:
        return f"taskpar: could not write the cost cache {file} ({e.strerror or e})"
    if msg:
        msg += "; it was replaced"
    return msg


def record_costs(script: Any, measurements: Mapping[int, float | Iterable[float]],
                 backend: str = "local", *,
                 nbytes: Mapping[tuple[int, str], int] | None = None,
                 latency: float | None = None, bandwidth: float | None = None,
                 alpha: float = ALPHA) -> str | None:
    """Merge one run's measurements into the cache of ``script`` (a ``Script``).

    ``measurements``: statement id → seconds (or per-worker seconds).
    ``nbytes``: (statement id, variable) → serialized size. ``latency`` /
    ``bandwidth``: measured for ``backend``. Returns a message for the user
    when the old cache was unusable (it is replaced) or the write failed,
    else None.
    """
    keys = _keys(script)

    def change(data: dict) -> None:
        table = data["statements"]
        n, beta = len(keys), 1 - alpha
        for i, sec in measurements.items():
            if not 0 <= i < n:
                continue
            rec = table.get(keys[i])
            if rec is None:
                rec = table[keys[i]] = {}
            old = rec.get("seconds")
            if type(sec) is float and type(old) is float:  # the common case, briefly
                new = alpha * sec + beta * old
            else:
                new = [float(x) for x in sec] if isinstance(sec, (list, tuple)) else float(sec)
                if isinstance(new, float) and isinstance(old, (int, float)) \
                        and not isinstance(old, bool):
                    new = alpha * new + beta * float(old)
                elif isinstance(new, list) and isinstance(old, list) and len(old) == len(new):
                    new = [alpha * a + beta * float(b) for a, b in zip(new, old)]
            rec["seconds"] = new
            rec["runs"] = int(rec.get("runs", 0)) + 1
        for (i, v), b in (nbytes or {}).items():
            if 0 <= i < len(keys):
                table.setdefault(keys[i], {}).setdefault("nbytes", {})[v] = int(b)
        if latency is not None or bandwidth is not None:
            be = data["backends"].setdefault(backend, {})
            if latency is not None:
                be["latency"] = float(latency)
            if bandwidth is not None and bandwidth > 0:
                be["bandwidth"] = float(bandwidth)

    return _update(script, change)


def record_colocation(script: Any, ids: Iterable[int]) -> str | None:
    """Remember that statements ``ids`` of ``script`` must share a process
    (e.g. a value passed between them cannot be pickled). Returns a message
    as ``record_costs`` does."""
    keys = _keys(script)
    group = sorted({keys[i] for i in ids if 0 <= i < len(keys)})
    if len(group) < 2:
        return None

    def change(data: dict) -> None:
        groups = [list(g) for g in data["colocate"]]
        if group not in [sorted(g) for g in groups]:
            groups.append(group)
        data["colocate"] = groups

    return _update(script, change)


def record_loop_modes(script: Any, reasons: Mapping[int, str]) -> str | None:
    """Remember why split loops ran as written: items statement id -> the
    reason, or "" (its iterations ran apart: a reason recorded before is
    forgotten). Returns a message as ``record_costs`` does."""
    keys = _keys(script)

    def change(data: dict) -> None:
        table = data["statements"]
        for i, why in reasons.items():
            if 0 <= i < len(keys):
                rec = table.setdefault(keys[i], {})
                if why:
                    rec["serial"] = why
                else:
                    rec.pop("serial", None)

    return _update(script, change)


def record_hidden_state(script: Any, touches: Mapping[int, Iterable[str]],
                        untouched: Mapping[int, Iterable[str]]) -> str | None:
    """Remember what the guard saw: statement id -> states it changed
    unexpectedly (``touches``), and -> assumed states it left alone
    (``untouched``). A touched state leaves ``untouched`` and never returns
    to it. Returns a message as ``record_costs`` does."""
    keys = _keys(script)

    def change(data: dict) -> None:
        table = data["statements"]
        for i, names in touches.items():
            if 0 <= i < len(keys):
                rec = table.setdefault(keys[i], {})
                got = set(rec.get("touches", ())) | set(names)
                rec["touches"] = sorted(got)
                rest = sorted(set(rec.get("untouched", ())) - got)
                if rest:
                    rec["untouched"] = rest
                else:
                    rec.pop("untouched", None)
        for i, names in untouched.items():
            if 0 <= i < len(keys):
                rec = table.setdefault(keys[i], {})
                got = (set(rec.get("untouched", ())) | set(names)) - set(rec.get("touches", ()))
                if got:
                    rec["untouched"] = sorted(got)

    return _update(script, change)
