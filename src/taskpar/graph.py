"""The task graph: statements and the edges that order them.

Input: a ``Script`` (statements with reads/writes/mutates/resources/barrier,
from ``taskpar.analysis``). Output: a ``TaskGraph`` — the same statements,
``Edge`` records ``(src, dst, kind, vars)`` with ``src < dst`` always, and
co-location groups.

Edge kinds (one record per kind and pair; ``vars`` sorted):

=====  ==============================================================
RAW    ``dst`` reads a value ``src`` produced (carries the value)
WAR    ``dst`` rebinds or mutates a name ``src`` read before
WAW    ``dst`` rebinds or mutates a name ``src`` bound before
ORDER  both touch one hidden-state resource, or one is a barrier
=====  ==============================================================

Invariants: every edge goes forward in program order, so the graph is
acyclic and program order is one of its topological orders; no self-edges
(``x = x + 2`` reads and writes ``x`` but is one statement); a statement that
only reads a name never waits for another reader of it.

Co-location: statements that touch the same process-local resource (the
random generator, pyplot, the working directory, ...) form one group: a
backend must run a whole group in one process. Groups are disjoint, sorted,
and only groups of two or more statements are listed.
"""

from __future__ import annotations

import json
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

from .analysis.model import PROCESS_LOCAL, Script, Statement

__all__ = [
    "EdgeKind",
    "Edge",
    "TaskGraph",
    "build_graph",
    "replicable",
    "to_json",
    "to_dot",
    "has_path",
    "topological_order",
]


class EdgeKind(str, Enum):
    RAW = "RAW"
    WAR = "WAR"
    WAW = "WAW"
    ORDER = "ORDER"


@dataclass(frozen=True)
class Edge:
    src: int
    dst: int
    kind: EdgeKind
    vars: tuple[str, ...]


@dataclass(frozen=True)
class TaskGraph:
    script: Script
    edges: tuple[Edge, ...]
    #: groups of statement ids that must run in one process
    colocate: tuple[tuple[int, ...], ...] = ()
    _preds: dict = field(default=None, repr=False, compare=False)  # type: ignore[assignment]
    _succs: dict = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self):
        preds: dict[int, list[Edge]] = defaultdict(list)
        succs: dict[int, list[Edge]] = defaultdict(list)
        for e in self.edges:
            preds[e.dst].append(e)
            succs[e.src].append(e)
        object.__setattr__(self, "_preds", dict(preds))
        object.__setattr__(self, "_succs", dict(succs))

    @property
    def statements(self) -> tuple[Statement, ...]:
        return self.script.statements

    def __len__(self) -> int:
        return len(self.script.statements)

    def in_edges(self, i: int) -> list[Edge]:
        return self._preds.get(i, [])

    def out_edges(self, i: int) -> list[Edge]:
        return self._succs.get(i, [])

    def predecessors(self, i: int) -> set[int]:
        return {e.src for e in self.in_edges(i)}

    def successors(self, i: int) -> set[int]:
        return {e.dst for e in self.out_edges(i)}

    def dependencies(self) -> dict[int, set[int]]:
        """``{statement: set of statements it waits for}`` (dask/core style)."""
        return {s.id: self.predecessors(s.id) for s in self.statements}


