"""``taskpar check``: run a script serially under a tracer; compare with the graph.

The static analysis decides which statements may run apart. This stage
checks that decision against what really happens: it runs the script once,
serially, in a child process, and records per statement which top-level
names and which pieces of hidden state it really read and wrote. From that
it builds the *traced* dependency relation and reports

(a) every traced dependency ``i -> j`` for which the static graph has no path
    from ``i`` to ``j`` — a soundness bug of the analysis (``missed``);
(b) the parallelism each graph allows: critical path in statements and in
    measured seconds, against the serial run.

::

    check_script(path, args)
      │ analyze_script, build_graph               (this process)
      │ trace_script ──spawn──▶ python -c "…check._trace_child()"   (child)
      │                 request.json ──▶ runs each Statement as its own
      │                                  compiled node in a fresh __main__;
      │                                  snapshot after every statement
      │ Trace ◀── result.json ◀──────────┘  (script's stdout/stderr captured)
      ▼
    compare(graph, trace) ──▶ CheckReport ──render_check──▶ text

API (the CLI's ``taskpar check SCRIPT [ARGS]`` is a thin layer over it)::

    report = check_script("script.py", ["--flag", "x"])   # -> CheckReport
    text = render_check(report)                         # -> str, for the terminal
    exit_status = 0 if report.ok else 1                 # 1: a missed interaction

``check_script(path, args=(), *, graph=None, timeout=None)`` analyses the
script (or takes ``graph``), runs it traced, and returns a ``CheckReport``:
``missed`` (``Interaction`` records: both statements' ids, lines and source,
and ``via`` = (kind, what) pairs), ``unverified``, ``traced``, and the
``static``/``dynamic`` ``Parallelism`` (critical path in statements and
measured seconds, serial seconds, ``speedup_statements``/``speedup_seconds``);
``report.trace`` holds the per-statement sets and the script's own stdout,
stderr and exit status. ``trace_script`` and ``compare`` are the two halves.

What the child observes for statement ``k`` (keys of the read/write sets):

=====================  ======================================================
``x``                  a top-level name. *Written* if, after ``k``, it is
                       unbound/bound anew, or its value's content fingerprint
                       changed (in-place mutation, also through an alias).
                       *Read* if ``k`` executed code (its own, or a function
                       of the script it called) that loads ``x`` by name
                       (LOAD_NAME/LOAD_GLOBAL in that code object).
``<random>`` …         hidden state, written when its fingerprint changes:
                       ``random``, ``numpy.random``, ``torch.random``,
                       ``cwd``, ``environ``, ``sys.path``, ``warnings``,
                       ``pyplot``, ``numpy.config``, ``pandas.options``,
                       ``matplotlib.rcParams``; read where it can be seen
                       (``os.getcwd``/relative paths, ``os.environ`` lookups,
                       ``warnings.warn``, a logger emitting, a name bound to
                       ``pyplot``/``random`` loaded, a numpy/pandas/matplotlib
                       value loaded).
``<logging NAME>``     a logger's configuration (level, handlers, propagate);
                       read by a logger emitting (itself and its ancestors).
``<file PATH>``        files and directories, from audit events (``open``,
                       ``os.remove``, ``os.mkdir``, ``shutil.rmtree`` …); a
                       directory conflicts with every path under it.
=====================  ======================================================

A value whose fingerprint is incomplete (an object that neither pickles nor
exposes its state, e.g. a sqlite cursor's position) may change unseen; a
statement that reads such a name is listed as ``unverified``, not ``missed``.

Dependencies follow the graph's rules: RAW to the last writer of what ``j``
reads; WAW to the last writer and WAR to the readers since then of what ``j``
writes. Two imports that meet only in hidden state (``import numpy`` and
``import sklearn`` both adding warnings filters) are not reported as missed. Library code never prints: ``render_check`` returns the text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Sequence

from .analysis import Script, analyze_script
from .errors import TaskparError
from .graph import TaskGraph, build_graph, has_path

__all__ = [
    "StatementTrace",
    "Trace",
    "Interaction",
    "Parallelism",
    "CheckReport",
    "CheckError",
    "check_script",
    "trace_script",
    "compare",
    "traced_dependencies",
    "render_check",
]


class CheckError(TaskparError):
    """The tracing process itself failed (not the user's script): it died
    without writing its result, or did not finish within the timeout."""


# --------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class StatementTrace:
    """What one statement was seen to touch when run serially."""

    id: int
    seconds: float
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    #: names read whose value cannot be fully fingerprinted (changes unseen)
    unverified: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Trace:
    """A serial run: per executed statement its trace, and how it ended."""

    statements: tuple[StatementTrace, ...]
    exit_status: int
    #: ``"ZeroDivisionError: division by zero"`` if a statement raised, else None
    error: str | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class Interaction:
    """A dependency ``src -> dst`` seen at run time, with what carried it."""

    src: int
    dst: int
    src_line: int
    dst_line: int
    src_source: str
    dst_source: str
    #: ``("RAW", "x")``, ``("WAW", "<file /tmp/a.txt>")``, ``("WAR", "<random>")`` ...
    via: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Parallelism:
    """Critical path of one graph against the serial run."""

    statements: int
    serial_seconds: float
    critical_statements: int
    critical_seconds: float

    @property
    def speedup_statements(self) -> float:
        return self.statements / self.critical_statements if self.critical_statements else 1.0

    @property
    def speedup_seconds(self) -> float:
        return self.serial_seconds / self.critical_seconds if self.critical_seconds > 0 else 1.0


@dataclass(frozen=True)
class CheckReport:
    """Everything ``taskpar check`` found; pure data (render with ``render_check``)."""

    script: str
    #: statements in the script / executed before it ended
    statements: int
    executed: int
    exit_status: int
    error: str | None
    #: traced dependencies with no path in the static graph: soundness bugs
    missed: tuple[Interaction, ...]
    #: possible dependencies through values that could not be fingerprinted,
    #: with no path in the static graph (to inspect; not counted as missed)
    unverified: tuple[Interaction, ...]
    #: every traced dependency (the traced graph's edges)
    traced: tuple[Interaction, ...]
    static: Parallelism
    dynamic: Parallelism
    trace: Trace = field(repr=False, compare=False, default=None)  # type: ignore[assignment]

    @property
    def ok(self) -> bool:
        """No missed interaction (the CLI exits 1 otherwise)."""
        return not self.missed


# --------------------------------------------------------------------------
# the parent side


def check_script(path: str | os.PathLike, args: Sequence[str] = (), *,
                 graph: TaskGraph | None = None, timeout: float | None = None) -> CheckReport:
    """Run ``path`` serially under the tracer and compare with its task graph.

    ``graph`` replaces the graph built by the static analysis (tests use it
    to check a hand-made graph). The script runs in a child process with
    ``sys.argv = [path, *args]`` and the current working directory; its
    output is captured into ``report.trace.stdout``/``stderr``.

    Raises ScriptError/ScriptSyntaxError for a script that cannot be read or
    parsed, CheckError when the tracing process fails or times out.
    """
    if graph is None:
        from .learned import with_learned

        # loops as single statements: the tracer runs statements one by one
        graph = build_graph(with_learned(analyze_script(path, loops=False)))
    trace = trace_script(graph.script, os.fspath(path), args, timeout=timeout)
    return compare(graph, trace)


def trace_script(script: Script, argv0: str, args: Sequence[str] = (), *,
                 timeout: float | None = None) -> Trace:
    """Run the statements of ``script`` serially in a child process; return the Trace."""
    with tempfile.TemporaryDirectory(prefix="taskpar-check-") as tmp:
        request = os.path.join(tmp, "request.json")
        result = os.path.join(tmp, "result.json")
        with open(request, "w") as f:
            json.dump({"filename": script.filename, "argv": [argv0, *args],
                       "paths": [list(s.path) for s in script.statements]}, f)
        cmd = [sys.executable, "-c",
               "import taskpar.check as c, sys; sys.exit(c._trace_child())", request, result]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CheckError(f"{script.filename}: the traced run did not finish within "
                             f"{timeout:g} s; run it with python to see whether it ends") from None
        stdout = proc.stdout.decode("utf-8", "replace")
        stderr = proc.stderr.decode("utf-8", "replace")
        try:
            with open(result) as f:
                data = json.load(f)
        except (OSError, ValueError):
            raise CheckError(f"{script.filename}: the tracing process exited with status "
                             f"{proc.returncode} before reporting; its stderr ends with: "
                             f"{stderr.strip().splitlines()[-1:] or ['(nothing)']}") from None
    stmts = tuple(StatementTrace(id=s["id"], seconds=s["seconds"], reads=frozenset(s["reads"]),
                                 writes=frozenset(s["writes"]),
                                 unverified=frozenset(s["unverified"]))
                  for s in data["statements"])
    return Trace(statements=stmts, exit_status=proc.returncode, error=data.get("error"),
                 stdout=stdout, stderr=stderr)


def _conflicts(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.startswith("<environ") and b.startswith("<environ"):
        # "<environ>" is the whole environment (iterated, counted, copied)
        return a == "<environ>" or b == "<environ>"
    if a.startswith("<file ") and b.startswith("<file "):
        pa, pb = a[6:-1], b[6:-1]
        return pa.startswith(pb + "/") or pb.startswith(pa + "/")
    return False


def traced_dependencies(trace: Trace, *, assume_unverified_written: bool = False
                        ) -> dict[tuple[int, int], set[tuple[str, str]]]:
    """``{(i, j): {(kind, key)}}``: the traced relation (see module note)."""
    deps: dict[tuple[int, int], set[tuple[str, str]]] = defaultdict(set)
    history: list[StatementTrace] = []
    for st in trace.statements:
        writes = set(st.writes)
        if assume_unverified_written:
            writes |= st.unverified
        for key in st.reads - writes:
            if key == "<environ>":  # the whole environment: every variable's last writer
                for w in _last_writers_of_each(history, "<environ ", assume_unverified_written):
                    deps[(w, st.id)].add(("RAW", key))
                continue
            w = _last_writer(history, key, assume_unverified_written)
            if w is not None:
                deps[(w, st.id)].add(("RAW", key))
        for key in writes:
            w = _last_writer(history, key, assume_unverified_written)
            if w is not None:
                deps[(w, st.id)].add(("RAW" if key in st.reads else "WAW", key))
            for prev in reversed(history):
                if prev.id == w:
                    break
                prev_writes = prev.writes | (prev.unverified if assume_unverified_written else set())
                if any(_conflicts(key, r) for r in prev.reads - prev_writes):
                    deps[(prev.id, st.id)].add(("WAR", key))
        history.append(StatementTrace(st.id, st.seconds, st.reads, frozenset(writes), st.unverified))
    return deps


def _last_writers_of_each(history: list[StatementTrace], prefix: str, unverified: bool) -> set[int]:
    """The last writer of every key starting with ``prefix``."""
    seen: set[str] = set()
    out: set[int] = set()
    for prev in reversed(history):
        ws = prev.writes | (prev.unverified if unverified else frozenset())
        new = {w for w in ws if w.startswith(prefix)} - seen
        if new:
            seen |= new
            out.add(prev.id)
    return out


def _last_writer(history: list[StatementTrace], key: str, unverified: bool) -> int | None:
    for prev in reversed(history):
        ws = prev.writes | (prev.unverified if unverified else frozenset())
        if any(_conflicts(key, w) for w in ws):
            return prev.id
    return None


def _interactions(graph: TaskGraph, deps: dict) -> tuple[Interaction, ...]:
    stmts = graph.statements
    out = []
    for (i, j), via in sorted(deps.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        out.append(Interaction(src=i, dst=j, src_line=stmts[i].lineno, dst_line=stmts[j].lineno,
                               src_source=stmts[i].source, dst_source=stmts[j].source,
                               via=tuple(sorted(via))))
    return tuple(out)


def _critical_path(ids: list[int], preds: dict[int, set[int]], cost: dict[int, float]) -> tuple[int, float]:
    """Longest path (in statements, in cost) over ``ids`` in program order."""
    length: dict[int, int] = {}
    weight: dict[int, float] = {}
    for i in ids:
        ps = [p for p in preds.get(i, ()) if p in length]
        length[i] = 1 + max((length[p] for p in ps), default=0)
        weight[i] = cost[i] + max((weight[p] for p in ps), default=0.0)
    return max(length.values(), default=0), max(weight.values(), default=0.0)


def _import_side_effects(src, dst, via) -> bool:
    """Two imports meeting only in hidden state (libraries adding warnings
    filters or setting environment variables as they load): not reported,
    every worker imports what it needs in its own process."""
    return src.kind == dst.kind == "import" and all(key.startswith("<") for _, key in via)


def compare(graph: TaskGraph, trace: Trace) -> CheckReport:
    """Compare a traced run with the static graph: missed interactions, parallelism."""
    stmts = graph.statements
    deps = {k: v for k, v in traced_dependencies(trace).items()
            if not _import_side_effects(stmts[k[0]], stmts[k[1]], v)}
    possible = traced_dependencies(trace, assume_unverified_written=True)
    missed = {k: v for k, v in deps.items() if not has_path(graph, *k)}
    unverified = {k: v - deps.get(k, set()) for k, v in possible.items()
                  if not has_path(graph, *k) and v - deps.get(k, set()) and k not in missed
                  and not _import_side_effects(stmts[k[0]], stmts[k[1]], v)}
    ids = [s.id for s in trace.statements]
    cost = {s.id: s.seconds for s in trace.statements}
    serial = sum(cost.values())
    static_preds = {i: graph.predecessors(i) for i in ids}
    traced_preds: dict[int, set[int]] = defaultdict(set)
    for i, j in deps:
        traced_preds[j].add(i)
    s_len, s_sec = _critical_path(ids, static_preds, cost)
    t_len, t_sec = _critical_path(ids, traced_preds, cost)
    return CheckReport(
        script=graph.script.filename, statements=len(graph), executed=len(ids),
        exit_status=trace.exit_status, error=trace.error,
        missed=_interactions(graph, missed), unverified=_interactions(graph, unverified),
        traced=_interactions(graph, deps),
        static=Parallelism(len(ids), serial, s_len, s_sec),
        dynamic=Parallelism(len(ids), serial, t_len, t_sec),
        trace=trace)


def _excerpt(source: str, width: int = 60) -> str:
    first = source.splitlines()[0] if source else ""
    return first if len(first) <= width else first[: width - 3] + "..."


def render_check(report: CheckReport) -> str:
    """The report as terminal text (one block per missed interaction, then figures)."""
    name = os.path.basename(report.script)
    lines = []
    if report.error or report.exit_status:
        lines.append(f"{name}: the script stopped after {report.executed} of {report.statements} "
                     f"statements (exit status {report.exit_status}"
                     + (f", {report.error})" if report.error else ")")
                     + "; only those were checked")
    if report.missed:
        lines.append(f"{name}: {len(report.missed)} interaction(s) the static graph misses "
                     "(statements that may run in the wrong order):")
        for m in report.missed:
            lines.extend(_render_interaction(name, m))
    else:
        lines.append(f"{name}: no missed interaction ({len(report.traced)} traced dependencies, "
                     "all ordered by the static graph)")
    if report.unverified:
        lines.append(f"{name}: {len(report.unverified)} possible interaction(s) through values "
                     "whose changes cannot be observed (not counted as missed):")
        for m in report.unverified:
            lines.extend(_render_interaction(name, m))
    s, t = report.static, report.dynamic
    lines.append(
        f"parallelism: static graph allows {s.speedup_statements:.1f}x "
        f"(critical path {s.critical_statements} of {s.statements} statements; "
        f"{s.critical_seconds:.2f} s of {s.serial_seconds:.2f} s = {s.speedup_seconds:.1f}x), "
        f"traced {t.speedup_statements:.1f}x "
        f"(critical path {t.critical_statements}; {t.critical_seconds:.2f} s = {t.speedup_seconds:.1f}x)")
    return "\n".join(lines) + "\n"


def _render_interaction(name: str, m: Interaction) -> list[str]:
    via = ", ".join(f"{kind} {key}" for kind, key in m.via)
    return [f"  {name}:{m.src_line}: {_excerpt(m.src_source)}",
            f"  {name}:{m.dst_line}: {_excerpt(m.dst_source)}",
            f"    line {m.dst_line} depends on line {m.src_line} through {via}"]


# --------------------------------------------------------------------------
# the child side: ``python -c "...check._trace_child()" request result``
#
# One process runs the whole script, statement by statement, as python
# would (fresh ``__main__`` module, ``sys.argv``, ``sys.path[0]`` = the
# script's directory, cwd unchanged). Around each statement:
#
# * reads of names: every function and lambda of the script is compiled with
#   a marker call first in its body (``_Marker``), so the statement knows
#   which of them ran (no sys.settrace: sklearn-heavy statements would run
#   several times slower); the names their code objects load by name
#   (LOAD_NAME / LOAD_GLOBAL / LOAD_CLASSDEREF) are the candidates;
# * writes of names: the namespace is snapshotted after every statement
#   (identity and content fingerprint of each value, see ``_Fingerprint``);
# * hidden state: fingerprints of module states, audit events for files,
#   and small wrappers (os.getcwd, os.environ, warnings.warn,
#   Logger.isEnabledFor) that note a read while a statement runs.

_LOAD_OPS = frozenset({"LOAD_NAME", "LOAD_GLOBAL", "LOAD_CLASSDEREF",
                       "LOAD_FROM_DICT_OR_GLOBALS", "DELETE_NAME", "DELETE_GLOBAL"})
#: not variables: the builtins, annotations (written by every annotated
#: assignment, read by nobody), the warnings registry (a hidden state)
_IGNORED_NAMES = frozenset({"__builtins__", "__annotations__", "__warningregistry__"})
_WRITE_FLAGS = (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC)
#: audit events that change the file system: event -> argument positions of paths
_FS_WRITE_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
                    "os.link": (1,), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
                    "os.utime": (0,), "shutil.rmtree": (0,), "shutil.copyfile": (1,),
                    "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.copymode": (1,),
                    "shutil.copystat": (1,)}
_FS_READ_EVENTS = {"os.listdir": (0,), "os.scandir": (0,), "glob.glob": (0,),
                   "shutil.copyfile": (0,), "shutil.copytree": (0,), "os.walk": (0,)}


class _Fingerprint:
    """Content fingerprints of values, computed within one snapshot.

    ``of(value) -> (digest, exact)``. Containers are walked (cycle-safe);
    numpy arrays hash their buffer; objects of the script (functions,
    classes) include their mutable parts (defaults, closure cells, class
    dict); other objects hash their pickle (protocol 5, buffers hashed
    without copying), else their ``__dict__``; what cannot be seen hashes
    its identity and makes the digest inexact.
    """

    def __init__(self, namespace: dict, local_dirs: tuple[str, ...]):
        import hashlib
        import pickle
        self._hashlib, self._pickle = hashlib, pickle
        self.ns = namespace
        self.local_dirs = local_dirs
        #: id -> (value, digest, exact); the value is held so that its id is
        #: not reused by another object while this snapshot lives
        self.cache: dict[int, tuple[object, bytes, bool]] = {}

    def of(self, value) -> tuple[bytes, bool]:
        key = id(value)
        if key not in self.cache:
            h = self._hashlib.blake2b(digest_size=16)
            try:
                exact = self._walk(value, h, {}, 0)
            except RecursionError:
                h.update(b"deep%d" % id(value))
                exact = False
            self.cache[key] = (value, h.digest(), exact)
        return self.cache[key][1:]

    def _is_local(self, obj) -> bool:
        mod = getattr(obj, "__module__", None)
        if mod == "__main__":
            return True
        m = sys.modules.get(mod) if isinstance(mod, str) else None
        return m is not None and self._is_local_module(m)

    def _is_local_module(self, m) -> bool:
        f = getattr(m, "__file__", None)
        return isinstance(f, str) and os.path.dirname(os.path.abspath(f)) in self.local_dirs

    def _walk(self, obj, h, seen: dict, depth: int) -> bool:  # noqa: C901 (a type switch)
        import types
        t = type(obj)
        h.update(t.__qualname__.encode())
        if obj is None or t in (bool, int, float, complex):
            h.update(repr(obj).encode())
            return True
        if t is str:
            h.update(obj.encode("utf-8", "surrogatepass"))
            return True
        if t in (bytes, bytearray):
            h.update(b"%d:" % len(obj))
            h.update(obj)
            return True
        oid = id(obj)
        if oid in seen:
            h.update(b"@%d" % seen[oid][0])
            return True
        seen[oid] = (len(seen), obj)  # holding obj: temporaries keep their ids
        if depth > 60:
            h.update(b"id%d" % oid)
            return False
        walk = lambda v: self._walk(v, h, seen, depth + 1)  # noqa: E731
        if t in (list, tuple):
            h.update(b"%d[" % len(obj))
            return all([walk(v) for v in obj])
        if isinstance(obj, dict) and t.__module__ in ("builtins", "collections"):
            h.update(b"%d{" % len(obj))
            if t.__name__ == "defaultdict":
                h.update(b"%d" % id(obj.default_factory))
            return all([walk(k) & walk(v) for k, v in list(obj.items())])
        if t in (set, frozenset):
            parts = sorted(self.of(v) for v in obj)
            for d, _ in parts:
                h.update(d)
            return all(e for _, e in parts)
        if t.__module__ == "numpy" and t.__name__ == "ndarray":
            h.update(f"{obj.dtype.str}{obj.shape}".encode())
            if obj.dtype.hasobject:
                return all([walk(v) for v in obj.ravel().tolist()])
            import numpy
            h.update(memoryview(numpy.ascontiguousarray(obj)).cast("B"))
            return True
        if isinstance(obj, types.ModuleType):
            if self._is_local_module(obj):
                return all([walk(k) & walk(v) for k, v in sorted(vars(obj).items())
                            if not k.startswith("__") and not isinstance(v, types.ModuleType)])
            # a library module: identity only (its caches, e.g. tempfile.tempdir,
            # change without meaning anything to the script)
            h.update(b"%d" % oid)
            return True
        if isinstance(obj, types.FunctionType):
            h.update(b"%d" % oid)
            if obj.__globals__ is self.ns or self._is_local(obj):
                cells = [c.cell_contents for c in (obj.__closure__ or ())
                         if _cell_is_set(c)]
                return all([walk(obj.__defaults__), walk(obj.__kwdefaults__), walk(cells),
                            walk(dict(obj.__dict__))])
            return True
        if isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
            h.update(b"%d" % id(getattr(obj, "__func__", None) or obj.__name__))
            owner = getattr(obj, "__self__", None)
            if owner is None or isinstance(owner, types.ModuleType):
                h.update(b"%d" % id(owner))
                return True
            return walk(owner)
        if isinstance(obj, type):
            h.update(b"%d" % oid)
            if self._is_local(obj):
                return all([walk(k) & walk(v) for k, v in list(vars(obj).items())
                            if k not in _CLASS_SKIP])
            return True
        if isinstance(obj, types.GeneratorType):
            frame = obj.gi_frame
            if frame is None:
                h.update(b"done")
                return True
            h.update(b"%d" % frame.f_lasti)
            return walk(dict(frame.f_locals))
        if t.__module__.startswith("matplotlib."):
            # pickling an artist has side effects (it advances callback ids)
            h.update(repr(_mpl_summary(obj)).encode())
            return False
        special = _special_state(obj)
        if special is not None:
            state, exact = special
            h.update(repr(state).encode())
            if not exact:
                h.update(b"id%d" % oid)
            return exact
        try:
            buffers: list = []
            data = self._pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
        except Exception:  # anything unpicklable: look inside instead
            pass
        else:
            h.update(data)
            for b in buffers:
                try:
                    h.update(b.raw())
                except BufferError:
                    h.update(bytes(b))
            return True
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            h.update(b"%d" % id(t))
            return walk(dict(state))
        h.update(b"id%d" % oid)
        return False


#: class attributes that are not state: descriptors of every class, and
#: ``__slotnames__``, which copyreg caches on a class when one of its
#: instances is first pickled (by this very fingerprinting)
_CLASS_SKIP = frozenset({"__dict__", "__weakref__", "__doc__", "__module__", "__slotnames__"})


def _cell_is_set(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _mpl_summary(obj):
    """What a user sees of a matplotlib object: its figure's axes, lines, labels."""
    fig = getattr(obj, "figure", None) if not hasattr(obj, "axes") or not hasattr(obj, "dpi") else obj
    if fig is None or not hasattr(fig, "axes"):
        return ("artist", id(obj))
    import hashlib
    axes = []
    for ax in fig.axes:
        lines = []
        for ln in ax.get_lines():
            xy = ln.get_xydata()
            lines.append((ln.get_label(), str(ln.get_color()), str(ln.get_linestyle()),
                          hashlib.blake2b(xy.tobytes(), digest_size=8).hexdigest()))
        axes.append((ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), ax.get_xlim(), ax.get_ylim(),
                     ax.get_xscale(), ax.get_yscale(), ax.get_legend() is not None, lines,
                     len(ax.patches), len(ax.texts), len(ax.collections), len(ax.images),
                     [t.get_text() for t in ax.texts]))
    sup = getattr(fig, "_suptitle", None)
    return (id(fig), tuple(fig.get_size_inches()), fig.dpi, sup.get_text() if sup else None, axes)


