"""The code of a split loop's statements (see ``runtime.loops``), as ASTs.

Every node taken from the script keeps its file positions, so tracebacks
and warnings name the script's lines exactly as python does. The generated
nodes around them carry the ``for`` statement's position.

``statement_ast(split, node, role, p)`` gives one statement's module body;
``compile_loop(split, node, filename, flags)`` the ``LoopCode`` a worker
needs for the parts (the pieces and hoists compiled one by one).
"""

from __future__ import annotations

import ast
import copy

from ..analysis.loops import expr_at, hoist_sites, set_expr_at
from ..analysis.model import LoopSplit
from .loops import LoopCode

__all__ = ["statement_ast", "compile_loop"]

RT, LOOPS, RUNNER = "__tp_rt", "__tp_loops", "__tp_runner"
#: the name a compiled hoist binds its value to (``runtime.loops``)
HOIST_VALUE = "__tp_hv"


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id_, ast.Store() if store else ast.Load())


def _rt(fn: str, *args) -> ast.Call:
    return ast.Call(func=ast.Attribute(_name(RT), fn, ast.Load()), args=list(args), keywords=[])


def _loop_code(split: LoopSplit) -> ast.expr:
    return ast.Subscript(_name(LOOPS), ast.Constant(split.index), ast.Load())


def _at(node, where):
    """``node`` and its generated children placed at ``where``."""
    for n in ast.walk(node):
        if "lineno" in n._attributes and not hasattr(n, "lineno"):
            ast.copy_location(n, where)
    return node


def statement_ast(split: LoopSplit, node: ast.For, role: str, p: int) -> list[ast.stmt]:
    var = split.var
    if role == "items":
        stmt = ast.Assign(targets=[ast.Tuple([_name(var, True), _name(var + "_p", True)],
                                             ast.Store())],
                          value=_rt("items", _loop_code(split), node.iter))
        return [_at(stmt, node)]
    if role == "part":
        stmt = ast.Assign(targets=[_name(f"{var}_o{p}", True)],
                          value=_rt("part", _loop_code(split), _name(var + "_p"),
                                    ast.Constant(p), _name(RUNNER)))
        return [_at(stmt, node)]
    assert role == "chain", role
    body = _chain_body(split, node)
    loop = ast.For(target=node.target, iter=_rt("iterate", _name(var)), body=body,
                   orelse=[ast.Expr(_rt("completed", _name(var)))], type_comment=None)
    _at(loop.orelse[0], node)
    parallel = _at(ast.If(test=_rt("block", _name(var), _name(f"{var}_o{p}"), ast.Constant(p)),
                          body=[_at(loop, node)], orelse=[]), node)
    if p == 0:
        # serial mode: the loop as written, over the iterator items() made
        serial = ast.For(target=node.target, iter=_rt("remaining", _name(var)), body=node.body,
                         orelse=node.orelse, type_comment=None)
        parallel = _at(ast.If(test=_rt("serial", _name(var)), body=[_at(serial, node)],
                              orelse=[parallel]), node)
    out = [parallel]
    if node.orelse and p == split.parts - 1:
        out.append(_at(ast.If(test=_rt("finished", _name(var)), body=node.orelse, orelse=[]),
                       node.orelse[0]))
    return out


def _chain_body(split: LoopSplit, node: ast.For) -> list[ast.stmt]:
    var = split.var
    hoists_of: dict[int, list[tuple[int, tuple]]] = {}
    for h, (j, address) in enumerate(split.hoists):
        hoists_of.setdefault(j, []).append((h, address))
    body = []
    for j, stmt in enumerate(node.body):
        if j in split.pieces:
            k = split.pieces.index(j)
            test = ast.UnaryOp(ast.Not(), _rt("take", _name(var), ast.Constant(k), _name(RUNNER)))
            body.append(_at(ast.If(test=test, body=[stmt], orelse=[]), stmt))
        elif j in hoists_of:
            sites = {a: e for a, e, _ in hoist_sites(stmt)}
            new = copy.deepcopy(stmt)
            for h, address in hoists_of[j]:
                expr = sites[tuple(address)]
                got = ast.IfExp(test=_rt("has", _name(var), ast.Constant(h)),
                                body=_rt("value", _name(var), ast.Constant(h), _name(RUNNER)),
                                orelse=copy.deepcopy(expr))
                set_expr_at(new, tuple(address), _at(got, expr))
            body.append(new)
        else:
            body.append(stmt)
    return body


def compile_loop(split: LoopSplit, node: ast.For, filename: str, flags: int,
                 scope: str | None = None, call_lineno: int | None = None) -> LoopCode:
    """The pieces and hoists, each compiled on its own (a hoist as
    ``__tp_hv = <expr>``); in ``scope`` (a ``main()`` loop) as the
    interpreter compiles main()'s statements."""
    from .interpreter import CALL_FRAMES

    def one(stmt):
        if scope is None:
            return compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec",
                           flags=flags, dont_inherit=True)
        from ..analysis.mainfn import compile_in_scope

        code = compile_in_scope(stmt, scope, filename, flags)
        CALL_FRAMES[code] = (filename, call_lineno)
        return code

    units = []
    hoists_of: dict[int, list[tuple[int, tuple]]] = {}
    for h, (j, address) in enumerate(split.hoists):
        hoists_of.setdefault(j, []).append((h, address))
    for j, stmt in enumerate(node.body):
        if j in split.pieces:
            units.append(("piece", split.pieces.index(j), one(stmt)))
        for h, address in hoists_of.get(j, ()):
            expr = expr_at(stmt, tuple(address))
            assign = ast.Assign(targets=[_name(HOIST_VALUE, True)], value=expr)
            units.append(("hoist", h, one(_at(assign, expr))))
    # def __tp_project(__tp_item): <target> = __tp_item; return (<target reads>,)
    assign = ast.Assign(targets=[copy.deepcopy(node.target)], value=_name("__tp_item"))
    ret = ast.Return(ast.Tuple([_name(n) for n in split.target_reads], ast.Load()))
    fn = ast.FunctionDef(name="__tp_project", args=ast.arguments(
        posonlyargs=[], args=[ast.arg("__tp_item")], vararg=None, kwonlyargs=[], kw_defaults=[],
        kwarg=None, defaults=[]), body=[assign, ret], decorator_list=[], returns=None,
        type_comment=None)
    scratch: dict = {"__builtins__": {}}
    exec(compile(ast.fix_missing_locations(ast.Module(body=[_at(fn, node)], type_ignores=[])),
                 "<loop target>", "exec"), scratch)
    return LoopCode(split, tuple(units), scratch["__tp_project"])
