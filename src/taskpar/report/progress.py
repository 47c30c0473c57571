"""A progress bar for long runs: statements done of total, what each worker runs.

Shown on stderr only, and only when stderr is a terminal (never on a pipe
or file, never on stdout), so captured output stays identical to python's.
It appears after ``DELAY`` seconds, so short runs never flash a bar, and
only while the script is quiet: the driver calls ``output()`` before it
writes the script's output, which takes the bar away (the bytes then reach
the terminal untouched, a script's own ``\r`` progress bar included); it
comes back once the script has written nothing for ``DELAY`` seconds.

Input: StatementStarted / StatementReport events from the driver.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "wants_progress"]

#: seconds before the bar appears: a run shorter than this shows nothing
DELAY = 2.0


def wants_progress(flag: bool | None) -> bool:
    """``--progress``/``--no-progress`` win; otherwise only on a terminal."""
    if flag is not None:
        return flag
    return _isatty(sys.stderr)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Rich progress bar fed with run events (use as a context manager)."""

    def __init__(self, total: int, workers: int, labels: list[str]):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

        self.total = total
        self.labels = labels
        self.running: dict[int, str] = {}
        self.started = time.monotonic()
        self.console = Console(file=sys.stderr)
        self.bar = RichProgress(
            TextColumn("[bold]taskpar[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}", markup=False),  # (the script's own text)
            console=self.console, transient=True,
            # stdout is redirected into the bar's console only when it is the
            # same terminal; a redirected stdout must get the bytes untouched
            redirect_stdout=_isatty(sys.stdout), redirect_stderr=True,
        )
        self.task = self.bar.add_task("", total=total)
        self.visible = False
        self.last_output = float("-inf")

    def output(self) -> None:
        """The script's output is about to be written: out of its way."""
        self.last_output = time.monotonic()
        if self.visible:
            self.bar.stop()
            self.visible = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.visible:
            self.bar.stop()
        return False

    def update(self, event) -> None:
        from ..runtime.messages import StatementReport, StatementStarted

        if isinstance(event, StatementStarted):
            self.running[event.worker] = self.labels[event.stmt]
        elif isinstance(event, StatementReport):
            if self.running.get(event.worker) == self.labels[event.stmt]:
                self.running.pop(event.worker, None)
            self.bar.advance(self.task)
        now = time.monotonic()
        if not self.visible and now - self.started >= DELAY and now - self.last_output >= DELAY:
            self.bar.start()
            self.visible = True
        desc = "  ".join(f"w{w + 1}: {label}" for w, label in sorted(self.running.items()))
        self.bar.update(self.task, description=desc[:80])