def _special_state(obj):
    """(state, exact) for unpicklable objects whose state is visible, else None."""
    import io
    name = type(obj).__module__ + "." + type(obj).__qualname__
    if isinstance(obj, io.IOBase):
        try:
            pos = obj.tell() if not obj.closed and obj.seekable() else None
        except (OSError, ValueError):
            pos = None
        return (obj.closed, pos, getattr(obj, "name", None)), True
    if name in ("_thread.lock", "_thread.RLock"):
        return (name, obj.locked() if hasattr(obj, "locked") else repr(obj).split(" at ")[0]), True
    if name == "sqlite3.Connection":
        try:
            return ("sqlite", obj.total_changes, obj.in_transaction), False
        except Exception:  # a closed connection refuses every question
            return ("sqlite closed",), True
    if name == "sqlite3.Cursor":
        return ("cursor", obj.rowcount, obj.lastrowid), False
    return None


def _hidden_state(fp: _Fingerprint) -> dict[str, bytes]:
    """Fingerprints of process state no variable shows (RESOURCES names)."""
    import hashlib
    import logging
    import random
    import warnings

    def digest(value) -> bytes:
        return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()

    out = {"random": digest(random.getstate()),
           "cwd": digest(_REAL_GETCWD()),
           "sys.path": digest(list(sys.path))}
    # one entry per variable: a library that reads MPLBACKEND does not
    # depend on an import that set KMP_DUPLICATE_LIB_OK (see _conflicts)
    for k, v in os.environ._data.items():
        out["environ " + k.decode(errors="replace")] = digest(v)
    out["warnings filters"] = digest(repr(warnings.filters))
    for mname, m in list(sys.modules.items()):
        reg = getattr(m, "__dict__", {}).get("__warningregistry__") if m is not None else None
        if reg:
            out[f"warnings {mname}"] = digest(sorted(repr(k) for k in reg if k != "version"))
    manager = logging.Logger.manager
    loggers = {"": logging.getLogger()}
    loggers.update((n, lg) for n, lg in list(manager.loggerDict.items())
                   if isinstance(lg, logging.Logger))
    for lname, lg in loggers.items():
        conf = (lg.level, lg.propagate, lg.disabled,
                [(type(hd).__name__, hd.level, getattr(hd.formatter, "_fmt", None),
                  getattr(getattr(hd, "stream", None), "name", None)) for hd in lg.handlers])
        if conf != (logging.NOTSET, True, False, []) or lname == "":
            out["logging " + (lname or "root")] = digest((conf, manager.disable if lname == "" else 0))
    np = sys.modules.get("numpy")
    if np is not None and hasattr(np, "random"):
        try:
            out["numpy.random"] = fp.of(np.random.get_state())[0]
            out["numpy.config"] = digest((np.get_printoptions(), np.geterr()))
        except Exception:  # a numpy too partially imported to answer
            pass
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "random"):
        try:
            out["torch.random"] = fp.of(torch.random.get_rng_state().numpy())[0]
        except Exception:  # torch without numpy bridge
            pass
    pd = sys.modules.get("pandas")
    if pd is not None:
        conf = getattr(getattr(getattr(pd, "_config", None), "config", None), "_global_config", None)
        if conf is not None:
            out["pandas.options"] = digest(conf)
    mpl = sys.modules.get("matplotlib")
    if mpl is not None and hasattr(mpl, "rcParams"):
        out["matplotlib.rcParams"] = digest(sorted((k, repr(v)) for k, v in dict.items(mpl.rcParams)))
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and hasattr(plt, "get_fignums"):
        from matplotlib._pylab_helpers import Gcf
        managers = Gcf.get_all_fig_managers()
        active = Gcf.get_active()
        out["pyplot"] = digest([(m.num, _mpl_summary(m.canvas.figure)) for m in managers]
                               + [active.num if active else None])
    return out


