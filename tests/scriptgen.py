"""A second, independent generator of Python scripts: *scenes* of idioms.

tests/progen.py builds programs from random typed expressions over a fixed pool
of variables. This generator instead composes **scenes**: short, self-contained
passages of the kind real scripts are made of (a class and its instances, a
config dict and a lookup guarded by ``try``, a seeded simulation, a helper that
bumps a global counter...). Every scene is written by hand as a template and
only its names, constants and a few variants are drawn at random; scenes then
*cross-reference* each other (a later scene mutates an instance, a list or a
dict an earlier scene made, through an alias), and some scenes are spread over
the program (a function defined early reads a global bound later, before the
call), so that the statements interact in the ways real scripts do::

    python tests/scriptgen.py --seed 7                 # print program 7
    python tests/scriptgen.py --hunt 0 199 --out DIR   # python vs taskpar, reduce failures

    from scriptgen import program_from_seed
    src = program_from_seed(7)

What the scenes contain: classes with ``__repr__``/``__eq__`` mutated through
attributes and aliases, lists of instances, dataclasses, ``;``-joined lines,
swaps, chained assignment, augmented assignment on lists/ints/floats/strings,
``try/except ... as e``, ``with`` (files, ``redirect_stdout``, ``suppress``),
top-level ``if``/``for``/``while``, comprehensions, ``global`` in called
functions, functions reading globals defined later, closures (``nonlocal``),
lambdas in dicts, mutable default arguments, recursion, generators (functions
and expressions, partly consumed), ``del`` of names and items, seeded
``random`` and ``numpy.random`` (legacy global state, directly and through
helpers; ``default_rng`` generators passed to functions), ``time.sleep`` so
that there is parallelism, f-strings with ``!r``, ``%``/``format`` of objects,
introspection at the end (``globals()``, ``dir()``, ``vars()``), and in about
one program in ten a final uncaught exception.

Determinism: no ids, addresses, times, or iteration over sets of strings are
printed; floats are rounded; every loop is bounded. The output of a program is
the same on every run and under every ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["generate", "program_from_seed", "run_python", "run_taskpar", "compare", "reduce_program"]

TARGET_STATEMENTS = 40


# --------------------------------------------------------------------------
# generation context


@dataclass
class Ctx:
    rng: random.Random
    n: int = 0
    boxes: list = field(default_factory=list)      # names bound to a Box
    points: list = field(default_factory=list)     # names bound to a Point (dataclass)
    lists: list = field(default_factory=list)      # names bound to a list of ints
    dicts: list = field(default_factory=list)      # names bound to a dict str -> int
    nums: list = field(default_factory=list)       # names bound to an int
    strs: list = field(default_factory=list)       # names bound to a str
    gens: list = field(default_factory=list)       # np Generator names (default_rng)
    deferred: list = field(default_factory=list)   # [due_scene, order, lines]
    scene_no: int = 0
    used_sleep: int = 0
    #: a scene triggered a warning in the script's code: python made the
    #: namespace's ``__warningregistry__`` (see ``generate``)
    warned: bool = False

    def fresh(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def maybe(self, p: float) -> bool:
        return self.rng.random() < p

    def defer(self, delay: int, lines: list[str]) -> None:
        self.deferred.append([self.scene_no + delay, len(self.deferred), lines])

    def due(self, final: bool = False) -> list[str]:
        out, keep = [], []
        for item in sorted(self.deferred, key=lambda d: (d[0], d[1])):
            if final or item[0] <= self.scene_no:
                out.extend(item[2])
            else:
                keep.append(item)
        self.deferred = keep
        return out

    def forget(self, name: str) -> None:
        for reg in (self.boxes, self.points, self.lists, self.dicts, self.nums, self.strs, self.gens):
            if name in reg:
                reg.remove(name)

    def sleep(self) -> str:
        self.used_sleep += 1
        return f"{self.rng.choice([0.01, 0.02, 0.03, 0.04, 0.05])}"


HEADER = '''\
import random
import time
import contextlib
import io
import warnings
import numpy as np
from dataclasses import dataclass, field


class Box:
    made = 0

    def __init__(self, v, tag="b"):
        self.v = v
        self.tag = tag
        Box.made += 1

    def __repr__(self):
        return f"Box({self.v!r}, {self.tag!r})"

    def __eq__(self, other):
        return isinstance(other, Box) and (self.v, self.tag) == (other.v, other.tag)

    def bump(self, k=1):
        self.v += k
        return self


@dataclass
class Point:
    x: float
    y: float = 0.0
    notes: list = field(default_factory=list)

    def norm1(self):
        return abs(self.x) + abs(self.y)


class Tally:
    kind = "tally"
    count = 0

    def __init__(self, name):
        self.name = name
        self.log = []

    @classmethod
    def rename(cls, kind):
        cls.kind = kind

    def note(self, v):
        self.log.append(v)
        type(self).count += 1
        return self

    def retag(self, kind):
        self.rename(kind)


class SubTally(Tally):
    pass


def slow(x, s=0.02):
    time.sleep(s)
    return x
'''


# --------------------------------------------------------------------------
# scenes: each returns a list of source lines (top level, may be multi-line)


def scene_box(c: Ctx):
    b = c.fresh("box")
    o = c.fresh("alias")
    v = c.rng.randint(1, 9)
    lines = [f"{b} = Box({v}, {c.pick(['a', 'b', 'c'])!r})"]
    k = c.rng.randint(1, 5)
    lines.append(c.pick([f"{o} = {b}; {o}.v += {k}", f"{o} = {b}\n{o}.v = {o}.v * {k}",
                         f"{o} = {b}.bump({k})"]))
    lines.append(c.pick([f"print({b}, {b} == {o}, {b} is {o})", f"print(f'{{{b}!r}} made={{Box.made}}')",
                         f"print('%s/%s' % ({b}, {o}.tag))", f"print('{{}} -> {{}}'.format({b}, vars({b})))"]))
    c.boxes += [b, o]
    return lines


def scene_boxes(c: Ctx):
    bs = c.fresh("boxes")
    first = c.fresh("first")
    n = c.rng.randint(2, 4)
    lines = [c.pick([f"{bs} = [Box(i + 1) for i in range({n})]",
                     f"{bs} = [" + ", ".join(f"Box({c.rng.randint(0, 9)})" for _ in range(n)) + "]"])]
    lines.append(f"{bs}[0].v += {c.rng.randint(1, 4)}")
    lines.append(f"{first} = {bs}[-1]; {first}.tag = 'last'")
    if c.maybe(0.5):
        lines.append(f"for bx in {bs}:\n    bx.v *= 2")
    lines.append(c.pick([f"print({bs}, {bs}[0] == Box({bs}[0].v))", f"print(sorted(b.v for b in {bs}))",
                         f"print([repr(b) for b in {bs} if b.v % 2 == 0])"]))
    c.boxes.append(first)
    return lines


def scene_dataclass(c: Ctx):
    p = c.fresh("pt")
    q = c.fresh("q")
    lines = [f"{p} = Point({c.rng.randint(-5, 5)}, {c.rng.randint(0, 5)}.5)"]
    lines.append(c.pick([f"{q} = {p}; {q}.x += 10", f"{q} = {p}\n{q}.notes.append('moved')",
                         f"{q} = Point({p}.x, {p}.y); {q}.y -= 1"]))
    lines.append(c.pick([f"print(f'{{{p}!r}} {{{q}!r}} {{{p} == {q}}}')", f"print({p}.norm1(), {q})"]))
    c.points += [p, q]
    return lines


def scene_swap(c: Ctx):
    a, b = c.fresh("a"), c.fresh("b")
    lines = [f"{a} = {c.rng.randint(1, 50)}; {b} = {c.rng.randint(1, 50)}"]
    lines.append(c.pick([f"{a}, {b} = {b}, {a}", f"{a}, {b} = {b}, {a} + {b}"]))
    lines.append(f"print('swap', {a}, {b}); {a} += 1")
    c.nums += [a, b]
    return lines


def scene_chain(c: Ctx):
    x, y = c.fresh("xs"), c.fresh("ys")
    lines = [c.pick([f"{x} = {y} = []", f"{x} = {y} = [0]"])]
    lines.append(f"{x} += [{c.rng.randint(1, 9)}]")
    lines.append(f"{y}.append({c.rng.randint(1, 9)})")
    lines.append(f"print({x}, {y}, {x} is {y})")
    c.lists += [x, y]
    return lines


def scene_aug(c: Ctx):
    i, f, s, l = c.fresh("count"), c.fresh("ratio"), c.fresh("label"), c.fresh("vals")
    lines = [f"{i} = {c.rng.randint(1, 9)}; {f} = {c.rng.randint(1, 9)}.25; {s} = 'run'; {l} = [1, 2]"]
    lines.append(f"{i} *= 3; {f} /= 2")
    lines.append(c.pick([f"{s} += '-' + str({i})", f"{s} *= 2"]))
    lines.append(c.pick([f"{l} += [{i}]", f"{l} *= 2", f"{l}.extend(range({i} % 4))"]))
    lines.append(f"print({i}, round({f}, 3), {s}, {l})")
    c.nums.append(i)
    c.strs.append(s)
    c.lists.append(l)
    return lines


def scene_try(c: Ctx):
    d, msg = c.fresh("cfg"), c.fresh("msg")
    key = c.pick(["depth", "width", "mode"])
    lines = [f"{d} = {{'alpha': {c.rng.randint(1, 9)}, 'beta': {c.rng.randint(1, 9)}}}"]
    lines.append(c.pick([
        f"try:\n    {msg} = {d}[{key!r}]\nexcept KeyError as e:\n    {msg} = 'missing ' + str(e)",
        f"try:\n    {msg} = 10 // ({d}['alpha'] - {d}['alpha'])\nexcept ZeroDivisionError as err:\n"
        f"    {msg} = type(err).__name__\nelse:\n    {msg} = 'ok'\nfinally:\n    {d}['tried'] = 1",
        f"try:\n    {msg} = int({d}.get({key!r}, 'x'))\nexcept ValueError as e:\n    {msg} = repr(e)",
    ]))
    lines.append(f"print({msg}, sorted({d}.items()))")
    c.dicts.append(d)
    c.strs.append(msg)
    return lines


def scene_with(c: Ctx):
    v = c.fresh("captured")
    kind = c.rng.randrange(3)
    if kind == 0:
        buf = c.fresh("buf")
        return [f"{buf} = io.StringIO()",
                f"with contextlib.redirect_stdout({buf}):\n    print('inside', {c.rng.randint(1, 9)})",
                f"{v} = {buf}.getvalue().strip()", f"print('captured:', {v!r})".replace(f"{v!r}", v)]
    if kind == 1:
        return [f"with contextlib.suppress(KeyError):\n    {v} = {{}}['nope']\n    {v} = 'unreached'",
                f"print('suppressed', '{v}' in globals())"]
    path = c.fresh("path")
    return [f"{path} = 'scene_{c.n}.txt'",
            f"with open({path}, 'w') as fh:\n    fh.write('line one\\nline two\\n')",
            f"with open({path}) as fh:\n    {v} = [ln.strip() for ln in fh]",
            f"print({v}, fh.closed)"]


def scene_if(c: Ctx):
    t = c.fresh("mode")
    src = c.pick(c.nums) if c.nums else str(c.rng.randint(0, 9))
    return [f"if {src} % 2 == 0:\n    {t} = 'even'\n    time.sleep({c.sleep()})\nelse:\n    {t} = 'odd'",
            f"print('mode', {t})"]


def scene_loop(c: Ctx):
    acc, i = c.fresh("acc"), c.fresh("i")
    n = c.rng.randint(3, 6)
    if c.maybe(0.5):
        lines = [f"{acc} = 0", f"for {i} in range({n}):\n    {acc} += {i} * {i}"]
    else:
        lines = [f"{acc} = 0; {i} = 0", f"while {i} < {n}:\n    {acc} += {i}\n    {i} += 1"]
    lines.append(f"print('loop', {acc}, {i})")
    c.nums += [acc, i]
    return lines


def scene_comprehension(c: Ctx):
    sq, m = c.fresh("squares"), c.fresh("lookup")
    base = c.pick(c.lists) if c.lists else "range(5)"
    return [f"{sq} = [v * v for v in {base} if v % 3 != 1]",
            f"{m} = {{f'k{{v}}': v for v in {sq}}}",
            c.pick([f"print({sq}, sorted({m}))", f"print(sum({sq}), len({m}))"])]


def scene_global(c: Ctx):
    cnt, fn = c.fresh("counter"), c.fresh("tick")
    lines = [f"{cnt} = 0",
             f"def {fn}(k=1):\n    global {cnt}\n    {cnt} += k\n    return {cnt}",
             f"{fn}(); {fn}({c.rng.randint(2, 5)})"]
    if c.maybe(0.5):
        lines.append(f"print('ticks', {fn}(), {cnt})")
    else:
        c.defer(c.rng.randint(1, 3), [f"print('ticks', {cnt}, {fn}())"])
    c.nums.append(cnt)
    return lines


def scene_late_global(c: Ctx):
    fn, lim = c.fresh("scaled"), c.fresh("LIMIT")
    lines = [f"def {fn}(x):\n    return x * {lim} + len(SETTINGS)"]
    c.defer(1, [f"{lim} = {c.rng.randint(2, 9)}"])
    c.defer(c.rng.randint(2, 4), [f"print('scaled', {fn}({c.rng.randint(1, 5)}))",
                                  f"{lim} += 1", f"print('rescaled', {fn}(1))"])
    return lines


def scene_closure(c: Ctx):
    mk, f1, f2 = c.fresh("make_counter"), c.fresh("ctr"), c.fresh("adder")
    lines = [f"def {mk}(start):\n    n = start\n    def step():\n        nonlocal n\n        n += 1\n"
             f"        return n\n    return step",
             f"{f1} = {mk}({c.rng.randint(0, 9)}); {f1}()",
             f"{f2} = (lambda base: (lambda x: x + base))({c.rng.randint(1, 9)})",
             f"print('closure', {f1}(), {f2}(1))"]
    return lines


def scene_lambdas(c: Ctx):
    ops = c.fresh("ops")
    lines = [f"{ops} = {{'add': lambda a, b: a + b, 'mul': lambda a, b: a * b}}",
             f"{ops}['pow'] = lambda a, b=2: a ** b",
             f"print(sorted({ops}), {ops}['add'](2, 3), {ops}['pow'](3))"]
    c.defer(c.rng.randint(1, 3), [f"del {ops}['mul']; print(sorted({ops}))"])
    return lines


def scene_default(c: Ctx):
    fn, r = c.fresh("collect"), c.fresh("got")
    return [f"def {fn}(x, into=[]):\n    into.append(x)\n    return into",
            f"{fn}(1); {fn}(2)",
            f"{r} = {fn}(3)",
            f"print('defaults', {r}, {fn}.__defaults__)"]


def scene_recursion(c: Ctx):
    fn = c.fresh("fib")
    return [f"def {fn}(n):\n    return n if n < 2 else {fn}(n - 1) + {fn}(n - 2)",
            f"print('fib', [{fn}(k) for k in range({c.rng.randint(5, 12)})])"]


def scene_generator(c: Ctx):
    g, fn, first = c.fresh("gen"), c.fresh("evens"), c.fresh("head")
    if c.maybe(0.5):
        lines = [f"def {fn}(limit):\n    for k in range(limit):\n        if k % 2 == 0:\n            yield k",
                 f"{g} = {fn}({c.rng.randint(6, 12)})"]
    else:
        lines = [f"{g} = (k * 3 for k in range({c.rng.randint(4, 8)}))"]
    lines += [f"{first} = next({g}); {first} += 100", f"print('gen', {first}, list({g}), list({g}))"]
    c.nums.append(first)
    return lines


def scene_del(c: Ctx):
    lines = []
    if c.dicts and c.maybe(0.6):
        d = c.pick(c.dicts)
        lines.append(f"{d}['gone'] = 0\ndel {d}['gone']; {d}['extra'] = {c.rng.randint(1, 9)}")
        lines.append(f"print(sorted({d}.items()))")
    if c.lists and c.maybe(0.6):
        l = c.pick(c.lists)
        lines.append(f"{l}.append(99); del {l}[-1]")
    tmp = c.fresh("tmp")
    lines.append(f"{tmp} = {c.rng.randint(1, 9)}")
    lines.append(f"print('tmp', {tmp}); del {tmp}")
    if c.nums and c.maybe(0.3):
        victim = c.pick(c.nums)
        lines.append(f"del {victim}")
        c.forget(victim)
        for l2 in list(c.deferred):
            if any(victim in s for s in l2[2]):   # a deferred use of the victim: keep it bound
                lines.pop()
                c.nums.append(victim)
                break
    return lines


def scene_random(c: Ctx):
    r, h = c.fresh("draw"), c.fresh("roll")
    kind = c.rng.randrange(3)
    if kind == 0:
        return [f"random.seed({c.rng.randint(0, 99)})",
                f"{r} = [random.randint(1, 6) for _ in range(3)]",
                f"def {h}():\n    return random.choice('abcdef')",
                f"print('dice', {r}, {h}(), round(random.random(), 6))"]
    if kind == 1:
        return [f"np.random.seed({c.rng.randint(0, 99)})",
                f"{r} = np.random.rand({c.rng.randint(2, 4)})",
                f"def {h}(n):\n    return np.random.randint(0, 100, n).tolist()",
                f"print('np', np.round({r}, 4).tolist(), {h}(3))"]
    sh = c.fresh("deck")
    lines = [f"{sh} = list(range({c.rng.randint(4, 8)}))", f"np.random.shuffle({sh})",
             f"random.shuffle({sh}); print('shuffled', {sh})"]
    c.lists.append(sh)
    return lines


def scene_rng(c: Ctx):
    g, fn, out = c.fresh("gen_rng"), c.fresh("sample"), c.fresh("samples")
    lines = [f"{g} = np.random.default_rng({c.rng.randint(0, 999)})",
             f"def {fn}(rng, n, pause={c.sleep()}):\n    time.sleep(pause)\n    return rng.integers(0, 50, n)",
             f"{out} = {fn}({g}, {c.rng.randint(2, 5)})",
             f"print('rng', {out}.tolist(), {fn}({g}, 2).tolist())"]
    c.gens.append(g)
    return lines


def scene_slow(c: Ctx):
    names = [c.fresh("part") for _ in range(c.rng.randint(2, 3))]
    lines = [f"{n} = slow({c.rng.randint(1, 20)}, {c.sleep()})" for n in names]
    tot = c.fresh("total")
    lines.append(f"{tot} = " + " + ".join(names))
    lines.append(f"print('total', {tot})")
    c.nums.append(tot)
    return lines


def scene_touch(c: Ctx):
    """Mutate something an earlier scene made, through an alias."""
    lines = []
    if c.boxes and c.maybe(0.7):
        b = c.pick(c.boxes)
        a = c.fresh("ref")
        lines.append(c.pick([f"{a} = {b}; {a}.v -= 1", f"{a} = [{b}]\n{a}[0].tag += '!'",
                             f"{a} = {{'held': {b}}}; {a}['held'].bump(3)"]))
        lines.append(f"print('touched', {b})")
    if c.points and c.maybe(0.5):
        p = c.pick(c.points)
        lines.append(f"{p}.notes.append(len({p}.notes)); print({p}!r)".replace(f"{p}!r", f"repr({p})"))
    if c.lists and c.maybe(0.6):
        l = c.pick(c.lists)
        lines.append(c.pick([f"{l}.sort(reverse=True)", f"{l}[0:1] = [{l}[0] + 1] if {l} else []",
                             f"{l}.insert(0, len({l}))"]))
        lines.append(f"print('list', {l})")
    if c.gens and c.maybe(0.5):
        g = c.pick(c.gens)
        lines.append(f"print('more', {g}.integers(0, 9, 3).tolist())")
    if not lines:
        lines = [f"print('made', Box.made)"]
    return lines


def scene_class_state(c: Ctx):
    """Class attributes changed through instances (a classmethod called by a
    method, ``type(self)``, ``x.__class__``, a base class seen by a subclass's
    instances) next to what stays each instance's own (``self.log``)."""
    t, u = c.fresh("tally"), c.fresh("tally")
    lines = [f"{t} = {c.pick(['Tally', 'SubTally'])}({t!r})",
             f"{u} = {c.pick(['Tally', 'SubTally'])}({u!r})"]
    for _ in range(c.rng.randint(1, 3)):
        k = c.rng.randint(1, 9)
        who = c.pick([t, u])
        lines.append(c.pick([f"{who}.note({k})", f"{who}.retag('kind{k}')", f"Tally.kind = 'base{k}'",
                             f"SubTally.kind = 'sub{k}'", f"{who}.__class__.count += {k}",
                             f"{who}.log.append({k})", f"{who}.note({k}).note(slow({k}, {c.sleep()}))"]))
    shown = [f"print({t}.kind, {u}.kind, {t}.log, {u}.log, Tally.count, SubTally.count)",
             f"print(type({u}).__name__, {u}.kind, Tally.kind, SubTally.kind)"]
    if c.maybe(0.5):
        lines.append(c.pick(shown))
    else:
        c.defer(c.rng.randint(1, 3), [c.pick(shown)])
    return lines


