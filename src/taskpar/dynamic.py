"""Dynamic assignment: statements placed on workers while the run goes on.

A static plan is only as good as its costs. On the first run of a script
every cost is a guess, so ``--schedule auto`` (and ``--schedule dynamic``)
hands statements out at run time instead: the manager keeps an ``Assigner``
and, each time a statement finishes, streams more ops (the same ``Exec`` /
``Send`` / ``Recv`` of ``taskpar.plan``) to the workers. Values still travel
worker to worker; the manager only decides who runs what.

Sans-I/O, like the worker's interpreter: the backend calls ``start()`` once
and ``finished(stmt, status)`` for every statement report, and sends each
worker the ops returned for it, in order. ``exhausted`` turns true when
nothing more will ever be assigned (the backend then tells the workers their
streams have ended).

Rules (each worker's stream is FIFO and ops are only ever appended; a
worker may run a ``Send`` or ``Keep`` of a value it already has ahead of its
queue, which only makes it earlier — see ``runtime.interpreter``):

* **eligible on w**: every predecessor of the statement has finished, or is
  assigned to w and not finished yet (it runs earlier in w's stream). A
  predecessor on another worker must have *finished* — so WAR, WAW and
  ORDER edges across workers need no message, and no later writer of a
  value can start while a reader of the value is still unassigned: every
  copy of a value stays valid for as long as someone may need it.
* **who takes what**: a worker holds at most ``depth`` assigned, unfinished
  statements.

  1. Statements that may only run on one worker (pins, co-location groups,
     as ``taskpar.schedule.placement_groups`` says) go to it when it has room.
  2. Idle workers take ready statements, highest upward rank first (rank
     from the estimated costs; ties: lower statement id), each to the idle
     worker that already holds most of its inputs (bytes when sizes are
     known, then names; ties: lower worker) — unless some input is held only
     by busy workers that do not keep it (below): those ship only between
     statements, so the statement could not start earlier elsewhere; it
     queues behind such a holder with room, and the idle worker stays free.
  3. A busy worker with room takes the best statement that continues its own
     work: eligible on it, not ready elsewhere, no input held only by another
     busy worker, and no value made in its queue that other unplaced
     statements read (that value needs a decision when it is made). A chain
     runs without a round trip to the manager per statement.
* **ops for s on w**: for each RAW edge from another worker, the replica of
  a replicable definition, or one ``Recv`` per variable not yet on w with
  its ``Send`` on a worker that held the value before this round (an idle
  one, else one that keeps it, else the shortest queue; ties: the
  producer). Then ``Exec(s)``.
* **sends first**: the ops of one round (what one report unlocks) go out as
  each worker's new ``Send``s and ``Keep``s, then its new ``Recv``s and
  ``Exec``s: a worker ships what it made before it starts the next statement
  it was given in the same round.
* **keep**: a worker runs one statement at a time and, by itself, ships
  only between statements. When every holder of a value that unplaced
  statements read is busy, one holder that gets a new statement in this
  round is given ``Keep(v, p)`` before it: it pickles the value then, and a
  later ``Send`` of it leaves from its shell's threads while the statement
  runs (local backend; ``keep=False`` on MPI, whose ranks make progress only
  between statements).
* **failure**: once a statement failed (F), statements after F are never
  assigned; the workers skip what was already assigned after F.

Why no stream can deadlock: give each op the key (round, 0) for a send or a
keep, (round, 1) for anything else; each stream is in increasing key order.
A worker blocked on a ``Recv`` keyed (r, 1) waits for a ``Send`` keyed
(r, 0) on a worker that already held the value (its own ``Recv`` of it, if
any, came in an earlier round), and sends and keeps wait for nothing; so
that worker is blocked, if at all, on an op keyed before (r, 0). Following
the waits, keys strictly decrease: they cannot form a cycle.
"""

from __future__ import annotations

import heapq
from dataclasses import replace

from .graph import EdgeKind
from .plan import Exec, Keep, Op, Plan, Recv, Send, replicable

__all__ = ["Assigner", "DEPTH", "upward_rank"]

