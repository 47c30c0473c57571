"""The traced dependency relation and its comparison with the static graph.

Pure functions over ``model``'s data: ``traced_dependencies`` turns a
``Trace`` into dependencies ``i -> j`` with what carried them; ``compare``
keeps those the static graph has no path for (``missed``, and ``unverified``
for values the tracer could not fingerprint) and measures the critical path
each graph allows.

Dependencies follow the graph's rules: RAW to the last writer of what ``j``
reads; WAW to the last writer and WAR to the readers since then of what ``j``
writes. Two imports that meet only in hidden state (``import numpy`` and
``import sklearn`` both adding warnings filters) are not reported as missed.
"""

from __future__ import annotations

from collections import defaultdict

from ..graph import TaskGraph, has_path
from .model import CheckReport, Interaction, Parallelism, StatementTrace, Trace


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


def compare(graph: TaskGraph, trace: Trace, loops: dict | None = None) -> CheckReport:
    """Compare a traced run with the static graph: missed interactions,
    parallelism; and each split loop's traced iterations with its split
    (``loops``: ``spawn.loop_checks``, see ``iterations``)."""
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
    from .iterations import loop_findings

    checked, found = [], []
    for i, st in enumerate(trace.statements):
        check = (loops or {}).get(st.id)
        if check is not None and st.units:
            checked.append(stmts[st.id].lineno)
            after = [(stmts[t.id].lineno, t) for t in trace.statements[i + 1:]]
            found += loop_findings(check, stmts[st.id].lineno, st, after)
    return CheckReport(
        loops_checked=tuple(checked), loop_missed=tuple(found),
        script=graph.script.filename, statements=len(graph), executed=len(ids),
        exit_status=trace.exit_status, error=trace.error,
        missed=_interactions(graph, missed), unverified=_interactions(graph, unverified),
        traced=_interactions(graph, deps),
        static=Parallelism(len(ids), serial, s_len, s_sec),
        dynamic=Parallelism(len(ids), serial, t_len, t_sec),
        trace=trace)