def scene_warnings(c: Ctx):
    """The warnings filters changed, then numpy warnings (RuntimeWarning of a
    negative log) in statements that may run on any worker: what python
    hides, raises or shows depends on the filters of the moment. (Programs
    print nothing on stderr: every warning here is hidden or raised.)"""
    v, w = c.fresh("lg"), c.fresh("lg")
    c.warned = True
    lines = [c.pick(['warnings.filterwarnings("ignore")',
                     'warnings.simplefilter("ignore", RuntimeWarning)',
                     'warnings.filterwarnings("ignore", category=RuntimeWarning)'])]
    k = c.rng.randint(1, 9)
    lines.append(f"{v} = float(np.log(np.array([-{k}.0]))[0]) + slow(0, {c.sleep()})")
    if c.maybe(0.5):
        lines.append("with warnings.catch_warnings():\n    warnings.simplefilter('error')\n"
                     "    try:\n        np.log(np.array([-1.0]))\n"
                     "    except RuntimeWarning as err:\n        print('raised', err)")
    if c.maybe(0.5):
        lines.append("warnings.simplefilter('error', RuntimeWarning)")
        lines.append(f"try:\n    {w} = float(np.sqrt(np.array([-{k}.0]))[0])\n"
                     f"except RuntimeWarning as err:\n    {w} = str(err)")
        lines.append('warnings.filterwarnings("ignore")')
    else:
        lines.append(f"{w} = float(np.sqrt(np.array([-{k}.0]))[0])")
    lines.append(c.pick([f"print({v} != {v}, {w})", f"print('nan', {v} == {v}, {w} != {w})"]))
    return lines


