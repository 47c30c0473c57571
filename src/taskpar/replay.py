"""Replay: statement outputs back in program order, and python's exit rule.

Input: statement reports in the order workers finish them (any order).
Output: calls ``write(stream, text)`` (stream 1 = stdout, 2 = stderr) in
program order, as early as possible: statement k's output is written as soon
as statements 0..k have all reported, so a long script shows its output
progressively, as python would.

The exit rule is python's: the first statement F (in program order) that
failed or called ``sys.exit`` ends the run. Everything before F is written,
then F's own output (its traceback or exit message is its last stderr
chunk), and nothing after F. ``finished`` turns true once that point is
reached (or every statement reported); the driver then stops the backend.

Warnings: python shows a warning once per location under the default
filters. Each worker has its own registry, so two workers may both report
the same warning; a chunk tagged as a warning is written only the first
time its key is seen.

State: ``pending`` ``{stmt: report}`` not yet written; ``next`` the first
statement not yet written; ``first_failure`` the smallest failed id seen.
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
        while not self.finished and self.next in self.pending:
            r = self.pending.pop(self.next)
            self._emit(r)
            if r.status in ("error", "exit"):
                self.exit_status = r.exit_code if r.exit_code is not None else 1
            self.next += 1

    def _emit(self, report) -> None:
        if report.status == "skipped":
            return
        # report.warnings: ((category, message, filename, lineno), chunk index)
        warning_keys = {index: key for key, index in report.warnings}
        for index, (stream, text) in enumerate(report.chunks):
            key = warning_keys.get(index)
            if key is not None:
                if key in self.seen_warnings:
                    continue
                self.seen_warnings.add(key)
            self.write(stream, text)
