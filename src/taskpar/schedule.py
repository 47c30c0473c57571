"""Scheduling: which worker runs each statement, and when (planned).

Input: a ``TaskGraph``, a worker count and optional ``Costs``. Output: a
``Schedule`` — per statement its worker (0-based) and planned start/finish,
and per worker the order in which it runs its statements (a topological
order of the graph restricted to that worker).

PLACEHOLDER: a simple earliest-finish list scheduler with unit costs that
honours pins and co-location groups. The HEFT scheduler replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PinError
from .graph import TaskGraph

__all__ = ["Schedule", "schedule", "placement_groups"]


@dataclass(frozen=True)
class Schedule:
    workers: int
    #: worker (0-based) of each statement, indexed by statement id
    assignment: tuple[int, ...]
    #: planned start and finish (seconds from the first statement)
    start: tuple[float, ...]
    finish: tuple[float, ...]
    #: per worker, statement ids in the order that worker runs them
    order: tuple[tuple[int, ...], ...]
    makespan: float = 0.0
    lower_bound: float = 0.0
    policy: str = "list"


def placement_groups(graph: TaskGraph, workers: int) -> tuple[list[int], dict[int, int]]:
    """Map each statement to its co-location group and each group to its pinned worker.

    Returns ``(group_of, pinned)``: ``group_of[i]`` is the smallest id of the
    group holding statement i; ``pinned[group]`` is the 0-based worker a pin
    inside the group names.

    Raises PinError when a pin names a worker beyond ``workers`` or when one
    group holds pins to two different workers.
    """
    stmts = graph.statements
    filename = graph.script.filename
    group_of = list(range(len(stmts)))
    for group in graph.colocate:
        for i in group:
            group_of[i] = group[0]
    pinned: dict[int, int] = {}
    pin_line: dict[int, int] = {}
    for s in stmts:
        if s.pin is None:
            continue
        if s.pin > workers:
            raise PinError(
                f"{filename}:{s.lineno}: pinned to worker {s.pin}, but the run has "
                f"{workers} worker{'s' if workers != 1 else ''}; use -w {s.pin} or more, "
                "or change the pin"
            )
        g = group_of[s.id]
        w = s.pin - 1
        if g in pinned and pinned[g] != w:
            raise PinError(
                f"{filename}:{s.lineno}: pinned to worker {s.pin}, but line "
                f"{pin_line[g]} (pinned to worker {pinned[g] + 1}) must run in the same "
                "process (they share hidden state or an object); pin them to one worker"
            )
        pinned[g] = w
        pin_line[g] = s.lineno
    return group_of, pinned


def schedule(graph: TaskGraph, workers: int, costs=None) -> Schedule:
    """Place statements on ``workers`` workers (placeholder policy: unit costs)."""
    n = len(graph)
    group_of, pinned = placement_groups(graph, workers)
    group_worker: dict[int, int] = dict(pinned)
    ready_at = [0.0] * workers
    start = [0.0] * n
    finish = [0.0] * n
    assignment = [0] * n
    order: list[list[int]] = [[] for _ in range(workers)]
    for s in graph.statements:  # program order is topological
        i = s.id
        dep_ready = max((finish[p] for p in graph.predecessors(i)), default=0.0)
        g = group_of[i]
        if g in group_worker:
            w = group_worker[g]
        else:
            w = min(range(workers), key=lambda k: (max(ready_at[k], dep_ready), k))
            group_worker[g] = w
        start[i] = max(ready_at[w], dep_ready)
        finish[i] = start[i] + 1.0
        ready_at[w] = finish[i]
        assignment[i] = w
        order[w].append(i)
    makespan = max(finish, default=0.0)
    return Schedule(
        workers=workers,
        assignment=tuple(assignment),
        start=tuple(start),
        finish=tuple(finish),
        order=tuple(tuple(o) for o in order),
        makespan=makespan,
        lower_bound=0.0,
        policy="list",
    )