def scene_fstring(c: Ctx):
    things = [x for x in c.boxes + c.points + c.strs] or ["SETTINGS"]
    a = c.pick(things)
    b = c.pick(things)
    return [c.pick([f"print(f'{{{a}!r:>20}}|{{{b}!s}}')", f"print('%r and %s' % ({a}, {b}))",
                    f"print('{{0!r}} {{1}}'.format({a}, {b}))"])]


SCENES = [(4, scene_box), (3, scene_boxes), (3, scene_dataclass), (2, scene_swap), (2, scene_chain),
          (3, scene_aug), (3, scene_try), (2, scene_with), (2, scene_if), (2, scene_loop),
          (2, scene_comprehension), (3, scene_global), (2, scene_late_global), (2, scene_closure),
          (2, scene_lambdas), (2, scene_default), (1, scene_recursion), (2, scene_generator),
          (3, scene_del), (3, scene_random), (3, scene_rng), (3, scene_slow), (5, scene_touch),
          (2, scene_fstring), (3, scene_class_state), (2, scene_warnings)]


def _pick_scene(c: Ctx):
    total = sum(w for w, _ in SCENES)
    k = c.rng.randrange(total)
    for w, s in SCENES:
        if k < w:
            return s
        k -= w
    raise AssertionError


def _count(lines):
    return len(ast.parse("\n".join(lines)).body)  # a SyntaxError here is a generator bug


