"""Scheduling: which worker runs each statement, and when (planned).

Input: a ``TaskGraph``, a worker count and optional ``Costs``
(``taskpar.costs``). Output: a ``Schedule`` — per statement its worker
(0-based) and planned start/finish, per worker the order in which it runs its
statements, the planned transfers, the predicted makespan and a lower bound.

Two layers:

* a **generic core** on a plain DAG (task ids, an edge → communication-cost
  map, a computation cost per task that is a number or a tuple of per-worker
  numbers): ``heft``, ``list_schedule``, ``dag_critical_path``,
  ``dag_lower_bound``. It knows nothing of Python statements, so the
  literature examples (Topcuoglu et al. 2002, Kasahara STG files via
  ``taskpar.stg``) run on it directly;
* the **statement layer**: ``schedule(graph, workers, costs)`` derives the DAG
  from a ``TaskGraph`` and ``Costs`` (``graph_dag``) and wraps the result in a
  ``Schedule``.

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

Every edge is a precedence constraint ``start(dst) >= finish(src) + comm``
(comm 0 on the same worker). For a ``TaskGraph``: a RAW edge across workers
costs ``latency + bytes / bandwidth`` per variable it carries, an ORDER edge
across workers costs one ``latency`` (a token), WAR/WAW edges cost nothing
(they are pure precedence, conservative across workers).

Each worker's ``order`` is its statements sorted by ``(start, finish,
placement sequence)``; since every edge satisfies ``start(dst) >=
finish(src)`` and placement follows a topological order, sorting *all*
statements by that key is one global topological order, and each worker's
order is a restriction of it — which is what keeps the runtime deadlock-free.

Policies of ``schedule``:

``heft``  HEFT as above.
``list``  the baseline: statements in program order, each to the worker
          where it finishes earliest, appended after that worker's last
          statement (no ranks, no insertion).
``auto``  HEFT. Statements without a measured cost get an estimate (a
          statement with the same source text that has a cost, else the
          median of the script's known costs, else ``DEFAULT_SECONDS``);
          they are listed in ``Schedule.estimated`` and ``Schedule.reliable``
          is False, so a run driver can prefer dynamic assignment. ``heft``
          and ``list`` estimate the same way; only the flag's use differs.
"""

from __future__ import annotations

import bisect
import heapq
import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping

from .errors import PinError, UsageError
from .graph import EdgeKind, TaskGraph

__all__ = [
    "one_worker_reason",
    "Schedule",
    "Transfer",
    "DagSchedule",
    "POLICIES",
    "DEFAULT_SECONDS",
    "schedule",
    "placement_groups",
    "heft",
    "list_schedule",
    "upward_ranks",
    "dag_critical_path",
    "dag_lower_bound",
    "graph_dag",
    "GraphDag",
    "critical_path",
    "lower_bound",
    "advice",
]

#: policy names accepted by ``schedule``
POLICIES = ("heft", "list", "auto")

#: cost (seconds) assumed for a statement when nothing better is known
DEFAULT_SECONDS = 1e-3


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    """One planned message between workers.

    ``var`` is the variable sent (None for an ordering token); ``src`` the
    statement that produced it, ``dst`` the first statement on worker ``to``
    that needs it; it leaves worker ``frm`` at ``send`` (= finish of ``src``)
    and is planned to arrive at ``arrive = send + seconds``.
    """

    var: str | None
    src: int
    dst: int
    frm: int
    to: int
    nbytes: int
    seconds: float
    send: float
    arrive: float


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
    #: statements whose cost was estimated, not measured
    estimated: frozenset[int] = frozenset()
    #: planned messages between workers (values and ordering tokens)
    transfers: tuple[Transfer, ...] = ()
    #: predicted serial time (every statement on one worker, no transfers)
    serial: float = 0.0
    #: computation-only critical path (fastest worker per statement)
    critical_path: float = 0.0
    #: planned cost (seconds) of each statement on its worker
    cost: tuple[float, ...] = field(default=())

    @property
    def reliable(self) -> bool:
        """True when every statement's cost was measured (no estimates)."""
        return not self.estimated

    @property
    def speedup(self) -> float:
        """Predicted speedup over serial (``serial / makespan``; 1.0 if empty)."""
        if self.makespan <= 0:
            return 1.0
        return self.serial / self.makespan


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


