"""Errors a user can cause, named by who is at fault.

Every error here carries a message that says what happened, where
(file:line, variable, worker) and what to do, and the exit status the CLI
returns for it. The CLI prints ``str(error)`` on one line (or a python-style
block for syntax errors) and never a taskpar traceback.

An exception raised by the *user's* code is not a TaskparError: it is
re-raised as its own type (see ``taskpar.runtime.capture``) and reported the
way python reports it.
"""

from __future__ import annotations

__all__ = [
    "TaskparError",
    "UsageError",
    "ScriptError",
    "ScriptSyntaxError",
    "PinError",
    "WorkerError",
    "WorkerDied",
    "WorkerStartError",
    "NetworkError",
    "UnpicklableValueError",
    "BackendUnavailable",
]


class TaskparError(Exception):
    """Base class of every error taskpar reports to a user."""

    #: exit status of the ``taskpar`` command when this error ends it
    exit_status = 1


class UsageError(TaskparError):
    """The command line is wrong (unknown option value, bad worker count)."""

    exit_status = 2


class ScriptError(TaskparError):
    """The script cannot be read: missing, a directory, binary, not UTF-8."""

    exit_status = 2


class ScriptSyntaxError(TaskparError):
    """The script does not parse. Rendered exactly as python renders it."""

    exit_status = 1

    def __init__(self, message: str, rendered: str):
        super().__init__(message)
        #: the text python prints for this syntax error (file, line, caret)
        self.rendered = rendered


class PinError(ScriptError):
    """A ``# taskpar: worker K`` comment is malformed or names no worker."""


class WorkerError(TaskparError):
    """A worker process failed for reasons outside the user's code."""


class WorkerDied(WorkerError):
    """A worker exited or was killed while the run was in progress."""


class WorkerStartError(WorkerError):
    """A worker could not start (broken environment); carries its stderr."""


class NetworkError(WorkerError):
    """A peer connection was lost or could not be made."""


class UnpicklableValueError(TaskparError):
    """A value that must move between workers cannot be serialized."""

    def __init__(self, message: str, var: str = "", producer: int | None = None,
                 consumer: int | None = None):
        super().__init__(message)
        self.var = var
        self.producer = producer
        self.consumer = consumer


class BackendUnavailable(UsageError):
    """A backend's optional dependencies are not installed."""
