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

from ..analysis.unroll import expr_at, hoist_sites, set_expr_at
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


def _shape(split: LoopSplit):
    from ..analysis.comprehensions import CompShape

    kind, name, consumer, acc = split.comp
    return CompShape(kind, name, consumer), acc


def loop_node(split: LoopSplit, node) -> ast.For:
    """The ``for`` statement of a split loop (a comprehension's ``as_loop``,
    two nested loops' loop over pairs)."""
    if split.outer:
        from ..analysis.nesting import flat_loop

        return flat_loop(node)
    if not split.comp:
        return node
    from ..analysis.comprehensions import as_loop

    shape, acc = _shape(split)
    return as_loop(node, shape, acc)


def statement_ast(split: LoopSplit, stmt, role: str, p: int) -> list[ast.stmt]:
    """The module body of one of ``split``'s statements; ``stmt`` is the
    script's statement (the ``for``, or the comprehension's assignment)."""
    var = split.var
    node = loop_node(split, stmt)
    if role == "items":
        args = [_loop_code(split), node.iter]
        if split.outer:
            args[1:] = _nested_items(node)
        stmt = ast.Assign(targets=[ast.Tuple([_name(var, True), _name(var + "_p", True)],
                                             ast.Store())],
                          value=_rt("items", *args))
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
    inside = [_at(loop, node)]
    if split.comp and p == 0:
        from ..analysis.comprehensions import accumulator_init, comp_target_names

        shape, acc = _shape(split)
        names = ast.Tuple([ast.Constant(n) for n in comp_target_names(stmt, shape)], ast.Load())
        inside = [accumulator_init(shape, acc, stmt),
                  _at(ast.Expr(_rt("save_names", _name(var), names)), stmt)] + inside
    parallel = _at(ast.If(test=_rt("block", _name(var), _name(f"{var}_o{p}"), ast.Constant(p),
                                   _name(RUNNER)),
                          body=inside, orelse=[]), node)
    if p == 0:
        # serial mode: the loop as written (a comprehension: the statement
        # itself), over the iterator items() made
        if split.comp:
            serial = _serial_comprehension(split, stmt)
        elif split.outer:  # the two loops as written, over the outer items
            serial = _at(ast.For(target=stmt.target, iter=_rt("remaining", _name(var)),
                                 body=stmt.body, orelse=stmt.orelse, type_comment=None), stmt)
        else:
            serial = _at(ast.For(target=node.target, iter=_rt("remaining", _name(var)),
                                 body=node.body, orelse=node.orelse, type_comment=None), node)
        parallel = _at(ast.If(test=_rt("serial", _name(var)), body=[serial],
                              orelse=[parallel]), node)
    out = [parallel]
    if node.orelse and p == split.parts - 1:
        out.append(_at(ast.If(test=_rt("finished", _name(var)), body=node.orelse, orelse=[]),
                       node.orelse[0]))
    if split.comp and p == split.parts - 1:
        from ..analysis.comprehensions import result_expr

        shape, acc = _shape(split)
        done = [result_expr(stmt, shape, acc), _at(ast.Expr(_rt("restore_names", _name(var))), stmt)]
        out.append(_at(ast.If(test=_rt("finished", _name(var)), body=done, orelse=[]), stmt))
    return out


def _nested_items(flat: ast.For) -> list[ast.expr]:
    """``A, lambda __tp_item: [B for <outer target> in (__tp_item,)][0]``:
    the outer iterable, and the inner one of an outer item."""
    from ..analysis.nesting import parts_of

    outer_t, a, _, b = parts_of(flat)
    one = ast.ListComp(elt=copy.deepcopy(b), generators=[ast.comprehension(
        copy.deepcopy(outer_t), ast.Tuple([_name("__tp_item")], ast.Load()), [], 0)])
    fn = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[ast.arg("__tp_item")], vararg=None,
                                       kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
                    body=ast.Subscript(one, ast.Constant(0), ast.Load()))
    return [a, _at(fn, b)]