class _Dag:
    """Validated, index-based form of (tasks, edges, comp)."""

    def __init__(self, tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any):
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        self.tasks = list(tasks)
        self.index = {t: k for k, t in enumerate(self.tasks)}
        if len(self.index) != len(self.tasks):
            raise ValueError("duplicate task ids")
        self.workers = workers
        n = len(self.tasks)
        self.comm: dict[tuple[int, int], float] = {}
        for u, v, c in _edge_triples(edges):
            if u not in self.index or v not in self.index:
                raise ValueError(f"edge ({u!r}, {v!r}) names an unknown task")
            if u == v:
                raise ValueError(f"self-edge on task {u!r}")
            c = float(c)
            if not math.isfinite(c) or c < 0:
                raise ValueError(f"edge ({u!r}, {v!r}): communication cost must be finite and >= 0, got {c!r}")
            key = (self.index[u], self.index[v])
            self.comm[key] = self.comm.get(key, 0.0) + c
        self.succ: list[list[int]] = [[] for _ in range(n)]
        self.pred: list[list[int]] = [[] for _ in range(n)]
        for (a, b) in sorted(self.comm):
            self.succ[a].append(b)
            self.pred[b].append(a)
        self.cost: list[tuple[float, ...]] = []
        for t in self.tasks:
            c = comp(t) if callable(comp) else comp[t]
            self.cost.append(_per_worker(c, workers, t))
        self.topo = self._topological()

    def _topological(self) -> list[int]:
        indeg = [len(p) for p in self.pred]
        heap = [k for k in range(len(self.tasks)) if indeg[k] == 0]
        heapq.heapify(heap)
        out = []
        while heap:
            k = heapq.heappop(heap)
            out.append(k)
            for m in self.succ[k]:
                indeg[m] -= 1
                if indeg[m] == 0:
                    heapq.heappush(heap, m)
        if len(out) != len(self.tasks):
            raise ValueError("the task graph has a cycle")
        return out


def _edge_triples(edges: Any) -> Iterable[tuple[Any, Any, float]]:
    if isinstance(edges, Mapping):
        for (u, v), c in edges.items():
            yield u, v, c
        return
    for e in edges:
        if len(e) == 2:
            yield e[0], e[1], 0.0
        elif len(e) == 3:
            yield e[0], e[1], e[2]
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
    group_of = [find(k) for k in range(n)]
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
    for k in reversed(dag.topo):
        g = group_of[k]
        w = dag.cost[k][forced[g]] if g in forced else sum(dag.cost[k]) / dag.workers
        rank[k] = w + max((dag.comm[(k, m)] + rank[m] for m in dag.succ[k]), default=0.0)
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
    res = _list_core(dag, group_of, forced, key=lambda k: (-rank[k], k), insertion=insertion)
    return _result(dag, res, {dag.tasks[k]: rank[k] for k in range(len(dag.tasks))})


def list_schedule(tasks: Iterable[Hashable], edges: Any, workers: int, comp: Any, *,
                  pins: Mapping | None = None, groups: Iterable[Iterable[Hashable]] = ()) -> DagSchedule:
    """Baseline list scheduler: tasks in the given order (restricted to ready
    tasks), each to the worker where it finishes earliest, no insertion."""
    dag = _Dag(tasks, edges, workers, comp)
    group_of, forced = _placement(dag, pins, groups)
    res = _list_core(dag, group_of, forced, key=lambda k: (k,), insertion=False)
    return _result(dag, res, {})


