"""The synthetic module ``loops`` analyses: each loop unrolled twice.

In place of a loop, ``_unroll`` puts the evaluation of its iterable, the
target bound to an item (``_bind_target``: precisely, for ``enumerate``,
``zip`` and ``dict.items()``), the body (copy A), the target again and the
body again (copy B); an ordered statement's *hoist sites* (``hoist_sites``:
subexpressions with a call, three levels deep, that may be computed apart)
come first, each as ``__tp_h<L>_<j>_<h> = <expr>``, and the statement reads
that name instead. ``loops`` classifies copy B's statements from the
ordinary analysis of this module; ``runtime.loopcode`` finds the same
hoist sites again by their address (``expr_at``/``set_expr_at``).
"""

from __future__ import annotations

import ast

from .astwalk import copy_tree
from .model import Script

__all__ = ["Unrolled", "unroll", "hoist_sites", "expr_at", "set_expr_at", "hoist_name",
           "target_names", "contains_call", "attribute_read", "HIDDEN"]

#: names of the analysis' and the runtime's own values (never the script's)
HIDDEN = "__tp_"


def contains_call(node) -> bool:
    return any(isinstance(n, ast.Call) for n in ast.walk(node))


def target_names(target) -> list[str] | None:
    """Names bound by a loop target made only of names (else None)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        out = []
        for elt in target.elts:
            sub = target_names(elt)
            if sub is None:
                return None
            out += sub
        return out
    return None


def attribute_read(expr) -> str | None:
    """``name`` of an expression ``name.attr`` (no call), else None. Hoisted
    only when ``name`` is bound by private work of the iteration (``loops``):
    ``scores.append(search.best_score_)`` then needs no ``search`` in the
    chain; the part gives the value only if it is a number or a string
    (``runtime.loops``), else the chain runs that iteration itself."""
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return expr.value.id
    return None


def _hoistable(expr) -> bool:
    if attribute_read(expr) is not None:
        return True
    if not contains_call(expr):
        return False
    return not any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.NamedExpr, ast.Starred))
                   for n in ast.walk(expr))


#: how deep hoisting looks into an ordered statement's expressions
_HOIST_DEPTH = 3


def _children(expr, address: tuple) -> list[tuple[tuple, ast.expr]]:
    """Direct subexpressions of ``expr`` that may be hoisted on their own."""
    out = []
    if isinstance(expr, ast.BinOp):
        out = [(address + ("left",), expr.left), (address + ("right",), expr.right)]
    elif isinstance(expr, ast.UnaryOp):
        out = [(address + ("operand",), expr.operand)]
    elif isinstance(expr, ast.Call):
        out = [(address + ("args", i), a) for i, a in enumerate(expr.args)]
        out += [(address + ("keywords", i, "value"), kw.value)
                for i, kw in enumerate(expr.keywords) if kw.arg is not None]
    elif isinstance(expr, ast.Compare):
        out = [(address + ("left",), expr.left)]
        out += [(address + ("comparators", i), c) for i, c in enumerate(expr.comparators)]
    elif isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        out = [(address + ("elts", i), e) for i, e in enumerate(expr.elts)]
    elif isinstance(expr, ast.JoinedStr):
        out = [(address + ("values", i, "value"), v.value) for i, v in enumerate(expr.values)
               if isinstance(v, ast.FormattedValue)]
    elif isinstance(expr, ast.Dict):
        out = [(address + ("values", i), v) for i, v in enumerate(expr.values)]
    return [(a, e) for a, e in out if _hoistable(e)]


def hoist_sites(stmt: ast.stmt) -> list[tuple[tuple, ast.expr, int | None]]:
    """Subexpressions of an ordered statement that may be computed apart:
    ``(address, expr, parent)``, ``parent`` the index of the site this one
    is inside (it is used only when that one cannot be hoisted) or None;
    see ``LoopSplit.hoists``."""
    top = []
    if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and stmt.value is not None:
        top = [(("value",), stmt.value)] if _hoistable(stmt.value) else []
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        top = _children(stmt.value, ("value",))
    out: list = [(a, e, None) for a, e in top]
    level = list(range(len(out)))
    for _ in range(_HOIST_DEPTH - 1):
        nxt = []
        for i in level:
            for a, e in _children(out[i][1], out[i][0]):
                nxt.append(len(out))
                out.append((a, e, i))
        level = nxt
    return out


def expr_at(stmt: ast.stmt, address: tuple):
    node = stmt
    for step in address:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    return node


def set_expr_at(stmt: ast.stmt, address: tuple, new) -> None:
    node = stmt
    for step in address[:-1]:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    last = address[-1]
    if isinstance(last, int):
        node[last] = new
    else:
        setattr(node, last, new)


class Unrolled:
    """Bookkeeping of the synthetic module: what each of its statements is."""

    def __init__(self):
        self.body: list[ast.stmt] = []
        #: per synthetic statement: ("stmt", id) | ("items", L) | ("target", L, copy)
        #: | ("piece", L, copy, j) | ("hoist", L, copy, j, h)
        self.meta: list[tuple] = []
        #: the function a statement was taken from (``main()``), or None
        self.scope: list = []
        self.scope_now = None

    def add(self, node, meta):
        self.body.append(node)
        self.meta.append(meta)
        self.scope.append(self.scope_now)

    def ids(self, statements) -> tuple:
        """``(idx_of, b_ids, a_ids, last_use)``, made once for every loop:
        meta -> index; per loop, the indices of copy B's pieces and hoists (in
        order) and of every statement of copy A; per name, the last of the
        analysed ``statements`` that reads or mutates it."""
        idx_of = {m: i for i, m in enumerate(self.meta)}
        b_ids: dict = {}
        a_ids: dict = {}
        for i, m in enumerate(self.meta):
            if len(m) > 2:
                if m[2] == "A":
                    a_ids.setdefault(m[1], set()).add(i)
                elif m[2] == "B" and m[0] in ("piece", "hoist"):
                    b_ids.setdefault(m[1], []).append(i)
        last_use: dict = {}
        for j, s in enumerate(statements):
            for n in s.reads | s.mutates:
                last_use[n] = j
        return idx_of, b_ids, a_ids, last_use


def hoist_name(L: int, j: int, h: int) -> str:
    return f"{HIDDEN}h{L}_{j}_{h}"


def _same_target(a, b) -> bool:
    def norm(x):
        return ast.dump(x).replace("Load()", "Store()")
    return norm(a) == norm(b)


def _bind_target(node: ast.For, items: str) -> ast.stmt:
    """A statement binding the loop target to an item, for the analysis.

    ``for i, x in enumerate(xs)``: ``i`` is a number, ``x`` an item of
    ``xs``; ``for a, b in zip(as_, bs)``: ``a`` of ``as_``, ``b`` of ``bs``;
    ``for k, v in d.items()``: ``k`` a key, ``v`` a value (the analysis of
    the plain iteration would let every name reach every item).
    """
    def each(target, iterable):
        return ast.For(target=copy_tree(target), iter=iterable, body=[ast.Pass()],
                       orelse=[], type_comment=None)

    t, it = node.target, node.iter
    pairs = None
    if (isinstance(t, ast.Tuple) and isinstance(it, ast.Call) and not it.keywords
            and isinstance(it.func, ast.Name)):
        if it.func.id == "enumerate" and len(it.args) == 1 and len(t.elts) == 2:
            pairs = [(t.elts[1], copy_tree(it.args[0]))]
            first = t.elts[0]
        elif it.func.id == "zip" and len(it.args) == len(t.elts) and it.args:
            pairs = [(e, copy_tree(a)) for e, a in zip(t.elts, it.args)]
            first = None
    if (pairs is None and isinstance(t, ast.Tuple) and len(t.elts) == 2
            and isinstance(it, ast.Call) and not it.args and not it.keywords
            and isinstance(it.func, ast.Attribute) and it.func.attr == "items"):
        d = it.func.value
        pairs = [(e, ast.Call(func=ast.Attribute(copy_tree(d), attr, ast.Load()), args=[],
                              keywords=[])) for e, attr in zip(t.elts, ("keys", "values"))]
        first = None
    if (pairs is None and isinstance(it, ast.GeneratorExp) and isinstance(t, ast.Tuple)
            and len(t.elts) == len(it.generators) and not any(g.ifs for g in it.generators)
            and all(_same_target(e, g.target) for e, g in zip(t.elts, it.generators))):
        # a loop over pairs (``nesting``): each target from its own iterable,
        # in order (the inner iterable may read the outer target)
        pairs = [(g.target, copy_tree(g.iter)) for g in it.generators]
        first = None
    if pairs is None or any(isinstance(a, ast.Starred) for _, a in pairs):
        stmt = each(t, ast.Name(items, ast.Load()))
    else:
        body = [each(e, a) for e, a in pairs]
        if first is not None:
            body.insert(0, ast.Assign(targets=[copy_tree(first)], value=ast.Constant(0)))
        stmt = ast.If(test=ast.Constant(True), body=body, orelse=[])
    return ast.fix_missing_locations(ast.copy_location(stmt, node))


def unroll(script: Script, nodes: list, loops: dict[int, ast.For], comps: dict) -> Unrolled:
    from .comprehensions import accumulator_init, result_expr

    u = Unrolled()
    for s in script.statements:
        node = nodes[s.id]
        L = s.id
        u.scope_now = s.scope
        if L not in loops:
            u.add(node, ("stmt", s.id))
            continue
        if L in comps:
            shape, acc = comps[L]
            u.add(accumulator_init(shape, acc, node), ("compinit", L))
            final = result_expr(node, shape, acc)
        node = loops[L]  # a comprehension's as_loop, two nested loops' loop over pairs
        items = f"{HIDDEN}items{L}"
        u.add(ast.copy_location(ast.Assign(targets=[ast.Name(items, ast.Store())],
                                           value=copy_tree(node.iter)), node),
              ("items", L))
        names = target_names(node.target)
        for c in ("A", "B"):
            # unbind the target first: the binding below may not happen (to
            # the analysis), and the target's old objects would linger
            reset = ast.Assign(targets=[ast.Name(n, ast.Store()) for n in names],
                               value=ast.Constant(None))
            u.add(ast.fix_missing_locations(ast.copy_location(reset, node)), ("reset", L, c))
            u.add(_bind_target(node, items), ("target", L, c))
            for j, stmt in enumerate(node.body):
                sites = hoist_sites(stmt)
                rewritten = copy_tree(stmt)
                for h, (address, expr, parent) in enumerate(sites):
                    name = hoist_name(L, j, h)
                    assign = ast.Assign(targets=[ast.Name(name, ast.Store())],
                                        value=copy_tree(expr))
                    u.add(ast.fix_missing_locations(ast.copy_location(assign, expr)),
                          ("hoist", L, c, j, h))
                    if parent is None:
                        set_expr_at(rewritten, address,
                                    ast.copy_location(ast.Name(name, ast.Load()), expr))
                u.add(rewritten, ("piece", L, c, j))
        if L in comps:
            u.add(final, ("compfinal", L))
    return u


