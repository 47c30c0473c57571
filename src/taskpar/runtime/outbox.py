"""A worker's control records to the manager, batched.

Every statement a worker runs is reported (``StatementStarted``, then
``StatementReport``). Sent one by one, each record costs a pickle, a write
and a wake-up of the manager's reader: more than a trivial statement
itself (issue 13: tens of µs per statement). The outbox holds the records
that can wait and sends them in one frame (``ControlChannel.send_many``).

What can wait:

* the ``StatementStarted`` of a statement that earlier runs measured
  quick (``Init.quick``, from ``quick_statements``): when its report
  follows while it is held, the report replaces it (it has the start
  time). A statement not known to be quick is announced at once, so a
  worker that dies in it (``os._exit``, a signal, a crash in C) is named
  by the manager;
* the ``StatementReport`` of a statement that ran to its end, or was
  skipped, in less than ``HOLD`` seconds (not with dynamic assignment,
  where the manager's next assignments wait for reports);
* ``TransferReport``s.

Anything else (a failure, live output, a loop block, ``Finished``…) goes
at once, after what is held, in order. What is held goes

* before the worker blocks (``flush``: it waits for a value, a send or
  more ops), and at a statement boundary once the oldest held record is
  ``WINDOW`` old (``due``);
* from the outbox's own thread ``BACKSTOP`` after the first record was
  held, whatever the worker is doing (a quick statement that is slow this
  time). It wakes only while records are held, and then rarely: the
  boundaries send them first.

So the manager learns of a statement at most ``BACKSTOP`` late (plus the
interpreter's switch interval when the script's code holds the GIL), and
output is shown as late, never in another order.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from .messages import StatementReport, StatementStarted, TransferReport

__all__ = ["Outbox", "quick_statements", "WINDOW", "BACKSTOP", "HOLD", "QUICK"]

#: how long held records wait at most while statements run back to back
#: (seconds; the worker sends them at the next statement boundary)
WINDOW = 0.002
#: how long they wait at most while one statement runs (the outbox's thread)
BACKSTOP = 0.01
#: a report of a statement that took less than this may wait
HOLD = 0.002
#: statements measured below this by earlier runs are announced late
QUICK = 0.001

_WAITING_STATUSES = ("ok", "skipped")


def quick_statements(cost, estimated, stmts) -> frozenset:
    """Of ``stmts``, those whose planned cost (``Schedule.cost``) was
    measured (not in ``estimated``) and is below ``QUICK``."""
    if not cost:
        return frozenset()
    return frozenset(s for s in stmts if s not in estimated and cost[s] < QUICK)


class Outbox:
    """Records for the manager, held while they can wait (module docstring).

    ``send(records)``: writes a list of records in order (one frame); it is
    called under the outbox's lock, so records from several threads keep
    their order. ``hold_reports``: False with dynamic assignment."""

    def __init__(self, send: Callable[[list], None], quick: frozenset = frozenset(),
                 hold_reports: bool = True, window: float = WINDOW,
                 backstop: float = BACKSTOP, clock: Callable[[], float] = time.monotonic):
        self._send = send
        self.quick = quick
        self.hold_reports = hold_reports
        self.window = window
        self.backstop = backstop
        self._clock = clock
        self._lock = threading.Lock()
        self._held: list = []
        self._since = 0.0
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def can_wait(self, record) -> bool:
        if isinstance(record, StatementStarted):
            return record.stmt in self.quick
        if isinstance(record, StatementReport):
            return (self.hold_reports and record.status in _WAITING_STATUSES
                    and record.end - record.start < HOLD)
        return isinstance(record, TransferReport)

    def put(self, record) -> None:
        """Send ``record``, now or with the next batch."""
        with self._lock:
            held = self._held
            if (held and isinstance(record, StatementReport)
                    and isinstance(held[-1], StatementStarted) and held[-1].stmt == record.stmt):
                held.pop()  # the report has its start time
            if not self.can_wait(record):
                held.append(record)
                self._held = []
                self._send(held)
                return
            if not held:
                self._since = self._clock()
                self._start_timer()
            held.append(record)

    def due(self) -> bool:
        """Whether the oldest held record is ``window`` old."""
        return bool(self._held) and self._clock() - self._since >= self.window

    def flush(self) -> None:
        """Send what is held now."""
        if not self._held:
            return
        with self._lock:
            if self._held:
                held, self._held = self._held, []
                self._send(held)

    def _start_timer(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._timer, name="taskpar-outbox", daemon=True)
            self._thread.start()
        self._wake.set()

    def _timer(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                if not self._held:
                    self._wake.clear()
                    continue
                wait = self._since + self.backstop - self._clock()
                if wait <= 0:
                    held, self._held = self._held, []
                    self._wake.clear()
                    self._send(held)
                    continue
            time.sleep(wait)