def _list_core(dag: _Dag, group_of, forced, key, insertion: bool):
    n, P = len(dag.tasks), dag.workers
    where = [-1] * n
    start = [0.0] * n
    finish = [0.0] * n
    seq = [0] * n
    slots: list[list[tuple[float, float]]] = [[] for _ in range(P)]  # sorted by start
    group_worker = dict(forced)
    indeg = [len(p) for p in dag.pred]
    ready = [key(k) + (k,) for k in range(n) if indeg[k] == 0]
    heapq.heapify(ready)
    placed = 0
    while ready:
        k = heapq.heappop(ready)[-1]
        g = group_of[k]
        candidates = [group_worker[g]] if g in group_worker else range(P)
        best = None
        for w in candidates:
            est = 0.0
            for p in dag.pred[k]:
                t = finish[p] if where[p] == w else finish[p] + dag.comm[(p, k)]
                if t > est:
                    est = t
            dur = dag.cost[k][w]
            s = _earliest_slot(slots[w], est, dur, insertion)
            f = s + dur
            if best is None or f < best[0]:
                best = (f, s, w)
        f, s, w = best
        group_worker.setdefault(g, w)
        where[k], start[k], finish[k], seq[k] = w, s, f, placed
        placed += 1
        _insert_slot(slots[w], s, f)
        for m in dag.succ[k]:
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(ready, key(m) + (m,))
    return where, start, finish, seq


def _earliest_slot(slots: list[tuple[float, float]], est: float, dur: float, insertion: bool) -> float:
    if not slots:
        return est
    if not insertion:
        return max(est, max(f for _, f in slots))
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


def _result(dag: _Dag, res, rank: dict) -> DagSchedule:
    where, start, finish, seq = res
    n = len(dag.tasks)
    order: list[list[int]] = [[] for _ in range(dag.workers)]
    for k in sorted(range(n), key=lambda k: (start[k], finish[k], seq[k])):
        order[where[k]].append(k)
    t = dag.tasks
    return DagSchedule(
        workers=dag.workers,
        assignment={t[k]: where[k] for k in range(n)},
        start={t[k]: start[k] for k in range(n)},
        finish={t[k]: finish[k] for k in range(n)},
        order=tuple(tuple(t[k] for k in o) for o in order),
        makespan=max(finish, default=0.0),
        rank=rank,
        cost={t[k]: dag.cost[k][where[k]] for k in range(n)},
    )


def dag_critical_path(tasks, edges, comp, workers: int = 1) -> tuple[float, list]:
    """Longest path by computation only (each task on its fastest worker).

    Returns ``(length, path)``; ties go to the task listed first.
    """
    dag = _Dag(tasks, edges, workers, comp)
    best = [0.0] * len(dag.tasks)
    nxt = [-1] * len(dag.tasks)
    for k in reversed(dag.topo):
        tail, arg = 0.0, -1
        for m in dag.succ[k]:
            if best[m] > tail or (best[m] == tail and arg != -1 and m < arg):
                tail, arg = best[m], m
        best[k] = min(dag.cost[k]) + tail
        nxt[k] = arg
    if not dag.tasks:
        return 0.0, []
    head = max(range(len(dag.tasks)), key=lambda k: (best[k], -k))
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
    work = sum(min(c) for c in dag.cost)
    return max(cp, work / workers)


# ---------------------------------------------------------------------------
# Statement layer
# ---------------------------------------------------------------------------


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


@dataclass(frozen=True)
class GraphDag:
    """A TaskGraph as the generic core sees it."""

    tasks: tuple[int, ...]
    #: per statement: seconds, or a tuple of per-worker seconds
    comp: dict[int, float | tuple[float, ...]]
    #: (src, dst) -> communication seconds when src and dst are on different workers
    comm: dict[tuple[int, int], float]
    #: statements whose cost is an estimate
    estimated: frozenset[int]
    pins: dict[int, int]
    groups: tuple[tuple[int, ...], ...]


def _scalar(c) -> float:
    return sum(c) / len(c) if isinstance(c, (tuple, list)) else float(c)


