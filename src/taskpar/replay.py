"""Replay: statement outputs back in program order, and python's exit rule.

Input: statement reports, and the live output (``StatementOutput``) of
statements still running, in the order workers send them (any order across
statements; one statement's events in order, its report last).
Output: calls ``write(stream, text)`` (stream 1 = stdout, 2 = stderr) in
program order, as early as possible:

* the statement whose turn it is (``next``: every earlier one has reported)
  has its live output written the moment it arrives — so a long statement
  that prints and flushes shows it as python would, while it runs;
* live output of a statement that ran ahead of its turn is held, and
  written when its turn comes, before the rest of its output;
* statement k's report is written as soon as statements 0..k have all
  reported (and k's own live output, ``report.streamed`` events of it, is
  written).

The exit rule is python's: the first statement F (in program order) that
failed or called ``sys.exit`` ends the run. Everything before F is written,
then F's own output (its traceback or exit message is its last stderr
chunk), and nothing after F: live output is written only for the statement
whose turn it is, and F's turn comes only after every earlier statement
succeeded. ``finished`` turns true once that point is reached (or every
statement reported); the driver then stops the backend.

Warnings: python shows a warning once per location under the default
filters. Each worker has its own registry, so two workers may both report
the same warning; a chunk tagged as a warning is written only the first
time its key is seen.

State: ``pending`` ``{stmt: report}`` not yet written; ``held`` ``{stmt:
[StatementOutput]}`` live output not yet written; ``next`` the first
statement not yet written; ``written`` how many live-output events of
``next`` are written; ``first_failure`` the smallest failed id seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Replay"]

Write = Callable[[int, str], None]


@dataclass
class Replay:
    total: int
    write: Write
    next: int = 0
    first_failure: int | None = None
    exit_status: int = 0
    pending: dict = field(default_factory=dict)
    held: dict = field(default_factory=dict)
    written: int = 0
    seen_warnings: set = field(default_factory=set)

    @property
    def finished(self) -> bool:
        return self.next >= self.total or (
            self.first_failure is not None and self.next > self.first_failure
        )

    def add(self, report) -> None:
        """Take one statement report; write everything now in order."""
        if report.status in ("error", "exit"):
            if self.first_failure is None or report.stmt < self.first_failure:
                self.first_failure = report.stmt
        self.pending[report.stmt] = report
        self._advance()

    def add_output(self, output) -> None:
        """Take live output of a running statement: written now if it is
        ``next``'s, else held until its turn (dropped once ``finished``)."""
        if self.finished or output.stmt < self.next:
            return
        if output.stmt == self.next:
            self._emit(output.chunks, output.warnings)
            self.written += 1
            if output.stmt in self.pending:  # its report came first (it waited for this)
                self._advance()
        else:
            self.held.setdefault(output.stmt, []).append(output)

    def _advance(self) -> None:
        while not self.finished:
            for output in self.held.pop(self.next, ()):
                self._emit(output.chunks, output.warnings)
                self.written += 1
            r = self.pending.get(self.next)
            if r is None or getattr(r, "streamed", 0) > self.written:
                return  # not reported, or its live output is still on the way
            del self.pending[self.next]
            if r.status != "skipped":
                self._emit(r.chunks, r.warnings)
            if r.status in ("error", "exit"):
                self.exit_status = r.exit_code if r.exit_code is not None else 1
            self.next += 1
            self.written = 0
        self.held.clear()

    def _emit(self, chunks, warnings) -> None:
        # warnings: ((category, message, filename, lineno), chunk index)
        warning_keys = {index: key for key, index in warnings}
        for index, (stream, text) in enumerate(chunks):
            key = warning_keys.get(index)
            if key is not None:
                if key in self.seen_warnings:
                    continue
                self.seen_warnings.add(key)
            self.write(stream, text)
