"""Plans without the analysis stage: a crude analysis (names stored/loaded,
pins) so that tests of the runtime and the backends get real cross-worker
plans independently of ``taskpar.analysis``. Run such a plan with
``support.run_on``."""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import replace

from taskpar.analysis.model import Script, Statement
from taskpar.graph import build_graph
from taskpar.plan import build_plan
from taskpar.schedule import schedule

PIN = re.compile(r"#\s*taskpar:\s*worker\s+(\d+)")


def simple_script(source: str, filename: str, barrier_lines=()) -> Script:
    """Statements with reads = names loaded, writes = names stored (no mutation analysis)."""
    source = textwrap.dedent(source)
    tree = ast.parse(source, filename)
    lines = source.splitlines()
    stmts = []
    for k, node in enumerate(tree.body):
        reads, writes = set(), set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                (writes if isinstance(sub.ctx, (ast.Store, ast.Del)) else reads).add(sub.id)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            writes.add(node.name)
            kind = "def" if isinstance(node, ast.FunctionDef) else "class"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            writes |= {(a.asname or a.name).split(".")[0] for a in node.names}
            kind = "import"
        else:
            kind = "other"
        m = PIN.search(lines[node.end_lineno - 1])
        stmts.append(Statement(
            id=k, lineno=node.lineno, col_offset=node.col_offset, end_lineno=node.end_lineno,
            end_col_offset=node.end_col_offset, source=ast.get_source_segment(source, node) or "",
            path=(k,), reads=frozenset(reads - writes) | frozenset(reads & writes),
            writes=frozenset(writes), barrier=node.lineno in barrier_lines,
            pin=int(m.group(1)) if m else None, kind=kind))
    return Script(filename=filename, source=source, statements=tuple(stmts))


#: default of ``make_plan(dynamic=None)``; a test module's fixture may flip it
#: to run its tests under dynamic assignment too
DYNAMIC = False


def make_plan(script: Script, workers: int, replicate: bool = True, dynamic: bool | None = None):
    graph = build_graph(script)
    plan = build_plan(graph, schedule(graph, workers), replicate=replicate)
    if DYNAMIC if dynamic is None else dynamic:
        plan = replace(plan, dynamic=True)
    return plan


def write_script(tmp_path, source: str, name: str = "script.py", **kw) -> Script:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return simple_script(path.read_text(), str(path), **kw)


