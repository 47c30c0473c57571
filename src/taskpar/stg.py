"""Parser for the Kasahara Standard Task Graph (STG) format.

Format (https://www.kasahara.cs.waseda.ac.jp/schedule/format_e.html):

* the first line holds ``n``, the number of tasks *excluding* the two dummy
  nodes;
* then ``n + 2`` task records ``task_id processing_time num_predecessors
  pred_id ...`` for tasks ``0`` (dummy entry) to ``n + 1`` (dummy exit), in
  order; the dummies have processing time 0;
* trailing lines starting with ``#`` are comments (project name, statistics).

Fields are whitespace-separated integers (the files use 6-character columns).
A record's predecessor list may continue on following lines; blank lines and
``#`` lines are skipped anywhere. Any violation raises ``ValueError`` naming
the line.

``parse_stg(text)`` returns an ``StgGraph``: tasks, costs and an edge map with
zero communication cost, ready for ``taskpar.schedule.heft``::

    g = parse_stg(text)
    heft(g.tasks, g.edges, 4, g.cost)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["StgGraph", "parse_stg", "load_stg"]


@dataclass(frozen=True)
class StgGraph:
    #: task ids 0..n+1 (dummies included), in file order
    tasks: tuple[int, ...]
    #: processing time of each task
    cost: dict[int, float]
    #: (pred, succ) -> communication cost (0: STG has none)
    edges: dict[tuple[int, int], float]
    #: the ``#`` comment lines, without the leading ``#``
    comments: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        """Number of real tasks (dummies excluded)."""
        return len(self.tasks) - 2

    def without_dummies(self) -> "StgGraph":
        """The same graph without the entry (0) and exit (n+1) dummy tasks."""
        dummies = {0, len(self.tasks) - 1}
        return StgGraph(
            tasks=tuple(t for t in self.tasks if t not in dummies),
            cost={t: c for t, c in self.cost.items() if t not in dummies},
            edges={e: c for e, c in self.edges.items() if e[0] not in dummies and e[1] not in dummies},
            comments=self.comments,
        )


def parse_stg(text: str, name: str = "<stg>") -> StgGraph:
    """Parse STG text; ``name`` prefixes error messages (``name:line: ...``)."""
    tokens: list[tuple[str, int]] = []
    comments: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments.append(stripped[1:].strip())
            continue
        if "#" in stripped:
            stripped = stripped.split("#", 1)[0]
        tokens.extend((tok, lineno) for tok in stripped.split())
    pos = 0

    def last_line() -> int:
        return tokens[-1][1] if tokens else max(1, len(text.splitlines()))

    def take(what: str) -> tuple[int, int]:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"{name}:{last_line()}: file ends early; expected {what}")
        tok, ln = tokens[pos]
        pos += 1
        try:
            val = int(tok)
        except ValueError:
            raise ValueError(f"{name}:{ln}: expected {what} (an integer), got {tok!r}") from None
        if val < 0:
            raise ValueError(f"{name}:{ln}: {what} must not be negative, got {val}")
        return val, ln

    if not tokens:
        raise ValueError(f"{name}:1: empty STG file; the first line must be the number of tasks")
    n, ln0 = take("the number of tasks")
    if tokens[pos - 1][1] == (tokens[pos][1] if pos < len(tokens) else -1):
        raise ValueError(f"{name}:{ln0}: the first line must hold only the number of tasks")
    total = n + 2
    cost: dict[int, float] = {}
    edges: dict[tuple[int, int], float] = {}
    for expect in range(total):
        tid, ln = take(f"task number {expect}")
        if tid != expect:
            raise ValueError(f"{name}:{ln}: expected task number {expect}, got {tid}")
        c, ln = take(f"the processing time of task {tid}")
        k, ln = take(f"the number of predecessors of task {tid}")
        if expect == 0 and k != 0:
            raise ValueError(f"{name}:{ln}: the entry task 0 cannot have predecessors")
        preds = set()
        for _ in range(k):
            p, pln = take(f"a predecessor of task {tid}")
            if p >= tid:
                raise ValueError(
                    f"{name}:{pln}: task {tid} lists predecessor {p}; predecessors must be "
                    "lower-numbered tasks")
            if p in preds:
                raise ValueError(f"{name}:{pln}: task {tid} lists predecessor {p} twice")
            preds.add(p)
            edges[(p, tid)] = 0.0
        if expect in (0, total - 1) and c != 0:
            raise ValueError(f"{name}:{ln}: dummy task {tid} must have processing time 0, got {c}")
        cost[tid] = float(c)
    if pos < len(tokens):
        tok, ln = tokens[pos]
        raise ValueError(
            f"{name}:{ln}: unexpected {tok!r} after the {total} task records "
            f"({n} tasks + 2 dummies); is the task count on the first line right?")
    return StgGraph(tasks=tuple(range(total)), cost=cost, edges=edges, comments=tuple(comments))


def load_stg(path: str | os.PathLike) -> StgGraph:
    """Read and parse an STG file."""
    with open(path, encoding="utf-8") as f:
        return parse_stg(f.read(), os.fspath(path))
