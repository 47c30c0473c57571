"""The generic core of scheduling: list scheduling of a plain DAG.

Task ids, an edge → communication-cost map, a computation cost per task
that is a number or a tuple of per-worker numbers: ``heft``,
``list_schedule``, ``upward_ranks``, ``dag_critical_path``,
``dag_lower_bound``. It knows nothing of Python statements, so the
literature examples (Topcuoglu et al. 2002, Kasahara STG files via
``taskpar.stg``) run on it directly; ``taskpar.schedule`` derives such a
DAG from a ``TaskGraph`` and costs.

HEFT (Topcuoglu, Hariri, Wu, IEEE TPDS 13(3), 2002):

1. upward rank ``rank(i) = w̄(i) + max_{j ∈ succ(i)} (c(i,j) + rank(j))`` with
   ``w̄(i)`` the mean of task i's per-worker costs (the cost on its worker
   when it is pinned) and ``c(i,j)`` the edge's communication cost (links
   are uniform: a transfer costs the same between any two workers);
2. tasks are taken highest rank first among the *ready* tasks (all
   predecessors placed) — with positive costs that is exactly the paper's
   decreasing-rank list; taking only ready tasks keeps it a topological order
   when zero costs make ranks tie;
3. each task goes to the worker where it *finishes* earliest, starting no
   earlier than ``max_pred(finish(p) + c(p,i) if worker(p) != w else 0)``, in
   the earliest idle gap of that worker long enough to hold it (insertion
   policy).

Deterministic tie-breaks: equal rank → the task listed first (for a
``TaskGraph``: the lower statement id); equal finish time → the lower worker
index. Pins restrict a task to one worker; a co-location group is placed as a
unit: the worker chosen for its first scheduled member (or the group's pin)
is the worker of every member.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping

__all__ = ["DagSchedule", "heft", "list_schedule", "upward_ranks", "dag_critical_path",
           "dag_lower_bound", "schedule_dag", "schedule_indexed", "IndexedSchedule", "DagShape"]


@dataclass(frozen=True)
class DagSchedule:
    """Result of the generic core. Dicts are keyed by task id."""

    workers: int
    assignment: dict
    start: dict
    finish: dict
    #: per worker, task ids in execution order
    order: tuple[tuple, ...]
    makespan: float
    #: priority used (upward rank for HEFT, empty for the list baseline)
    rank: dict = field(default_factory=dict)
    #: planned duration of each task on its worker
    cost: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Generic core
# ---------------------------------------------------------------------------


class DagShape:
    """The validated edges of a DAG (``tasks`` and ``edges`` as ``heft``
    takes them), whatever its costs and workers: built once, it can be
    passed to ``schedule_indexed`` for several worker counts.

    ``succ``/``pred``: per task, ``(index, comm)`` of its successors /
    predecessors, by ascending index."""

    def __init__(self, tasks: Iterable[Hashable], edges: Any):
        self.tasks = list(tasks)
        n = len(self.tasks)
        self.index = index = dict(zip(self.tasks, range(n)))
        if len(index) != n:
            raise ValueError("duplicate task ids")
        self.succ = succ = [[] for _ in range(n)]
        self.pred = pred = [[] for _ in range(n)]
        # a mapping names each edge once; an iterable may repeat one (its comms add up)
        unique = isinstance(edges, Mapping)
        comm: dict[tuple[int, int], float] = {}
        forward = True  # every edge goes to a later task
        by_dst = True  # the edges came sorted by (dst, src): every list ascending
        pa = pb = -1
        inf = math.inf
        for (u, v), c in (edges.items() if unique else _edge_pairs(edges)):
            a, b = index.get(u), index.get(v)
            if a is None or b is None:
                raise ValueError(f"edge ({u!r}, {v!r}) names an unknown task")
            if a == b:
                raise ValueError(f"self-edge on task {u!r}")
            if type(c) is not float:
                c = float(c)
            if not 0.0 <= c < inf:  # (NaN fails too)
                raise ValueError(f"edge ({u!r}, {v!r}): communication cost must be finite and >= 0, got {c!r}")
            if unique:
                c = 0.0 + c  # as the sum of one edge's comms
                succ[a].append((b, c))
                pred[b].append((a, c))
            else:
                comm[a, b] = comm.get((a, b), 0.0) + c
            if a > b:
                forward = False
            if by_dst:
                by_dst = b > pb or (b == pb and a > pa)
                pa, pb = a, b
        self.forward = forward
        for (a, b), c in comm.items():
            succ[a].append((b, c))
            pred[b].append((a, c))
        if not by_dst:
            for lists in (succ, pred):
                for x in lists:
                    if len(x) > 1:
                        x.sort()  # (indices in one list are distinct)


class _Dag:
    """Validated, index-based form of (tasks, edges, comp): a ``DagShape``
    (``shape``, or one made of ``tasks`` and ``edges``) and the costs."""

    def __init__(self, tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any,
                 shape: DagShape | None = None):
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        if shape is None:
            shape = DagShape(tasks, edges)
        self.tasks, self.index, self.succ, self.pred = shape.tasks, shape.index, shape.succ, shape.pred
        self.workers = workers
        inf = math.inf
        get = comp if callable(comp) else comp.__getitem__
        #: per task, its cost on each worker, and the least of them
        self.cost: list[tuple[float, ...]] = []
        self.cheapest: list[float] = []
        cost, cheapest = self.cost.append, self.cheapest.append
        for t, c in zip(self.tasks, map(get, self.tasks)):
            if type(c) is float and 0.0 <= c < inf:  # (_per_worker's common case inline)
                cost((c,) * workers)
                cheapest(c)
            else:
                c = _per_worker(c, workers, t)
                cost(c)
                cheapest(min(c))
        # the smallest-index-first topological order of a DAG whose edges all
        # go forward is the tasks' own order
        self.topo = list(range(len(self.tasks))) if shape.forward else self._topological()

    def _topological(self) -> list[int]:
        indeg = [len(p) for p in self.pred]
        heap = [k for k in range(len(self.tasks)) if indeg[k] == 0]
        heapq.heapify(heap)
        out = []
        while heap:
            k = heapq.heappop(heap)
            out.append(k)
            for m, _ in self.succ[k]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    heapq.heappush(heap, m)
        if len(out) != len(self.tasks):
            raise ValueError("the task graph has a cycle")
        return out


def _edge_pairs(edges: Iterable) -> Iterable[tuple[tuple[Any, Any], float]]:
    """``((src, dst), comm)`` for each edge of an iterable (a mapping's items are that)."""
    for e in edges:
        if len(e) == 2:
            yield (e[0], e[1]), 0.0
        elif len(e) == 3:
            yield (e[0], e[1]), e[2]
        else:
            raise ValueError(f"an edge is (src, dst) or (src, dst, comm), got {e!r}")


def _per_worker(c: Any, workers: int, task: Any) -> tuple[float, ...]:
    if type(c) is float and 0.0 <= c < math.inf:  # the common case, checked cheaply
        return (c,) * workers
    if isinstance(c, (tuple, list)):
        if len(c) != workers:
            raise ValueError(
                f"task {task!r}: {len(c)} per-worker costs given for {workers} workers"
            )
        vals = tuple(float(x) for x in c)
    else:
        vals = (float(c),) * workers
    for x in vals:
        if not math.isfinite(x) or x < 0:
            raise ValueError(f"task {task!r}: cost must be finite and >= 0, got {c!r}")
    return vals


def _placement(dag: _Dag, pins: Mapping | None, groups: Iterable[Iterable[Hashable]]):
    """Return (group_of index list, forced worker per group root)."""
    n = len(dag.tasks)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for g in groups:
        g = list(g)
        for t in g:
            if t not in dag.index:
                raise ValueError(f"group {g!r} names an unknown task {t!r}")
        members = [dag.index[t] for t in g]
        for m in members[1:]:
            a, b = find(members[0]), find(m)
            if a != b:
                parent[max(a, b)] = min(a, b)
    group_of = [k if parent[k] == k else find(k) for k in range(n)]
    forced: dict[int, int] = {}
    for t, w in (pins or {}).items():
        if t not in dag.index:
            raise ValueError(f"pin names an unknown task {t!r}")
        if not isinstance(w, int) or not 0 <= w < dag.workers:
            raise ValueError(f"task {t!r} pinned to worker {w!r}, outside 0..{dag.workers - 1}")
        g = group_of[dag.index[t]]
        if forced.get(g, w) != w:
            raise ValueError(f"task {t!r}: its group is pinned to two different workers")
        forced[g] = w
    return group_of, forced


def upward_ranks(tasks, edges, workers: int, comp, *, pins=None, groups=()) -> dict:
    """HEFT upward rank of every task (see module docstring)."""
    dag = _Dag(tasks, edges, workers, comp)
    group_of, forced = _placement(dag, pins, groups)
    return {dag.tasks[k]: r for k, r in enumerate(_ranks(dag, group_of, forced))}


def _ranks(dag: _Dag, group_of, forced) -> list[float]:
    rank = [0.0] * len(dag.tasks)
    cost, out, P = dag.cost, dag.succ, dag.workers
    for k in reversed(dag.topo):
        g = group_of[k]
        w = cost[k][forced[g]] if forced and g in forced else sum(cost[k]) / P
        o = out[k]
        if len(o) == 1:
            m, c = o[0]
            rank[k] = w + (c + rank[m])
        else:
            rank[k] = w + (max([c + rank[m] for m, c in o]) if o else 0.0)
    return rank


def heft(tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any, *,
         pins: Mapping | None = None, groups: Iterable[Iterable[Hashable]] = (),
         insertion: bool = True) -> DagSchedule:
    """Schedule a DAG with HEFT.

    ``tasks``: task ids (any hashable); their order is the tie-break order.
    ``edges``: a mapping ``{(src, dst): comm_seconds}`` or an iterable of
    ``(src, dst)`` / ``(src, dst, comm)``; comm is paid only when the two
    tasks are on different workers. ``comp``: a mapping or callable giving
    each task's cost — a number, or a tuple of one number per worker.
    ``pins``: ``{task: worker}`` (0-based). ``groups``: iterables of tasks that
    must share a worker. ``insertion=False`` appends after a worker's last
    task instead of filling idle gaps.

    Raises ValueError on a cycle, unknown task, negative cost, conflicting
    pins or a per-worker cost tuple of the wrong length.
    """
    dag = _Dag(tasks, edges, workers, comp)
    group_of, forced = _placement(dag, pins, groups)
    rank = _ranks(dag, group_of, forced)
    res = _list_core(dag, group_of, forced, _by_rank(rank), insertion=insertion)
    return _result(dag, res, dict(zip(dag.tasks, rank)))


def list_schedule(tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any, *,
                  pins: Mapping | None = None, groups: Iterable[Iterable[Hashable]] = ()) -> DagSchedule:
    """Baseline list scheduler: tasks in the given order (restricted to ready
    tasks), each to the worker where it finishes earliest, no insertion."""
    dag = _Dag(tasks, edges, workers, comp)
    group_of, forced = _placement(dag, pins, groups)
    res = _list_core(dag, group_of, forced, _in_order(len(dag.tasks)), insertion=False)
    return _result(dag, res, {})


def _by_rank(rank: list[float]) -> list[tuple]:
    """HEFT's priorities: highest rank first, then the task listed first."""
    return [(-r, k) for k, r in enumerate(rank)]


def _in_order(n: int) -> list[tuple]:
    """The list baseline's priorities: the order listed."""
    return [(k,) for k in range(n)]


def _list_core(dag: _Dag, group_of, forced, prio: list[tuple], insertion: bool):
    """List scheduling: ready tasks by ``prio`` (per task a tuple ending with
    its index, smallest first), each to the worker where it finishes earliest."""
    n, P = len(dag.tasks), dag.workers
    where = [-1] * n
    start = [0.0] * n
    finish = [0.0] * n
    seq = [0] * n
    slots: list[list[tuple[float, float]]] = [[] for _ in range(P)]  # sorted by start
    #: per worker, no idle gap between its slots (or before the first) is
    #: longer than this: a longer task can only go after the last slot
    gap = [0.0] * P
    last = [0.0] * P  # when each worker's last slot ends
    group_worker = dict(forced)
    indeg = [len(p) for p in dag.pred]
    ready = [prio[k] for k in range(n) if indeg[k] == 0]
    heapq.heapify(ready)
    heappop, heappush = heapq.heappop, heapq.heappush
    everyone = range(P)
    cost, inn, succ = dag.cost, dag.pred, dag.succ
    placed = 0
    # (max(a, b) written out: b if b > a else a, as max picks)
    while ready:
        k = heappop(ready)[-1]
        g = group_of[k]
        preds = inn[k]
        dur_on = cost[k]
        best_f = best_s = 0.0
        best_w = -1
        for w in ((group_worker[g],) if g in group_worker else everyone):
            est = 0.0
            for p, c in preds:
                t = finish[p] if where[p] == w else finish[p] + c
                if t > est:
                    est = t
            dur = dur_on[w]
            mine = slots[w]
            if not mine:
                s = est
            else:
                end = last[w]
                if not insertion or gap[w] < dur - 1e-9 * (end if end > 1.0 else 1.0):
                    # (the margin leaves a gap that fits up to rounding to the
                    # exact search below)
                    s = end if end > est else est
                else:
                    s = _earliest_slot(mine, est, dur, insertion)
            f = s + dur
            if best_w < 0 or f < best_f:
                best_f, best_s, best_w = f, s, w
        f, s, w = best_f, best_s, best_w
        if g not in group_worker:
            group_worker[g] = w
        where[k], start[k], finish[k], seq[k] = w, s, f, placed
        placed += 1
        mine = slots[w]
        if not mine or s >= last[w]:  # after the last slot: a new gap before it
            x = s - last[w] if mine else s
            if x > gap[w]:
                gap[w] = x
            mine.append((s, f))  # where insort would put it
            last[w] = f
        else:
            _insert_slot(mine, s, f)
        for m, _ in succ[k]:
            indeg[m] -= 1
            if indeg[m] == 0:
                heappush(ready, prio[m])
    return where, start, finish, seq


def _serial(dag: _Dag):
    n = len(dag.tasks)
    where, start, finish, seq = [0] * n, [0.0] * n, [0.0] * n, [0] * n
    t = 0.0
    for placed, k in enumerate(dag.topo):
        start[k], t = t, t + dag.cost[k][0]
        finish[k], seq[k] = t, placed
    return where, start, finish, seq


def _earliest_slot(slots: list[tuple[float, float]], est: float, dur: float, insertion: bool) -> float:
    if not slots:
        return est
    if not insertion:
        return max(est, slots[-1][1])  # slots never overlap: the last ends last
    # slots never overlap, so their finish times are sorted too: skip every
    # slot that ends by ``est``
    cand = est
    for k in range(bisect.bisect_right(slots, est, key=_finish_of), len(slots)):
        s, f = slots[k]
        if cand + dur <= s:
            return cand
        if f > cand:
            cand = f
    return cand


def _finish_of(slot: tuple[float, float]) -> float:
    return slot[1]


def _insert_slot(slots: list[tuple[float, float]], s: float, f: float) -> None:
    bisect.insort(slots, (s, f))


def _order(dag: _Dag, res) -> list[list[int]]:
    """Per worker, its task indices by (start, finish, placement)."""
    where, start, finish, seq = res
    order: list[list[int]] = [[] for _ in range(dag.workers)]
    for k in sorted(range(len(dag.tasks)), key=list(zip(start, finish, seq)).__getitem__):
        order[where[k]].append(k)
    return order


def _result(dag: _Dag, res, rank: dict) -> DagSchedule:
    where, start, finish, seq = res
    t = dag.tasks
    return DagSchedule(
        workers=dag.workers,
        assignment=dict(zip(t, where)),
        start=dict(zip(t, start)),
        finish=dict(zip(t, finish)),
        order=tuple(tuple(map(t.__getitem__, o)) for o in _order(dag, res)),
        makespan=max(finish, default=0.0),
        rank=rank,
        cost=dict(zip(t, [c[w] for c, w in zip(dag.cost, where)])),
    )


def schedule_dag(tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any, *,
                 pins: Mapping | None = None, groups: Iterable[Iterable[Hashable]] = (),
                 policy: str = "heft") -> tuple[DagSchedule, float, list[tuple[float, ...]]]:
    """``heft`` (or ``list_schedule`` for ``policy="list"``), the critical
    path's length and each task's per-worker costs, from one validated DAG
    (what ``taskpar.schedule`` needs, without building it three times).

    On one worker there is nothing to choose: the tasks run in the order
    listed where that is a topological order (a script's program order),
    else in the smallest-index topological order, each right after the other."""
    dag, res, rank, cp = _scheduled(tasks, edges, workers, comp, pins, groups, policy)
    ranks = dict(zip(dag.tasks, rank)) if rank is not None else {}
    return _result(dag, res, ranks), cp, dag.cost


@dataclass(frozen=True)
class IndexedSchedule:
    """``schedule_dag``'s result by task position (the tasks' order as
    listed) instead of dicts by task id: what ``taskpar.schedule`` keeps."""

    where: list[int]
    start: list[float]
    finish: list[float]
    #: per worker, the positions of its tasks in execution order
    order: tuple[tuple[int, ...], ...]
    #: each task's cost on its worker, its per-worker costs and the least of them
    cost: list[float]
    per_worker: list[tuple[float, ...]]
    cheapest: list[float]
    critical_path: float

    @property
    def makespan(self) -> float:
        return max(self.finish, default=0.0)


def schedule_indexed(tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any, *,
                     pins: Mapping | None = None, groups: Iterable[Iterable[Hashable]] = (),
                     policy: str = "heft", shape: DagShape | None = None) -> IndexedSchedule:
    """``schedule_dag``, by task position. ``shape``: ``DagShape(tasks,
    edges)`` made before (then ``tasks`` and ``edges`` are not read again)."""
    dag, res, _, cp = _scheduled(tasks, edges, workers, comp, pins, groups, policy, shape)
    where, start, finish, _ = res
    return IndexedSchedule(where, start, finish, tuple(map(tuple, _order(dag, res))),
                           [c[w] for c, w in zip(dag.cost, where)], dag.cost, dag.cheapest, cp)


def _scheduled(tasks, edges, workers: int, comp, pins, groups, policy: str, shape=None):
    """``(dag, (where, start, finish, placement) by index, upward ranks or
    None, critical path length)``: what ``schedule_dag`` and
    ``schedule_indexed`` return, before the first maps indices to task ids."""
    dag = _Dag(tasks, edges, workers, comp, shape)
    group_of, forced = _placement(dag, pins, groups)
    rank = None
    if workers == 1:
        res = _serial(dag)
    elif policy == "list":
        res = _list_core(dag, group_of, forced, _in_order(len(dag.tasks)), insertion=False)
    else:
        rank = _ranks(dag, group_of, forced)
        res = _list_core(dag, group_of, forced, _by_rank(rank), insertion=True)
    return dag, res, rank, _critical_length(dag)


def dag_critical_path(tasks, edges, comp, workers: int = 1) -> tuple[float, list]:
    """Longest path by computation only (each task on its fastest worker).

    Returns ``(length, path)``; ties go to the task listed first.
    """
    return _critical_path(_Dag(tasks, edges, workers, comp))


def _critical_length(dag: _Dag) -> float:
    """``_critical_path(dag)[0]``, without the path."""
    best = [0.0] * len(dag.tasks)
    cheapest = dag.cheapest
    succ = dag.succ
    for k in reversed(dag.topo):
        tail = 0.0
        for m, _ in succ[k]:
            if best[m] > tail:
                tail = best[m]
        best[k] = cheapest[k] + tail
    return max(best, default=0.0)


def _critical_path(dag: _Dag) -> tuple[float, list]:
    best = [0.0] * len(dag.tasks)
    nxt = [-1] * len(dag.tasks)
    cheapest = dag.cheapest
    succ = dag.succ
    for k in reversed(dag.topo):
        tail, arg = 0.0, -1
        for m, _ in succ[k]:
            if best[m] > tail or (best[m] == tail and arg != -1 and m < arg):
                tail, arg = best[m], m
        best[k] = cheapest[k] + tail
        nxt[k] = arg
    if not dag.tasks:
        return 0.0, []
    head = best.index(max(best))  # the longest; of equal ones, the first
    path = [head]
    while nxt[path[-1]] != -1:
        path.append(nxt[path[-1]])
    return best[head], [dag.tasks[k] for k in path]


def dag_lower_bound(tasks, edges, workers: int, comp) -> float:
    """``max(critical path, total work / workers)`` with each task's cheapest
    per-worker cost: no schedule on ``workers`` workers can finish sooner."""
    tasks = list(tasks)
    cp, _ = dag_critical_path(tasks, edges, comp, workers)
    dag = _Dag(tasks, (), workers, comp)
    work = sum(dag.cheapest)
    return max(cp, work / workers)