_REAL_GETCWD = os.getcwd


class _Recorder:
    """Per-statement accumulation of hidden reads and file accesses."""

    def __init__(self):
        self.active = False
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.ignore_prefixes: tuple[str, ...] = ()

    def path(self, p, write: bool) -> None:
        if isinstance(p, bytes):
            p = os.fsdecode(p)
        if not isinstance(p, str):
            return
        if not os.path.isabs(p):
            self.reads.add("<cwd>")
        p = os.path.normpath(os.path.join(_REAL_GETCWD(), p))
        if (p.startswith(self.ignore_prefixes) or "/__pycache__" in p or p.endswith(".pyc")
                or p in ("/dev/null", "/dev/tty")):
            return
        (self.writes if write else self.reads).add(f"<file {p}>")

    def audit(self, event: str, args) -> None:
        if not self.active:
            return
        self.active = False  # nothing below may re-enter
        try:
            if event == "open":
                path, mode, flags = (tuple(args) + (None, None, None))[:3]
                if mode is None:
                    write = bool((flags or 0) & _WRITE_FLAGS)
                else:
                    write = any(c in str(mode) for c in "wax+")
                self.path(path, write)
            elif event in _FS_WRITE_EVENTS or event in _FS_READ_EVENTS:
                if event in ("os.remove", "os.rmdir", "os.mkdir") and args[-1] not in (None, -1):
                    return  # relative to a directory fd (inside shutil.rmtree)
                for k in _FS_WRITE_EVENTS.get(event, ()):
                    if k < len(args):
                        self.path(args[k], True)
                for k in _FS_READ_EVENTS.get(event, ()):
                    if k < len(args):
                        p = args[k]
                        if event == "glob.glob" and isinstance(p, str):
                            p = os.path.dirname(p) or "."
                        self.path(p if p is not None else ".", False)
            elif event == "os.chdir":
                self.writes.add("<cwd>")
        finally:
            self.active = True


