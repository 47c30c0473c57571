"""Pyflakes-style harness for the statement analysis.

``check(src, reads=..., writes=..., ...)`` analyses a snippet and compares the
given fields of one statement (the last unless ``index`` says otherwise);
``has(src, ...)``/``lacks(...)`` check subsets. ``graph(src)`` builds the task
graph; ``path(src, a, b)`` says whether statement ``b`` is reachable from
``a`` (indices, negative allowed).
"""

from __future__ import annotations

import textwrap

from taskpar.analysis import analyze_source
from taskpar.graph import build_graph, has_path

FIELDS = ("reads", "writes", "mutates", "resources", "barrier", "pin", "kind")


def stmts(src: str):
    return analyze_source(textwrap.dedent(src), "snippet.py").statements


def stmt(src: str, index: int = -1):
    return stmts(src)[index]


def check(src: str, index: int = -1, **expected):
    s = stmt(src, index)
    for k, v in expected.items():
        assert k in FIELDS, k
        got = getattr(s, k)
        if isinstance(v, set):
            got = set(got)
        assert got == v, f"{k} of {s.source!r}: expected {v!r}, got {got!r}"
    return s


def has(src: str, index: int = -1, **expected):
    """Each given field contains at least the given names."""
    s = stmt(src, index)
    for k, v in expected.items():
        got = set(getattr(s, k))
        assert set(v) <= got, f"{k} of {s.source!r}: expected {set(v)!r} in {got!r}"
    return s


def lacks(src: str, index: int = -1, **unexpected):
    s = stmt(src, index)
    for k, v in unexpected.items():
        got = set(getattr(s, k))
        assert not (set(v) & got), f"{k} of {s.source!r}: {set(v) & got!r} should be absent"
    return s


def graph(src: str):
    return build_graph(analyze_source(textwrap.dedent(src), "snippet.py"))


def path(src_or_graph, a: int, b: int) -> bool:
    g = graph(src_or_graph) if isinstance(src_or_graph, str) else src_or_graph
    n = len(g.statements)
    return has_path(g, a % n, b % n)


def colocated(g, a: int, b: int) -> bool:
    n = len(g.statements)
    a, b = a % n, b % n
    return any(a in grp and b in grp for grp in g.colocate)
