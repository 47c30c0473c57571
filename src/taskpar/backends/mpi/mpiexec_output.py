"""What mpiexec prints: who died and how (Hydra's ``BAD TERMINATION`` block,
Open MPI's "process rank K with PID P ... exited on signal S"), and the tail
of its output for an error message. mpiexec's stdout and stderr go to one
temporary file (``out``), read back from its start."""

from __future__ import annotations

import re
import signal

__all__ = ["bad_termination", "read_all", "tail"]

_BAD = re.compile(r"PID (\d+) RUNNING AT \S+\s*\n=\s*EXIT CODE: (-?\d+)")
_EXIT_STRING = re.compile(r"EXIT STRING: .*\(signal (\d+)\)")


_OMPI = re.compile(r"process rank \d+ with PID (\d+) on node \S+ exited on signal (\d+)")


def bad_termination(text: str) -> tuple[int | None, str | None]:
    """(pid, "was killed by SIGKILL" | "exited with code 3") from mpiexec's report
    (Hydra's, or Open MPI's "process rank K with PID P ... exited on signal S")."""
    m = _BAD.search(text)
    if m is None:
        o = _OMPI.search(text)
        if o is None:
            return None, None
        try:
            return int(o.group(1)), f"was killed by {signal.Signals(int(o.group(2))).name}"
        except ValueError:
            return int(o.group(1)), f"was killed by signal {o.group(2)}"
    pid, code = int(m.group(1)), int(m.group(2))
    sig = _EXIT_STRING.search(text)
    number = int(sig.group(1)) if sig else None
    if number is not None:
        try:
            return pid, f"was killed by {signal.Signals(number).name}"
        except ValueError:
            return pid, f"was killed by signal {number}"
    return pid, f"exited with code {code}"


def read_all(out, limit: int = 20000) -> str:
    try:
        out.seek(0)
        return out.read()[-limit:].decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def tail(out, label: str = "its output") -> str:
    text = read_all(out).strip()
    return f"; {label}:\n{text}" if text else ""