def _install_read_hooks(rec: _Recorder) -> None:
    """Wrappers that note hidden-state reads while a statement runs."""
    import logging
    import warnings

    def getcwd():
        if rec.active:
            rec.reads.add("<cwd>")
        return _REAL_GETCWD()
    os.getcwd = getcwd

    env_cls = type(os.environ)
    for meth in ("__getitem__", "__iter__", "__contains__", "__len__"):
        orig = getattr(env_cls, meth)

        def wrapper(self, *a, __orig=orig):
            if rec.active:  # one variable when a key is given, else all of them
                rec.reads.add(f"<environ {a[0]}>" if a and isinstance(a[0], str) else "<environ>")
            return __orig(self, *a)
        setattr(env_cls, meth, wrapper)

    real_warn, real_explicit = warnings.warn, warnings.warn_explicit

    def warn(message, category=None, stacklevel=1, source=None, **kw):
        if rec.active:
            try:
                where = sys._getframe(max(stacklevel, 1)).f_globals.get("__name__", "?")
            except ValueError:  # stacklevel beyond the stack: python uses "sys"
                where = "sys"
            rec.reads.update(("<warnings filters>", f"<warnings {where}>"))
        return real_warn(message, category, stacklevel + 1, source, **kw)

    def warn_explicit(message, category, filename, lineno, module=None, registry=None, *a, **kw):
        if rec.active:
            rec.reads.add("<warnings filters>")
            if module:
                rec.reads.add(f"<warnings {module}>")
        return real_explicit(message, category, filename, lineno, module, registry, *a, **kw)
    warnings.warn, warnings.warn_explicit = warn, warn_explicit

    real_enabled = logging.Logger.isEnabledFor

    def isEnabledFor(self, level):
        if rec.active:
            lg = self
            while lg is not None:
                rec.reads.add("<logging " + ("root" if lg is logging.root else lg.name) + ">")
                lg = lg.parent
        return real_enabled(self, level)
    logging.Logger.isEnabledFor = isEnabledFor


