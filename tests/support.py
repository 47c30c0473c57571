"""Helpers shared by the test suites: example paths, running the CLI and python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_cmd(argv, *, cwd=None, timeout=120, input=None, env=None):
    """Run a command, return CompletedProcess with text stdout/stderr."""
    return subprocess.run(argv, cwd=cwd, timeout=timeout, input=input, env=env,
                          capture_output=True, text=True)


def taskpar(*args, **kw):
    return run_cmd([sys.executable, "-m", "taskpar", *map(str, args)], **kw)


def python(*args, **kw):
    return run_cmd([sys.executable, *map(str, args)], **kw)
