"""Comprehensions and maps at top level, seen as loops (``loops``).

``results = [f(x) for x in xs]`` is, to python, a loop that appends
``f(x)`` to a new list in order; so are ``{k: f(k) for k in ks}``,
``{f(x) for x in xs}``, ``total = sum(f(x) for x in xs)`` (and ``list``,
``tuple``, ``set``, ``frozenset``, ``sorted``, ``min``, ``max`` of a
generator: they consume all of it) and ``out = list(map(f, xs))``.
``comprehension_shape(stmt)`` recognises such a statement (one ``for``, no
``if``, a target of plain names, an element without lambdas, nested
comprehensions, ``await``/``yield`` or ``:=``) and ``as_loop`` gives the
loop the analysis and the runtime treat it as::

    for x in xs:                        # the comprehension's own iterable
        __tp_cK.append(f(x))            # dict: __tp_cK.__setitem__(k, v)

with the accumulator ``__tp_cK`` made before it and ``results = __tp_cK``
(``sum(__tp_cK)``, ...) after it, every node at the position of the node it
stands for (tracebacks name the comprehension's line). The comprehension
variable does not leak: the chain restores the names it bound.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

from .astwalk import copy_tree

__all__ = ["CompShape", "comprehension_shape", "as_loop", "accumulator_init", "result_expr",
           "frame_name"]

#: functions that consume the whole generator they are given
CONSUMERS = frozenset({"sum", "list", "tuple", "set", "frozenset", "sorted", "min", "max"})
_FORBIDDEN = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
              ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


@dataclass(frozen=True)
class CompShape:
    #: "list", "set", "dict", "gen" (a consumer of a generator) or "map"
    kind: str
    #: the name the statement binds
    name: str
    #: the consumer for "gen" and "map" (``sum``, ``list``, ...), else ""
    consumer: str = ""


def _plain_target(t) -> bool:
    if isinstance(t, ast.Name):
        return True
    return isinstance(t, (ast.Tuple, ast.List)) and all(_plain_target(e) for e in t.elts)


def _simple_generator(comp) -> bool:
    if len(comp.generators) != 1:
        return False
    g = comp.generators[0]
    if g.ifs or g.is_async or not _plain_target(g.target):
        return False
    parts = [comp.key, comp.value] if isinstance(comp, ast.DictComp) else [comp.elt]
    return not any(isinstance(n, _FORBIDDEN) for p in parts for n in ast.walk(p))


_KINDS = {ast.ListComp: "list", ast.SetComp: "set", ast.DictComp: "dict"}
#: the values of the assignments ``comprehension_shape`` may recognise
SHAPED_VALUES = frozenset(_KINDS) | {ast.Call}


def comprehension_shape(stmt, script_bound=frozenset()) -> CompShape | None:
    """The shape of a statement this module turns into a loop, or None.

    ``script_bound``: names the script binds (a consumer the script rebinds
    is not the builtin)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)):
        return None
    name, v = stmt.targets[0].id, stmt.value
    if type(v) in _KINDS:
        return CompShape(_KINDS[type(v)], name) if _simple_generator(v) else None
    if not (isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and len(v.args) == 1
            and not v.keywords and v.func.id in CONSUMERS and v.func.id not in script_bound):
        return None
    arg = v.args[0]
    if isinstance(arg, ast.GeneratorExp) and _simple_generator(arg):
        return CompShape("gen", name, v.func.id)
    if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "map"
            and "map" not in script_bound and len(arg.args) == 2 and not arg.keywords
            and isinstance(arg.args[0], ast.Name)
            and not isinstance(arg.args[1], ast.Starred)):
        return CompShape("map", name, v.func.id)
    return None


def _comp(stmt):
    v = stmt.value
    return v.args[0] if isinstance(v, ast.Call) else v


def _at(node, where):
    for n in ast.walk(node):
        if "lineno" in n._attributes and not hasattr(n, "lineno"):
            ast.copy_location(n, where)
    return node


#: the name of the loop target ``map`` gets
MAP_ITEM = "__tp_item"


def as_loop(stmt, shape: CompShape, acc: str) -> ast.For:
    """The loop ``stmt`` stands for (see the module docstring)."""
    comp = _comp(stmt)
    append = ast.Attribute(ast.Name(acc, ast.Load()), "append", ast.Load())
    if shape.kind == "map":
        fn, xs = comp.args
        call = stmt.value  # list(map(f, xs)): its position is where python reports f's errors
        elt = _at(ast.Call(func=copy_tree(fn), args=[ast.Name(MAP_ITEM, ast.Load())],
                           keywords=[]), call)
        body = ast.Expr(ast.Call(func=append, args=[elt], keywords=[]))
        loop = ast.For(target=ast.Name(MAP_ITEM, ast.Store()), iter=xs, body=[_at(body, call)],
                       orelse=[], type_comment=None)
        return _at(loop, stmt)
    g = comp.generators[0]
    if shape.kind == "dict":
        call = ast.Call(func=ast.Attribute(ast.Name(acc, ast.Load()), "__setitem__", ast.Load()),
                        args=[comp.key, comp.value], keywords=[])
    elif shape.kind == "set":
        call = ast.Call(func=ast.Attribute(ast.Name(acc, ast.Load()), "add", ast.Load()),
                        args=[comp.elt], keywords=[])
    else:
        call = ast.Call(func=append, args=[comp.elt], keywords=[])
    body = _at(ast.Expr(call), comp)
    return _at(ast.For(target=g.target, iter=g.iter, body=[body], orelse=[], type_comment=None),
               stmt)


def accumulator_init(shape: CompShape, acc: str, where) -> ast.stmt:
    """``__tp_cK = []`` (``{}``, ``set()``)."""
    value = (ast.Dict(keys=[], values=[]) if shape.kind == "dict" else
             ast.Call(func=ast.Name("set", ast.Load()), args=[], keywords=[])
             if shape.kind == "set" else ast.List(elts=[], ctx=ast.Load()))
    return _at(ast.Assign(targets=[ast.Name(acc, ast.Store())], value=value), where)


def result_expr(stmt, shape: CompShape, acc: str) -> ast.stmt:
    """``NAME = __tp_cK`` (or ``NAME = sum(__tp_cK)``: the consumer's own
    call, so that an error it raises has python's position)."""
    value: ast.expr = ast.Name(acc, ast.Load())
    if shape.kind in ("gen", "map"):
        value = ast.Call(func=copy_tree(stmt.value.func), args=[value], keywords=[])
        ast.copy_location(value, stmt.value)
    return _at(ast.Assign(targets=[ast.Name(shape.name, ast.Store())], value=value), stmt)


def frame_name(shape: CompShape) -> str | None:
    """The frame python runs the element in (``<listcomp>``...), None if none:
    a map calls the function from the consumer's frame; python 3.12 inlines
    list, set and dict comprehensions (PEP 709)."""
    if shape.kind == "gen":
        return "<genexpr>"
    if shape.kind == "map" or sys.version_info >= (3, 12):
        return None
    return {"list": "<listcomp>", "set": "<setcomp>", "dict": "<dictcomp>"}[shape.kind]


def comp_target_names(stmt, shape: CompShape) -> list[str]:
    """The names the comprehension binds (which python does not leak)."""
    if shape.kind == "map":
        return [MAP_ITEM]
    t = _comp(stmt).generators[0].target
    return [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]


def frame_position(stmt, shape: CompShape):
    """The node whose position python's ``<module>`` frame shows for an
    error in the element: the comprehension, or the consumer's call."""
    return stmt.value if shape.kind in ("gen", "map") else _comp(stmt)