def _loaded_names(code, cache: dict) -> frozenset[str]:
    import dis
    names = cache.get(code)
    if names is None:
        names = frozenset(ins.argval for ins in dis.get_instructions(code)
                          if ins.opname in _LOAD_OPS and isinstance(ins.argval, str))
        cache[code] = names
    return names


def _value_reads(value, names_of_modules: dict) -> set[str]:
    """Hidden state a loaded value stands for (pyplot, random, library config)."""
    import types
    out = set()
    if isinstance(value, types.ModuleType):
        top = value.__name__
    else:
        owner = getattr(value, "__self__", None)
        top = getattr(type(owner) if owner is not None and not isinstance(owner, types.ModuleType)
                      else type(value), "__module__", "") or ""
        if isinstance(owner, types.ModuleType):
            top = owner.__name__
        elif type(owner).__module__ == "random" and type(owner).__name__ == "Random" \
                and owner is sys.modules["random"]._inst:
            out.add("<random>")
    if top == "matplotlib.pyplot":
        out.add("<pyplot>")
    if top == "random":
        out.add("<random>")
    root = top.split(".")[0]
    if root in names_of_modules:
        out.add(names_of_modules[root])
    return out


_IMPORTED_STATES = frozenset({"<numpy.random>", "<numpy.config>", "<torch.random>",
                              "<pandas.options>", "<matplotlib.rcParams>", "<pyplot>"})
