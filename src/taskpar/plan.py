"""Plans: the program each worker interprets.

Input: a ``TaskGraph`` and a ``Schedule``. Output: a ``Plan`` — per worker a
tuple of ops, and nothing else to decide at run time:

=================================  =========================================
``Exec(stmt)``                     run statement ``stmt`` and report it
``Exec(stmt, replica=True)``       run a definition again here; no report
``Send(var, version, to)``         send the value of ``var`` as statement
                                   ``version`` left it, to worker ``to``
``Recv(var, version, frm)``        wait for that value and bind ``var``
``Send(None, version, to)``        an ordering token (hidden state, barrier)
``Recv(None, version, frm)``       wait for that token
``Keep(var, version)``             pickle that value now and keep the bytes
                                   (dynamic assignment only: a later Send of
                                   it can leave while this worker runs
                                   something else)
=================================  =========================================

How a plan keeps serial semantics (worker namespaces are separate, so only
values that are *read* need to travel):

* A RAW edge ``p -> s`` on variable ``v`` across workers becomes
  ``Send(v, p, w(s))`` right after ``Exec(p)`` on ``w(p)`` (before anything
  later on that worker can change ``v``) and ``Recv(v, p, w(p))`` right
  before ``Exec(s)``. One message per (variable, version, receiver): a
  reassigned name is a new version, hence a new message.
* ORDER edges across workers become tokens. WAR/WAW edges need nothing
  across workers (each worker has its own binding), and on one worker the
  schedule's order already respects them. A worker never mutates a value
  while it is still being sent: the runtime waits for pending sends of a
  statement's writes before running it.
* Cheap definitions (``import``, ``def``, ``class`` whose names nothing
  rebinds or mutates and whose inputs are definitions too) are replicated:
  a worker that needs one runs it itself instead of receiving its value, so
  a function defined in the script reads *that worker's* globals when
  called, exactly as in the script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from .graph import EdgeKind, TaskGraph, replicable  # noqa: F401 (replicable: re-exported)

if TYPE_CHECKING:  # the runtime imports plan ops; it needs no scheduler
    from .schedule import Schedule

__all__ = ["Exec", "Send", "Recv", "Keep", "Op", "Plan", "build_plan", "replicable",
           "WorkerProgram", "worker_program"]


@dataclass(frozen=True, slots=True)
class Exec:
    stmt: int
    replica: bool = False


@dataclass(frozen=True, slots=True)
class Send:
    var: str | None
    version: int
    to: int


@dataclass(frozen=True, slots=True)
class Recv:
    var: str | None
    version: int
    frm: int


@dataclass(frozen=True, slots=True)
class Keep:
    var: str
    version: int


Op = Union[Exec, Send, Recv, Keep]


@dataclass(frozen=True)
class Plan:
    graph: TaskGraph
    schedule: Schedule
    programs: tuple[tuple[Op, ...], ...]
    #: True: the programs are only the static plan on estimated costs; the
    #: backend assigns statements at run time (``taskpar.dynamic``)
    dynamic: bool = False

    @property
    def workers(self) -> int:
        return len(self.programs)

    def transfers(self) -> list[tuple[Send, int]]:
        """Every value send as ``(send, from_worker)`` (tokens excluded)."""
        return [
            (op, w)
            for w, prog in enumerate(self.programs)
            for op in prog
            if isinstance(op, Send) and op.var is not None
        ]


def build_plan(graph: TaskGraph, sched: Schedule, replicate: bool = True) -> Plan:
    """Turn a schedule into per-worker programs of Exec/Send/Recv ops."""
    where = sched.assignment
    reps = replicable(graph) if replicate else frozenset()
    # ops to emit right after Exec(p) on where[p]
    sends_after: dict[int, list[Send]] = {}
    programs: list[list[Op]] = [[] for _ in range(sched.workers)]
    sent: set[tuple[str | None, int, int]] = set()
    replicated: list[set[int]] = [set() for _ in range(sched.workers)]

    def ensure_replica(w: int, r: int, ops: list[Op]) -> None:
        """Append Exec(r, replica) and, first, the replicas r needs, on worker w."""
        if r in replicated[w] or where[r] == w:
            return
        for e in graph.in_edges(r):
            ensure_replica(w, e.src, ops)
        replicated[w].add(r)
        ops.append(Exec(r, replica=True))

    # Pass 1, per worker in its scheduled order (so that a value or replica
    # first needed by the statement that runs first there is received or
    # made before it): the ops each statement needs in front of it. Sends
    # are attached to their producers.
    incoming: dict[int, list[Op]] = {}
    RAW, ORDER = EdgeKind.RAW, EdgeKind.ORDER
    for w, stmts in enumerate(sched.order):
        for i in stmts:
            into = graph.in_edges(i)
            if not into:
                continue
            if len(into) > 1:  # by producer, then kind (an EdgeKind sorts as its value)
                into = sorted(into, key=_source_and_kind)
            ops: list[Op] = []
            for e in into:
                p = e.src
                wp = where[p]
                if wp == w:
                    continue
                if e.kind is RAW:
                    if p in reps:
                        ensure_replica(w, p, ops)
                        continue
                    for v in e.vars:
                        if (v, p, w) not in sent:
                            sent.add((v, p, w))
                            sends_after.setdefault(p, []).append(Send(v, p, w))
                            ops.append(Recv(v, p, wp))
                elif e.kind is ORDER and (None, p, w) not in sent:
                    sent.add((None, p, w))
                    sends_after.setdefault(p, []).append(Send(None, p, w))
                    ops.append(Recv(None, p, wp))
            if ops:
                incoming[i] = ops

    # Pass 2: emit.
    for w, stmts in enumerate(sched.order):
        program = programs[w]
        for i in stmts:
            ops = incoming.get(i)
            if ops:
                program.extend(ops)
            program.append(Exec(i))
            ops = sends_after.get(i)
            if ops:
                program.extend(ops)
    return Plan(graph=graph, schedule=sched, programs=tuple(tuple(p) for p in programs))


def _source_and_kind(e) -> tuple:
    return (e.src, e.kind)


@dataclass(frozen=True)
class WorkerProgram:
    """Worker ``worker``'s part of a plan: its ops (empty under dynamic
    assignment: they arrive as the run goes), the predecessors of every
    statement it may run, and the peers it sends to and receives from."""

    worker: int
    program: tuple[Op, ...]
    preds: dict[int, frozenset[int]]
    send_to: tuple[int, ...]
    recv_from: tuple[int, ...]


def worker_program(plan: Plan, w: int) -> WorkerProgram:
    graph = plan.graph
    if plan.dynamic:
        # any statement may come, any peer may send or receive
        program: tuple = ()
        stmts = range(len(graph.statements))
        send_to = recv_from = tuple(k for k in range(plan.workers) if k != w)
    else:
        program = tuple(plan.programs[w])
        stmts = {op.stmt for op in program if isinstance(op, Exec)}
        send_to = tuple(sorted({op.to for op in program if isinstance(op, Send)}))
        recv_from = tuple(sorted({op.frm for op in program if isinstance(op, Recv)}))
    preds = {s: frozenset(graph.predecessors(s)) for s in stmts}
    return WorkerProgram(w, program, preds, send_to, recv_from)