def _serial_comprehension(split: LoopSplit, stmt) -> ast.stmt:
    """The comprehension as written, its first iterable replaced by the
    iterator ``items`` made from it (python evaluates it once)."""
    new = copy.deepcopy(stmt)
    node = loop_node(split, new)  # as_loop shares the iterable node with ``new``
    it = _at(_rt("remaining", _name(split.var)), node.iter)
    comp = new.value.args[0] if isinstance(new.value, ast.Call) else new.value
    if split.comp[0] == "map":
        comp.args[1] = it
    else:
        comp.generators[0].iter = it
    return new


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


def _compile_pair(fn, call, one):
    """One code for ``fn`` then ``call`` (as ``one`` compiles a statement)."""
    block = ast.If(test=ast.Constant(True), body=[fn, call], orelse=[])
    return one(_at(block, call))


def _renamed(code, old: str, new: str):
    """``code`` with the nested function code named ``old`` named ``new``."""
    consts = tuple(_renamed(c, old, new) if hasattr(c, "co_code") else c for c in code.co_consts)
    if code.co_name == old:
        changes = {"co_name": new}
        if hasattr(code, "co_qualname"):
            changes["co_qualname"] = code.co_qualname[: -len(old)] + new
        return code.replace(co_consts=consts, **changes)
    return code.replace(co_consts=consts)


def compile_loop(split: LoopSplit, node: ast.For, filename: str, flags: int,
                 scope: str | None = None, call_lineno: int | None = None) -> LoopCode:
    """The pieces and hoists, each compiled on its own (a hoist as
    ``__tp_hv = <expr>``); in ``scope`` (a ``main()`` loop) as the
    interpreter compiles main()'s statements."""
    def one(stmt):
        if scope is None:
            return compile(ast.Module(body=[stmt], type_ignores=[]), filename, "exec",
                           flags=flags, dont_inherit=True)
        from ..analysis.mainfn import compile_in_scope

        return compile_in_scope(stmt, scope, filename, flags)

    units = []
    hoists_of: dict[int, list[tuple[int, tuple]]] = {}
    for h, (j, address) in enumerate(split.hoists):
        hoists_of.setdefault(j, []).append((h, address))
    frame = None
    if split.comp:
        from ..analysis.comprehensions import frame_name, frame_position

        shape, _ = _shape(split)
        frame, where = frame_name(shape), frame_position(node, shape)
    node = loop_node(split, node)
    for j, stmt in enumerate(node.body):
        if j in split.pieces:
            units.append(("piece", split.pieces.index(j), one(stmt)))
        for h, address in hoists_of.get(j, ()):
            expr = expr_at(stmt, tuple(address))
            if frame is None:
                units.append(("hoist", h, one(_at(ast.Assign(
                    targets=[_name(HOIST_VALUE, True)], value=expr), expr))))
                continue
            # the element in a function of python's frame name (<listcomp>):
            # def __tp_elt(): return <expr>;  __tp_hv = __tp_elt()
            fn = ast.FunctionDef(name="__tp_elt", args=ast.arguments(
                posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                defaults=[]), body=[_at(ast.Return(expr), expr)], decorator_list=[],
                returns=None, type_comment=None)
            call = _at(ast.Assign(targets=[_name(HOIST_VALUE, True)],
                                  value=ast.Call(func=_name("__tp_elt"), args=[], keywords=[])),
                       where)
            code = _compile_pair(_at(fn, expr), call, one)
            units.append(("hoist", h, _renamed(code, "__tp_elt", frame)))
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
    from ..analysis.unroll import attribute_read

    atoms = frozenset(h for h, (j, address) in enumerate(split.hoists)
                      if attribute_read(expr_at(node.body[j], tuple(address))) is not None)
    return LoopCode(split, tuple(units), scratch["__tp_project"],
                    call=None if scope is None else (filename, call_lineno), atoms=atoms)
