"""A small stand-in analysis for the generator's tests: real dependencies, so plans move values.

``analyze_script`` (taskpar.analysis) may still mark every statement a barrier,
which gives serial plans with no transfers. This module computes reads, writes,
mutations, aliases, pins and definitions conservatively enough for the shipped
examples; anything touching hidden state (random, os, files) is a barrier.
It is test scaffolding, not the product's analysis.
"""

from __future__ import annotations

import ast
import re

from taskpar.analysis.load import read_script, script_filename
from taskpar.analysis.model import Script, Statement

HIDDEN = {"random", "os", "tempfile", "open", "input", "exec", "eval", "globals"}
PIN = re.compile(r"#\s*taskpar:\s*worker\s+(\d+)")


def _own_nodes(node):
    """Nodes of ``node`` evaluated when it runs (not function/class bodies)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if n is not node and isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            stack.append(c)


def analyze(path) -> Script:
    source = read_script(path)
    filename = script_filename(path)
    tree = ast.parse(source)
    lines = source.splitlines()
    modules: set[str] = set()
    func_globals: dict[str, set[str]] = {}
    alias: dict[str, set[str]] = {}
    out = []
    for k, node in enumerate(tree.body):
        reads, writes, mutates = set(), set(), set()
        barrier = False
        kind = "other"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            kind = "import"
            for a in node.names:
                name = (a.asname or a.name).split(".")[0]
                writes.add(name)
                modules.add(name)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            kind = "def" if isinstance(node, ast.FunctionDef) else "class"
            writes.add(node.name)
            if isinstance(node, ast.FunctionDef):
                local = {a.arg for a in node.args.args}
                local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                func_globals[node.name] = {n.id for n in ast.walk(node)
                                           if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local
        else:
            for n in _own_nodes(node):
                if isinstance(n, ast.Name):
                    (writes if isinstance(n.ctx, ast.Store) else reads).add(n.id)
                if isinstance(n, ast.Call):
                    f = n.func
                    if isinstance(f, ast.Name) and f.id in func_globals:
                        seen, todo = set(), [f.id]
                        while todo:  # globals read by the function when called, transitively
                            g = todo.pop()
                            if g in seen:
                                continue
                            seen.add(g)
                            reads |= func_globals.get(g, set())
                            todo += [x for x in func_globals.get(g, ()) if x in func_globals]
                    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id not in modules:
                        mutates.add(f.value.id)
                if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.ctx, (ast.Store, ast.Del)):
                    base = n.value
                    while isinstance(base, (ast.Attribute, ast.Subscript)):
                        base = base.value
                    if isinstance(base, ast.Name):
                        mutates.add(base.id)
            if reads & HIDDEN or isinstance(node, ast.With):
                barrier = True
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
                group = alias.get(node.value.id, {node.value.id}) | {t.id for t in node.targets if isinstance(t, ast.Name)}
                for v in group:
                    alias[v] = group
        for v in list(mutates):
            mutates |= alias.get(v, set())
        reads -= {"print", "len", "float", "range", "min", "round", "sum", "abs", "int", "str"}
        m = PIN.search(lines[node.end_lineno - 1])
        out.append(Statement(
            id=k, lineno=node.lineno, col_offset=node.col_offset, end_lineno=node.end_lineno,
            end_col_offset=node.end_col_offset, source=ast.get_source_segment(source, node) or "",
            path=(k,), reads=frozenset(reads), writes=frozenset(writes), mutates=frozenset(mutates),
            barrier=barrier, pin=int(m.group(1)) if m else None, kind=kind))
    return Script(filename=filename, source=source, statements=tuple(out))