def generate(rng: random.Random, statements: int = TARGET_STATEMENTS, max_sleeps: int = 6,
             introspect: bool = True) -> str:
    c = Ctx(rng)
    body: list[str] = [f"SETTINGS = {{'name': 'gen', 'size': {rng.randint(1, 9)}}}",
                       f"random.seed({rng.randint(0, 999)}); np.random.seed({rng.randint(0, 999)})"]
    while _count(body) < statements:
        c.scene_no += 1
        scene = _pick_scene(c)
        if scene in (scene_slow, scene_rng, scene_if) and c.used_sleep >= max_sleeps:
            continue
        body.extend(scene(c))
        body.extend(c.due())
    body.extend(c.due(final=True))
    # the summary: values made by many scenes, then introspection
    shown = [n for n in c.boxes[:3] + c.nums[:3] + c.lists[:2]]
    if shown:
        body.append("print('summary', " + ", ".join(shown) + ")")
    intro = [c.pick(["print(sorted(k for k in globals() if not k.startswith('_')))",
                        "print([k for k in dir() if not k.startswith('_')])",
                        "print(sorted(k for k, v in vars().items() if isinstance(v, (int, list))"
                        " and not k.startswith('_')))"])]
    # (not after a warning: python's __main__ then has __warningregistry__,
    # which only the worker whose statement warned has; a known difference)
    if rng.random() < 0.15 and not c.warned:
        intro.append(rng.choice(["print(sorted(dir()))",
                                "print(len([k for k in vars() if k.startswith('__')]))"]))
    if introspect:
        body.extend(intro)
    if rng.random() < 0.10:
        body.append(rng.choice(["print('ratio', SETTINGS['size'] / (Box.made - Box.made))",
                                "print('lookup', SETTINGS['missing'])"]))
    return HEADER + "\n" + "\n".join(body) + "\n"


