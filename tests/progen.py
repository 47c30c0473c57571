"""A generator of random, deterministic, terminating Python scripts.

Used by the analysis soundness property test (tests/analysis/test_property.py)
and by anything else that wants "a script nobody has seen" (end-to-end runtime
tests, benchmarks)::

    from progen import generate_program, program_from_seed, programs

    src = program_from_seed(7)                  # plain, reproducible
    src = generate_program(random.Random(7), 30)
    @given(programs())                          # hypothesis, shrinks nicely
    def test(src): ...

What a generated script contains (every program draws from all of it):

* a pool of variables ``x0``..``x7`` bound, rebound and deleted (``del``) with
  ints, floats, strings, lists of ints, lists of lists (aliasing inner lists),
  dicts (str->int and str->list), sets of ints, instances of a script class,
  lambdas, closures and bound methods;
* aliasing: ``b = a``, ``b = [a, c]``, ``b = a[0] if a else []``, ``d["k"] = a``,
  ``b = o.items``, ``b = ident(a)`` (a function returning its argument), for
  loops whose target aliases the elements of a list of lists, comprehensions
  collecting aliases;
* in-place mutation: ``append/extend/insert/sort/reverse/pop``, ``a[0] = v``,
  ``a[-1:] = [v]``, ``del a[0]``, ``d[k] = v``, ``del d[k]``, ``d.update``,
  ``s.add``, ``a += [v]``, ``d |= {...}``, attribute stores and deletes on
  instances, ``random.shuffle(a)``, calls of functions that mutate their
  parameter or a global list, calls of bound methods stored in variables,
  calls of stateful closures (the callable's own state changes);
* script functions ``f0``..``f5`` that read globals when called, call lower
  numbered functions (so reads are transitive), write globals through
  ``global``, take default values and decorators evaluated at definition
  time, return their argument, or build closures (``nonlocal`` or a cell
  list); functions are sometimes redefined;
* a class ``K`` with a class counter bumped in ``__init__``, a method that
  mutates ``self`` and one that reads a global;
* comprehensions (list/dict/set/generator, walrus binding a module name,
  comprehension variables that shadow module names), top-level walrus;
* top-level ``if``/``for``/``while``/``try``/``with`` blocks that bind names
  conditionally; ``try/except NameError`` around names that may be unbound;
* the ``random`` module (``seed``, ``random``, ``randint``, ``choice``,
  ``shuffle``, ``sample``) seeded inside the program;
* files in a temp dir made by the program (``tempfile.mkdtemp()``, absolute
  paths via ``os.path.join(tmp, ...)``), written, appended, read, listed,
  removed, and the directory removed at the end;
* sometimes two statements on one line (``a = 1; print(a)``) and an
  ``if __name__ == "__main__":`` block holding the tail of the script.

Guarantees: a program never reads a name that might be unbound without a
``try/except NameError`` guard, only calls functions whose globals are bound
with the right types, never prints an object address or a set of strings
(so output is identical across processes and hash seeds), keeps ints below a
few thousand and lists short, and every loop is bounded (iteration over a
copy, or a counter), so a serial run succeeds in milliseconds.

The generator tracks, per name, the set of types it may hold (``"U"`` =
maybe unbound); an operation is only emitted when its inputs are bound with
exactly the type it needs.
"""

from __future__ import annotations

import random as _random
import re
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["generate_program", "program_from_seed", "programs", "POOL"]

POOL = tuple(f"x{i}" for i in range(8))
FUNCS = tuple(f"f{i}" for i in range(6))
U = "U"
M = 1009  # every int expression is reduced modulo this: values stay small
DATA = frozenset({"int", "float", "str", "li", "ll", "dict", "dl", "set"})
MUTABLE = frozenset({"li", "ll", "dict", "dl", "set", "obj", "bm"})
KEYS = ("a", "b", "c", "d")
FILES = ("f0.txt", "f1.txt", "f2.txt")


# --------------------------------------------------------------------------
# choice sources: random.Random or a hypothesis ``draw``


class _RandomChooser:
    def __init__(self, rng: _random.Random):
        self.rng = rng

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def flag(self, p: float) -> bool:
        return self.rng.random() < p


