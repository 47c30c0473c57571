"""Two nested loops seen as one loop over pairs.

``for a in A: for b in B: body`` (the outer body is only the inner loop)
runs the same statements as ``for a, b in ((a, b) for a in A for b in B):
body`` when:

* the inner loop has no ``else`` and no ``break`` of its own (a
  ``continue`` goes to the next pair either way);
* ``B`` is a plain expression (names, attributes, subscripts, constants,
  displays, arithmetic and ``range``/``enumerate``/``zip``/``len``/
  ``.items()``...: evaluating it twice gives the same items and prints
  nothing);
* the body binds neither the outer target nor a name ``B`` reads (python
  evaluates ``B`` once per outer item, after the body of the previous one;
  the analysis checks that the body does not change those objects either,
  see ``loops``).

The pairs differ from python's loop in one case only, which the run time
sees before any iteration runs (``runtime.loops``): an inner iterable that
is empty (python's outer target moves on, the inner one keeps its value),
lazy or failing. The loop then runs as written.

``flat_loop(node)`` gives the loop over pairs (its ``iter`` a generator
expression: the analysis reads ``A`` and ``B`` with python's scoping), or
None.
"""

from __future__ import annotations

import ast

from .astwalk import copy_tree
from .scopes import scope_bindings
from .unroll import target_names

__all__ = ["flat_loop", "parts_of", "loop_jumps"]

#: calls an inner iterable may make: they build a container or an iterator
#: over one without running code of the script
_PLAIN_CALLS = frozenset({"range", "enumerate", "zip", "len", "reversed", "list", "tuple",
                          "sorted", "min", "max", "abs", "int"})
_PLAIN_METHODS = frozenset({"items", "keys", "values"})
_PLAIN_NODES = (ast.Name, ast.Attribute, ast.Subscript, ast.Constant, ast.Tuple, ast.List,
                ast.Slice, ast.BinOp, ast.UnaryOp, ast.Load, ast.operator, ast.unaryop,
                ast.keyword, ast.Call)


def loop_jumps(stmt, kinds=(ast.Break, ast.Continue)) -> bool:
    """True if ``stmt`` holds a jump of ``kinds`` of the loop it is in."""
    stack = [stmt]
    while stack:
        n = stack.pop()
        if isinstance(n, kinds):
            return True
        for c in ast.iter_child_nodes(n):
            if isinstance(c, (ast.For, ast.AsyncFor, ast.While)):
                stack.extend(c.orelse)  # a jump in the inner loop's else is ours
                continue
            if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            stack.append(c)
    return False


def _plain(expr) -> bool:
    for n in ast.walk(expr):
        if not isinstance(n, _PLAIN_NODES):
            return False
        if isinstance(n, ast.Call):
            f = n.func
            if not (isinstance(f, ast.Name) and f.id in _PLAIN_CALLS
                    or isinstance(f, ast.Attribute) and f.attr in _PLAIN_METHODS and not n.args):
                return False
            if any(isinstance(a, ast.Starred) for a in n.args) or any(
                    k.arg is None for k in n.keywords):
                return False
    return True


def _names(expr) -> set[str]:
    return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}


def _load(target):
    out = copy_tree(target)
    for n in ast.walk(out):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    return out


def parts_of(flat: ast.For):
    """``(outer target, A, inner target, B)`` of a loop made by ``flat_loop``."""
    outer, inner = flat.iter.generators
    return outer.target, outer.iter, inner.target, inner.iter


def flat_loop(node) -> ast.For | None:
    """The loop over pairs equivalent to ``node`` (see the module docstring), or None."""
    if type(node) is not ast.For or len(node.body) != 1 or type(node.body[0]) is not ast.For:
        return None
    inner = node.body[0]
    if inner.orelse or any(loop_jumps(s, (ast.Break,)) for s in inner.body):
        return None
    outer_names, inner_names = target_names(node.target), target_names(inner.target)
    if outer_names is None or inner_names is None or set(outer_names) & set(inner_names):
        return None
    if not _plain(inner.iter):
        return None
    fixed = set(outer_names) | (_names(inner.iter) - set(outer_names))
    if fixed & set(inner_names) or fixed & scope_bindings(inner.body).bound:
        return None
    pairs = ast.GeneratorExp(
        elt=ast.Tuple([_load(node.target), _load(inner.target)], ast.Load()),
        generators=[ast.comprehension(copy_tree(node.target), node.iter, [], 0),
                    ast.comprehension(copy_tree(inner.target), inner.iter, [], 0)])
    target = ast.Tuple([copy_tree(node.target), copy_tree(inner.target)], ast.Store())
    flat = ast.For(target=target, iter=pairs, body=inner.body, orelse=node.orelse,
                   type_comment=None)
    for n in (flat, target, pairs, pairs.elt):
        ast.copy_location(n, node)
    return ast.fix_missing_locations(flat)


def fixed_names(flat: ast.For) -> set[str]:
    """Names the body must not change: the outer target and what ``B`` reads."""
    outer_t, _, _, b = parts_of(flat)
    outer = set(target_names(outer_t))
    return outer | (_names(b) - outer)
