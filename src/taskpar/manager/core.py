"""The manager's core: backend events in, instructions out (sans-I/O).

Every backend has a manager: the local backend's calling thread, the Dask
driver, MPI rank 0. What they decide is the same and lives here, once, in
the style of distributed's worker state machine; the backends are shells
that carry the instructions out on their own transport::

    shell                               ManagerCore
    ─────                               ───────────
    start barrier passed  ── start() ─►  [Assign(w, ops)…, Broadcast(End())]
    worker w's message    ── event(w, m) ─►
        StatementStarted                 running[w] = s;  [Report(m)]
        StatementOutput / TransferReport [Report(m)]
        StatementReport(s, status)       the failure rule, then (dynamic) the
                                         next ops:  [Broadcast(Failed(F))?,
                                         Assign(w', ops)…, Broadcast(End())?,
                                         Report(m)]
        Finished                         [Broadcast(Shutdown())] once all have
    the driver said stop  ── stop() ──►  [Broadcast(Failed(-1)), Broadcast(End())?]

Rules it owns:

* **failure**: the first failed statement F (the smallest id whose report
  says "error" or "exit") is broadcast as ``Failed(F)`` each time a smaller
  one is seen; workers then skip every statement after F (see
  ``taskpar.backends.base``);
* **dynamic streaming**: with ``plan.dynamic`` an ``Assigner``
  (``taskpar.dynamic``) decides who runs what as statements finish; every
  stream ends with ``End`` once nothing more will be assigned (or the run
  stops);
* **stopping**: after ``stop()`` nothing more is reported to the driver and
  every worker is told to skip what is left (a shell that kills its
  workers instead simply does not call ``stop``);
* **the running table**: which statement each worker runs, for the texts of
  what went wrong (``where``; the texts are in ``taskpar.manager.texts``).

What one worker is given at the start is ``taskpar.plan.worker_program``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkerDied
from ..plan import Op, Plan
from ..runtime.messages import (End, Failed, Finished, Job, LoopBlock, Shutdown,
                                StatementOutput, StatementReport, StatementStarted,
                                TransferReport)
from . import texts

__all__ = ["ManagerCore", "Assign", "Broadcast", "Report", "Instruction", "Running",
           "FAILED_STATUSES"]

#: the statuses that make a statement the run's failure
FAILED_STATUSES = ("error", "exit")


# -- instructions ----------------------------------------------------------------

@dataclass(frozen=True)
class Assign:
    """Append ``ops`` to worker ``worker``'s stream (dynamic assignment)."""

    worker: int
    ops: tuple[Op, ...]


@dataclass(frozen=True)
class Broadcast:
    """Send ``message`` (``Failed`` / ``End`` / ``Shutdown``) to every worker."""

    message: object


@dataclass(frozen=True)
class Report:
    """Hand ``event`` to the driver (``on_event``)."""

    event: object


Instruction = Assign | Broadcast | Report


# -- the running table -------------------------------------------------------------

class Running:
    """Which statement each worker is running (started, not yet reported)."""

    def __init__(self, job: Job, plan: Plan):
        self.filename = job.script.filename
        self.statements = plan.graph.statements
        self.by_worker: dict[int, int] = {}
        #: worker -> (stmt, first, last, total): the iterations of a split
        #: loop's statement it runs (``LoopBlock``)
        self.blocks: dict[int, tuple] = {}

    def started(self, worker: int, stmt: int) -> None:
        self.by_worker[worker] = stmt
        self.blocks.pop(worker, None)

    def block(self, msg) -> None:
        if self.by_worker.get(msg.worker) == msg.stmt:
            self.blocks[msg.worker] = (msg.stmt, msg.first, msg.last, msg.total)

    def reported(self, worker: int, stmt: int) -> None:
        if self.by_worker.get(worker) == stmt:
            del self.by_worker[worker]

    def restore(self, worker: int, stmt: int | None, block: tuple[int, int, int] | None) -> None:
        """What ``worker`` ran when it died, read from elsewhere (the MPI
        backend's beacons) where its last messages may have been lost."""
        self.by_worker.pop(worker, None)
        self.blocks.pop(worker, None)
        if stmt is not None:
            self.by_worker[worker] = stmt
            if block is not None:
                self.blocks[worker] = (stmt, *block)

    def get(self, worker: int | None) -> int | None:
        return None if worker is None else self.by_worker.get(worker)

    def where(self, worker: int | None, stmt: int | None = None, how: str = "while running") -> str:
        """"while running script.py:12 (`…`)" for ``stmt`` or what ``worker``
        runs, else "between statements"."""
        if stmt is None:
            stmt = self.get(worker)
        text = texts.where(self.filename, None if stmt is None else self.statements[stmt], how)
        block = self.blocks.get(worker)
        if stmt is not None and block is not None and block[0] == stmt:
            text += texts.iterations(*block[1:])
        return text


