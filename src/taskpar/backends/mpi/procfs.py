"""Reading /proc (Linux): how a process ended (a zombie still shows its exit
status), the descendants of a process, and whether a pid is still one of
our ranks."""

from __future__ import annotations

import os
import signal

__all__ = ["pid_status", "descendants", "is_rank"]


def pid_status(pid: int) -> str | None:
    """None while ``pid`` runs; else how it ended ("was killed by SIGKILL",
    "exited with code 3", "has exited") — read from /proc, where a zombie
    (not yet reaped by Hydra) still shows its exit status."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:  # already reaped by Hydra: its status is gone with it
        return "died"
    if fields[0] not in (b"Z", b"X"):
        return None
    try:
        status = int(fields[49])  # field 52: exit_code, as waitpid reports it
    except (IndexError, ValueError):  # pragma: no cover - Linux < 3.5
        return "died"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            return f"was killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"was killed by signal {sig}"
    return f"exited with code {os.WEXITSTATUS(status)}"


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def descendants(pid: int) -> list[int]:
    if not os.path.isdir("/proc"):  # pragma: no cover - not Linux
        return []
    kids = _children()
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), ()):
            out.append(k)
            todo.append(k)
    return out


def is_rank(pid: int) -> bool:
    """Still one of our ranks (not a recycled pid): its command line says so."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"taskpar.runtime.mpi" in f.read()
    except OSError:
        return False
