"""Walking the AST cheaply: ``ast.iter_child_nodes`` and ``ast.walk`` without their cost.

Design note. The analysis walks whole scripts several times (scopes,
bindings, script facts); ``ast.iter_child_nodes`` runs two generators and a
``getattr`` per field of every node, identifiers and all. ``children`` gives
the same nodes in the same order as a list, looking only at the fields that
can hold a node (per class, computed once), and leaves out the operator and
context singletons (``Load``, ``Store``, ``Add``, ``Eq``...: nodes without
fields that no walk of the analysis looks for). ``walk`` is ``ast.walk``
(breadth first, the same order) over ``children``. ``copy_tree`` is
``copy.deepcopy`` of a tree — the same copy, sharing included — without
deepcopy's reduce protocol and dispatch per value.
"""

from __future__ import annotations

import ast
import copy

__all__ = ["children", "walk", "copy_tree"]

_AST = ast.AST
#: fields that never hold a node (identifiers, numbers, flags), and the
#: operator/context fields (``ctx``, ``op``, ``ops``), whose nodes are left out
_NOT_NODES = frozenset({"arg", "asname", "attr", "conversion", "ctx", "id", "is_async", "kind",
                        "kwd_attrs", "level", "lineno", "module", "name", "op", "ops", "simple",
                        "tag", "type_comment", "n", "s"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls) -> tuple[str, ...]:
    fs = tuple(f for f in cls._fields if f not in _NOT_NODES
               and not (f == "value" and cls in (ast.Constant, ast.MatchSingleton)))
    _FIELDS[cls] = fs
    return fs


def children(node) -> list:
    """``list(ast.iter_child_nodes(node))`` without operator/context nodes."""
    out = []
    fs = _FIELDS.get(node.__class__)
    if fs is None:
        fs = _fields(node.__class__)
    for f in fs:
        v = getattr(node, f, None)
        if isinstance(v, _AST):
            out.append(v)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, _AST):
                    out.append(x)
    return out


def walk(node) -> list:
    """``list(ast.walk(node))`` without operator/context nodes."""
    out = [node]
    for n in out:  # the list grows while it is read: breadth first, as ast.walk
        out.extend(children(n))
    return out


#: values deepcopy returns as they are
_SHARED = frozenset({int, float, complex, str, bytes, bool, type(None), type(Ellipsis)})


def copy_tree(node, memo: dict | None = None):
    """``copy.deepcopy(node, memo)`` for syntax trees (lists and nodes copied here,
    anything else by ``copy.deepcopy`` with the same memo)."""
    return _copy(node, {} if memo is None else memo)


def _copy(x, memo: dict):
    cls = x.__class__
    if cls in _SHARED:
        return x
    y = memo.get(id(x))
    if y is not None:
        return y
    if isinstance(x, _AST):  # deepcopy: cls(), then the copied __dict__ (ast's __reduce__)
        y = memo[id(x)] = cls()
        y.__dict__.update({k: _copy(v, memo) for k, v in x.__dict__.items()})
        return y
    if cls is list:
        y = memo[id(x)] = []
        for v in x:
            y.append(_copy(v, memo))
        return y
    return copy.deepcopy(x, memo)
