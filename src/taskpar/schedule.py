"""Scheduling: which worker runs each statement, and when (planned).

Input: a ``TaskGraph``, a worker count and optional ``Costs``
(``taskpar.costs``). Output: a ``Schedule`` — per statement its worker
(0-based) and planned start/finish, per worker the order in which it runs its
statements, the planned transfers, the predicted makespan and a lower bound.

Two layers:

* a **generic core** on a plain DAG (``taskpar.dag_schedule``: task ids, an
  edge → communication-cost map, a computation cost per task that is a
  number or a tuple of per-worker numbers): ``heft``, ``list_schedule``, ``dag_critical_path``,
  ``dag_lower_bound``. It knows nothing of Python statements, so the
  literature examples (Topcuoglu et al. 2002, Kasahara STG files via
  ``taskpar.stg``) run on it directly;
* the **statement layer**: ``schedule(graph, workers, costs)`` derives the DAG
  from a ``TaskGraph`` and ``Costs`` (``graph_dag``) and wraps the result in a
  ``Schedule``.

HEFT and the list baseline on a plain DAG (the generic core) are in
``taskpar.dag_schedule``; their names are re-exported here.

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

import weakref
from dataclasses import dataclass, field
from typing import Any

from .dag_schedule import (DagSchedule, DagShape, dag_critical_path, dag_lower_bound, heft,
                           list_schedule, schedule_dag, schedule_indexed, upward_ranks)
from .errors import PinError, UsageError
from .graph import EdgeKind, TaskGraph

__all__ = [
    "one_worker_reason",
    "too_short_for_workers",
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
    return _for_workers(graph, _dag_base(graph, costs, replicate), workers)


@dataclass
class _DagBase:
    """What ``graph_dag`` derives whatever the number of workers."""

    tasks: tuple[int, ...]
    #: per statement: its measured cost as ``Costs`` has it, or its estimate
    comp: dict[int, Any]
    #: whether some measured cost is per worker (a tuple): ``comp`` then
    #: depends on the number of workers
    per_worker: bool
    comm: dict[tuple[int, int], float]
    estimated: frozenset[int]
    #: ``DagShape(tasks, comm)``, once made
    shape: Any = None


def _dag_base(graph: TaskGraph, costs, replicate: bool) -> _DagBase:
    stmts = graph.statements
    seconds = costs.seconds
    known: dict[int, Any] = {}
    per_worker = False
    for s in stmts:
        c = seconds.get(s.id)
        if c is None:
            continue
        if type(c) is not float and isinstance(c, (tuple, list)):
            per_worker = True
        known[s.id] = c
    estimated = set()
    if len(known) == len(stmts):  # every cost measured
        comp: dict[int, Any] = known
    else:  # (the mean of a per-worker cost is the same for any number of workers)
        by_source: dict[str, float] = {}
        for s in stmts:
            if s.id in known and s.source not in by_source:
                by_source[s.source] = _scalar(known[s.id])
        median = _median([_scalar(c) for c in known.values()]) if known else DEFAULT_SECONDS
        comp = {}
        for s in stmts:
            if s.id in known:
                comp[s.id] = known[s.id]
            else:
                estimated.add(s.id)
                comp[s.id] = by_source.get(s.source, median)
    reps = _replicable(graph) if replicate else frozenset()
    comm: dict[tuple[int, int], float] = {}
    RAW, ORDER = EdgeKind.RAW, EdgeKind.ORDER
    nbytes, seconds_of, latency = costs.nbytes, costs.transfer_seconds, costs.latency
    for e in graph.edges:
        kind = e.kind
        if kind is RAW:
            if e.src in reps:
                c = _scalar(comp[e.src])
            elif len(e.vars) == 1:
                c = 0 + seconds_of(nbytes.get((e.src, e.vars[0]), 0))  # as sum() of one
            else:
                c = sum(seconds_of(nbytes.get((e.src, v), 0)) for v in e.vars)
        elif kind is ORDER:
            c = latency
        else:
            c = 0.0
        key = (e.src, e.dst)
        comm[key] = comm.get(key, 0.0) + c
    return _DagBase(tuple(s.id for s in stmts), comp, per_worker, comm, frozenset(estimated))


def _median(values: list[float]) -> float:
    import statistics  # (imports fractions and decimal: 5-10 ms of a run that estimates nothing)

    return statistics.median(values)


def _for_workers(graph: TaskGraph, base: _DagBase, workers: int) -> GraphDag:
    comp = base.comp
    if base.per_worker:  # a tuple of another length: its mean
        comp = {k: _scalar(c) if isinstance(c, (tuple, list)) and len(c) != workers else c
                for k, c in comp.items()}
    group_of, pinned = placement_groups(graph, workers)
    pins = ({s.id: pinned[group_of[s.id]] for s in graph.statements if group_of[s.id] in pinned}
            if pinned else {})
    return GraphDag(tasks=base.tasks, comp=comp, comm=base.comm, estimated=base.estimated,
                    pins=pins, groups=tuple(graph.colocate))


#: the graph and costs ``schedule`` scheduled last (weak references), with
#: ``replicate``, and their ``_DagBase``: ``run.prepare`` schedules the same
#: graph and costs on one worker after its plan on several gains too little
#: (graphs and costs are immutable, like every stage's data)
_LAST_BASE: list = [None, None, None, None]


def _base_of(graph: TaskGraph, costs, replicate: bool) -> _DagBase:
    g, c, r, base = _LAST_BASE
    if g is not None and g() is graph and c() is costs and r == replicate:
        return base
    base = _dag_base(graph, costs, replicate)
    _LAST_BASE[:] = [weakref.ref(graph), weakref.ref(costs), replicate, base]
    return base


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
    base = _base_of(graph, costs, replicate)
    d = _for_workers(graph, base, workers)
    core = "list" if policy == "list" else "heft"
    n = len(d.tasks)
    if d.tasks == tuple(range(n)):  # ids are positions (always, for a Script)
        if base.shape is None:
            base.shape = DagShape(d.tasks, d.comm)
        res = schedule_indexed(d.tasks, d.comm, workers, d.comp, pins=d.pins, groups=d.groups,
                               policy=core, shape=base.shape)
        assignment, start, finish = tuple(res.where), tuple(res.start), tuple(res.finish)
        order, makespan, cost = res.order, res.makespan, tuple(res.cost)
        cp, per, cheapest = res.critical_path, res.per_worker, res.cheapest
    else:
        r, cp, per = schedule_dag(d.tasks, d.comm, workers, d.comp, pins=d.pins,
                                  groups=d.groups, policy=core)
        ids = range(n)
        assignment = tuple(map(r.assignment.__getitem__, ids))
        start = tuple(map(r.start.__getitem__, ids))
        finish = tuple(map(r.finish.__getitem__, ids))
        order, makespan, cost = r.order, r.makespan, tuple(map(r.cost.__getitem__, ids))
        cheapest = list(map(min, per))
    serial = min((sum([c[w] for c in per]) for w in range(workers)), default=0.0)
    work = sum(cheapest)
    return Schedule(
        workers=workers,
        assignment=assignment,
        start=start,
        finish=finish,
        order=order,
        makespan=makespan,
        lower_bound=max(cp, work / workers),
        policy="list" if policy == "list" else "heft",
        estimated=d.estimated,
        transfers=() if workers == 1 else _transfers(  # (one worker sends nothing)
            graph, costs, assignment, start, finish, _replicable(graph) if replicate else frozenset()),
        serial=serial,
        critical_path=cp,
        cost=cost,
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


def too_short_for_workers(graph: TaskGraph, costs, workers: int) -> str | None:
    """``one_worker_reason``'s second case known before any schedule on
    ``workers``: every cost measured and the whole script's work under
    ``MIN_GAIN``, so no plan can save that much (a plan saves at most the
    serial time). Spares ``run.prepare`` the schedule it would throw away
    (12 ms for 2000 statements, about as long as such a script runs)."""
    if workers < 2 or costs is None:
        return None
    seconds = costs.seconds
    if len(seconds) < len(graph.statements):
        return None
    sums = [0.0] * workers
    for s in graph.statements:
        c = seconds.get(s.id)
        if c is None:
            return None
        if type(c) is float or not isinstance(c, (tuple, list)) or len(c) != workers:
            c = _scalar(c)
            for w in range(workers):
                sums[w] += c
        else:
            for w in range(workers):
                sums[w] += c[w]
    serial = min(sums)
    if serial >= MIN_GAIN:
        return None
    return (f"{workers} workers would save at most {serial * 1000:.0f} ms (the whole script's "
            "work), less than starting them costs")


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