_RNG_STATES = frozenset({"<random>", "<numpy.random>", "<torch.random>"})
_CONFIG_STATE = {"numpy": "<numpy.config>", "pandas": "<pandas.options>",
                 "matplotlib": "<matplotlib.rcParams>"}



_MARK = "__taskpar_seen__"


class _Marker:
    """Puts ``__taskpar_seen__(k)`` first in every function and lambda body.

    ``__taskpar_seen__`` is a builtin bound to ``set.add`` of the set of
    functions entered during the current statement; ``k`` numbers the
    function. Inserted after a docstring, with the first statement's line
    number, so tracebacks, ``__doc__`` and source lookups are unchanged.
    """

    def __init__(self):
        import ast
        self.ast = ast
        self.next = 0

    def _call(self, node):
        ast = self.ast
        k = self.next
        self.next += 1
        call = ast.Call(func=ast.Name(id=_MARK, ctx=ast.Load()), args=[ast.Constant(k)], keywords=[])
        return ast.copy_location(call, node)

    def instrument(self, node):
        ast = self.ast
        for n in ast.walk(node):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = n.body[0]
                doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                       and isinstance(first.value.value, str))
                mark = ast.copy_location(ast.Expr(self._call(first)), first)
                n.body.insert(1 if doc else 0, mark)
            elif isinstance(n, ast.Lambda):
                n.body = ast.copy_location(ast.BoolOp(op=ast.Or(), values=[self._call(n.body), n.body]),
                                           n.body)
        ast.fix_missing_locations(node)
        return node


