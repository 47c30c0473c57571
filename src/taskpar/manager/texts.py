"""What the manager says when a run goes wrong: every backend's wording, once.

Like pyflakes keeps its messages in one module, the texts of the manager's
errors live here so that the local, Dask and MPI backends say the same thing
the same way: which worker, how it ended, where it was (file:line and the
statement), the likely cause, and what happens now. Pure functions of
strings; the errors themselves are raised by the backends' shells.
"""

from __future__ import annotations

__all__ = ["SIGNAL_HINTS", "where", "how_it_ended", "signal_hint", "died", "internal",
           "start_failed", "peer_lost", "stderr_tail", "STOPPED"]

#: the likely cause of a worker's death by signal, for the error message
SIGNAL_HINTS = {
    "SIGKILL": "killed by another process or by the kernel (out of memory?)",
    "SIGSEGV": "a crash in C code",
    "SIGBUS": "a crash in C code, or shared memory exhausted",
    "SIGABRT": "aborted (a failed assertion in C code?)",
    "SIGTERM": "asked to terminate by another process",
}

#: how every fault message ends
STOPPED = "the run was stopped"


def where(filename: str, statement, how: str = "while running") -> str:
    """"while running script.py:12 (`fit(x)`)", or "between statements"."""
    if statement is None:
        return "between statements"
    return f"{how} {filename}:{statement.lineno} (`{statement.label}`)"


def iterations(first: int, last: int, total: int) -> str:
    """", in iterations 5–8 of 24" (of a split loop's statement)."""
    which = f"iteration {first}" if first == last else f"iterations {first}–{last}"
    return f", in {which} of {total}"


def how_it_ended(status: tuple[str, str] | None) -> str:
    """A process's end from ``(kind, value)`` — ("code", "3") / ("signal",
    "SIGKILL") — or None (only its channel closed)."""
    if status is None:
        return "closed its control channel"
    if status[0] == "code":
        return f"exited with code {status[1]}"
    return f"was killed by {status[1]}"


def signal_hint(how: str) -> str:
    """"; likely cause: …" for a death by a signal that has a usual cause."""
    for name, hint in SIGNAL_HINTS.items():
        if how.endswith(f"killed by {name}"):
            return f"; likely cause: {hint}"
    return ""


def died(who: str, how: str, where_: str) -> str:
    """"worker 2 was killed by SIGKILL while running s.py:3 (`x`); likely
    cause: …; the run was stopped"."""
    return f"{who} {how} {where_}{signal_hint(how)}; {STOPPED}"


def internal(who: str, where_: str, traceback: str) -> str:
    """A failure of taskpar's own code in ``who`` (``where_`` may be "")."""
    place = f" {where_}" if where_ else ""
    return f"{who} failed{place} (an internal error, not your script's):\n{traceback.rstrip()}"


def start_failed(who: str, how: str = "", detail: str = "") -> str:
    """"worker 1 could not start (exited with code 1); its stderr: …"."""
    return f"{who} could not start" + (f" ({how})" if how else "") + detail


def peer_lost(worker: int, peer: int, detail: str) -> str:
    return (f"worker {worker + 1} lost its connection to worker {peer + 1} ({detail}); "
            f"{STOPPED}")


def stderr_tail(text: str, label: str = "its stderr") -> str:
    """"; its stderr:\\n…" when there is any, else ""."""
    text = text.strip()
    return f"; {label}:\n{text}" if text else ""