def build_graph(script: Script, extra_colocate: Iterable[Iterable[int]] = ()) -> TaskGraph:
    """Build the task graph of ``script``.

    ``extra_colocate`` adds groups learned elsewhere (e.g. statements that
    share a value which cannot be pickled, remembered from an earlier run).
    """
    RAW, WAR, WAW, ORDER = EdgeKind.RAW, EdgeKind.WAR, EdgeKind.WAW, EdgeKind.ORDER
    edges: list[Edge] = []
    last_writer: dict[str, int] = {}
    readers_since_write: dict[str, list[int]] = {}
    last_user: dict[str, int] = {}  # resource -> last statement touching it
    stmts = script.statements
    last_barrier = -1
    # statements since the last barrier that no later statement orders after
    # them yet: a barrier must come after all of them
    since_barrier: list[int] = []

    for s in stmts:
        i = s.id
        # (src, kind) -> the variables of the edge src -> i of that kind (no
        # self-edges); the order in which names are visited does not matter:
        # edges are sorted
        acc: dict[tuple[int, EdgeKind], set[str]] = {}
        mutates = s.mutates
        reads = s.reads | mutates if mutates else s.reads
        writes = s.writes | mutates if mutates else s.writes
        for v in reads:
            w = last_writer.get(v)
            if w is not None and w != i:
                acc.setdefault((w, RAW), set()).add(v)
        for v in writes:
            w = last_writer.get(v)
            if w is not None and w != i:
                acc.setdefault((w, WAW), set()).add(v)
            # a later writer of v waits for this statement (WAW): the readers
            # before it need no entry any more
            for r in readers_since_write.pop(v, ()):
                if r != i:
                    acc.setdefault((r, WAR), set()).add(v)
            last_writer[v] = i
        for r in s.resources:
            u = last_user.get(r)
            if u is not None and u != i:
                acc.setdefault((u, ORDER), set()).add(r)
            last_user[r] = i
        if s.barrier:
            for j in since_barrier:
                if j != i:
                    acc.setdefault((j, ORDER), set()).add("<barrier>")
            since_barrier = []
            last_barrier = i
        elif last_barrier >= 0 and last_barrier != i:
            acc.setdefault((last_barrier, ORDER), set()).add("<barrier>")
        for v in reads:
            if v not in writes:
                got = readers_since_write.get(v)
                if got is None:
                    readers_since_write[v] = [i]
                else:
                    got.append(i)
        since_barrier.append(i)
        if len(acc) == 1:
            ((src, kind), vs), = acc.items()
            edges.append(Edge(src, i, kind, tuple(sorted(vs)) if len(vs) > 1 else tuple(vs)))
        elif acc:  # by source, then kind (an EdgeKind sorts as its value)
            edges.extend(Edge(src, i, kind, tuple(sorted(acc[src, kind])))
                         for src, kind in sorted(acc))

    colocate = _colocation_groups(stmts, extra_colocate)
    return TaskGraph(script=script, edges=tuple(edges), colocate=colocate)