def _names_by_marker(code, cache: dict, out: dict) -> frozenset[str]:
    """Names loaded by ``code`` and the code nested in it that runs with it
    (comprehensions, class bodies); each marked function found on the way
    is recorded in ``out[k]``. Returns the names of ``code`` itself."""
    import dis
    mark = None
    ins = list(dis.get_instructions(code))
    for a, b in zip(ins, ins[1:]):
        if a.argval == _MARK and a.opname in ("LOAD_GLOBAL", "LOAD_NAME") and b.opname == "LOAD_CONST":
            mark = b.argval
            break
    names = set(_loaded_names(code, cache)) - {_MARK}
    for c in code.co_consts:
        if isinstance(c, type(code)):
            inner = _names_by_marker(c, cache, out)
            if not _is_marked(c):
                names |= inner
    names = frozenset(names)
    if mark is not None:
        out[mark] = names
    return names


def _is_marked(code) -> bool:
    return _MARK in code.co_names


def _trace_child_main(request_path: str, result_path: str) -> int:  # noqa: C901
    import ast
    import builtins
    import copy
    import time
    import traceback
    import types
    import __future__

    with open(request_path) as f:
        req = json.load(f)
    filename = req["filename"]
    with open(filename, encoding="utf-8-sig") as f:
        source = f.read()
    tree = ast.parse(source, filename)
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for a in node.names:
                feature = getattr(__future__, a.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    codes = []
    marker = _Marker()
    code_cache: dict = {}
    function_names: dict[int, frozenset[str]] = {}  # marker -> names its body loads
    statement_names = []
    for path in req["paths"]:
        node = tree
        for k in path:
            node = node.body[k]
        node = marker.instrument(copy.deepcopy(node))
        code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec",
                       flags=flags, dont_inherit=True)
        codes.append(code)
        statement_names.append(_names_by_marker(code, code_cache, function_names))

    module = types.ModuleType("__main__")
    ns = module.__dict__
    ns.update(__file__=filename, __builtins__=builtins, __cached__=None, __spec__=None)
    sys.modules["__main__"] = module
    sys.argv = list(req["argv"])
    sys.path[0] = os.path.dirname(filename)

    rec = _Recorder()
    import site
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__),
                os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}
    prefixes.update(site.getsitepackages() if hasattr(site, "getsitepackages") else ())
    prefixes.add(os.path.expanduser("~/.cache"))
    prefixes.add(os.path.expanduser("~/.config"))
    rec.ignore_prefixes = tuple(os.path.join(p, "") for p in prefixes if p)
    sys.addaudithook(rec.audit)
    _install_read_hooks(rec)
    local_dirs = (os.path.dirname(filename),)
    entered: set[int] = set()
    setattr(builtins, _MARK, entered.add)

    def snapshot():
        fp = _Fingerprint(ns, local_dirs)
        names = {}
        for k, v in list(ns.items()):
            if k not in _IGNORED_NAMES:
                names[k] = (id(v), *fp.of(v))
        return names, {f"<{k}>": v for k, v in _hidden_state(fp).items()}

    results = []
    error = None
    status = 0
    before_names, before_state = snapshot()
    try:
        for sid, code in enumerate(codes):
            entered.clear()
            rec.reads, rec.writes = set(), set()
            rec.active = True
            t0 = time.perf_counter()
            try:
                exec(code, ns)
            finally:
                seconds = time.perf_counter() - t0
                rec.active = False
                after_names, after_state = snapshot()
                loaded = set(statement_names[sid])
                for k in entered:
                    loaded |= function_names.get(k, frozenset())
                present = before_names.keys() | after_names.keys()
                reads = {n for n in loaded if n in present and n not in _IGNORED_NAMES}
                modules = {v.__name__.split(".")[0]: _CONFIG_STATE[v.__name__.split(".")[0]]
                           for v in sys.modules.values() if isinstance(v, types.ModuleType)
                           and v.__name__.split(".")[0] in _CONFIG_STATE}
                hidden_reads = set(rec.reads)
                for n in reads:
                    if n in ns:
                        hidden_reads |= _value_reads(ns[n], modules)
                writes = {n for n in present if before_names.get(n, (None,))[:2]
                          != after_names.get(n, (None,))[:2]}
                # a library's state appearing (numpy imported) is no write; a
                # warnings registry or a logger's configuration appearing is
                writes |= {k for k in before_state.keys() | after_state.keys()
                           if before_state.get(k) != after_state.get(k)
                           and (k in before_state or k not in _IMPORTED_STATES)}
                writes |= rec.writes
                # a draw reads the generator's state as much as it writes it
                hidden_reads |= writes & _RNG_STATES
                unverified = {n for n in reads - writes
                              if n in after_names and not after_names[n][2]}
                results.append({"id": sid, "seconds": seconds,
                                "reads": sorted(reads | hidden_reads),
                                "writes": sorted(writes), "unverified": sorted(unverified)})
                before_names, before_state = after_names, after_state
    except SystemExit as e:
        code = e.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            print(code, file=sys.stderr)
            status = 1
        if status:
            error = f"SystemExit: {code}"
    except BaseException as e:  # the user's exception: report it as python would
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
        error = "".join(traceback.format_exception_only(type(e), e)).strip()
        status = 1
    finally:
        with open(result_path, "w") as f:
            json.dump({"statements": results, "error": error}, f)
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def _trace_child() -> int:
    """Entry point of the tracing process: argv = [request.json, result.json]."""
    return _trace_child_main(sys.argv[1], sys.argv[2])
