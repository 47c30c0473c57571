"""The interface every backend implements.

A backend carries out a ``Plan`` for a ``Job`` and streams what happens to
the driver; it decides nothing (placement is in the plan, failure policy in
the driver), except one protocol rule every backend must honour:

* when a statement reports "error" or "exit", every worker learns the first
  failed statement F (the smallest id so far); workers then skip every Exec
  with id > F, and a statement whose inputs come from a failed or skipped
  statement is skipped too (its sends carry POISON instead of a value, so no
  receiver hangs). Statements < F run normally. Skipped statements report
  status "skipped".

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

from ..plan import Plan
from ..runtime.messages import Job

__all__ = ["Backend", "OnEvent"]

#: receives StatementStarted | StatementReport | TransferReport; False = stop
OnEvent = Callable[[object], bool]


@runtime_checkable
class Backend(Protocol):
    name: str

    def run(self, job: Job, plan: Plan, on_event: OnEvent) -> None: ...