def graph_dag(graph: TaskGraph, costs=None, workers: int = 1, replicate: bool = True) -> GraphDag:
    """Derive the generic DAG of ``graph`` under ``costs`` (``taskpar.costs.Costs``).

    A per-worker cost tuple whose length is not ``workers`` is replaced by its
    mean. Unknown costs are estimated (see module docstring); unknown value
    sizes count as 0 bytes (latency only). With ``replicate`` (as
    ``taskpar.plan.build_plan`` does by default), a RAW edge out of a
    replicable definition costs re-running that definition instead of a
    transfer.
    """
    from .costs import Costs  # local: costs imports nothing from here, but keep the layers loose

    if costs is None:
        costs = Costs()
    stmts = graph.statements
    known: dict[int, Any] = {}
    for s in stmts:
        c = costs.seconds.get(s.id)
        if c is None:
            continue
        if isinstance(c, (tuple, list)) and len(c) != workers:
            c = _scalar(c)
        known[s.id] = c
    by_source: dict[str, float] = {}
    for s in stmts:
        if s.id in known and s.source not in by_source:
            by_source[s.source] = _scalar(known[s.id])
    median = statistics.median([_scalar(c) for c in known.values()]) if known else DEFAULT_SECONDS
    comp: dict[int, Any] = {}
    estimated = set()
    for s in stmts:
        if s.id in known:
            comp[s.id] = known[s.id]
        else:
            estimated.add(s.id)
            comp[s.id] = by_source.get(s.source, median)
    reps = _replicable(graph) if replicate else frozenset()
    comm: dict[tuple[int, int], float] = {}
    for e in graph.edges:
        key = (e.src, e.dst)
        if e.kind is EdgeKind.RAW and e.src in reps:
            c = _scalar(comp[e.src])
        elif e.kind is EdgeKind.RAW:
            c = sum(costs.transfer_seconds(costs.nbytes.get((e.src, v), 0)) for v in e.vars)
        elif e.kind is EdgeKind.ORDER:
            c = costs.latency
        else:
            c = 0.0
        comm[key] = comm.get(key, 0.0) + c
    group_of, pinned = placement_groups(graph, workers)
    pins = {s.id: pinned[group_of[s.id]] for s in stmts if group_of[s.id] in pinned}
    return GraphDag(
        tasks=tuple(s.id for s in stmts),
        comp=comp,
        comm=comm,
        estimated=frozenset(estimated),
        pins=pins,
        groups=tuple(graph.colocate),
    )


def _replicable(graph: TaskGraph) -> frozenset[int]:
    from .graph import replicable

    return replicable(graph)


def schedule(graph: TaskGraph, workers: int, costs=None, *, policy: str = "heft",
             replicate: bool = True) -> Schedule:
    """Place the statements of ``graph`` on ``workers`` workers.

    ``costs``: a ``taskpar.costs.Costs`` (None: every cost estimated).
    ``policy``: ``"heft"``, ``"list"`` or ``"auto"`` (see module docstring).
    ``replicate``: whether the plan will replicate definitions (pass what
    you pass to ``build_plan``); replicated values are not transfers.
    Raises UsageError for an unknown policy or ``workers < 1``, PinError for
    impossible pins.
    """
    if policy not in POLICIES:
        raise UsageError(f"unknown scheduling policy {policy!r}; choose one of: {', '.join(POLICIES)}")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise UsageError(f"the number of workers must be 1 or more, got {workers!r}")
    from .costs import Costs

    if costs is None:
        costs = Costs()
    d = graph_dag(graph, costs, workers, replicate)
    if policy == "list":
        res = list_schedule(d.tasks, d.comm, workers, d.comp, pins=d.pins, groups=d.groups)
    else:
        res = heft(d.tasks, d.comm, workers, d.comp, pins=d.pins, groups=d.groups)
    n = len(d.tasks)
    assignment = tuple(res.assignment[i] for i in range(n))
    start = tuple(res.start[i] for i in range(n))
    finish = tuple(res.finish[i] for i in range(n))
    cp, _ = dag_critical_path(d.tasks, d.comm, d.comp, workers)
    dag = _Dag(d.tasks, (), workers, d.comp)
    serial = min((sum(c[w] for c in dag.cost) for w in range(workers)), default=0.0)
    work = sum(min(c) for c in dag.cost)
    return Schedule(
        workers=workers,
        assignment=assignment,
        start=start,
        finish=finish,
        order=res.order,
        makespan=res.makespan,
        lower_bound=max(cp, work / workers),
        policy="list" if policy == "list" else "heft",
        estimated=d.estimated,
        transfers=_transfers(graph, costs, assignment, start, finish,
                             _replicable(graph) if replicate else frozenset()),
        serial=serial,
        critical_path=cp,
        cost=tuple(res.cost[i] for i in range(n)),
    )


