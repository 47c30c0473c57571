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
from .model import CheckReport, LoopCheck, StatementTrace, Trace, UnitTrace


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
    loops: dict = {}
    if graph is None:
        from ..learned import with_learned

        # loops as single statements (the graph of top-level statements);
        # the split loops' iterations are traced unit by unit on the side
        graph = build_graph(with_learned(analyze_script(path, loops=False)))
        loops = loop_checks(graph.script, analyze_script(path))
    trace = trace_script(graph.script, os.fspath(path), args, timeout=timeout, loops=loops)
    return compare(graph, trace, loops)


def loop_checks(whole: Script, split: Script) -> dict[int, LoopCheck]:
    """What each split loop of ``split`` claims, by the id of its statement
    in ``whole`` (the same script with loops as single statements). Not
    checked: comprehensions, and loops with ``break``/``continue`` (their
    body statements cannot run one by one)."""
    import ast

    from ..analysis.loops import node_at
    from ..analysis.unroll import expr_at
    from ..runtime.loopcode import loop_node

    if not split.loops:
        return {}
    tree = ast.parse(split.source, split.filename)
    by_path = {s.path: s.id for s in whole.statements}
    out = {}
    for sp in split.loops:
        if sp.comp or sp.has_break or sp.path not in by_path:
            continue
        node = loop_node(sp, node_at(tree, sp.path))
        hoist_reads: dict[int, frozenset] = {}
        hoisted: dict[int, list] = {}
        for j, address in sp.hoists:
            expr = expr_at(node.body[j], tuple(address))
            hoisted.setdefault(j, []).append(expr)
            names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
            hoist_reads[j] = hoist_reads.get(j, frozenset()) | names
        # names an ordered statement reads only inside its hoisted calls: the
        # part computed those, the chain need not take them
        only_hoisted = {j: hoist_reads[j] - _names_outside(node.body[j], hoisted[j])
                        for j in hoisted}
        out[by_path[sp.path]] = LoopCheck(
            stmt=by_path[sp.path], pieces=tuple(sp.pieces),
            outputs={j: frozenset(o) for j, o in zip(sp.pieces, sp.outputs)},
            hoist_reads=hoist_reads, binds=frozenset(sp.binds), fresh=frozenset(sp.fresh),
            lines=tuple(b.lineno for b in node.body), nested=bool(sp.outer),
            only_hoisted=only_hoisted)
    return out


def _names_outside(stmt, exprs) -> set[str]:
    """Names ``stmt`` loads outside the subtrees ``exprs``."""
    import ast

    skip = {id(e) for e in exprs}
    out, stack = set(), [stmt]
    while stack:
        n = stack.pop()
        if id(n) in skip:
            continue
        if isinstance(n, ast.Name):
            out.add(n.id)
        stack.extend(ast.iter_child_nodes(n))
    return out


def trace_script(script: Script, argv0: str, args: Sequence[str] = (), *,
                 timeout: float | None = None, loops: dict | None = None) -> Trace:
    """Run the statements of ``script`` serially in a child process; return
    the Trace (``loops``: ``loop_checks``, traced iteration by iteration)."""
    with tempfile.TemporaryDirectory(prefix="taskpar-check-") as tmp:
        request = os.path.join(tmp, "request.json")
        result = os.path.join(tmp, "result.json")
        with open(request, "w") as f:
            json.dump({"filename": script.filename, "argv": [argv0, *args],
                       "paths": [list(s.path) for s in script.statements],
                       "scopes": [[s.scope, s.main_part] for s in script.statements],
                       "loops": {str(k): {"nested": c.nested}
                                 for k, c in (loops or {}).items()}}, f)
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
                                 unverified=frozenset(s["unverified"]),
                                 units=tuple(UnitTrace(u["k"], u["j"], frozenset(u["reads"]),
                                                       frozenset(u["writes"]))
                                             for u in s.get("units", ())),
                                 iterations=s.get("iterations", 0))
                  for s in data["statements"])
    return Trace(statements=stmts, exit_status=proc.returncode, error=data.get("error"),
                 stdout=stdout, stderr=stderr)
