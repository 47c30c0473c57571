"""Code objects for the script's statements, as python would compile them.

A worker compiles only the statements it runs (``compile_statements``),
with the script's file name, line numbers and ``from __future__`` flags; a
statement of ``main()``'s body is compiled inside ``def main():`` and its
traceback shows the ``<module>`` frame of the call (``call_site``, passed
to the traceback formatter); split loops get their pieces from
``runtime.loopcode`` (``loop_codes``). ``register_source`` makes tracebacks
show the script's lines.
"""

from __future__ import annotations

import __future__
import ast
import linecache
from typing import Iterable

from ..analysis.model import Script, Statement

__all__ = ["register_source", "future_flags", "compile_statements", "loop_codes", "call_site",
           "precompile"]

#: code objects of the top-level statements of one script text, compiled by
#: the fork server before it forks the workers (``precompile``):
#: ``(filename, the text, {index in the module body: code})``
_precompiled: tuple = ("", "", {})


def precompile(tree: ast.Module, filename: str, source: str):
    """Compile every top-level statement of ``tree`` (the script's text
    ``source``) as ``compile_statements`` compiles a plain one,
    for the workers forked later; a generator that compiles a chunk per
    step, so that the fork server can serve requests in between. A worker
    uses a code only for a statement at the same place of the same text."""
    global _precompiled
    codes: dict = {}
    _precompiled = (filename, source, codes)
    flags = future_flags(tree)
    for i, node in enumerate(tree.body):
        codes[i] = (node.lineno, node.col_offset,
                    compile(ast.Module(body=_module_body(node, i == 0), type_ignores=[]),
                            filename, "exec", flags=flags, dont_inherit=True))
        if i % 64 == 63:
            yield


def _module_body(node: ast.stmt, first: bool) -> list:
    """A top-level statement as a module of its own: a lone string that is
    not the script's first statement must not become ``__doc__``."""
    if (not first and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)):
        return [ast.copy_location(ast.Pass(), node), node]
    return [node]


def _precompiled_codes(script: Script) -> dict:
    filename, source, codes = _precompiled
    # the whole text, not a checksum: a stale code must never run
    return codes if codes and filename == script.filename and source == script.source else {}


def register_source(script: Script) -> None:
    """Make tracebacks show the script's source lines (python 3.11 carets too)."""
    lines = script.source.splitlines(True)
    # mtime None: linecache.checkcache leaves the entry alone
    linecache.cache[script.filename] = (len(script.source), None, lines, script.filename)


def future_flags(tree: ast.Module) -> int:
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for alias in node.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    return flags


def compile_statements(script: Script, ids: Iterable[int]) -> dict:
    """Code objects for statements ``ids``, with the script's file name and lines.

    A plain top-level statement is parsed from its own text and moved to its
    lines (``_node_from_text``); the others are taken from the module's
    syntax tree, parsed only when one needs it (a worker parses only what it
    runs). Either way the code is compiled from the same tree, as python
    compiles the statement in the module."""
    out: dict = {}
    ids = list(ids)
    if not ids:  # a worker with nothing to run parses nothing
        return out
    flags = _script_future_flags(script)
    tree = None
    ready = _precompiled_codes(script)
    for i in ids:
        stmt = script.statements[i]
        if ready and len(stmt.path) == 1 and stmt.scope is None and stmt.loop is None \
                and stmt.main_part is None:
            got = ready.get(stmt.path[0])
            if got is not None and got[:2] == (stmt.lineno, stmt.col_offset):
                out[i] = got[2]
                continue
        node = _node_from_text(stmt, script.filename)
        if node is None:
            if tree is None:
                tree = ast.parse(script.source, script.filename)
            body = tree.body
            for k in stmt.path:
                node = body[k]
                body = getattr(node, "body", [])
        nodes = _module_body(node, stmt.path == (0,))
        if stmt.loop is not None:
            from .loopcode import statement_ast

            split = script.loops[stmt.loop[0]]
            body = statement_ast(split, node, stmt.loop[1], stmt.loop[2])
            if stmt.scope is None:
                code = compile(ast.Module(body=body, type_ignores=[]), script.filename, "exec",
                               flags=flags, dont_inherit=True)
            else:
                from ..analysis.mainfn import compile_in_scope

                one = body[0] if len(body) == 1 else ast.copy_location(
                    ast.If(test=ast.Constant(True), body=body, orelse=[]), node)
                code = compile_in_scope(one, stmt.scope, script.filename, flags)
        elif stmt.scope is not None:
            from ..analysis.mainfn import compile_in_scope

            if stmt.main_part is not None:
                node = _main_part_node(tree, stmt.main_part)
            # a statement of main()'s body run at top level: compiled inside
            # ``def main():`` (frame and qualnames as python names them);
            # tracebacks get main()'s call frame (``call_site``)
            code = compile_in_scope(node, stmt.scope, script.filename, flags)
        else:
            module = ast.Module(body=nodes, type_ignores=[])
            code = compile(module, script.filename, "exec", flags=flags, dont_inherit=True)
        out[i] = code
    return out


def _script_future_flags(script: Script) -> int:
    """The ``from __future__`` flags of the script (its top-level imports)."""
    flags = 0
    for stmt in script.statements:
        if len(stmt.path) == 1 and stmt.kind == "import" and "__future__" in stmt.source:
            flags |= future_flags(ast.parse(stmt.source))
    return flags


def _node_from_text(stmt: Statement, filename: str):
    """The syntax tree of a plain top-level statement (no ``main()`` scope,
    no split loop, no definition, at column 0) parsed from its own text and
    moved to its lines; None when it must come from the module's tree (a
    definition's text starts at ``def``/``class``, without its decorators)
    or its text does not parse alone."""
    if (len(stmt.path) != 1 or stmt.scope is not None or stmt.loop is not None
            or stmt.main_part is not None or stmt.col_offset != 0
            or stmt.kind in ("def", "class") or stmt.source.startswith(("def", "async", "class", "@"))):
        return None
    try:
        body = ast.parse(stmt.source, filename).body
    except (SyntaxError, ValueError):
        return None
    if len(body) != 1:
        return None
    return ast.increment_lineno(body[0], stmt.lineno - 1)


def _main_part_node(tree: ast.Module, part: str) -> ast.stmt:
    from ..analysis.effects import _is_main_guard
    from ..analysis.mainfn import find_main, main_part_node

    mc, _ = find_main(tree, _is_main_guard)
    return main_part_node(tree, mc, part)


def loop_codes(script: Script) -> dict:
    """The compiled pieces of every split loop (``runtime.loops.LoopCode``)."""
    if not script.loops:
        return {}
    from .loopcode import compile_loop

    tree = ast.parse(script.source, script.filename)
    flags = future_flags(tree)
    out = {}
    for split in script.loops:
        body, node = tree.body, None
        for k in split.path:
            node = body[k]
            body = getattr(node, "body", [])
        items = next(s for s in script.statements if s.loop == (split.index, "items", 0))
        out[split.index] = compile_loop(split, node, script.filename, flags, items.scope,
                                        items.call_lineno)
    return out


def call_site(script: Script, stmt: Statement) -> tuple[str, int] | None:
    """``(filename, line of the main() call)`` for a statement of ``main()``'s
    body: the ``<module>`` frame its traceback shows below main()'s; None for
    a statement of the module itself."""
    if stmt.scope is None:
        return None
    return (script.filename, stmt.call_lineno)