def _colocation_groups(stmts: tuple[Statement, ...], extra: Iterable[Iterable[int]]) -> tuple[tuple[int, ...], ...]:
    """Union statements sharing a process-local resource, plus ``extra`` groups."""
    parent = list(range(len(stmts)))
    joined: set[int] = set()  # statements in some union: the others are alone

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        joined.add(a)
        joined.add(b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_user: dict[str, int] = {}
    for s in stmts:
        if not s.resources:
            continue
        for r in s.resources:
            if r in PROCESS_LOCAL or r.startswith(("module:", "object:")):
                if r in first_user:
                    union(first_user[r], s.id)
                else:
                    first_user[r] = s.id
    for group in extra:
        group = [g for g in group if 0 <= g < len(stmts)]
        for g in group[1:]:
            union(group[0], g)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in sorted(joined):
        groups[find(i)].append(i)
    return tuple(tuple(g) for _, g in sorted(groups.items()) if len(g) > 1)


def topological_order(graph: TaskGraph) -> list[int]:
    """Program order, which every edge respects (edges go forward)."""
    return [s.id for s in graph.statements]


def has_path(graph: TaskGraph, src: int, dst: int) -> bool:
    """True if ``dst`` is reachable from ``src`` along edges."""
    if src == dst:
        return True
    seen = {src}
    stack = [src]
    while stack:
        n = stack.pop()
        for m in graph.successors(n):
            if m == dst:
                return True
            if m not in seen and m < dst:  # edges go forward: prune beyond dst
                seen.add(m)
                stack.append(m)
    return False


def to_json(graph: TaskGraph) -> dict:
    """The graph as the documented JSON interface (see README, "taskpar graph")."""
    return {
        "script": graph.script.filename,
        "statements": [
            {
                "id": s.id,
                "lineno": s.lineno,
                "col_offset": s.col_offset,
                "end_lineno": s.end_lineno,
                "source": s.source,
                "reads": sorted(s.reads),
                "writes": sorted(s.writes),
                "mutates": sorted(s.mutates),
                "resources": sorted(s.resources),
                "barrier": s.barrier,
                "barrier_reason": s.barrier_reason or None,
                "assumed": sorted(s.assumed),
                "pin": s.pin,
                "loop": (None if s.loop is None else
                         {"line": s.lineno, "role": s.loop[1], "part": s.loop[2]}),
            }
            for s in graph.statements
        ],
        "edges": [
            {"src": e.src, "dst": e.dst, "kind": e.kind.value, "vars": list(e.vars)}
            for e in graph.edges
        ],
        "colocate": [list(g) for g in graph.colocate],
    }


def dumps_json(graph: TaskGraph) -> str:
    return json.dumps(to_json(graph), indent=2)


_EDGE_STYLE = {
    EdgeKind.RAW: "solid",
    EdgeKind.WAR: "dashed",
    EdgeKind.WAW: "dashed",
    EdgeKind.ORDER: "dotted",
}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: TaskGraph) -> str:
    """Graphviz DOT text: node label = line number and a source excerpt, edge label = variables."""
    lines = [
        "digraph taskpar {",
        "  rankdir=TB;",
        '  node [shape=box, fontname="monospace", fontsize=10];',
        "  edge [fontsize=9];",
    ]
    for s in graph.statements:
        attrs = [f"label={_dot_quote(f'{s.lineno}: {s.label}')}"]
        if s.barrier:
            attrs.append("style=filled, fillcolor=lightpink")
        elif s.pin is not None:
            attrs.append("style=filled, fillcolor=lightyellow")
        lines.append(f"  s{s.id} [{', '.join(attrs)}];")
    for e in graph.edges:
        label = ", ".join(e.vars)
        if e.kind is not EdgeKind.RAW:
            label = f"{e.kind.value}: {label}"
        lines.append(
            f"  s{e.src} -> s{e.dst} [label={_dot_quote(label)}, style={_EDGE_STYLE[e.kind]}];"
        )
    for n, group in enumerate(graph.colocate):
        lines.append(f"  subgraph cluster_colocate_{n} {{")
        lines.append('    label="same worker"; style=dashed; color=grey;')
        lines.append("    " + " ".join(f"s{i};" for i in group))
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


#: the graph ``replicable`` answered last (a weak reference) and its answer:
#: the scheduler and the plan ask for the same graph's several times
_LAST_REPLICABLE: list = [None, frozenset()]


def replicable(graph: TaskGraph) -> frozenset[int]:
    """Statements that any worker may run again instead of receiving their values.

    A definition (import/def/class) qualifies when it has no pin, no
    resources, is no barrier, every edge into it is a RAW edge from another
    replicable statement, and every edge out of it is a RAW edge (nothing
    rebinds or mutates what it binds, nothing must wait for it otherwise).
    """
    ref, known = _LAST_REPLICABLE
    if ref is not None and ref() is graph:
        return known
    out = _replicable(graph)
    _LAST_REPLICABLE[:] = [weakref.ref(graph), out]
    return out


def _replicable(graph: TaskGraph) -> frozenset[int]:
    out: set[int] = set()
    for s in graph.statements:  # program order: predecessors decided first
        if s.kind not in ("import", "def", "class") or s.pin is not None:
            continue
        if s.resources or s.barrier or s.mutates:
            continue
        if any(e.kind is not EdgeKind.RAW or e.src not in out for e in graph.in_edges(s.id)):
            continue
        if any(e.kind is not EdgeKind.RAW for e in graph.out_edges(s.id)):
            continue
        out.add(s.id)
    return frozenset(out)
