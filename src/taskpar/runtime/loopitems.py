"""A split loop's items (``runtime.loops.items``): the iterable evaluated
once, the pairs of two nested loops, and the check that no two iterations
share a mutable object.

``_take(iterable)`` materialises a container or a copy of a plain
iterator (no code of the script runs while it is consumed) and returns the
iterator python would use; ``_pairs`` does so for the inner iterable of each outer item
(``analysis.nesting``); ``_shared_items`` walks the target values of the
iterations (``_objects``: every mutable object reachable, once) for one
object in two of them.
"""

from __future__ import annotations

import gc
import sys
import types

__all__ = ["MAX_ITEMS"]

#: more iterations than this run serially (the chain holds a result per
#: iteration; a billion-element range is not split into a billion)
MAX_ITEMS = 100_000


#: iterators that produce their items without running code of the script
_PLAIN_ITERATORS = tuple({type(iter(x)) for x in ([], (), "", b"", range(0), {}, {}.keys(),
                                                   {}.values(), {}.items(), set(),
                                                   bytearray())})
_CONTAINERS = (list, tuple, range, str, bytes, bytearray, dict, set, frozenset,
               type({}.keys()), type({}.values()), type({}.items()))


def _plain_iterator(obj) -> bool:
    if isinstance(obj, _PLAIN_ITERATORS):
        return True
    if type(obj).__name__ == "flatiter" and type(obj).__module__ == "numpy":
        return True
    if isinstance(obj, (enumerate, zip, reversed)):
        try:
            _, args = obj.__reduce__()[:2]
        except Exception:  # noqa: BLE001 - an exotic iterator: not plain
            return False
        return all(_plain_iterator(a) for a in args if not isinstance(a, int))
    return False


def _is_container(obj) -> bool:
    if isinstance(obj, _CONTAINERS):
        return True
    t = type(obj)
    return t.__name__ == "ndarray" and t.__module__ == "numpy"


def _copy_plain(it):
    """An independent iterator at the same position as plain iterator ``it``
    (rebuilt from its ``__reduce__``, the iterators it wraps copied too, the
    containers shared), or None. Consuming it leaves ``it`` where it was."""
    try:
        red = it.__reduce__()
        fn, args = red[0], red[1]
        copied = []
        for a in args:
            if isinstance(a, int) or _is_container(a):
                copied.append(a)
            else:
                c = _copy_plain(a)
                if c is None:
                    return None
                copied.append(c)
        new = fn(*copied)
        if len(red) > 2 and red[2] is not None:
            new.__setstate__(red[2])
        return new if _plain_iterator(new) else None
    except Exception:  # noqa: BLE001 - an iterator we cannot copy: consumed lazily
        return None


def _take(iterable, copy: bool = True):
    """``(seq, live, reason)``: the items of a loop's iterable and the
    iterator python would use, or (None, live, why not) for a serial loop.

    A plain iterator's items come from a copy (``copy``; without it, or when
    it cannot be copied, the loop runs as written) and ``live`` is the
    iterator itself, which the chain advances one iteration at a time as
    python does: after a ``break`` python leaves it where the break leaves
    it (``it = iter(xs); for i, x in enumerate(it): ... break``, then
    ``next(it)``), and a body that takes items from it too (``next(it)``)
    skips them, as in python. (Consuming it up front gave such a body
    nothing: a loopgen program printed ``[None, None]`` for ``[24]``.)"""
    if _is_container(iterable):
        try:
            n = len(iterable)
        except TypeError:
            n = MAX_ITEMS + 1
        if n > MAX_ITEMS:
            return None, iter(iterable), "too many iterations"
        return list(iterable), iter(iterable), ""
    if _plain_iterator(iterable):
        source = _copy_plain(iterable) if copy else None
        if source is None:
            return None, iter(iterable), "the iterable is consumed lazily"
        seq = []
        for x in source:
            seq.append(x)
            if len(seq) > MAX_ITEMS:
                return None, iterable, "too many iterations"
        return seq, iterable, ""
    return None, iter(iterable), "the iterable is consumed lazily"