class _DrawChooser:
    """Choices from hypothesis; every choice shrinks towards 0 (simplest)."""

    def __init__(self, draw: Callable):
        from hypothesis import strategies as st

        self.draw = draw
        self.st = st
        self._cache: dict = {}

    def int(self, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        key = (lo, hi)
        s = self._cache.get(key)
        if s is None:
            s = self._cache[key] = self.st.integers(lo, hi)
        return self.draw(s)

    def flag(self, p: float) -> bool:
        # 0 (the shrink target) means False
        return self.int(0, 99) >= 100 - round(p * 100)


class _Ch:
    """Convenience layer over a chooser."""

    def __init__(self, base):
        self.b = base

    def int(self, lo, hi):
        return self.b.int(lo, hi)

    def flag(self, p):
        return self.b.flag(p)

    def pick(self, seq):
        seq = list(seq)
        return seq[self.b.int(0, len(seq) - 1)]

    def weighted(self, items):
        total = sum(w for w, _ in items)
        k = self.b.int(0, total - 1)
        for w, it in items:
            if k < w:
                return it
            k -= w
        return items[-1][1]


# --------------------------------------------------------------------------
# the static state the generator tracks


@dataclass
class FnSpec:
    """What calling a callable needs and does (globals only)."""

    reqs: dict = field(default_factory=dict)  # name -> type it must hold
    gwrites: frozenset = frozenset()  # names bound to an int (``global``)
    callees: tuple = ()  # f-names called (lower numbered: no cycles)


class State:
    def __init__(self):
        self.v: dict[str, frozenset] = {n: frozenset({U}) for n in POOL}
        self.v["fh"] = frozenset({U})
        self.funcs: dict[str, FnSpec] = {}  # current definition of f-names
        self.fsig: dict[str, str] = {}  # f-name -> "ii" | "lm" | "id" | "mk"
        self.fnspecs: dict[int, FnSpec] = {}  # spec of ("fn", k) values
        self.kglobal: str | None = None  # class K defined; name its total() reads
        self.dec: FnSpec | None = None  # decorator ``dec`` defined
        self.files: set[str] = set()  # files that surely exist
        self.label = 0
        # may-alias bookkeeping, only to *bias* choices towards observing an
        # object through another name (validity never depends on it)
        self.tok: dict[str, frozenset] = {}
        self.ntok = [0]

    def copy(self) -> "State":
        s = State.__new__(State)
        s.v = dict(self.v)
        s.funcs = dict(self.funcs)
        s.fsig = dict(self.fsig)
        s.fnspecs = self.fnspecs  # shared, append-only
        s.kglobal = self.kglobal
        s.dec = self.dec
        s.files = set(self.files)
        s.label = self.label
        s.tok = dict(self.tok)
        s.ntok = self.ntok
        return s

    def join(self, other: "State") -> None:
        """Merge the state of another path through a block into this one."""
        for n in self.v:
            self.v[n] = self.v[n] | other.v[n]
        self.files &= other.files
        self.label = max(self.label, other.label)
        for n, t in other.tok.items():
            self.tok[n] = self.tok.get(n, frozenset()) | t

    def exact(self, n: str):
        t = self.v.get(n)
        if t is None or len(t) != 1:
            return None
        (x,) = t
        return None if x == U else x

    def names(self, pred) -> list[str]:
        return [n for n in POOL if (t := self.exact(n)) is not None and pred(t)]

    def of(self, *types) -> list[str]:
        return self.names(lambda t: t in types)

    def fresh(self) -> frozenset:
        self.ntok[0] += 1
        return frozenset({self.ntok[0]})

    def toks(self, *names: str) -> frozenset:
        out = frozenset()
        for n in names:
            out |= self.tok.get(n, frozenset())
        return out

    def bind(self, n: str, t, toks: frozenset | None = None) -> None:
        """Bind ``n`` to a value of type ``t`` sharing objects ``toks`` (None: new)."""
        self.v[n] = frozenset({t})
        if t in MUTABLE or isinstance(t, tuple):
            self.tok[n] = self.fresh() if toks is None else toks
        else:
            self.tok.pop(n, None)

    def aliases(self, n: str) -> list[str]:
        """Other bound names that may share an object with ``n``."""
        mine = self.tok.get(n, frozenset())
        return [m for m in POOL if m != n and self.exact(m) is not None and self.tok.get(m, frozenset()) & mine]

    def next_label(self) -> str:
        self.label += 1
        return f"p{self.label}"


@dataclass
class Ctx:
    """Where a statement is generated: top level, or inside a block."""

    block: bool = False
    loop_start: dict | None = None  # state of names when the enclosing loop began
    frozen: frozenset = frozenset()  # names the block must not rebind
    depth: int = 0

    def inner(self, loop_start=None, frozen=()):
        return Ctx(True, loop_start if loop_start is not None else self.loop_start,
                   self.frozen | frozenset(frozen), self.depth + 1)


def can_write(st: State, ctx: Ctx, n: str, t) -> bool:
    if n in ctx.frozen:
        return False
    if ctx.loop_start is not None:
        # a later iteration must see the type earlier statements relied on
        return ctx.loop_start[n] <= {t, U}
    return True


def writable(st: State, ctx: Ctx, t) -> list[str]:
    return [n for n in POOL if can_write(st, ctx, n, t)]


def resolve(st: State, spec: FnSpec):
    reqs = dict(spec.reqs)
    gw = set(spec.gwrites)
    for c in spec.callees:
        r, g = resolve(st, st.funcs[c])
        for k, v in r.items():
            if reqs.get(k, v) != v:
                return None, None
            reqs[k] = v
        gw |= g
    return reqs, gw


def call_ok(st: State, ctx: Ctx, spec: FnSpec) -> bool:
    reqs, gw = resolve(st, spec)
    if reqs is None:
        return False
    for n, t in reqs.items():
        if n == "K":
            if st.kglobal is None:
                return False
        elif st.exact(n) != t:
            return False
    for n in gw:
        if reqs.get(n, "int") != "int" or not can_write(st, ctx, n, "int"):
            return False
    return True


def apply_call(st: State, spec: FnSpec) -> None:
    _, gw = resolve(st, spec)
    for n in gw:
        st.bind(n, "int")


class Skip(Exception):
    """The operation does not apply in this state."""


# --------------------------------------------------------------------------
# expressions (built in evaluation order; calls apply their effects)


def int_expr(c: _Ch, st: State, ctx: Ctx, depth: int = 0) -> str:
    opts = [(4, "lit"), (5, "name"), (3, "arith"), (2, "len"), (2, "sum"), (1, "dget"),
            (1, "objv"), (1, "kcount"), (3, "fcall"), (2, "fnval"), (1, "float"),
            (1, "rand"), (1, "strlen")]
    if depth >= 2:
        opts = opts[:2]
    for _ in range(6):
        k = c.weighted(opts)
        if k == "lit":
            return str(c.int(0, 20))
        if k == "name" and (ns := st.of("int")):
            return c.pick(ns)
        if k == "arith":
            a = int_expr(c, st, ctx, depth + 1)
            op = c.pick(["+", "*", "-"])
            b = int_expr(c, st, ctx, depth + 1)
            return f"({a} {op} {b}) % {M}"
        if k == "len" and (ns := st.of("li", "ll", "dict", "set", "dl")):
            return f"len({c.pick(ns)})"
        if k == "sum" and (ns := st.of("li")):
            return f"sum({c.pick(ns)}) % {M}"
        if k == "dget" and (ns := st.of("dict")):
            return f"{c.pick(ns)}.get({c.pick(KEYS)!r}, 0)"
        if k == "objv" and (ns := st.of("obj")):
            return f"{c.pick(ns)}.v"
        if k == "kcount" and st.kglobal is not None:
            return "K.count"
        if k == "fcall":
            fs = [f for f in FUNCS if st.fsig.get(f) == "ii" and f in st.funcs]
            if fs:
                f = c.pick(fs)
                arg = int_expr(c, st, ctx, depth + 1)
                if call_ok(st, ctx, st.funcs[f]):
                    apply_call(st, st.funcs[f])
                    return f"{f}({arg})"
        if k == "fnval":
            ns = st.names(lambda t: isinstance(t, tuple) and call_ok(st, ctx, st.fnspecs[t[1]]))
            if ns:
                n = c.pick(ns)
                arg = int_expr(c, st, ctx, depth + 1)
                t = st.exact(n)
                if t is not None and isinstance(t, tuple) and call_ok(st, ctx, st.fnspecs[t[1]]):
                    apply_call(st, st.fnspecs[t[1]])
                    return f"{n}({arg})"
        if k == "float" and (ns := st.of("float")):
            return f"int({c.pick(ns)} * 100) % {M}"
        if k == "rand":
            return f"random.randint(0, {c.int(1, 50)})"
        if k == "strlen" and (ns := st.of("str")):
            return f"len({c.pick(ns)})"
    return str(c.int(0, 9))


def li_literal(c: _Ch, st: State, ctx: Ctx) -> str:
    return "[" + ", ".join(int_expr(c, st, ctx, 1) for _ in range(c.int(0, 4))) + "]"


def printable(st: State) -> list[str]:
    return st.of(*DATA)


def show(c: _Ch, st: State, n: str) -> str:
    """An expression showing the value of name ``n`` (exactly typed)."""
    t = st.exact(n)
    if t == "set":
        return f"sorted({n})"
    if t == "obj":
        return f"{n}.v, {n}.items"
    if t == "float":
        return f"round({n}, 6)"
    return n


def pr(st: State, *exprs: str) -> str:
    lab = st.next_label()
    return "print(" + ", ".join([repr(lab), *exprs]) + ")"


# --------------------------------------------------------------------------
# simple statements: each returns a list of lines (one statement)


def s_assign_int(c, st, ctx):
    e = int_expr(c, st, ctx)
    n = c.pick(writable(st, ctx, "int") or [None])
    if n is None:
        raise Skip
    st.bind(n, "int")
    return [f"{n} = {e}"]


def s_augassign_int(c, st, ctx):
    ns = [n for n in st.of("int") if can_write(st, ctx, n, "int")]
    if not ns:
        raise Skip
    n = c.pick(ns)
    e = int_expr(c, st, ctx, 1)
    if st.exact(n) != "int":
        raise Skip
    if c.flag(0.5):
        return [f"{n} += {e}"]
    return [f"{n} = ({n} * {c.int(2, 5)} + {e}) % {M}"]


def s_assign_literal(c, st, ctx):
    kind = c.weighted([(4, "li"), (3, "ll"), (2, "dict"), (1, "set"), (1, "str"), (2, "dl"), (1, "float")])
    toks = None
    if kind == "li":
        e = li_literal(c, st, ctx)
    elif kind == "ll":
        parts = []
        for _ in range(c.int(1, 3)):
            ns = st.of("li")
            parts.append(c.pick(ns) if ns and c.flag(0.7) else li_literal(c, st, ctx))
        e = "[" + ", ".join(parts) + "]"
        toks = st.toks(*parts) | st.fresh()
    elif kind == "dict":
        keys = KEYS[: c.int(0, 3)]
        e = "{" + ", ".join(f"{k!r}: {int_expr(c, st, ctx, 1)}" for k in keys) + "}"
    elif kind == "set":
        e = "{" + ", ".join(int_expr(c, st, ctx, 1) for _ in range(c.int(1, 4))) + "}"
    elif kind == "str":
        e = repr(c.pick(["ab", "xyz", "q", "hello"]))
        if (ns := st.of("int")) and c.flag(0.5):
            e = f"{e} + str({c.pick(ns)})"
    elif kind == "dl":
        parts = []
        for k in KEYS[: c.int(1, 3)]:
            ns = st.of("li")
            parts.append(f"{k!r}: " + (c.pick(ns) if ns and c.flag(0.6) else li_literal(c, st, ctx)))
        e = "{" + ", ".join(parts) + "}"
        toks = st.toks(*[q.split(": ")[1] for q in parts]) | st.fresh()
    else:
        e = c.pick(["random.random()", "0.5", "1.25"])
    n = c.pick(writable(st, ctx, kind) or [None])
    if n is None:
        raise Skip
    st.bind(n, kind, toks)
    return [f"{n} = {e}"]


def s_alias(c, st, ctx):
    form = c.weighted([(3, "plain"), (2, "elem"), (2, "pair"), (2, "ident"), (2, "items"),
                       (1, "dget"), (2, "copy"), (1, "comp"), (2, "gret")])
    if form == "gret":
        fs = [f for f in FUNCS if st.fsig.get(f) == "gl" and f in st.funcs
              and call_ok(st, ctx, st.funcs[f])]
        if not fs:
            raise Skip
        f = c.pick(fs)
        t = "li"
        e = f"{f}({c.int(0, 9)})"
        toks = st.toks(*st.funcs[f].reqs)
    elif form == "plain":
        ns = st.names(lambda t: True)
        if not ns:
            raise Skip
        src = c.pick(ns)
        t = st.exact(src)
        e = src
        toks = st.toks(src)
    elif form == "elem":
        ns = st.of("ll")
        if not ns:
            raise Skip
        src = c.pick(ns)
        t = "li"
        e = c.pick([f"{src}[0] if {src} else []", f"{src}[-1] if {src} else []"])
        toks = st.toks(src) | st.fresh()
    elif form == "pair":
        ns = st.of("li")
        if not ns:
            raise Skip
        t = "ll"
        parts = [c.pick(ns) for _ in range(c.int(1, 3))]
        e = "[" + ", ".join(parts) + "]"
        toks = st.toks(*parts) | st.fresh()
    elif form == "ident":
        fs = [f for f in FUNCS if st.fsig.get(f) == "id" and f in st.funcs]
        ns = st.names(lambda t: t in DATA or t == "obj")
        if not fs or not ns:
            raise Skip
        f = c.pick(fs)
        if not call_ok(st, ctx, st.funcs[f]):
            raise Skip
        src = c.pick(ns)
        t = st.exact(src)
        apply_call(st, st.funcs[f])
        e = f"{f}({src})"
        toks = st.toks(src)
    elif form == "items":
        ns = st.of("obj")
        if not ns:
            raise Skip
        t = "li"
        o = c.pick(ns)
        e = f"{o}.items"
        toks = st.toks(o)
    elif form == "dget":
        ns = st.of("dl")
        if not ns:
            raise Skip
        t = "li"
        src = c.pick(ns)
        e = f"{src}.get({c.pick(KEYS)!r}, [])"
        toks = st.toks(src) | st.fresh()
    elif form == "copy":
        ns = st.of("li", "dict", "set", "ll")
        if not ns:
            raise Skip
        src = c.pick(ns)
        t = st.exact(src)
        e = c.pick([f"{src}.copy()", f"{src}.copy()" if t in ("dict", "set") else f"{src}[:]"])
        toks = st.fresh() | (st.toks(src) if t == "ll" else frozenset())
    else:  # comprehension collecting aliases of inner lists
        ns = st.of("ll", "dl")
        if not ns:
            raise Skip
        src = c.pick(ns)
        t = "ll"
        if st.exact(src) == "ll":
            e = f"[t for t in {src} if len(t) % 2 == {c.int(0, 1)}]"
        else:
            e = f"[t for t in {src}.values()]"
        toks = st.toks(src) | st.fresh()
    n = c.pick(writable(st, ctx, t) or [None])
    if n is None:
        raise Skip
    st.bind(n, t, toks)
    return [f"{n} = {e}"]


def s_mutate(c, st, ctx):
    ns = st.of("li", "ll", "dict", "dl", "set", "obj")
    if not ns:
        raise Skip
    shared = [n for n in ns if st.aliases(n)]
    # mutate through a name that shares its object with another: the other
    # name then observes it (what an analysis without may-alias sets misses)
    n = c.pick(shared) if shared and c.flag(0.6) else c.pick(ns)
    t = st.exact(n)
    lines = _mutate(c, st, ctx, n, t)
    if st.exact(n) != t:
        # an argument called a function that rebinds ``n`` (``global``), and
        # a store evaluates its right side before its target: not safe
        raise Skip
    return lines


def _mutate(c, st, ctx, n, t):
    if t == "li":
        f = c.pick(["append", "extend", "insert", "sort", "reverse", "pop", "setitem",
                    "slice", "iadd", "del", "shuffle", "remove"])
        if f == "append":
            return [f"{n}.append({int_expr(c, st, ctx, 1)})"]
        if f == "extend":
            return [f"{n}.extend({li_literal(c, st, ctx)})"]
        if f == "insert":
            return [f"{n}.insert(0, {int_expr(c, st, ctx, 1)})"]
        if f == "sort":
            return [c.pick([f"{n}.sort()", f"{n}.sort(reverse=True)"])]
        if f == "reverse":
            return [f"{n}.reverse()"]
        if f == "pop":
            return [f"if {n}:", f"    {pr(st, f'{n}.pop()')}"]
        if f == "setitem":
            if c.flag(0.3):
                return [f"if {n}:", f"    {n}[0] += {c.int(1, 9)}"]
            return [f"if {n}:", f"    {n}[0] = {int_expr(c, st, ctx, 1)}"]
        if f == "slice":
            return [f"{n}[-1:] = [{int_expr(c, st, ctx, 1)}]"]
        if f == "iadd":
            return [f"{n} += [{int_expr(c, st, ctx, 1)}]"]
        if f == "del":
            return [c.pick([f"del {n}[:1]", f"if {n}:\n    del {n}[-1]"])]
        if f == "remove":
            v = c.int(0, 5)
            return [f"if {v} in {n}:", f"    {n}.remove({v})"]
        return [f"random.shuffle({n})"]
    if t == "ll":
        f = c.pick(["append", "inner", "sort", "pop"])
        if f == "append":
            ls = st.of("li")
            e = c.pick(ls) if ls and c.flag(0.6) else li_literal(c, st, ctx)
            st.tok[n] = st.toks(n, e)
            return [f"{n}.append({e})"]
        if f == "inner":
            return [f"if {n}:", f"    {n}[{c.pick(['0', '-1'])}].append({int_expr(c, st, ctx, 1)})"]
        if f == "sort":
            return [f"{n}.sort()"]
        return [f"if {n}:", f"    {pr(st, f'{n}.pop()')}"]
    if t == "dict":
        f = c.pick(["set", "del", "update", "pop", "ior", "setdefault", "aug"])
        k = c.pick(KEYS)
        if f == "set":
            return [f"{n}[{k!r}] = {int_expr(c, st, ctx, 1)}"]
        if f == "del":
            return [f"if {k!r} in {n}:", f"    del {n}[{k!r}]"]
        if f == "update":
            return [f"{n}.update({{{k!r}: {int_expr(c, st, ctx, 1)}}})"]
        if f == "pop":
            return [pr(st, f"{n}.pop({k!r}, None)")]
        if f == "ior":
            return [f"{n} |= {{{k!r}: {int_expr(c, st, ctx, 1)}}}"]
        if f == "setdefault":
            return [f"{n}.setdefault({k!r}, {int_expr(c, st, ctx, 1)})"]
        if c.flag(0.5):
            return [f"if {k!r} in {n}:", f"    {n}[{k!r}] += {c.int(1, 9)}"]
        return [f"{n}[{k!r}] = {n}.get({k!r}, 0) + 1"]
    if t == "dl":
        k = c.pick(KEYS)
        f = c.pick(["store", "inner", "del"])
        if f == "store":
            ls = st.of("li")
            e = c.pick(ls) if ls and c.flag(0.7) else li_literal(c, st, ctx)
            st.tok[n] = st.toks(n, e)
            return [f"{n}[{k!r}] = {e}"]
        if f == "inner":
            return [f"{n}.setdefault({k!r}, []).append({int_expr(c, st, ctx, 1)})"]
        return [f"{n}.pop({k!r}, None)"]
    if t == "set":
        f = c.pick(["add", "discard", "ior", "update"])
        if f == "add":
            return [f"{n}.add({int_expr(c, st, ctx, 1)})"]
        if f == "discard":
            return [f"{n}.discard({c.int(0, 9)})"]
        if f == "ior":
            return [f"{n} |= {{{c.int(0, 9)}, {c.int(0, 9)}}}"]
        ls = st.of("li")
        return [f"{n}.update({c.pick(ls) if ls else '[1, 2]'})"]
    # an instance of K
    f = c.pick(["add", "setv", "augv", "tag", "deltag"])
    if f == "add":
        return [f"{n}.add({int_expr(c, st, ctx, 1)})"]
    if f == "setv":
        return [f"{n}.v = {int_expr(c, st, ctx, 1)}"]
    if f == "augv":
        return [f"{n}.v += {c.int(1, 9)}"]
    if f == "tag":
        return [f"{n}.tag = {int_expr(c, st, ctx, 1)}"]
    return [f"if hasattr({n}, 'tag'):", f"    {pr(st, f'{n}.tag')}", f"    del {n}.tag"]


def s_call_mutator(c, st, ctx):
    fs = [f for f in FUNCS if st.fsig.get(f) == "lm" and f in st.funcs]
    ls = st.of("li")
    lls = st.of("ll")
    objs = st.of("obj")
    if not fs or not (ls or lls or objs):
        raise Skip
    f = c.pick(fs)
    if not call_ok(st, ctx, st.funcs[f]):
        raise Skip
    form = c.weighted([(4 if ls else 0, "name"), (2 if lls else 0, "elem"), (2 if objs else 0, "attr")])
    apply_call(st, st.funcs[f])
    if form == "elem":
        # mutates an inner list, seen through every alias of it
        x = c.pick(lls)
        return [f"if {x}:", f"    {pr(st, f'{f}({x}[-1])')}"]
    if form == "attr":
        return [pr(st, f"{f}({c.pick(objs)}.items)")]
    a = c.pick(ls)
    if c.flag(0.5):
        n = c.pick(writable(st, ctx, "int") or [None])
        if n is not None:
            st.bind(n, "int")
            return [f"{n} = {f}({a})"]
    return [f"{f}({a})"]


def s_call_value(c, st, ctx):
    """Call a lambda/closure or bound method held in a variable."""
    ns = st.names(lambda t: t == "bm" or (isinstance(t, tuple) and call_ok(st, ctx, st.fnspecs[t[1]])))
    if not ns:
        raise Skip
    n = c.pick(ns)
    arg = int_expr(c, st, ctx, 1)
    t = st.exact(n)
    if not (t == "bm" or (isinstance(t, tuple) and call_ok(st, ctx, st.fnspecs[t[1]]))):
        raise Skip  # the argument rebound ``n``
    if t != "bm":
        apply_call(st, st.fnspecs[t[1]])
    return [pr(st, f"{n}({arg})")]


def s_print(c, st, ctx):
    ns = printable(st)
    f = c.pick(["names", "names", "stats", "call", "kcount", "total", "maybe"])
    if f == "names" and ns:
        chosen = [c.pick(ns) for _ in range(c.int(1, 3))]
        return [pr(st, *[show(c, st, n) for n in dict.fromkeys(chosen)])]
    if f == "stats" and (ls := st.of("li")):
        n = c.pick(ls)
        return [pr(st, f"len({n})", f"sum({n}) % {M}", f"{n}.count({c.int(0, 5)})")]
    if f == "call":
        return [pr(st, int_expr(c, st, ctx))]
    if f == "kcount" and st.kglobal is not None:
        return [pr(st, "K.count")]
    if f == "total" and (os_ := st.of("obj")) and call_ok(st, ctx, FnSpec(reqs={st.kglobal: "int"})):
        return [pr(st, f"{c.pick(os_)}.total()")]
    if f == "maybe":
        ms = [n for n in POOL if U in st.v[n] and len(st.v[n]) > 1 and st.v[n] - {U} <= DATA]
        if ms:
            n = c.pick(ms)
            e = n  # data only; a set of small ints prints deterministically
            return ["try:", f"    {pr(st, e)}", "except NameError:", f"    {pr(st, repr(n + ' unbound'))}"]
    if ns:
        return [pr(st, show(c, st, c.pick(ns)))]
    raise Skip


def s_comprehension(c, st, ctx):
    ls = st.of("li", "set")
    f = c.pick(["list", "filter", "glob", "dict", "set", "walrus", "gen", "lens", "shadow", "rand"])
    if f == "lens":
        ns = st.of("ll")
        if not ns:
            raise Skip
        e, t = f"[len(t) for t in {c.pick(ns)}]", "li"
    elif f == "rand":
        e, t = f"[random.randint(0, 9) for _ in range({c.int(1, 4)})]", "li"
    elif not ls:
        raise Skip
    else:
        src = c.pick(ls)
        it = f"sorted({src})" if st.exact(src) == "set" else src
        if f == "list":
            e, t = f"[(v * {c.int(1, 7)} + {c.int(0, 9)}) % {M} for v in {it}]", "li"
        elif f == "filter":
            e, t = f"[v for v in {it} if v % {c.int(2, 4)} != {c.int(0, 1)}]", "li"
        elif f == "glob":
            ints = st.of("int")
            if not ints:
                raise Skip
            e, t = f"[(v + {c.pick(ints)}) % {M} for v in {it}]", "li"
        elif f == "dict":
            e, t = f"{{str(v): v for v in {it}}}", "dict"
        elif f == "set":
            e, t = f"{{v % {c.int(3, 9)} for v in {it}}}", "set"
        elif f == "gen":
            e, t = f"sum(v * v for v in {it}) % {M}", "int"
        elif f == "shadow":
            # the comprehension variable shadows a module name; the module
            # binding must stay untouched
            sh = c.pick(POOL)
            e, t = f"[{sh} + 1 for {sh} in {it}]", "li"
        else:  # walrus binds a module-level name from inside the comprehension
            ws = [n for n in POOL if st.v[n] <= {"int", U} and n != src and can_write(st, ctx, n, "int")]
            if not ws:
                raise Skip
            w = c.pick(ws)
            e = f"[{w} for v in {it} if ({w} := v % 7) > {c.int(0, 4)}]"
            st.v[w] = st.v[w] | {"int"}
            t = "li"
    n = c.pick(writable(st, ctx, t) or [None])
    if n is None:
        raise Skip
    st.bind(n, t)
    return [f"{n} = {e}"]


def s_walrus(c, st, ctx):
    ws = writable(st, ctx, "int")
    if not ws:
        raise Skip
    e = int_expr(c, st, ctx, 1)
    w = c.pick(ws)
    st.bind(w, "int")
    return [pr(st, f"({w} := {e})")]


def s_random(c, st, ctx):
    f = c.pick(["seed", "randint", "random", "choice", "sample", "print", "shuffle"])
    if f == "seed":
        return [f"random.seed({c.int(0, 99)})"]
    if f == "print":
        return [pr(st, "random.random()")]
    if f == "shuffle" and (ls := st.of("li")):
        return [f"random.shuffle({c.pick(ls)})"]
    if f == "choice" and (ls := st.of("li")):
        src = c.pick(ls)
        e, t = f"random.choice({src}) if {src} else 0", "int"
    elif f == "sample":
        e, t = f"random.sample(range(20), {c.int(1, 4)})", "li"
    elif f == "random":
        e, t = "random.random()", "float"
    else:
        e, t = f"random.randint(0, {c.int(5, 99)})", "int"
    n = c.pick(writable(st, ctx, t) or [None])
    if n is None:
        raise Skip
    st.bind(n, t)
    return [f"{n} = {e}"]


def _path(fname: str) -> str:
    return f"os.path.join(tmp, {fname!r})"


def s_file(c, st, ctx):
    f = c.pick(["write", "append", "read", "readlines", "exists", "listdir", "remove"])
    fname = c.pick(FILES)
    if f in ("read", "readlines", "remove") and st.files:
        fname = c.pick(sorted(st.files))
    if f in ("write", "append"):
        if not can_write(st, ctx, "fh", "file"):
            raise Skip
        ns = printable(st)
        what = f"repr({show(c, st, c.pick(ns))})" if ns and c.flag(0.8) else repr("line")
        if "," in what:  # an object: repr of the tuple
            what = f"repr(({what[5:-1]}))"
        mode = "w" if f == "write" else "a"
        st.v["fh"] = frozenset({"file"})
        if not ctx.block:
            st.files.add(fname)
        return [f"with open({_path(fname)}, {mode!r}) as fh:", f"    fh.write({what} + '\\n')"]
    if f in ("read", "readlines") and fname in st.files and can_write(st, ctx, "fh", "file"):
        t = "str" if f == "read" else "int"
        n = c.pick(writable(st, ctx, t) or [None])
        if n is None:
            raise Skip
        st.bind(n, t)
        st.v["fh"] = frozenset({"file"})
        e = "fh.read()" if f == "read" else "len(fh.readlines())"
        return [f"with open({_path(fname)}) as fh:", f"    {n} = {e}"]
    if f == "exists":
        return [f"if os.path.exists({_path(fname)}):",
                f"    with open({_path(fname)}) as fh2:",
                f"        {pr(st, 'fh2.read()')}",
                "else:",
                f"    {pr(st, repr(fname + ' missing'))}"]
    if f == "remove" and not ctx.block:
        st.files.discard(fname)
        return [f"if os.path.exists({_path(fname)}):", f"    os.remove({_path(fname)})"]
    return [pr(st, "sorted(os.listdir(tmp))")]


def s_str(c, st, ctx):
    ss = st.of("str")
    f = c.pick(["upper", "join", "concat", "repr"])
    if f == "upper" and ss:
        e = f"{c.pick(ss)}.upper()"
    elif f == "join" and (ls := st.of("li")):
        e = f"'-'.join(str(v) for v in {c.pick(ls)})"
    elif f == "concat" and ss:
        e = f"({c.pick(ss)} + {c.pick(ss)})[-30:]"
    elif (ns := st.of("int", "li", "dict", "str")):
        e = f"repr({c.pick(ns)})"
    else:
        raise Skip
    n = c.pick(writable(st, ctx, "str") or [None])
    if n is None:
        raise Skip
    st.bind(n, "str")
    return [f"{n} = {e}"]


def s_values(c, st, ctx):
    """Bind callables: lambdas, closures, bound methods, instances."""
    f = c.weighted([(3, "lambda"), (3, "closure"), (3, "bm"), (5, "obj"), (1, "kbump")])
    toks = None
    if f == "lambda":
        ints = st.of("int")
        fs = [g for g in FUNCS if st.fsig.get(g) == "ii" and g in st.funcs]
        if fs and c.flag(0.4):
            g = c.pick(fs)
            spec = FnSpec(callees=(g,))
            body = f"({g}(v) + 1) % {M}"
        elif (ls := st.of("li")) and c.flag(0.3):
            gname = c.pick(ls)
            spec = FnSpec(reqs={gname: "li"})
            body = f"{gname}.append(v % 50) or len({gname})"
        elif ints:
            gname = c.pick(ints)
            spec = FnSpec(reqs={gname: "int"})
            body = f"(v * {c.int(1, 5)} + {gname}) % {M}"
        else:
            spec = FnSpec()
            body = f"v * {c.int(1, 5)} % {M}"
        k = len(st.fnspecs)
        st.fnspecs[k] = spec
        t = ("fn", k)
        e = f"lambda v: {body}"
    elif f == "closure":
        fs = [g for g in FUNCS if st.fsig.get(g) == "mk" and g in st.funcs]
        if not fs:
            raise Skip
        g = c.pick(fs)
        spec = st.funcs[g]  # the inner function's needs (mk itself needs none)
        k = len(st.fnspecs)
        st.fnspecs[k] = spec
        t = ("fn", k)
        e = f"{g}({int_expr(c, st, ctx, 1)})"
    elif f == "bm":
        os_ = st.of("obj")
        if not os_:
            raise Skip
        o = c.pick(os_)
        t, e = "bm", f"{o}.add"
        toks = st.toks(o)
    elif f == "obj":
        if st.kglobal is None:
            raise Skip
        t, e = "obj", f"K({int_expr(c, st, ctx, 1)})"
    else:
        if st.kglobal is None:
            raise Skip
        return [f"K.count = K.count + {c.int(1, 3)}"]
    n = c.pick(writable(st, ctx, t) or [None])
    if n is None:
        raise Skip
    st.bind(n, t, toks)
    return [f"{n} = {e}"]


def s_object(c, st, ctx):
    """Aliases into and through an instance of K (only once one exists)."""
    os_ = st.of("obj")
    if not os_:
        raise Skip
    o = c.pick(os_)
    f = c.weighted([(2, "bm"), (2, "items"), (1, "add")])
    if f == "add":
        line = pr(st, f"{o}.add({int_expr(c, st, ctx, 1)})")
        return [line]
    t, e = ("bm", f"{o}.add") if f == "bm" else ("li", f"{o}.items")
    n = c.pick(writable(st, ctx, t) or [None])
    if n is None:
        raise Skip
    st.bind(n, t, st.toks(o))
    return [f"{n} = {e}"]


def s_try_index(c, st, ctx):
    ls = st.of("li", "dict")
    if not ls:
        raise Skip
    src = c.pick(ls)
    n = c.pick(writable(st, ctx, "int") or [None])
    if n is None:
        raise Skip
    if st.exact(src) == "li":
        acc, exc = f"{src}[{c.int(0, 4)}]", "IndexError"
    else:
        acc, exc = f"{src}[{c.pick(KEYS)!r}]", "KeyError"
    st.bind(n, "int")
    lines = ["try:", f"    {n} = {acc}", f"except {exc}:", f"    {n} = {c.int(0, 9)}"]
    if c.flag(0.3):
        lines += ["else:", f"    {pr(st, repr('hit'), n)}"]
    if c.flag(0.3):
        lines += ["finally:", f"    {pr(st, repr('finally'))}"]
    return lines


def s_guard(c, st, ctx):
    """try/except NameError around a name that may be unbound."""
    ms = [n for n in POOL if U in st.v[n] and len(st.v[n]) == 2]
    if not ms:
        raise Skip
    n = c.pick(ms)
    t = next(iter(st.v[n] - {U}))
    if t in DATA and c.flag(0.6):
        lit = {"int": "0", "float": "0.0", "str": "''", "li": "[]", "ll": "[[]]", "dict": "{}",
               "dl": "{}", "set": "set()"}[t]
        if not can_write(st, ctx, n, t):
            raise Skip
        st.bind(n, t)
        return ["try:", f"    {n}", "except NameError:", f"    {n} = {lit}"]
    if ctx.loop_start is not None or n in ctx.frozen:
        raise Skip
    st.bind(n, U)
    return ["try:", f"    del {n}", "except NameError:", f"    {pr(st, repr('no ' + n))}"]


def s_del(c, st, ctx):
    ns = st.names(lambda t: True)
    ns = [n for n in ns if n not in ctx.frozen]
    if not ns or ctx.loop_start is not None:
        raise Skip
    chosen = list(dict.fromkeys(c.pick(ns) for _ in range(c.int(1, 2))))
    for n in chosen:
        st.bind(n, U)
    return [f"del {', '.join(chosen)}"]


SIMPLE = [
    (3, s_assign_int), (2, s_augassign_int), (6, s_assign_literal), (9, s_alias),
    (12, s_mutate), (4, s_call_mutator), (4, s_call_value), (5, s_print),
    (4, s_comprehension), (1, s_walrus), (3, s_random), (3, s_file), (1, s_str),
    (5, s_values), (4, s_object), (2, s_try_index), (2, s_guard), (2, s_del),
]


def gen_simple(c: _Ch, st: State, ctx: Ctx, table=SIMPLE):
    for _ in range(30):
        op = c.weighted(table)
        st2 = st.copy()
        try:
            lines = op(c, st2, ctx)
        except Skip:
            continue
        return lines, st2
    st2 = st.copy()
    return [pr(st2, repr("nothing"))], st2


def indent(lines, k=1):
    pad = "    " * k
    out = []
    for ln in lines:
        out.extend(pad + part for part in ln.split("\n"))
    return out


def gen_body(c: _Ch, st: State, ctx: Ctx, lo=1, hi=3):
    lines: list[str] = []
    for _ in range(c.int(lo, hi)):
        if ctx.depth < 2 and c.flag(0.15):
            ls, st = b_if(c, st, ctx)
        else:
            ls, st = gen_simple(c, st, ctx)
        lines.extend(ls)
    return lines, st


# --------------------------------------------------------------------------
# blocks (one top-level statement each)


def cond_expr(c: _Ch, st: State, ctx: Ctx) -> str:
    f = c.pick(["int", "len", "in", "rand", "walrus"])
    if f == "len" and (ls := st.of("li", "ll", "dict", "set")):
        return f"len({c.pick(ls)}) > {c.int(0, 3)}"
    if f == "in" and (ds := st.of("dict", "dl")):
        return f"{c.pick(KEYS)!r} in {c.pick(ds)}"
    if f == "rand":
        return "random.random() < 0.5"
    if f == "walrus" and (ws := writable(st, ctx, "int")):
        e = int_expr(c, st, ctx, 1)
        w = c.pick(ws)
        st.bind(w, "int")
        return f"({w} := {e}) % 2 == 0"
    return f"{int_expr(c, st, ctx, 1)} % {c.int(2, 3)} == 0"


def b_if(c: _Ch, st: State, ctx: Ctx):
    st = st.copy()
    cond = cond_expr(c, st, ctx)
    inner = ctx.inner()
    body, s1 = gen_body(c, st, inner)
    lines = [f"if {cond}:", *indent(body)]
    if c.flag(0.5):
        body2, s2 = gen_body(c, st, inner)
        lines += ["else:", *indent(body2)]
    else:
        s2 = st
    s1.join(s2)
    return lines, s1


def b_for(c: _Ch, st: State, ctx: Ctx):
    st = st.copy()
    srcs = []
    for n in st.of("li"):
        srcs.append((f"{n}[:]", "int", False))
        srcs.append((f"list({n})", "int", False))
    for n in st.of("ll"):
        srcs.append((f"{n}[:]", "li", False))
        srcs.append((f"{n}[:]", "li", False))  # the target aliases the inner lists
    for n in st.of("set"):
        srcs.append((f"sorted({n})", "int", False))
    for n in st.of("dict"):
        srcs.append((f"list({n})", "str", False))
    for n in st.of("dl"):
        srcs.append((f"list({n}.values())", "li", False))
    k = c.int(1, 4)
    srcs.append((f"range({k})", "int", True))
    it, t, nonempty = c.pick(srcs)
    targets = [n for n in POOL if can_write(st, ctx, n, t)]
    if not targets:
        raise Skip
    tgt = c.pick(targets)
    start = dict(st.v)
    start[tgt] = start[tgt] | {t}
    inner = ctx.inner(loop_start=start)
    before = st.copy()
    src_name = it[it.index("(") + 1:] if "(" in it else it
    src_name = src_name.split("[")[0].split(".")[0].rstrip(")")
    st.bind(tgt, t, st.toks(src_name) if t == "li" else None)
    body, s1 = gen_body(c, st, inner)
    # the body must survive a second iteration: its writes were restricted to
    # names whose start state allowed them (can_write with loop_start)
    if not nonempty:
        s1.join(before)
    lines = [f"for {tgt} in {it}:", *indent(body)]
    if c.flag(0.15):
        lines += ["else:", f"    {pr(s1, repr('loop done'))}"]
    return lines, s1


def b_while(c: _Ch, st: State, ctx: Ctx):
    """Two statements: ``w = small`` and ``while w < limit: ...; w += 1``."""
    ws = writable(st, ctx, "int")
    if not ws:
        raise Skip
    st = st.copy()
    w = c.pick(ws)
    init = f"{w} = {c.int(0, 2)}"
    st.bind(w, "int")
    start = dict(st.v)
    inner = ctx.inner(loop_start=start, frozen=(w,))
    before = st.copy()
    body, s1 = gen_body(c, st, inner)
    s1.join(before)
    lines = [f"while {w} < {c.int(2, 4)}:", *indent(body), f"    {w} += 1"]
    return [[init], lines], s1


def b_with_block(c: _Ch, st: State, ctx: Ctx):
    """A file write with a block of statements inside the ``with``."""
    st = st.copy()
    fname = c.pick(FILES)
    inner = ctx.inner(frozen=("fh",))
    body, s1 = gen_body(c, st, inner, 1, 2)
    ns = printable(s1)
    what = f"repr({show(c, s1, c.pick(ns))})" if ns else repr("x")
    if "," in what:
        what = f"repr(({what[5:-1]}))"
    s1.bind("fh", "file")
    s1.files.add(fname)
    lines = [f"with open({_path(fname)}, 'a') as fh:", *indent(body), f"    fh.write({what} + '\\n')"]
    return lines, s1


def b_try(c: _Ch, st: State, ctx: Ctx):
    st = st.copy()
    inner = ctx.inner()
    body, s1 = gen_body(c, st, inner, 1, 2)
    lines = ["try:", *indent(body)]
    # the body raises nothing (generated statements are safe), but the
    # analysis cannot know that: the handler is a path too
    handler, s2 = gen_body(c, st, inner, 1, 1)
    lines += [f"except {c.pick(['NameError', 'LookupError', 'Exception'])}:", *indent(handler)]
    if c.flag(0.3):
        lines += ["finally:", f"    {pr(s1, repr('finally'))}"]
    s1.join(s2)
    return lines, s1


# --------------------------------------------------------------------------
# definitions (top level only)


def d_func(c: _Ch, st: State, ctx: Ctx):
    f = c.pick(FUNCS)
    if st.funcs and c.flag(0.5):
        # the next number up, so that it can call the ones before it
        f = FUNCS[min(len(FUNCS) - 1, max(FUNCS.index(g) for g in st.funcs) + 1)]
    idx = FUNCS.index(f)
    ints = st.of("int")
    lists = st.of("li")
    sig = st.fsig.get(f) or c.weighted([(5, "ii"), (3, "lm"), (2, "id"), (2, "mk"),
                                        (2 if lists else 0, "gl")])
    lower = [g for g in FUNCS[:idx] if st.fsig.get(g) == "ii" and g in st.funcs]
    head_extra = ""
    pre: list[str] = []
    lines: list[str] = []
    spec = FnSpec()
    if c.flag(0.2) and sig in ("ii", "lm"):
        # a default value evaluated at definition time
        head_extra = f", k={int_expr(c, st, ctx, 1)}"
    if c.flag(0.3) and sig != "id":
        lines.append(f"    print({f!r}, v)")
    if sig == "ii":
        form = c.weighted([(2, "glob"), (5 if lower else 0, "trans"), (2, "global"), (2, "mutglob"),
                           (2, "readlist"), (1, "kcount"), (1, "dict"), (2, "acc")])
        if form == "acc":
            # a mutable default: every call changes the function's own state
            head_extra = ", acc=[]"
            lines += ["    acc.append(v % 50)", f"    return (len(acc) + sum(acc)) % {M}"]
        elif form == "trans" and lower:
            g = c.pick(lower)
            if ints and c.flag(0.6):
                gn = c.pick(ints)
                spec = FnSpec(reqs={gn: "int"}, callees=(g,))
                lines.append(f"    return ({g}(v) + {gn}) % {M}")
            else:
                spec = FnSpec(callees=(g,))
                lines.append(f"    return {g}((v + 1) % {M})")
        elif form == "global":
            gn = c.pick(POOL)
            spec = FnSpec(gwrites=frozenset({gn}))
            lines += [f"    global {gn}", f"    {gn} = (v + {c.int(1, 9)}) % {M}", f"    return {gn}"]
        elif form == "mutglob" and lists:
            gn = c.pick(lists)
            spec = FnSpec(reqs={gn: "li"})
            lines += [f"    {gn}.append(v % 50)", f"    return len({gn})"]
        elif form == "readlist" and lists:
            gn = c.pick(lists)
            spec = FnSpec(reqs={gn: "li"})
            lines.append(f"    return (v + len({gn}) + sum({gn})) % {M}")
        elif form == "kcount" and st.kglobal is not None:
            spec = FnSpec(reqs={"K": "class"})
            lines.append(f"    return (v + K.count) % {M}")
        elif form == "dict" and (ds := st.of("dict")):
            gn = c.pick(ds)
            spec = FnSpec(reqs={gn: "dict"})
            lines.append(f"    return (v + {gn}.get({c.pick(KEYS)!r}, 0)) % {M}")
        elif ints:
            gn = c.pick(ints)
            spec = FnSpec(reqs={gn: "int"})
            lines.append(f"    return (v * {c.int(1, 5)} + {gn}) % {M}")
        else:
            lines.append(f"    return (v * {c.int(2, 5)}) % {M}")
        if head_extra.startswith(", k="):
            last = lines.pop()
            lines.append(last.replace("return (", "return (k + ", 1) if "return (" in last
                         else last)
    elif sig == "lm":
        g = c.pick(lower) if lower and c.flag(0.4) else None
        if g:
            spec = FnSpec(callees=(g,))
            lines.append(f"    v.append({g}(len(v)))")
        else:
            lines.append(c.pick([f"    v.append({c.int(0, 9)})", "    v.sort()", "    v.reverse()",
                                 f"    v.insert(0, {c.int(0, 9)})", "    v[-1:] = []"]))
        if head_extra:
            lines.append("    v.append(k)")
        lines.append(c.pick(["    return len(v)", f"    return sum(v) % {M}"]))
    elif sig == "id":
        lines.append("    return v")
    elif sig == "gl":
        # returns a global list: the caller's name aliases it
        gn = c.pick(lists) if lists else "x0"
        spec = FnSpec(reqs={gn: "li"})
        lines.append(f"    return {gn}")
    else:  # closure factory; spec describes the *inner* function
        ints_ = st.of("int")
        gn = c.pick(ints_) if ints_ and c.flag(0.6) else None
        spec = FnSpec(reqs={gn: "int"} if gn else {})
        tail = f" + {gn}" if gn else ""
        if c.flag(0.5):
            lines = ["    c = [v]", "    def inner(w):", f"        c[0] = (c[0] + w) % {M}",
                     f"        return (c[0]{tail}) % {M}", "    return inner"]
        else:
            lines = ["    c = v", "    def inner(w):", "        nonlocal c", f"        c = (c + w) % {M}",
                     f"        return (c{tail}) % {M}", "    return inner"]
    if st.dec is not None and c.flag(0.25):
        if not call_ok(st, ctx, st.dec):
            raise Skip
        pre.append("@dec")
    # a function never refers to itself or a higher one: no recursion
    st.fsig[f] = sig
    st.funcs[f] = spec
    return [*pre, f"def {f}(v{head_extra}):", *lines]


def d_class(c: _Ch, st: State, ctx: Ctx):
    if st.kglobal is not None:
        raise Skip
    ints = st.of("int")
    if not ints:
        raise Skip
    g = c.pick(ints)
    st.kglobal = g
    return [
        "class K:",
        "    count = 0",
        "",
        "    def __init__(self, v):",
        "        K.count += 1",
        "        self.v = v",
        "        self.items = [v]",
        "",
        "    def add(self, w):",
        "        self.items.append(w)",
        "        return len(self.items)",
        "",
        "    def total(self):",
        f"        return (self.v + sum(self.items) + {g}) % {M}",
    ]


def d_dec(c: _Ch, st: State, ctx: Ctx):
    if st.dec is not None:
        raise Skip
    ints = st.of("int")
    if ints:
        g = c.pick(ints)
        st.dec = FnSpec(reqs={g: "int"})
        extra = f", {g}"
    else:
        st.dec = FnSpec()
        extra = ""
    return ["def dec(fn):", f"    print('decorating', fn.__name__{extra})", "    return fn"]


def _one(fn):
    def wrapped(c, st, ctx):
        lines, s = fn(c, st, ctx)
        return [lines], s
    return wrapped


def _simple_top(fn):
    def wrapped(c, st, ctx):
        st2 = st.copy()
        return [fn(c, st2, ctx)], st2
    return wrapped


def _pair(c, st, ctx):
    """Two one-line statements on one line, separated by ``;``."""
    l1, s1 = gen_simple(c, st, ctx)
    l2, s2 = gen_simple(c, s1, ctx)
    if len(l1) == 1 and len(l2) == 1 and "\n" not in l1[0] + l2[0]:
        return [[f"{l1[0]}; {l2[0]}"]], s2
    return [l1, l2], s2


TOP = [
    (40, lambda c, st, ctx: (lambda r: ([r[0]], r[1]))(gen_simple(c, st, ctx))),
    (5, _one(b_if)), (5, _one(b_for)), (2, b_while), (3, _one(b_try)), (1, _one(b_with_block)),
    (8, _simple_top(d_func)), (3, _simple_top(d_class)), (1, _simple_top(d_dec)),
    (2, _pair),
]


def gen_top(c: _Ch, st: State):
    ctx = Ctx()
    for _ in range(30):
        op = c.weighted(TOP)
        try:
            stmts, s2 = op(c, st, ctx)
        except Skip:
            continue
        return stmts, s2
    s2 = st.copy()
    return [[pr(s2, repr("nothing"))]], s2


# --------------------------------------------------------------------------
# whole programs


def _flatten(stmt_lines: list[str]) -> list[str]:
    out = []
    for ln in stmt_lines:
        out.extend(ln.split("\n"))
    return out


def generate_program(source, n_statements: int = 20) -> str:
    """A random program with at least ``n_statements`` top-level statements.

    ``source`` is a ``random.Random`` or a hypothesis ``draw`` function.
    """
    if isinstance(source, _random.Random):
        c = _Ch(_RandomChooser(source))
    elif callable(source):
        c = _Ch(_DrawChooser(source))
    else:
        raise TypeError("generate_program needs a random.Random or a hypothesis draw")
    st = State()
    prelude = [["import random"], ["import os"], ["import shutil"], ["import tempfile"]]
    if c.flag(0.5):
        prelude[0], prelude[1] = prelude[1], prelude[0]
    prelude.append([f"random.seed({c.int(0, 999)})"])
    prelude.append(["tmp = tempfile.mkdtemp()"])
    body: list[list[str]] = []
    # the tail of some programs sits under ``if __name__ == "__main__":``;
    # the module body still has n_statements statements
    main_k = c.int(2, 6) if c.flag(0.25) else 0
    # a few values first so that operations have something to work on
    for _ in range(3):
        stmts, st = _seed_value(c, st)
        body.extend(stmts)
    while len(prelude) + len(body) < n_statements + main_k:
        stmts, st = gen_top(c, st)
        body.extend(stmts)
        text = "\n".join(_flatten(stmts[-1]))
        if "print(" not in text and c.flag(0.85):
            # show what the statement touched, so a wrong order shows in the output
            named = [n for n in POOL if re.search(rf"\b{n}\b", text)]
            ok = lambda n: st.exact(n) in DATA or st.exact(n) == "obj"  # noqa: E731
            touched = [n for n in named if ok(n)]
            # better still: look at the object through *another* name
            others = [m for n in named for m in st.aliases(n) if m not in named and ok(m)]
            if others and c.flag(0.7):
                body.append([pr(st, show(c, st, c.pick(others)))])
            elif touched:
                body.append([pr(st, show(c, st, c.pick(touched)))])
    # epilogue: show everything that is surely bound, clean up the files
    final = [show(c, st, n) for n in printable(st)]
    if st.kglobal is not None:
        final.append("K.count")
    epilogue = [[pr(st, *final)]] if final else []
    epilogue.append(["shutil.rmtree(tmp)"])
    tail = body + epilogue
    lines: list[str] = []
    for stmt in prelude + tail[: len(tail) - main_k]:
        lines.extend(_flatten(stmt))
    if main_k:
        lines.append("")
        lines.append('if __name__ == "__main__":')
        for stmt in tail[len(tail) - main_k:]:
            lines.extend(indent(_flatten(stmt)))
    return "\n".join(lines) + "\n"


def _seed_value(c: _Ch, st: State):
    st = st.copy()
    n = c.pick(POOL)
    if c.flag(0.4):
        st.bind(n, "int")
        return [[f"{n} = {c.int(0, 20)}"]], st
    st.bind(n, "li")
    return [[f"{n} = [{', '.join(str(c.int(0, 9)) for _ in range(c.int(1, 4)))}]"]], st


def program_from_seed(seed: int, n_statements: int | None = None) -> str:
    """The program for ``seed`` (30..70 statements unless ``n_statements``).

    Longer programs hold more chances for a missed dependency to show: with
    60 statements, a name-only analysis (no aliasing, no call-time globals)
    is caught on about two programs out of three, with 25 on one in six.
    """
    rng = _random.Random(seed)
    n = n_statements if n_statements is not None else rng.randint(30, 70)
    return generate_program(rng, n)


def programs(min_statements: int = 20, max_statements: int = 60):
    """Hypothesis strategy of program texts (shrinks towards short, simple ones)."""
    from hypothesis import strategies as st

    @st.composite
    def _programs(draw):
        n = draw(st.integers(min_statements, max_statements))
        return generate_program(draw, n)

    return _programs()


if __name__ == "__main__":  # pragma: no cover - handy for looking at programs
    import sys

    print(program_from_seed(int(sys.argv[1]) if len(sys.argv) > 1 else 0), end="")
