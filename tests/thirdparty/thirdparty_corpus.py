"""The third-party corpus: real example scripts of scientific Python libraries.

Shared by ``test_thirdparty.py`` and ``bench/thirdparty.py``. A script runs in
a fresh temporary copy of its library's directory (its cwd), with
``MPLBACKEND=Agg`` and ``TASKPAR_CACHE_DIR`` pointing at a directory the
caller chooses; an :class:`Outcome` holds what can be compared with python:
exit status, stdout, stderr and the files written (new or changed, by bytes).
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIBRARIES = ("matplotlib", "networkx", "sklearn")


def all_scripts() -> list[str]:
    """Every corpus script as ``"<library>/<name>.py"``, sorted."""
    return sorted(f"{p.parent.name}/{p.name}" for lib in LIBRARIES
                  for p in (HERE / lib).glob("*.py"))


@dataclass
class Outcome:
    status: int | None          # None: timed out
    stdout: str
    stderr: str
    files: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0

    def comparable(self):
        return (self.status, self.stdout, self.stderr, self.files)


def _snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and "__pycache__" not in p.parts:
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def written(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, bytes]:
    """Files new or changed in ``after``; a deleted file maps to b"<deleted>"."""
    out = {k: v for k, v in after.items() if before.get(k) != v}
    out.update({k: b"<deleted>" for k in before if k not in after})
    return out


def base_env(cache_dir: str | os.PathLike) -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env["TASKPAR_CACHE_DIR"] = str(cache_dir)
    return env


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="backslashreplace")


def run_script(script: str, *, taskpar_args: list[str] | None = None,
               cache_dir: str | os.PathLike, timeout: float = 120,
               env: dict[str, str] | None = None) -> Outcome:
    """Run ``script`` ("lib/name.py") in a fresh copy of its library directory:
    with python when ``taskpar_args`` is None, else ``python -m taskpar run
    SCRIPT *taskpar_args``."""
    lib, name = script.split("/")
    with tempfile.TemporaryDirectory(prefix="tp3p-") as tmp:
        cwd = Path(tmp) / lib
        shutil.copytree(HERE / lib, cwd, ignore=shutil.ignore_patterns("__pycache__"))
        before = _snapshot(cwd)
        if taskpar_args is None:
            argv = [sys.executable, name]
        else:
            argv = [sys.executable, "-m", "taskpar", "run", name, *taskpar_args]
        t0 = time.perf_counter()
        try:
            r = subprocess.run(argv, cwd=cwd, env=env or base_env(cache_dir),
                               capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return Outcome(None, _text(e.stdout), _text(e.stderr), {}, time.perf_counter() - t0)
        seconds = time.perf_counter() - t0
        # bytes, decoded the same way on both sides: a script may write binary
        # (a PNG to stdout)
        return Outcome(r.returncode, _text(r.stdout), _text(r.stderr),
                       written(before, _snapshot(cwd)), seconds)


def describe_difference(expected: Outcome, got: Outcome, limit: int = 40) -> str:
    """A short human-readable diff of two outcomes ('' if identical)."""
    parts = []
    if expected.status != got.status:
        parts.append(f"exit status: python {expected.status}, taskpar {got.status}")
    for what in ("stdout", "stderr"):
        a, b = getattr(expected, what), getattr(got, what)
        if a != b:
            diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(),
                                             "python", "taskpar", lineterm="", n=1))
            more = f"\n... ({len(diff) - limit} more diff lines)" if len(diff) > limit else ""
            parts.append(f"{what} differs:\n" + "\n".join(diff[:limit]) + more)
    if expected.files != got.files:
        names = sorted(set(expected.files) | set(got.files))
        bad = [n for n in names if expected.files.get(n) != got.files.get(n)]
        shown = ", ".join(
            f"{n} ({'missing' if n not in got.files else 'extra' if n not in expected.files else 'bytes differ'})"
            for n in bad[:10])
        parts.append(f"files written differ: {shown}")
    return "\n".join(parts)
