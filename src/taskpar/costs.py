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
concurrent runs neither corrupt the file nor lose each other's updates.

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


#: the last script whose keys were computed, and its keys (prepare, the run
#: and record_run ask for the same script's keys several times)
_LAST_KEYS: list = [None, ()]


def statement_keys(script: Any) -> list[str]:
    """Cache key of each statement of ``script`` (a ``Script``), by statement id."""
    if _LAST_KEYS[0] is script:
        return list(_LAST_KEYS[1])
    keys = _statement_keys(script)
    _LAST_KEYS[:] = [script, tuple(keys)]
    return keys


def _statement_keys(script: Any) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for s in script.statements:
        h = hashlib.sha256(s.source.encode("utf-8", "surrogatepass")).hexdigest()[:32]
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


#: what ``_loaded`` read last: (file, its stat, the script's path) -> result
_LAST_READ: dict = {}


def _loaded(file: Path, script_path: str) -> tuple[dict, str | None]:
    """``_read``, for readers only (the result must not be changed): the file
    is parsed once while it is unchanged (same size and modification time),
    not once per ``load_*``."""
    try:
        st = file.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        return _read(file, script_path)
    key = (str(file), script_path)
    hit = _LAST_READ.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    got = _read(file, script_path)
    _LAST_READ.clear()
    _LAST_READ[key] = (stamp, got)
    return got


def _read(file: Path, script_path: str) -> tuple[dict, str | None]:
    """The cache content, or an empty one plus a message when it is unusable."""
    try:
        raw = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _empty(script_path), None
    except (OSError, UnicodeDecodeError) as e:
        return _empty(script_path), f"taskpar: ignoring unreadable cost cache {file} ({e})"
    try:
        data = json.loads(raw)
        _validate(data)
    except (ValueError, TypeError, KeyError) as e:
        return _empty(script_path), f"taskpar: ignoring corrupt cost cache {file} ({e})"
    if data["script"] != script_path:
        return _empty(script_path), (
            f"taskpar: ignoring cost cache {file}: it belongs to {data['script']}")
    return data, None


def _number(x: Any, what: str, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0 \
            or (positive and x <= 0):
        raise ValueError(f"bad {what}: {x!r}")
    return float(x)


def _validate(d: Any) -> None:
    if not isinstance(d, dict) or d.get("format") != _FORMAT:
        raise ValueError("not a taskpar cost cache")
    if d.get("version") != _VERSION:
        raise ValueError(f"unsupported version {d.get('version')!r}")
    if not isinstance(d.get("script"), str):
        raise ValueError("no script path")
    st = d.get("statements")
    if not isinstance(st, dict):
        raise ValueError("no statements table")
    for key, rec in st.items():
        if not isinstance(rec, dict):
            raise ValueError(f"bad record for {key}")
        if "seconds" in rec:
            sec = rec["seconds"]
            if isinstance(sec, list):
                for x in sec:
                    _number(x, "seconds")
            else:
                _number(sec, "seconds")
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


def load_costs(script: Any, backend: str = "local") -> Costs:
    """Costs of ``script`` (a ``taskpar.analysis.Script``) from the cache.

    Statements are matched by source hash and occurrence index; statements
    not in the cache are absent from ``seconds``. Latency and bandwidth are
    those recorded for ``backend``, else the local defaults. Never raises for
    a bad cache file: ``Costs.messages`` then says what was ignored.
    """
    path = _script_path(script)
    data, msg = _loaded(cache_file(script), path)
    keys = statement_keys(script)
    seconds: dict[int, Any] = {}
    nbytes: dict[tuple[int, str], int] = {}
    table = data["statements"]
    for i, key in enumerate(keys):
        rec = table.get(key)
        if rec is None:
            continue
        if "seconds" in rec:
            sec = rec["seconds"]
            seconds[i] = tuple(float(x) for x in sec) if isinstance(sec, list) else float(sec)
        for v, b in rec.get("nbytes", {}).items():
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
    data, _ = _loaded(cache_file(script), _script_path(script))
    ids = {k: i for i, k in enumerate(statement_keys(script))}
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
    data, _ = _loaded(cache_file(script), _script_path(script))
    table = data["statements"]
    out = {}
    for i, key in enumerate(statement_keys(script)):
        rec = table.get(key)
        if rec and (rec.get("touches") or rec.get("untouched")):
            out[i] = (frozenset(rec.get("touches", ())), frozenset(rec.get("untouched", ())))
    return out


def load_loop_modes(script: Any) -> dict[int, str]:
    """Why the last run ran split loops as written: items statement id ->
    reason (``record_loop_modes``). A bad cache file gives ``{}``."""
    data, _ = _loaded(cache_file(script), _script_path(script))
    table = data["statements"]
    out = {}
    for i, key in enumerate(statement_keys(script)):
        why = (table.get(key) or {}).get("serial")
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


def write_json_atomic(file: Path, data: dict) -> None:
    """Write ``data`` as JSON to ``file`` all at once (temporary file, fsync, rename)."""
    fd, tmp = tempfile.mkstemp(prefix=file.name + ".", suffix=".tmp", dir=str(file.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _update(script: Any, change) -> str | None:
    """Read-modify-write the cache of ``script`` under the lock."""
    file = cache_file(script)
    path = _script_path(script)
    try:
        with _locked(file):
            data, msg = _read(file, path)
            change(data)
            write_json_atomic(file, data)
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
    keys = statement_keys(script)

    def change(data: dict) -> None:
        table = data["statements"]
        for i, sec in measurements.items():
            if not 0 <= i < len(keys):
                continue
            rec = table.setdefault(keys[i], {})
            new = [float(x) for x in sec] if isinstance(sec, (list, tuple)) else float(sec)
            old = rec.get("seconds")
            if isinstance(new, float) and isinstance(old, (int, float)) and not isinstance(old, bool):
                new = alpha * new + (1 - alpha) * float(old)
            elif isinstance(new, list) and isinstance(old, list) and len(old) == len(new):
                new = [alpha * a + (1 - alpha) * float(b) for a, b in zip(new, old)]
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
    keys = statement_keys(script)
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
    keys = statement_keys(script)

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
    keys = statement_keys(script)

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