def program_from_seed(seed: int, statements: int = TARGET_STATEMENTS, introspect: bool = True) -> str:
    """Program ``seed``; ``introspect=False`` leaves out the final globals()/dir()/vars() lines
    (the rest of the program is the same)."""
    return generate(random.Random(seed), statements, introspect=introspect)


# --------------------------------------------------------------------------
# running and comparing


def _run(argv, cwd, env=None, timeout=120):
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        return (p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        return ("timeout", str(e.stdout or ""), str(e.stderr or ""))


def run_python(path: Path, cwd: Path, timeout=60):
    return _run([sys.executable, str(path)], cwd, timeout=timeout)


def run_taskpar(path: Path, cwd: Path, cache: Path, workers=3, timeout=120):
    env = dict(os.environ, TASKPAR_CACHE_DIR=str(cache))
    return _run([sys.executable, "-m", "taskpar", "run", str(path), "-w", str(workers)], cwd, env, timeout)


def compare(src: str, modes=("fresh", "warm"), timeout=120):
    """Run ``src`` with python and taskpar (fresh cache, then warm).

    Returns (expected, {mode: got}) where each result is (rc, stdout, stderr).
    Each run gets its own empty working directory (programs write files)."""
    with tempfile.TemporaryDirectory(prefix="scriptgen-") as d:
        d = Path(d)
        prog = d / "prog.py"
        prog.write_text(src)
        cache = d / "cache"
        cache.mkdir()
        results = {}
        wd = d / "py"
        wd.mkdir()
        expected = run_python(prog, wd, timeout=timeout)
        for mode in ("fresh", "warm"):
            if mode not in modes and not (mode == "fresh" and "warm" in modes):
                continue
            wd = d / mode
            wd.mkdir()
            results[mode] = run_taskpar(prog, wd, cache, timeout=timeout)
        return expected, {m: results[m] for m in modes}


def render_diff(expected, got) -> str:
    out = []
    if expected[0] != got[0]:
        out.append(f"exit status: python {expected[0]!r}, taskpar {got[0]!r}")
    for name, a, b in (("stdout", expected[1], got[1]), ("stderr", expected[2], got[2])):
        if a != b:
            out.append("".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                                    f"python {name}", f"taskpar {name}")))
    return "\n".join(out)