def _transfers(graph: TaskGraph, costs, where, start, finish, reps=frozenset()) -> tuple[Transfer, ...]:
    """Messages the plan will send: one per (variable, producer, receiving
    worker), addressed to the receiver's first statement needing it (as
    ``taskpar.plan`` does); ordering tokens likewise (``var`` None).
    Values of replicated definitions (``reps``) are not sent."""
    first: dict[tuple[str | None, int, int], int] = {}
    for e in graph.edges:
        if where[e.src] == where[e.dst] or e.kind not in (EdgeKind.RAW, EdgeKind.ORDER):
            continue
        if e.kind is EdgeKind.RAW and e.src in reps:
            continue
        names = e.vars if e.kind is EdgeKind.RAW else (None,)
        for v in names:
            key = (v, e.src, where[e.dst])
            if key not in first or (start[e.dst], e.dst) < (start[first[key]], first[key]):
                first[key] = e.dst
    out = []
    for (v, src, to), dst in sorted(first.items(), key=lambda kv: (finish[kv[0][1]], kv[0][1], kv[0][2], kv[0][0] or "")):
        nb = 0 if v is None else costs.nbytes.get((src, v), 0)
        sec = costs.latency if v is None else costs.transfer_seconds(nb)
        out.append(Transfer(var=v, src=src, dst=dst, frm=where[src], to=to, nbytes=nb,
                            seconds=sec, send=finish[src], arrive=finish[src] + sec))
    return tuple(out)


def critical_path(graph: TaskGraph, costs=None, workers: int = 1) -> tuple[float, list[int]]:
    """Computation-only critical path of ``graph``: ``(seconds, statement ids)``."""
    d = graph_dag(graph, costs, workers)
    return dag_critical_path(d.tasks, d.comm, d.comp, workers)


def lower_bound(graph: TaskGraph, costs=None, workers: int = 1) -> float:
    """``max(critical path, total work / workers)`` for ``graph`` under ``costs``."""
    d = graph_dag(graph, costs, workers)
    return dag_lower_bound(d.tasks, d.comm, workers, d.comp)


#: a plan that saves less than this many seconds over one worker is not worth
#: the other workers' start, mesh and transfers (``one_worker_reason``)
MIN_GAIN = 0.05
#: a plan whose makespan is at least this share of the serial time gains nothing
NO_GAIN_SHARE = 0.95


def one_worker_reason(sched: Schedule) -> str | None:
    """Why ``auto`` should run this plan on one worker (None: keep the plan).

    Only on measured costs (``sched.reliable``) and with more than one
    worker (the caller also keeps a plan with pinned statements): when the plan's makespan is at least 95% of the serial time, or
    it saves less than ``MIN_GAIN`` seconds, more workers cost more than they
    save (their start, the transfers), and one worker runs the script as
    python does, plus one worker's start.
    """
    if not sched.reliable or sched.workers < 2 or sched.serial <= 0:
        return None
    if sched.makespan >= sched.serial * NO_GAIN_SHARE:
        return (f"the plan on {sched.workers} workers takes {sched.makespan / sched.serial:.0%} "
                "of the serial time")
    gain = sched.serial - sched.makespan
    if gain < MIN_GAIN:
        return (f"{sched.workers} workers would save {gain * 1000:.0f} ms, less than starting "
                "them costs")
    return None


def advice(sched: Schedule, graph: TaskGraph | None = None) -> str | None:
    """One line of honest advice when parallelism cannot help, else None.

    Cases: one statement is most of the work; the plan is no faster than
    serial (transfers cost more than they save, or nothing is independent).
    Only given when every cost was measured (``sched.reliable``).
    """
    if not sched.reliable or sched.serial <= 0 or sched.workers < 2 or not sched.cost:
        return None
    big = max(range(len(sched.cost)), key=lambda i: (sched.cost[i], -i))
    share = sched.cost[big] / sched.serial
    where = ""
    if graph is not None:
        where = f"line {graph.statements[big].lineno} "
    if share >= 0.9:
        return (f"{where}takes {share:.0%} of the work; one statement cannot be split, "
                f"so {sched.workers} workers can save at most {1 - share:.0%} of the time")
    if sched.makespan >= sched.serial * 0.95:
        if sched.transfers and sched.critical_path < sched.serial * 0.95:
            return ("transfers between workers cost about as much as they save; "
                    "this script will not run faster in parallel")
        return "the statements depend on each other in a chain; this script will not run faster in parallel"
    return None