#: assigned, unfinished statements a worker may hold (1 running + 1 queued)
DEPTH = 2


def upward_rank(graph, cost) -> list[float]:
    """``rank(i) = cost(i) + max over successors rank(j)``, communication
    ignored (sizes are unknown when costs are): the longest path from i to an
    exit, the usual priority of list scheduling."""
    n = len(graph.statements)
    rank = [0.0] * n
    for i in reversed(range(n)):
        tail = max((rank[j] for j in graph.successors(i)), default=0.0)
        rank[i] = (cost[i] if i < len(cost) else 0.0) + tail
    return rank


class Assigner:
    """The manager's run-time scheduler for one run of ``plan`` (see module docstring)."""

    def __init__(self, plan: Plan, depth: int = DEPTH, nbytes: dict | None = None,
                 replicate: bool = True, keep: bool = True):
        from .schedule import placement_groups

        graph = plan.graph
        self.plan = plan
        self.graph = graph
        self.workers = plan.workers
        self.depth = max(1, depth)
        #: (statement, variable) -> bytes, when an earlier run measured it
        self.nbytes = nbytes or {}
        n = len(graph.statements)
        self.n = n
        self.rank = upward_rank(graph, plan.schedule.cost or (0.0,) * n)
        self.group_of, pinned = placement_groups(graph, self.workers)
        #: group -> worker: from a pin, else from the group's first placement
        self.group_worker: dict[int, int] = dict(pinned)
        self.reps = replicable(graph) if replicate else frozenset()
        self.preds = [frozenset(graph.predecessors(i)) for i in range(n)]
        self.succs = [tuple(sorted(graph.successors(i))) for i in range(n)]
        self.raw_in = [
            sorted((e for e in graph.in_edges(i) if e.kind is EdgeKind.RAW),
                   key=lambda e: e.src)
            for i in range(n)
        ]
        self.waiting = [len(p) for p in self.preds]  # predecessors not finished
        self.keep = keep
        #: (var, version) -> RAW readers not assigned yet
        self.readers: dict[tuple[str, int], int] = {}
        for i in range(n):
            for e in self.raw_in[i]:
                if e.src not in self.reps:
                    for v in e.vars:
                        self.readers[(v, e.src)] = self.readers.get((v, e.src), 0) + 1
        #: per statement, the (var, version) of the values it makes that statements read
        self.made: list[tuple[tuple[str, int], ...]] = [() for _ in range(n)]
        for v, p in self.readers:
            self.made[p] += ((v, p),)
        #: per worker, values it holds that unassigned statements read
        self.held: list[set[tuple[str, int]]] = [set() for _ in range(self.workers)]
        self.kept: set[tuple[str, int, int]] = set()  # (var, version, worker)
        self.where: dict[int, int] = {}
        self.done: set[int] = set()
        #: per worker: assigned, unfinished statements in stream order
        self.queues: list[list[int]] = [[] for _ in range(self.workers)]
        #: (var, version) -> workers holding (or about to hold) that value
        self.holders: dict[tuple[str, int], set[int]] = {}
        self.replicated: list[set[int]] = [set() for _ in range(self.workers)]
        #: every op streamed, per worker (the run's realized plan)
        self.programs: list[list[Op]] = [[] for _ in range(self.workers)]
        self.failed: int | None = None
        self._ready: list[tuple[float, int]] = []  # heap of (-rank, id)
        self._ready_forced: list[list[tuple[float, int]]] = [[] for _ in range(self.workers)]
        self._low = 0  # every statement below is assigned
        self._started = False

    # -- the backend's calls ---------------------------------------------------
    def start(self) -> dict[int, list[Op]]:
        """The first ops of every worker."""
        assert not self._started, "start() once"
        self._started = True
        for i in range(self.n):
            if self.waiting[i] == 0:
                self._push_ready(i)
        return self._round()

    def finished(self, stmt: int, status: str = "ok") -> dict[int, list[Op]]:
        """Statement ``stmt`` reported (``ok``, ``error``, ``exit`` or ``skipped``);
        returns the ops to append to each worker's stream."""
        if stmt in self.done or stmt not in self.where:
            return {}
        self.done.add(stmt)
        w = self.where[stmt]
        self.queues[w].remove(stmt)
        if status == "ok":
            self.held[w].update(k for k in self.made[stmt] if self.readers[k])
        if status in ("error", "exit") and (self.failed is None or stmt < self.failed):
            self.failed = stmt
        for j in self.succs[stmt]:
            self.waiting[j] -= 1
            if self.waiting[j] == 0 and j not in self.where:
                self._push_ready(j)
        return self._round()

    @property
    def exhausted(self) -> bool:
        """True when nothing more will be assigned."""
        bound = self.n if self.failed is None else self.failed
        while self._low < self.n and self._low in self.where:
            self._low += 1
        return self._low >= bound

    @property
    def idle(self) -> bool:
        """True when no worker has an assigned, unfinished statement."""
        return not any(self.queues)

    def realized(self) -> Plan:
        """The plan this run carried out: the ops streamed, the placement made."""
        sched = self.plan.schedule
        assignment = tuple(self.where.get(i, sched.assignment[i]) for i in range(self.n))
        order = tuple(
            tuple(op.stmt for op in prog if isinstance(op, Exec) and not op.replica)
            for prog in self.programs
        )
        sched = replace(sched, assignment=assignment, order=order, policy="dynamic")
        return replace(self.plan, schedule=sched,
                       programs=tuple(tuple(p) for p in self.programs))

    # -- deciding ----------------------------------------------------------------
    def _forced(self, s: int) -> int | None:
        return self.group_worker.get(self.group_of[s])

    def _beyond_failure(self, s: int) -> bool:
        return self.failed is not None and s > self.failed

    def _push_ready(self, s: int) -> None:
        item = (-self.rank[s], s)
        forced = self._forced(s)
        heapq.heappush(self._ready if forced is None else self._ready_forced[forced], item)

    def _round(self) -> dict[int, list[Op]]:
        out: dict[int, list[Op]] = {}  # Recv/Exec per worker, in order
        self._out = out
        self._sends: dict[int, list[Op]] = {}  # Send per worker, in order
        self._fresh: set[tuple[str, int, int]] = set()  # (var, version, worker) this round
        # 1. statements that may only run on one worker, when it has room
        for w in range(self.workers):
            heap = self._ready_forced[w]
            while heap and len(self.queues[w]) < self.depth:
                s = heapq.heappop(heap)[1]
                if s not in self.where and not self._beyond_failure(s):
                    self._assign(s, w, out)
        # 2. idle workers take ready statements, highest rank first
        while self._ready:
            idle = [w for w in range(self.workers) if not self.queues[w]]
            if not idle:
                break
            item = heapq.heappop(self._ready)
            s = item[1]
            if s in self.where or self._beyond_failure(s):
                continue
            forced = self._forced(s)  # its group may have been placed meanwhile
            if forced is not None:
                heapq.heappush(self._ready_forced[forced], item)
                if len(self.queues[forced]) < self.depth:
                    heapq.heappop(self._ready_forced[forced])
                    self._assign(s, forced, out)
                continue
            self._assign(s, self._best(s, idle), out)
        # 3. busy workers with room continue their own chains
        for w in range(self.workers):
            while 0 < len(self.queues[w]) < self.depth:
                s = self._continuation(w)
                if s is None:
                    break
                self._assign(s, w, out)
        if self.keep:
            self._keeps()
        ops = {w: self._sends.get(w, []) + out.get(w, []) for w in sorted({*self._sends, *out})}
        for w, more in ops.items():
            self.programs[w].extend(more)
        return ops

    def _keeps(self) -> None:
        """Keep(v, p) on a busy holder of a value still to be read, when no
        holder is idle (see module docstring)."""
        for w in range(self.workers):
            if not any(isinstance(op, Exec) for op in self._out.get(w, ())):
                continue  # no new statement here: it will ship between statements
            for key in sorted(self.held[w], key=lambda k: (k[1], k[0])):  # deterministic
                if not self.readers[key]:
                    self.held[w].discard(key)
                    continue
                v, p = key
                if (v, p, w) in self.kept or (v, p, w) in self._fresh:
                    continue
                have = self.holders.get(key, {self.where[p]})
                if any(not self.queues[h] for h in have) or any((v, p, h) in self.kept for h in have):
                    continue
                self.kept.add((v, p, w))
                self._sends.setdefault(w, []).append(Keep(v, p))

    def _contended(self, w: int, j: int) -> bool:
        """Would queuing ``j`` on ``w`` hide a value others still need? A
        value made by a statement in w's queue that statements other than
        ``j`` will read needs a decision (where they go, a Keep) when it is
        made, before w starts ``j``."""
        mine = {(v, e.src) for e in self.raw_in[j] for v in e.vars}
        for q in self.queues[w]:
            for key in self.made[q]:
                if self.readers[key] - (key in mine) > 0:
                    return True
        return False

    def _local_bytes(self, s: int, w: int) -> tuple[int, int]:
        nbytes = names = 0
        for e in self.raw_in[s]:
            if e.src in self.reps:
                continue
            for v in e.vars:
                if w in self.holders.get((v, e.src), (self.where[e.src],)):
                    nbytes += self.nbytes.get((e.src, v), 0)
                    names += 1
        return nbytes, names

    def _best(self, s: int, idle: list[int]) -> int:
        behind = [h for h in self._stuck_behind(s) if len(self.queues[h]) < self.depth]
        if behind:
            return max(behind, key=lambda w: (self._local_bytes(s, w), -w))
        return max(idle, key=lambda w: (self._local_bytes(s, w), -w))

    def _stuck_behind(self, s: int) -> set[int]:
        """Busy workers that alone hold some input of ``s``."""
        out: set[int] = set()
        for e in self.raw_in[s]:
            if e.src in self.reps:
                continue
            for v in e.vars:
                have = self.holders.get((v, e.src), {self.where[e.src]})
                if all(self.queues[h] and (v, e.src, h) not in self.kept for h in have):
                    out |= have
        return out

    def _continuation(self, w: int) -> int | None:
        best = None
        for q in self.queues[w]:
            for j in self.succs[q]:
                if j in self.where or self._beyond_failure(j):
                    continue
                forced = self._forced(j)
                if forced is not None and forced != w:
                    continue
                if not all(p in self.done or self.where.get(p) == w for p in self.preds[j]):
                    continue
                if self._stuck_behind(j) - {w}:
                    continue  # it waits for another busy worker anyway: decided when ready
                if self._contended(w, j):
                    continue
                if best is None or (-self.rank[j], j) < (-self.rank[best], best):
                        best = j
        return best

    def _assign(self, s: int, w: int, out: dict[int, list[Op]]) -> None:
        self.where[s] = w
        self.queues[w].append(s)
        self.group_worker.setdefault(self.group_of[s], w)
        ops: list[Op] = []
        for e in self.raw_in[s]:
            p = e.src
            if p not in self.reps:
                for v in e.vars:
                    self.readers[(v, p)] -= 1
            if self.where[p] == w:
                continue
            if p in self.reps:
                self._replica(w, p, ops)
                continue
            for v in sorted(e.vars):
                have = self.holders.setdefault((v, p), {self.where[p]})
                if w in have:
                    continue
                home = self.where[p]
                src = min((h for h in have if (v, p, h) not in self._fresh),
                          key=lambda h: (bool(self.queues[h]), (v, p, h) not in self.kept,
                                         len(self.queues[h]), h != home, h))
                self._sends.setdefault(src, []).append(Send(v, p, w))
                ops.append(Recv(v, p, src))
                have.add(w)
                self._fresh.add((v, p, w))
                if self.readers[(v, p)]:
                    self.held[w].add((v, p))
        ops.append(Exec(s))
        out.setdefault(w, []).extend(ops)

    def _replica(self, w: int, r: int, ops: list[Op]) -> None:
        """Exec(r, replica) on w, after the replicas r itself needs."""
        if r in self.replicated[w] or self.where.get(r) == w:
            return
        for e in self.graph.in_edges(r):
            self._replica(w, e.src, ops)
        self.replicated[w].add(r)
        ops.append(Exec(r, replica=True))
