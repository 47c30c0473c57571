"""The interface every backend implements.

A backend carries out a ``Plan`` for a ``Job`` and streams what happens to
the driver; it decides nothing (placement is in the plan, failure policy in
the driver), except one protocol rule every backend must honour:

* when a statement reports "error" or "exit", every worker learns the first
  failed statement F (the smallest id so far); workers then skip every Exec
  with id > F, and a statement whose inputs come from a failed or skipped
  statement is skipped too (its sends carry POISON instead of a value, so no
  receiver hangs). Statements < F run normally. Skipped statements report
  status "skipped". ``taskpar.manager.ManagerCore`` decides it (and dynamic
  streaming, and stopping); a backend's manager is a shell that carries out
  the core's instructions on its transport.

``run(job, plan, on_event)``:

* calls ``on_event(event)`` in the calling thread for every
  ``StatementStarted`` / ``StatementReport`` / ``TransferReport``
  (``taskpar.runtime.messages``) as it happens — a statement's report as
  soon as it finished;
* returns when every worker finished its program, or as soon as
  ``on_event`` returned False (the run is then stopped at once);
* raises ``WorkerDied`` / ``WorkerStartError`` / ``NetworkError`` /
  ``UnpicklableValueError`` (``taskpar.errors``) for infrastructure faults;
* leaves no process, socket or shared-memory segment behind however it ends
  (an exception or KeyboardInterrupt in the caller included: workers are
  killed, then the exception propagates).
"""

from __future__ import annotations

from typing import Callable, Protocol, runtime_checkable

from ..errors import UnpicklableValueError
from ..graph import EdgeKind
from ..plan import Exec, Plan, Recv
from ..runtime.messages import Job, TransferFailed

__all__ = ["Backend", "OnEvent", "unpicklable_error"]

#: receives StatementStarted | StatementReport | TransferReport; False = stop
OnEvent = Callable[[object], bool]


@runtime_checkable
class Backend(Protocol):
    name: str

    def run(self, job: Job, plan: Plan, on_event: OnEvent) -> None: ...


def unpicklable_error(job: Job, plan: Plan, msg: TransferFailed) -> UnpicklableValueError:
    """The error for a value that could not cross from one worker to another
    (every backend words it the same: variable, lines, workers, the fix)."""
    script = job.script
    stmts = plan.graph.statements
    producer = stmts[msg.version]
    consumer = _consumer(plan, msg)
    fname = script.filename
    cline = f"line {stmts[consumer].lineno}" if consumer is not None else "a later line"
    lines = (f"{producer.lineno} and {stmts[consumer].lineno}" if consumer is not None
             else f"{producer.lineno} and the line that uses `{msg.var}`")
    if msg.stage == "send":
        what = f"cannot be pickled ({msg.error})"
    else:
        what = f"could not be unpickled on worker {msg.to + 1} ({msg.error})"
    text = (f"{fname}:{producer.lineno}: the value of `{msg.var}` made here {what}, but "
            f"{cline} needs it on worker {msg.to + 1} and it was made on worker "
            f"{msg.frm + 1}. Pin both lines to one worker with `# taskpar: worker K` "
            f"(e.g. `# taskpar: worker {msg.frm + 1}` on lines {lines}).")
    return UnpicklableValueError(text, var=msg.var, producer=msg.version, consumer=consumer)


def _consumer(plan: Plan, msg: TransferFailed) -> int | None:
    """The first statement on the receiver that runs after it received ``var@version``.

    With dynamic assignment the manager may not have the ops that ran (MPI
    launched mode: rank 0 decided them); then it is the first statement that
    reads the value, on the receiver if it was placed there."""
    if plan.dynamic and not any(isinstance(op, Recv) and op.var == msg.var
                                and op.version == msg.version for op in plan.programs[msg.to]):
        readers = sorted(e.dst for e in plan.graph.out_edges(msg.version)
                         if e.kind is EdgeKind.RAW and msg.var in e.vars)
        there = [s for s in readers if plan.schedule.assignment[s] == msg.to]
        return (there or readers or [None])[0]
    program = plan.programs[msg.to]
    after = False
    for op in program:
        if isinstance(op, Recv) and op.var == msg.var and op.version == msg.version:
            after = True
        elif after and isinstance(op, Exec):
            s = plan.graph.statements[op.stmt]
            if msg.var in (s.reads | s.mutates) or s.barrier or not (s.reads or s.mutates):
                return op.stmt
    return None