def _pairs(outer: list, inner):
    """Two nested loops' items over pairs (``analysis.nesting``): ``(pairs,
    outer index of each, "")`` or ``(None, None, why the loops run as
    written)``. ``inner(a)`` evaluates the inner iterable for outer item ``a``."""
    pairs, group = [], []
    for g, a in enumerate(outer):
        try:
            bs = inner(a)
        except Exception:  # noqa: BLE001 - python raises it in its own loop
            return None, None, "an inner loop's iterable raises an error"
        seq, _, why = _take(bs, copy=False)
        if why:
            return None, None, "an inner loop's " + why.replace("the iterable", "iterable")
        if not seq:
            # python's outer target moves on while the inner one stays
            return None, None, "an inner loop's iterable is empty"
        pairs.extend((a, b) for b in seq)
        group.extend([g] * len(seq))
        if len(pairs) > MAX_ITEMS:
            return None, None, "too many iterations"
    return pairs, group, ""


def _live_pairs(outer, inner):
    """The pairs as python's two loops make them, one outer item at a time."""
    for a in outer:
        for b in inner(a):
            yield a, b


def _immutable_library_types() -> tuple:
    """Library objects that cannot change, shared freely between items:
    numpy's dtypes, pandas' indexes (of the libraries already imported)."""
    out = []
    np = sys.modules.get("numpy")
    if np is not None:
        out.append(np.dtype)
    pd = sys.modules.get("pandas")
    if pd is not None and hasattr(pd, "Index"):
        out.append(pd.Index)
    return tuple(out)


def _shared_items(proj: list, names=(), shareable=(), outer=(), group=None) -> str:
    """Why the iterations' target values cannot be copied apart, or "": two
    of them are, or hold, one mutable object (the same estimator twice, two
    pipelines holding one scaler). A numpy array counts as itself (views of
    one array are not followed to their base: their elements are apart only
    if they do not overlap, which a view of rows of a matrix does not).

    ``names``: the target names of the values; those in ``shareable`` are
    not looked at (``analysis.estimators``). Two nested loops (``group``:
    the outer item of each iteration): the values of ``outer`` names belong to their outer item, which its
    iterations share (the analysis checked that none of them changes it)."""
    owner: dict[int, object] = {}
    budget = _LIMIT
    immutable = _immutable_library_types()
    skip = {k for k, n in enumerate(names) if n in shareable}
    outer = {k for k, n in enumerate(names) if n in outer and k not in skip}
    walked = set()  # outer items seen

    def leaf(o) -> bool:
        t = type(o)
        return isinstance(o, immutable) or (t.__name__ == "ndarray" and t.__module__ == "numpy")

    for i, values_ in enumerate(proj):
        if _ATOM_TYPES.issuperset(map(type, values_)):
            continue  # numbers and strings (most loops): nothing to share
        keyed: dict = {}
        for k, v in enumerate(values_):
            if k in skip or k in outer and group[i] in walked:
                continue
            keyed.setdefault(("outer", group[i]) if k in outer else i, []).append(v)
        if group is not None:
            walked.add(group[i])
        for key, roots in keyed.items():
            for o in _objects(roots, set(), leaf):
                budget -= 1
                if budget < 0:
                    return "its items are too large to check for shared objects"
                t = type(o)
                if t is tuple or t is frozenset or isinstance(o, immutable):
                    continue
                first = owner.setdefault(id(o), key)
                if first != key:
                    return (f"{_iterations(first, key, group)} share an object (a "
                            f"{t.__name__}): a copy per worker would not see what the other "
                            "iteration does to it")
    return ""


def _iterations(a, b, group) -> str:
    """``iterations 1 and 3``, or in words for two nested loops."""
    if group is None:
        return f"iterations {a + 1} and {b + 1}"

    def one(key):
        if isinstance(key, tuple):
            return f"the items of outer iteration {key[1] + 1}"
        return f"iteration {key + 1} (of outer iteration {group[key] + 1})"
    return f"{one(a)} and {one(b)}"


#: objects looked at when checking what a result may share
_LIMIT = 200_000
_ATOMS = (int, float, complex, str, bytes, bool, type(None), range, slice)
_ATOM_TYPES = frozenset(_ATOMS)
_OPAQUE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
           types.MethodType, types.CodeType)


def _objects(roots, seen: set, leaves=None):
    """The objects reachable from ``roots`` not in ``seen`` (their ids are
    added), once each; atoms, classes, functions and modules are not
    objects here, and neither module namespaces nor ``leaves`` are entered."""
    stack = list(roots)
    while stack:
        o = stack.pop()
        if isinstance(o, _ATOMS) or isinstance(o, _OPAQUE) or id(o) in seen:
            continue
        seen.add(id(o))
        yield o
        if isinstance(o, dict) and "__builtins__" in o:
            continue  # a module namespace
        if leaves is not None and leaves(o):
            continue
        stack.extend(gc.get_referents(o))