# -- the core --------------------------------------------------------------------------

class ManagerCore:
    """One run's manager decisions (see module docstring).

    ``keep``: whether the Assigner may give ``Keep`` ops (False where workers
    make progress only between statements, as MPI ranks do).
    """

    def __init__(self, job: Job, plan: Plan, keep: bool = True):
        self.job = job
        self.plan = plan
        self.workers = plan.workers
        self.running = Running(job, plan)
        self.failed: int | None = None
        self.stopping = False
        self.ended = False  # End broadcast (dynamic only)
        self.finished: set[int] = set()
        self.assigner = None
        if plan.dynamic:
            from ..dynamic import Assigner

            self.assigner = Assigner(plan, keep=keep)

    # -- events in ------------------------------------------------------------------
    def start(self) -> list[Instruction]:
        """After the start barrier: the first ops of every worker (dynamic)."""
        if self.assigner is None:
            return []
        return self._stream(self.assigner.start())

    def event(self, worker: int, msg) -> list[Instruction]:
        """Worker ``worker`` sent ``msg``; returns what to do, in order."""
        if isinstance(msg, StatementReport):
            return self._report(worker, msg)
        if isinstance(msg, StatementStarted):
            self.running.started(worker, msg.stmt)
        elif isinstance(msg, LoopBlock):
            self.running.block(msg)
            return []
        elif isinstance(msg, Finished):
            self.finished.add(worker)
            return [Broadcast(Shutdown())] if self.done else []
        elif not isinstance(msg, (StatementOutput, TransferReport)):
            return []
        return [] if self.stopping else [Report(msg)]

    def stop(self) -> list[Instruction]:
        """The driver has what it needs: workers skip what is left."""
        if self.stopping:
            return []
        self.stopping = True
        out: list[Instruction] = [Broadcast(Failed(-1))]
        if self.assigner is not None and not self.ended:
            self.ended = True
            out.append(Broadcast(End()))
        return out

    # -- state ---------------------------------------------------------------------
    @property
    def done(self) -> bool:
        """Every worker finished its program."""
        return len(self.finished) >= self.workers

    def where(self, worker: int | None) -> str:
        return self.running.where(worker)

    def realized(self) -> Plan:
        """The plan carried out: with dynamic assignment, the ops streamed so far."""
        return self.plan if self.assigner is None else self.assigner.realized()

    # -- deciding ----------------------------------------------------------------
    def _report(self, worker: int, msg: StatementReport) -> list[Instruction]:
        self.running.reported(worker, msg.stmt)
        out: list[Instruction] = []
        if msg.status in FAILED_STATUSES and (self.failed is None or msg.stmt < self.failed):
            self.failed = msg.stmt
            if not self.stopping:
                out.append(Broadcast(Failed(msg.stmt)))
        if self.assigner is not None and not self.ended:
            out += self._stream(self.assigner.finished(msg.stmt, msg.status))
        if not self.stopping:
            out.append(Report(msg))
        return out

    def _stream(self, ops: dict[int, list[Op]]) -> list[Instruction]:
        out: list[Instruction] = [Assign(w, tuple(more)) for w, more in ops.items()]
        if self.ended:
            return out
        if self.assigner.exhausted:
            self.ended = True
            out.append(Broadcast(End()))
        elif self.assigner.idle:  # pragma: no cover - Assigner guarantees progress
            raise WorkerDied("internal error: dynamic assignment stalled with statements "
                             "left and every worker idle; this is a taskpar bug, please report it")
        return out
