"""Helpers for the scheduling tests: hand-built scripts and schedule checks."""

from __future__ import annotations

from taskpar.analysis.model import Script, Statement
from taskpar.graph import build_graph


def make_script(specs, filename="/tmp/taskpar_test_script.py"):
    """Build a Script from ``(source, reads, writes)`` or dicts of Statement fields.

    Each statement sits on its own line (lineno = index + 1).
    """
    stmts = []
    for k, spec in enumerate(specs):
        if isinstance(spec, dict):
            spec = dict(spec)
            src = spec.pop("source", f"s{k}")
        else:
            src, reads, writes = spec
            spec = {"reads": frozenset(reads), "writes": frozenset(writes)}
        for key in ("reads", "writes", "mutates", "resources"):
            if key in spec:
                spec[key] = frozenset(spec[key])
        stmts.append(Statement(id=k, lineno=k + 1, col_offset=0, end_lineno=k + 1,
                               end_col_offset=len(src), source=src, path=(k,), **spec))
    source = "\n".join(s.source for s in stmts) + "\n"
    return Script(filename=filename, source=source, statements=tuple(stmts))


def draw_statement(draw, k: int, names: str = "abcd", barrier_one_in: int = 10,
                   sources: int = 3) -> dict:
    """A hypothesis draw of one statement's effects, as ``make_script`` takes them."""
    from hypothesis import strategies as st

    return {
        "source": f"s{k % sources}",
        "reads": draw(st.sets(st.sampled_from(names), max_size=2)),
        "writes": draw(st.sets(st.sampled_from(names), max_size=2)),
        "mutates": draw(st.sets(st.sampled_from(names), max_size=1)),
        "resources": draw(st.sets(st.sampled_from(["random", "fs"]), max_size=1)),
        "barrier": draw(st.integers(0, barrier_one_in - 1)) == 0,
    }


def make_graph(specs, **kw):
    return build_graph(make_script(specs, **kw))


THREE_CHAINS = [
    {"source": "import time", "writes": {"time"}, "kind": "import"},
    {"source": "def step(value, seconds=0.25): ...", "reads": {"time"}, "writes": {"step"}, "kind": "def"},
    ("a = step(0)", {"step"}, {"a"}),
    ("b = step(100)", {"step"}, {"b"}),
    ("c = step(200)", {"step"}, {"c"}),
] + [
    (f"{v} = step({v})", {"step", v}, {v}) for _ in range(3) for v in "abc"
] + [
    ("print(a, b, c)", {"a", "b", "c", "print"}, set()),
]


def three_chains_costs():
    from taskpar.costs import Costs

    secs = {i: (0.25 if 2 <= i <= 13 else 1e-5) for i in range(15)}
    return Costs(seconds=secs, nbytes={(i, v): 30 for i in range(2, 14) for v in "abc"})


def check_dag_schedule(res, tasks, edges, comp, workers, pins=None, groups=(), eps=1e-9):
    """Assert the invariants every schedule must satisfy; return nothing."""
    tasks = list(tasks)
    cost = {}
    for t in tasks:
        c = comp[t]
        cost[t] = tuple(c) if isinstance(c, (tuple, list)) else (c,) * workers
    assert set(res.assignment) == set(tasks)
    for t in tasks:
        w = res.assignment[t]
        assert 0 <= w < workers
        assert res.start[t] >= -eps
        assert abs(res.finish[t] - (res.start[t] + cost[t][w])) <= eps * max(1, res.finish[t])
    # precedence + transfer times
    for (u, v), c in edges.items():
        need = res.finish[u] + (c if res.assignment[u] != res.assignment[v] else 0.0)
        assert res.start[v] >= need - eps * max(1.0, need), (u, v, res.start[v], need)
    # orders: a partition consistent with the assignment, no overlaps
    seen = []
    for w, order in enumerate(res.order):
        for t in order:
            assert res.assignment[t] == w
        seen.extend(order)
        for a, b in zip(order, order[1:]):
            assert res.finish[a] <= res.start[b] + eps * max(1.0, res.start[b]), (w, a, b)
    assert sorted(map(repr, seen)) == sorted(map(repr, tasks))
    # worker orders + edges acyclic <=> consistent with one global topological order
    succ = {t: set() for t in tasks}
    for (u, v) in edges:
        succ[u].add(v)
    for order in res.order:
        for a, b in zip(order, order[1:]):
            succ[a].add(b)
    indeg = {t: 0 for t in tasks}
    for t in tasks:
        for m in succ[t]:
            indeg[m] += 1
    stack = [t for t in tasks if indeg[t] == 0]
    done = 0
    while stack:
        t = stack.pop()
        done += 1
        for m in succ[t]:
            indeg[m] -= 1
            if indeg[m] == 0:
                stack.append(m)
    assert done == len(tasks), "worker orders contradict the precedence constraints"
    for t, w in (pins or {}).items():
        assert res.assignment[t] == w
    for g in groups:
        assert len({res.assignment[t] for t in g}) <= 1
    assert abs(res.makespan - max(res.finish.values(), default=0.0)) <= eps