# --------------------------------------------------------------------------
# reducer: delta debugging over top-level statements, then over lines


def _units(src: str):
    """Top-level statements as (first line, last line) ranges, grouping statements that share a line."""
    tree = ast.parse(src)
    units = []
    for node in tree.body:
        start = node.lineno
        if node.decorator_list if hasattr(node, "decorator_list") else False:
            start = min(d.lineno for d in node.decorator_list)
        if units and start <= units[-1][1]:
            units[-1] = (units[-1][0], max(units[-1][1], node.end_lineno))
        else:
            units.append((start, node.end_lineno))
    return units


def _ddmin(items, test):
    """Classic ddmin: a 1-minimal subset of ``items`` for which ``test`` holds."""
    n = 2
    while len(items) >= 2:
        chunk = max(1, len(items) // n)
        subsets = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i in range(len(subsets)):
            complement = [x for j, s in enumerate(subsets) if j != i for x in s]
            if complement and test(complement):
                items = complement
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def reduce_program(src: str, still_fails, log=None) -> str:
    """Smallest program (by top-level statements, then by lines) for which
    ``still_fails(src)`` holds. ``still_fails`` must also check that python runs it cleanly."""
    lines = src.splitlines()
    units = _units(src)

    def render_units(sel):
        return "\n".join("\n".join(lines[a - 1:b]) for a, b in sel) + "\n"

    def test_units(sel):
        ok = still_fails(render_units(sel))
        if log:
            log(f"  units {len(sel)}: {'fails' if ok else 'passes'}")
        return ok

    best = _ddmin(units, test_units)
    cur = render_units(best).splitlines()

    def test_lines(sel):
        text = "\n".join(sel) + "\n"
        try:
            ast.parse(text)
        except SyntaxError:
            return False
        ok = still_fails(text)
        if log:
            log(f"  lines {len(sel)}: {'fails' if ok else 'passes'}")
        return ok

    cur = _ddmin(cur, test_lines)
    # split `a; b` lines into separate statements if the failure survives
    return "\n".join(cur) + "\n"


def make_predicate(mode: str, want_rc):
    """Python runs ``src`` with the original exit status and no unexpected error,
    and taskpar (``mode``) still differs."""

    def still_fails(src: str) -> bool:
        expected, got = compare(src, modes=(mode,), timeout=60)
        if expected[0] != want_rc or (want_rc == 0 and expected[2]):
            return False
        g = got[mode]
        return g != expected

    return still_fails


# --------------------------------------------------------------------------
# the hunt


def hunt(first: int, last: int, out: Path, reduce_max: int, jobs: int, introspect: bool = True):
    from concurrent.futures import ThreadPoolExecutor

    out.mkdir(parents=True, exist_ok=True)

    # made before the threads start: python 3.11's ast.parse is not thread-safe
    sources = {seed: program_from_seed(seed, introspect=introspect)
               for seed in range(first, last + 1)}

    def one(seed):
        expected, got = compare(sources[seed])
        return seed, sources[seed], expected, got

    failures = []
    with ThreadPoolExecutor(jobs) as ex:
        for seed, src, expected, got in ex.map(one, range(first, last + 1)):
            bad = [m for m in ("fresh", "warm") if got[m] != expected]
            status = "ok" if not bad else "MISMATCH " + ",".join(bad)
            print(f"seed {seed}: python rc={expected[0]} {status}", flush=True)
            if bad:
                failures.append(seed)
                (out / f"seed{seed}.py").write_text(src)
                text = [f"# seed {seed}: mismatching runs: {bad}\n"]
                for m in bad:
                    text.append(f"## {m} cache\n{render_diff(expected, got[m])}\n")
                (out / f"seed{seed}.diff").write_text("\n".join(text))
    print(f"{len(failures)} of {last - first + 1} programs mismatch: {failures}", flush=True)
    for seed in failures[:reduce_max]:
        src = (out / f"seed{seed}.py").read_text()
        expected, got = compare(src)
        bad = [m for m in ("fresh", "warm") if got[m] != expected]
        if not bad:
            print(f"seed {seed}: no longer mismatches (flaky?)", flush=True)
            (out / f"seed{seed}.flaky").write_text("passed on re-run\n")
            continue
        mode = bad[0]
        print(f"reducing seed {seed} ({mode})", flush=True)
        small = reduce_program(src, make_predicate(mode, expected[0]))
        (out / f"seed{seed}.min.py").write_text(small)
        e2, g2 = compare(small, modes=(mode,))
        (out / f"seed{seed}.min.diff").write_text(f"# {mode} cache\n{render_diff(e2, g2[mode])}\n")
        print(f"seed {seed}: reduced to {len(small.splitlines())} lines", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int)
    ap.add_argument("--statements", type=int, default=TARGET_STATEMENTS)
    ap.add_argument("--hunt", nargs=2, type=int, metavar=("A", "B"))
    ap.add_argument("--out", type=Path, default=Path("scriptgen-failures"))
    ap.add_argument("--reduce-max", type=int, default=10, help="reduce at most this many failures")
    ap.add_argument("--no-introspect", action="store_true",
                    help="leave out the final globals()/dir()/vars() lines")
    ap.add_argument("--jobs", type=int, default=2, help="programs compared at once")
    a = ap.parse_args(argv)
    if a.hunt:
        hunt(a.hunt[0], a.hunt[1], a.out, a.reduce_max, a.jobs, not a.no_introspect)
    elif a.seed is not None:
        sys.stdout.write(program_from_seed(a.seed, a.statements, not a.no_introspect))
    else:
        ap.error("give --seed N or --hunt A B")


if __name__ == "__main__":
    main()
