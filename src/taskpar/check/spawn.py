"""Starting the tracing child and reading its result (the parent side).

``check_script`` analyses the script (or takes a graph), has it traced by
``trace_script`` and compares; ``trace_script`` writes the request, runs
``python -c "…check.tracer._trace_child()" request.json result.json``
(the child is ``tracer``), captures the script's stdout/stderr and turns
``result.json`` into a ``Trace``. ``CheckError`` is raised when the tracing
process itself fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Sequence

from ..analysis import Script, analyze_script
from ..errors import TaskparError
from ..graph import TaskGraph, build_graph
from .compare import compare
from .model import CheckReport, StatementTrace, Trace


class CheckError(TaskparError):
    """The tracing process itself failed (not the user's script): it died
    without writing its result, or did not finish within the timeout."""


def check_script(path: str | os.PathLike, args: Sequence[str] = (), *,
                 graph: TaskGraph | None = None, timeout: float | None = None) -> CheckReport:
    """Run ``path`` serially under the tracer and compare with its task graph.

    ``graph`` replaces the graph built by the static analysis (tests use it
    to check a hand-made graph). The script runs in a child process with
    ``sys.argv = [path, *args]`` and the current working directory; its
    output is captured into ``report.trace.stdout``/``stderr``.

    Raises ScriptError/ScriptSyntaxError for a script that cannot be read or
    parsed, CheckError when the tracing process fails or times out.
    """
    if graph is None:
        from ..learned import with_learned

        # loops as single statements: the tracer runs statements one by one
        graph = build_graph(with_learned(analyze_script(path, loops=False)))
    trace = trace_script(graph.script, os.fspath(path), args, timeout=timeout)
    return compare(graph, trace)


def trace_script(script: Script, argv0: str, args: Sequence[str] = (), *,
                 timeout: float | None = None) -> Trace:
    """Run the statements of ``script`` serially in a child process; return the Trace."""
    with tempfile.TemporaryDirectory(prefix="taskpar-check-") as tmp:
        request = os.path.join(tmp, "request.json")
        result = os.path.join(tmp, "result.json")
        with open(request, "w") as f:
            json.dump({"filename": script.filename, "argv": [argv0, *args],
                       "paths": [list(s.path) for s in script.statements]}, f)
        cmd = [sys.executable, "-c",
               "import taskpar.check.tracer as c, sys; sys.exit(c._trace_child())", request, result]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CheckError(f"{script.filename}: the traced run did not finish within "
                             f"{timeout:g} s; run it with python to see whether it ends") from None
        stdout = proc.stdout.decode("utf-8", "replace")
        stderr = proc.stderr.decode("utf-8", "replace")
        try:
            with open(result) as f:
                data = json.load(f)
        except (OSError, ValueError):
            raise CheckError(f"{script.filename}: the tracing process exited with status "
                             f"{proc.returncode} before reporting; its stderr ends with: "
                             f"{stderr.strip().splitlines()[-1:] or ['(nothing)']}") from None
    stmts = tuple(StatementTrace(id=s["id"], seconds=s["seconds"], reads=frozenset(s["reads"]),
                                 writes=frozenset(s["writes"]),
                                 unverified=frozenset(s["unverified"]))
                  for s in data["statements"])
    return Trace(statements=stmts, exit_status=proc.returncode, error=data.get("error"),
                 stdout=stdout, stderr=stderr)
