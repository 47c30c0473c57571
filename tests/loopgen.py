"""A third generator of Python scripts: programs whose work is in top-level loops.

tests/progen.py draws typed expressions over a pool of variables and
tests/scriptgen.py composes hand-written scenes; this one builds each program
from **loops assembled out of orthogonal parts**. A loop is

* an *iterable* (range, a list, ``enumerate``, ``zip``, ``dict.items()``,
  two nested loops (ranges, an inner range empty for the first outer item,
  the rows of a list of lists), a generator function or expression, ``map``, ``sorted``, a
  string, a list the body grows, an iterator the body also consumes, a list
  holding the same object twice, a subscript or attribute target, an empty
  iterable...), which knows the value of its per-iteration number ``NUM`` in
  every iteration;
* *producers*: statements that bind a per-iteration value (private
  temporaries, a pure helper, a CPU-bound helper, an induction variable, a
  draw from a shared ``random.Random``, from ``numpy.random.default_rng``, from
  the global ``random`` module with or without ``random.seed`` in the body, a
  helper reading the loop variable as a global or bumping a global, a value
  guarded by ``try/except``);
* *consumers*: statements that put a value somewhere (``append``, ``d[k] =``,
  ``print``, ``total += term`` on floats, ``state = f(state, x)``, a counter
  object, a list item re-used in every iteration, a set of ints, a string,
  ``max``, a closure capturing the loop variable, a file per iteration, an
  append-mode log file);
* at most one *control* statement (``break`` at a chosen iteration or never,
  ``continue``) and sometimes an ``else:`` clause;
* after the loop: the loop variable and the body's names (their values from
  the last iteration), the accumulators, files read back.

Besides loops a program has top-level comprehensions, ``map`` and
``sum(genexpr)`` (also ``any`` over a generator with side effects), reads of a
loop target after a comprehension that shadows it, checks of names an empty
loop left unbound, deferred calls of closures made in loops, and sometimes an
``if __name__ == "__main__":`` block holding the tail. About one program in
five ends in an uncaught exception: raised in iteration k of the last loop
(``raise``, a helper's ``ValueError``, ``ZeroDivisionError``, ``IndexError``, a
dict changed during iteration), in a comprehension, or a ``NameError`` for a
name an empty loop never bound.

Every program is deterministic under python: every random generator is
seeded, only ints, floats, strs and sets of small ints are printed, files go
to the current directory under fixed names, every loop is bounded. The CPU
work (``work(v, reps)``, a pure-Python loop of ``reps`` steps) is budgeted so
that a python run of a program stays well under half a second::

    python tests/loopgen.py 7               # print program 7
    python tests/loopgen.py 7 --families    # ... and the feature families it uses

    from loopgen import program_from_seed, generate
    src = program_from_seed(7)
    prog = generate(7)                      # .source .families .error .cpu
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field

__all__ = ["generate", "program_from_seed", "Program", "FAMILIES", "CPU_BUDGET"]

#: work() steps per program (about 0.1 s of python on a slow core); less with numpy
CPU_BUDGET = 900_000
CPU_BUDGET_NUMPY = 300_000

INT_TARGETS = ("i", "j", "v", "x", "a", "b", "n", "m")
STR_TARGETS = ("w", "key", "name", "ch")
WORDS = ("alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa",
         "lam", "mu")

#: every feature family a program can contain (generate(...).families is a subset)
FAMILIES = frozenset({
    # iterables
    "range", "list", "enumerate", "zip", "items", "nested", "generator_function",
    "generator_expression", "map_iterable", "sorted_reversed", "string", "odd_target",
    "mutate_iterable", "consumed_iterator", "shared_items", "shared_items_changed_last",
    "empty_iterable",
    # independent producers and consumers
    "temp", "helper", "cpu", "append", "dict_store", "print", "print_stderr", "float_total",
    "set_add", "file_per_iteration", "file_append",
    # carried dependences
    "induction", "state_fold", "random_instance", "np_rng", "np_array_in_order",
    "global_random_seeded_before", "global_random_seed_in_body", "counter_object", "reused_item",
    "global_read_helper",
    "global_write_helper", "string_accumulate", "running_max", "shuffle_in_body",
    # edge semantics
    "break", "break_never", "continue", "for_else", "caught_exception", "late_binding_closure",
    "early_binding_closure", "after_loop_use", "generator_rest", "unbound_check",
    "comprehension_shadow", "deferred_call", "main_block",
    # top-level comprehensions and friends
    "list_comprehension", "dict_comprehension", "map_call", "sum_genexpr", "any_genexpr",
    "random_comprehension",
    # uncaught errors
    "raise_in_loop", "raise_in_comprehension", "name_error",
})

HELPERS = {
    "work": '''\
def work(v, reps):
    """A pure function with some CPU in it."""
    acc = v + 1
    for k in range(reps):
        acc = (acc * 31 + k) % 1000003
    return acc''',
    "mix": '''\
def mix(v):
    return (v * 7 + 3) % 50''',
    "step": '''\
def step(state, v):
    return (state * 31 + v) % 10007''',
    "check": '''\
def check(v, bad):
    if v == bad:
        raise ValueError(f"bad value {v}")
    return v + 1''',
    "noisy": '''\
def noisy(k, limit):
    print("probe", k)
    return k >= limit''',
    "Tally": '''\
class Tally:
    def __init__(self):
        self.n = 0
        self.seen = []

    def add(self, v):
        self.n += v
        self.seen.append(v)
        return self.n

    def __repr__(self):
        return f"Tally(n={self.n!r}, seen={self.seen!r})"''',
    "Holder": '''\
class Holder:
    def __init__(self):
        self.v = None

    def __repr__(self):
        return f"Holder(v={self.v!r})"''',
}


def _mix(v):
    return (v * 7 + 3) % 50


@dataclass
class Iter:
    """An iterable and the loop header(s) over it."""

    family: str
    setup: list            # top-level lines before the loop
    headers: list          # "for ... in ...:" lines, outermost first
    num: str               # an int expression (>= 0) of the iteration, parenthesized if compound
    key: str               # a hashable expression (str or int, file-name safe) of the iteration
    nums: list             # NUM in every iteration, in order (exact when `exact`)
    int_targets: list = field(default_factory=list)   # int names the target binds
    str_targets: list = field(default_factory=list)   # str names the target binds
    other_targets: list = field(default_factory=list)  # names bound to something else
    body_first: list = field(default_factory=list)     # body lines the iterable needs (first)
    body_last: list = field(default_factory=list)      # body lines that end every iteration
    after: list = field(default_factory=list)          # lines after the loop
    exact: bool = True     # nums is exactly what the loop sees
    empty: bool = False


@dataclass
class Value:
    expr: str       # an expression of a number >= 0
    is_int: bool


@dataclass
class Program:
    source: str
    families: frozenset
    error: str | None      # "raise_in_loop" etc. when python must exit 1
    cpu: int               # work() steps
    seed: int | None = None


class Ctx:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.L = 0
        self.needs: set[str] = set()
        self.families: set[str] = set()
        self.numpy = False        # numpy may be used (decided first: its import costs time)
        self.uses_numpy = False
        self.cpu = 0
        self.budget = CPU_BUDGET
        self.bound_ints: set[str] = set()     # pool names surely bound to an int
        self.summary: list[str] = []          # accumulators to print at the end
        self.deferred: list[str] = []         # lines for the end of the program
        self.fresh_n = 0

    # randomness
    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def maybe(self, p: float) -> bool:
        return self.rng.random() < p

    def fam(self, *names: str) -> None:
        for n in names:
            assert n in FAMILIES, n
            self.families.add(n)

    def need(self, helper: str) -> str:
        self.needs.add(helper)
        return helper

    def int_target(self, avoid=()) -> str:
        return self.pick([t for t in INT_TARGETS if t not in avoid])

    def str_target(self) -> str:
        return self.pick(STR_TARGETS)


# --------------------------------------------------------------------------
# iterables


def _ints(c: Ctx, n: int, lo=0, hi=30, distinct=False) -> list[int]:
    if distinct:
        return c.rng.sample(range(lo, hi), n)
    return [c.rng.randint(lo, hi) for _ in range(n)]


def it_range(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    a, s = c.pick([(0, 1), (0, 1), (1, 1), (2, 3), (0, 2)])
    b = a + n * s
    rng = f"range({n})" if (a, s) == (0, 1) else f"range({a}, {b})" if s == 1 else f"range({a}, {b}, {s})"
    return Iter("range", [], [f"for {v} in {rng}:"], v, v, list(range(a, b, s)), int_targets=[v])


def it_list(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    xs = _ints(c, n)
    name = f"xs{L}"
    return Iter("list", [f"{name} = {xs!r}"], [f"for {v} in {name}:"], v, v, xs, int_targets=[v])


def it_enumerate(c: Ctx, L: int, n: int) -> Iter:
    i = c.int_target()
    w = c.str_target()
    words = c.rng.sample(WORDS, min(n, len(WORDS)))
    start = c.pick([0, 0, 1])
    name = f"words{L}"
    en = f"enumerate({name})" if start == 0 else f"enumerate({name}, {start})"
    nums = [(k + start) * 10 + len(wd) for k, wd in enumerate(words)]
    return Iter("enumerate", [f"{name} = {words!r}"], [f"for {i}, {w} in {en}:"],
                f"({i} * 10 + len({w}))", w, nums, int_targets=[i], str_targets=[w])


def it_zip(c: Ctx, L: int, n: int) -> Iter:
    a = c.int_target()
    b = c.int_target(avoid=(a,))
    xs = _ints(c, n, distinct=True)
    ys = _ints(c, n + c.pick([0, 0, 1, 2]))
    setup = [f"left{L} = {xs!r}", f"right{L} = {ys!r}"]
    nums = [p * 3 + q for p, q in zip(xs, ys)]
    if c.maybe(0.3):
        i = c.int_target(avoid=(a, b))
        nums = [k + p * q for k, (p, q) in enumerate(zip(xs, ys))]
        return Iter("zip", setup, [f"for {i}, ({a}, {b}) in enumerate(zip(left{L}, right{L})):"],
                    f"({i} + {a} * {b})", a, nums, int_targets=[i, a, b])
    return Iter("zip", setup, [f"for {a}, {b} in zip(left{L}, right{L}):"], f"({a} * 3 + {b})", a,
                nums, int_targets=[a, b])


def it_items(c: Ctx, L: int, n: int) -> Iter:
    k = c.str_target()
    v = c.int_target()
    table = {f"k{j}": c.rng.randint(0, 40) for j in c.rng.sample(range(20), n)}
    return Iter("items", [f"table{L} = {table!r}"], [f"for {k}, {v} in table{L}.items():"], v, k,
                list(table.values()), int_targets=[v], str_targets=[k])


def it_nested(c: Ctx, L: int, n: int) -> Iter:
    """Two nested loops (taskpar runs them as one loop over pairs): inner
    ranges, one that is empty for the first outer item (the loops then run
    as written), and rows of a list of lists, the inner loop over the row."""
    i = c.int_target()
    j = c.int_target(avoid=(i,))
    a = max(1, min(4, n // 2))
    b = max(1, n // a)
    shape = c.pick(["range", "range", "shifted", "lower", "rows"])
    if shape == "lower":  # range(i): nothing for i == 0
        nums = [p * (a + 1) + q for p in range(a + 1) for q in range(p)]
        return Iter("nested", [], [f"for {i} in range({a + 1}):", f"for {j} in range({i}):"],
                    f"({i} * {a + 1} + {j})", f"{i} * 100 + {j}", nums, int_targets=[i, j])
    if shape == "rows":
        r, q = c.int_target(avoid=(i, j)), c.int_target(avoid=(i, j))
        q = q if q != r else j
        rows = [_ints(c, max(1, b + c.pick([-1, 0, 1]))) for _ in range(a)]
        row = f"row{L}"
        nums = [v for rw in rows for v in rw]
        return Iter("nested", [f"rows{L} = {rows!r}"],
                    [f"for {r}, {row} in enumerate(rows{L}):", f"for {q}, {i} in enumerate({row}):"],
                    i, f"{r} * 100 + {q}", nums, int_targets=[r, q, i], other_targets=[row])
    inner = f"range({b})" if shape == "range" else f"range({i}, {i} + {b})"
    if inner == f"range({b})":
        nums = [p * b + q for p in range(a) for q in range(b)]
        num = f"({i} * {b} + {j})"
    else:
        nums = [p + q for p in range(a) for q in range(p, p + b)]
        num = f"({i} + {j})"
    return Iter("nested", [], [f"for {i} in range({a}):", f"for {j} in {inner}:"], num,
                f"{i} * 100 + {j}", nums, int_targets=[i, j])


def it_generator_function(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    noisy = c.maybe(0.4)
    off = c.rng.randint(0, 5)
    lines = [f"def gen{L}(limit):", "    for k in range(limit):"]
    if noisy:
        lines.append("        print('  yield', k)")
    lines.append(f"        yield k * 3 + {off}")
    nums = [k * 3 + off for k in range(n)]
    if c.maybe(0.5):
        # a generator object bound to a name: after a break, the rest of it is still there
        setup = ["\n".join(lines), f"g{L} = gen{L}({n})"]
        c.fam("generator_rest")
        return Iter("generator_function", setup, [f"for {v} in g{L}:"], v, v, nums,
                    int_targets=[v], other_targets=[f"g{L}"], after=[f"print('rest', list(g{L}))"])
    return Iter("generator_function", ["\n".join(lines)], [f"for {v} in gen{L}({n}):"], v, v, nums,
                int_targets=[v])


def it_generator_expression(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    form, f = c.pick([("k * k", lambda k: k * k), ("k * 2 + 1", lambda k: k * 2 + 1),
                      ("k % 4", lambda k: k % 4)])
    nums = [f(k) for k in range(n)]
    return Iter("generator_expression", [], [f"for {v} in ({form} for k in range({n})):"], v, v,
                nums, int_targets=[v])


def it_map(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    c.need("mix")
    a = c.rng.randint(0, 10)
    return Iter("map_iterable", [], [f"for {v} in map(mix, range({a}, {a + n})):"], v, v,
                [_mix(k) for k in range(a, a + n)], int_targets=[v])


def it_sorted(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    xs = _ints(c, n)
    kind = c.pick(["sorted", "rsorted", "reversed"])
    if kind == "sorted":
        expr, nums = f"sorted(pool{L})", sorted(xs)
    elif kind == "rsorted":
        expr, nums = f"sorted(pool{L}, reverse=True)", sorted(xs, reverse=True)
    else:
        expr, nums = f"reversed(pool{L})", xs[::-1]
    return Iter("sorted_reversed", [f"pool{L} = {xs!r}"], [f"for {v} in {expr}:"], v, v, nums,
                int_targets=[v])


def it_string(c: Ctx, L: int, n: int) -> Iter:
    ch = c.str_target()
    s = "".join(c.pick("abcdefghij") for _ in range(n))
    return Iter("string", [], [f"for {ch} in {s!r}:"], f"(ord({ch}) - 97)", ch,
                [ord(x) - 97 for x in s], str_targets=[ch])


def it_odd_target(c: Ctx, L: int, n: int) -> Iter:
    if c.maybe(0.5):
        slot = f"slot{L}"
        return Iter("odd_target", [f"{slot} = [-1, 'keep']"], [f"for {slot}[0] in range({n}):"],
                    f"{slot}[0]", f"{slot}[0]", list(range(n)), other_targets=[slot],
                    after=[f"print('slot', {slot})"])
    h = f"holder{L}"
    c.need("Holder")
    return Iter("odd_target", [f"{h} = Holder()"], [f"for {h}.v in range(1, {n + 1}):"], f"{h}.v",
                f"{h}.v", list(range(1, n + 1)), other_targets=[h], after=[f"print('holder', {h})"])


def it_mutate(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    init = _ints(c, c.rng.randint(1, 3), 0, 20)
    limit = max(n, len(init))
    items = list(init)
    nums = []
    k = 0
    while k < len(items):
        nums.append(items[k])
        if len(items) < limit:
            items.append(items[k] * 2 % 11)
        k += 1
    name = f"items{L}"
    return Iter("mutate_iterable", [f"{name} = {init!r}"], [f"for {v} in {name}:"], v, v, nums,
                int_targets=[v],
                body_first=[f"if len({name}) < {limit}:", f"    {name}.append({v} * 2 % 11)"],
                after=[f"print('grown', {name})"])


def it_consumed(c: Ctx, L: int, n: int) -> Iter:
    v = c.int_target()
    xs = _ints(c, n + 2)
    mod = c.pick([2, 3])
    nums, skipped = [], []
    it = iter(xs)
    for x in it:
        nums.append(x)
        if x % mod == 0:
            skipped.append(next(it, None))
    name = f"it{L}"
    return Iter("consumed_iterator", [f"data{L} = {xs!r}", f"{name} = iter(data{L})"],
                [f"for {v} in {name}:"], v, v, nums, int_targets=[v], other_targets=[name],
                body_first=[f"if {v} % {mod} == 0:", f"    skipped{L}.append(next({name}, None))"],
                after=[f"print('skipped', skipped{L}, list({name}))"])


def it_shared(c: Ctx, L: int, n: int) -> Iter:
    r = f"row{L}"
    if c.maybe(0.5):
        setup = [f"base{L} = [1]", f"rows{L} = [base{L}, [2, 2], base{L}, [3]]"]
        rows = [[1], [2, 2], None, [3]]
        rows[2] = rows[0]
        after = [f"print('rows', rows{L}, rows{L}[0] is rows{L}[2])"]
    else:
        k = max(2, min(n, 4))
        setup = [f"rows{L} = [[0]] * {k}"]
        row = [0]
        rows = [row] * k
        after = [f"print('rows', rows{L}, len(set(map(id, rows{L}))))"]
    # the change first (the body reads the changed row), or last (the body
    # reads the row as the earlier iterations left it, before this one
    # changes it: a copy of the row per worker would miss their changes)
    last = c.maybe(0.5)
    nums = []
    for row_ in rows:
        if last:
            nums.append(len(row_))
        row_.append(len(row_))
        if not last:
            nums.append(len(row_))
    change = [f"{r}.append(len({r}))"]
    return Iter("shared_items_changed_last" if last else "shared_items", setup,
                [f"for {r} in rows{L}:"], f"len({r})", f"len({r})", nums, other_targets=[r],
                body_first=[] if last else change, body_last=change if last else [],
                after=after, exact=not last)


def it_empty(c: Ctx, L: int, n: int, fresh: bool = False) -> Iter:
    """An empty iterable. ``fresh``: the target is a name nothing else binds."""
    v = f"never{L}" if fresh else c.int_target()
    form = c.pick(["[]", "range(0)", "range(5, 2)", "(k for k in [])", "list(filter(None, [0, 0]))",
                   "zip([1, 2], [])", "[k for k in range(9) if k > 99]", "{}"])
    return Iter("empty_iterable", [], [f"for {v} in {form}:"], v, v, [], int_targets=[v],
                empty=True)


ITERABLES = [(6, it_range), (3, it_list), (4, it_enumerate), (3, it_zip), (3, it_items),
             (3, it_nested), (3, it_generator_function), (2, it_generator_expression), (2, it_map),
             (2, it_sorted), (2, it_string), (2, it_odd_target), (2, it_mutate), (2, it_consumed),
             (2, it_shared)]
EXACT_FOR_RAISE = {it_range, it_list, it_enumerate, it_zip, it_items, it_nested,
                   it_generator_function, it_generator_expression, it_map, it_sorted, it_string,
                   it_mutate}


def _weighted(c: Ctx, table):
    total = sum(w for w, _ in table)
    k = c.rng.randrange(total)
    for w, x in table:
        if k < w:
            return x
        k -= w
    raise AssertionError


# --------------------------------------------------------------------------
# producers: body lines that bind a per-iteration value


@dataclass
class Piece:
    body: list
    setup: list = field(default_factory=list)
    after: list = field(default_factory=list)
    value: Value | None = None     # what a producer made
    temps: list = field(default_factory=list)   # names bound in the body


def p_temp(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("temp")
    t, u = f"t{L}", f"u{L}"
    a, b, m = c.rng.randint(2, 9), c.rng.randint(0, 9), c.rng.randint(3, 17)
    return Piece([f"{t} = {it.num} * {a} + {b}", f"{u} = {t} % {m} + {t} // {m}"],
                 value=Value(u, True), temps=[t, u])


def p_helper(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("helper")
    h = f"h{L}"
    return Piece([f"{h} = {c.need('mix')}({it.num})"], value=Value(h, True), temps=[h])


def p_cpu(c: Ctx, it: Iter, L: int) -> Piece | None:
    n = max(1, len(it.nums))
    room = (c.budget - c.cpu) // n
    if room < 20_000:
        return None
    reps = min(room, c.rng.randrange(20_000, 100_001, 5_000))
    reps -= reps % 5_000
    c.cpu += reps * n
    c.fam("cpu")
    w = f"w{L}"
    return Piece([f"{w} = {c.need('work')}({it.num}, {reps})"], value=Value(w, True), temps=[w])


def p_induction(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("induction")
    cnt = f"count{L}"
    inc = c.pick(["1", "1", "2", f"len(str({it.num}))"])
    c.summary.append(cnt)
    return Piece([f"{cnt} += {inc}"], setup=[f"{cnt} = {c.rng.randint(0, 3)}"],
                 value=Value(f"{cnt} * {c.rng.randint(1, 5)} + {it.num}", True))


def p_random_instance(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("random_instance")
    r, g = f"rnd{L}", f"draw{L}"
    draw = c.pick([(f"{r}.randint(0, 99)", True), (f"{r}.random()", False),
                   (f"{r}.choice([3, 5, 7, 11])", True), (f"{r}.randrange(1, 50, 2)", True)])
    return Piece([f"{g} = {draw[0]}"], setup=[f"{r} = random.Random({c.rng.randint(0, 999)})"],
                 value=Value(g, draw[1]), temps=[g],
                 after=[f"print('next draw', {r}.randint(0, 9))"] if c.maybe(0.4) else [])


def p_np_rng(c: Ctx, it: Iter, L: int) -> Piece | None:
    if not c.numpy:
        return None
    c.fam("np_rng")
    c.numpy = True
    r, g = f"gen_rng{L}", f"nd{L}"
    c.uses_numpy = True
    draw = c.pick([(f"int({r}.integers(0, 100))", True), (f"float({r}.random())", False),
                   (f"{r}.integers(0, 10)", True), (f"abs(float({r}.normal()))", False)])
    return Piece([f"{g} = {draw[0]}"], setup=[f"{r} = np.random.default_rng({c.rng.randint(0, 999)})"],
                 value=Value(g, draw[1]), temps=[g],
                 after=[f"print('np next', {r}.integers(0, 9, 3).tolist())"] if c.maybe(0.4) else [])


def p_global_random(c: Ctx, it: Iter, L: int) -> Piece:
    g = f"gr{L}"
    draw = c.pick([("random.randint(1, 6)", True), ("random.random()", False),
                   ("random.choice([2, 4, 8])", True), ("random.randrange(10)", True)])
    after = [f"print('global next', random.randint(0, 99))"] if c.maybe(0.5) else []
    if c.maybe(0.5):
        c.fam("global_random_seeded_before")
        setup = [f"random.seed({c.rng.randint(0, 999)})"] if c.maybe(0.6) else []
        return Piece([f"{g} = {draw[0]}"], setup=setup, value=Value(g, draw[1]), temps=[g],
                     after=after)
    c.fam("global_random_seed_in_body")
    seed = c.pick([f"{c.rng.randint(0, 99)}", f"{c.rng.randint(0, 99)} + {it.num}", f"{it.num}"])
    return Piece([f"random.seed({seed})", f"{g} = {draw[0]}"], value=Value(g, draw[1]), temps=[g],
                 after=after)


def p_shuffle(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("shuffle_in_body")
    d = f"deck{L}"
    return Piece([f"random.shuffle({d})"], setup=[f"{d} = list(range({c.rng.randint(3, 7)}))"],
                 value=Value(f"{d}[0]", True), after=[f"print('deck', {d})"])


def p_global_read(c: Ctx, it: Iter, L: int) -> Piece | None:
    if not it.int_targets:
        return None
    c.fam("global_read_helper")
    t = c.pick(it.int_targets)
    f, p = f"peek{L}", f"pk{L}"
    k = c.rng.randint(1, 5)
    return Piece([f"{p} = {f}()"], setup=[f"def {f}():\n    return {t} * {k} + 1"],
                 value=Value(p, True), temps=[p])


def p_global_write(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("global_write_helper")
    f, g, p = f"bump{L}", f"hits{L}", f"bp{L}"
    c.summary.append(g)
    return Piece([f"{p} = {f}({it.num})"],
                 setup=[f"{g} = 0", f"def {f}(by):\n    global {g}\n    {g} += by % 4 + 1\n    return {g}"],
                 value=Value(p, True), temps=[p])


def p_caught(c: Ctx, it: Iter, L: int) -> Piece:
    c.fam("caught_exception")
    q = f"q{L}"
    bad = c.pick(it.nums) if it.nums else 0
    kind = c.rng.randrange(3)
    if kind == 0:
        body = [f"try:", f"    {q} = 100 // abs({it.num} - {bad})", "except ZeroDivisionError:",
                f"    {q} = 0"]
    elif kind == 1:
        body = [f"try:", f"    {q} = {c.need('check')}({it.num}, {bad})", "except ValueError as err:",
                "    print('caught', err)", f"    {q} = 0"]
    else:
        keys = sorted({str(k) for k in it.nums[:3]})
        lookup = {k: i + 1 for i, k in enumerate(keys)}
        body = [f"try:", f"    {q} = lookup{L}[str({it.num})]", "except KeyError as err:",
                f"    {q} = len(str(err))", "else:", f"    {q} += 10"]
        return Piece(body, setup=[f"lookup{L} = {lookup!r}"], value=Value(q, True), temps=[q])
    return Piece(body, value=Value(q, True), temps=[q])


def p_np_array(c: Ctx, it: Iter, L: int) -> Piece | None:
    """An array made in the iteration, then changed in place by a statement
    that prints (so it runs in iteration order, wherever the array was made)."""
    if not c.numpy:
        return None
    c.fam("np_array_in_order")
    c.uses_numpy = True
    a = f"arr{L}"
    make = c.pick([f"np.arange(3.0) + {it.num}", f"np.full({c.rng.randint(2, 5)}, float({it.num}))",
                   f"np.zeros({c.rng.choice([4, 70_000])}) + {it.num}"])
    change = c.pick([f"np.add({a}, 1.0, out={a})[:3].tolist()",
                     f"{a}.__setitem__(0, -1.0) or {a}[:3].tolist()"])
    return Piece([f"{a} = {make}", f"print('arr', {change})"], value=Value(f"int({a}[1])", True),
                 temps=[a])


PRODUCERS = [(4, p_temp), (3, p_helper), (4, p_cpu), (2, p_induction), (2, p_random_instance),
             (1, p_np_rng), (1, p_np_array), (3, p_global_random), (1, p_shuffle),
             (1, p_global_read), (1, p_global_write), (2, p_caught)]


# --------------------------------------------------------------------------
# consumers: body lines that put a value somewhere


def k_append(c, it, L, v: Value) -> Piece:
    c.fam("append")
    r = f"results{L}"
    c.summary.append(r)
    item = c.pick([v.expr, v.expr, f"({it.key}, {v.expr})"])
    return Piece([f"{r}.append({item})"], setup=[f"{r} = []"], after=[f"print('results', {r})"])


def k_dict(c, it, L, v: Value) -> Piece:
    c.fam("dict_store")
    d = f"by_key{L}"
    return Piece([f"{d}[{it.key}] = {v.expr}"], setup=[f"{d} = {{}}"],
                 after=[c.pick([f"print('dict', {d})", f"print('dict', sorted({d}.items()))"])])


def k_print(c, it, L, v: Value) -> Piece:
    if c.maybe(0.2):
        c.fam("print_stderr")
        return Piece([f"print('warn', {L}, {v.expr}, file=sys.stderr)"])
    c.fam("print")
    return Piece([c.pick([f"print(f'loop{L} {{{it.key}}} -> {{{v.expr}}}')",
                          f"print('loop{L}', {it.num}, {v.expr}, sep=':')",
                          f"print('loop{L}', repr({it.key}), {v.expr})"])])


def k_float(c, it, L, v: Value) -> Piece:
    c.fam("float_total")
    t = f"total{L}"
    c.summary.append(t)
    term = c.pick([f"{v.expr} * 0.1", f"1.0 / ({v.expr} + 1)", f"math.sqrt({v.expr})",
                   f"{v.expr} / 7", f"0.1 * {it.num} + 1e-3"])
    start = c.pick(["0.0", "0.0", "0.1", "1e16"])
    return Piece([f"{t} += {term}"], setup=[f"{t} = {start}"], after=[f"print('total', {t})"])


def k_fold(c, it, L, v: Value) -> Piece:
    c.fam("state_fold")
    s = f"state{L}"
    c.summary.append(s)
    if c.maybe(0.5):
        return Piece([f"{s} = {c.need('step')}({s}, {v.expr})"], setup=[f"{s} = {c.rng.randint(1, 9)}"],
                     after=[f"print('state', {s})"])
    return Piece([f"{s} = {s} * 0.5 + {v.expr}"], setup=[f"{s} = 0.0"], after=[f"print('state', {s})"])


def k_counter(c, it, L, v: Value) -> Piece:
    c.fam("counter_object")
    o = f"tally{L}"
    c.need("Tally")
    return Piece([f"{o}.add({v.expr})"], setup=[f"{o} = Tally()"], after=[f"print({o})"])


def k_reused(c, it, L, v: Value) -> Piece:
    c.fam("reused_item")
    if c.maybe(0.5):
        cell, snaps = f"cell{L}", f"snaps{L}"
        return Piece([f"{cell}[0] += {v.expr}", f"{snaps}.append({cell})"],
                     setup=[f"{cell} = [0]", f"{snaps} = []"],
                     after=[f"print('snaps', {snaps}, all(s is {cell} for s in {snaps}))"])
    row, hist = f"row_{L}", f"hist{L}"
    copy = c.pick([row, f"list({row})"])
    return Piece([f"{row}.append({v.expr})", f"{hist}.append({copy})"],
                 setup=[f"{row} = []", f"{hist} = []"], after=[f"print('hist', {hist})"])


def k_set(c, it, L, v: Value) -> Piece:
    c.fam("set_add")
    s = f"seen{L}"
    conv = f"({v.expr})" if v.is_int else f"int({v.expr} * 10)"
    # ints below 8: a set's order is then the same however it was built (see the
    # set-order reproducer in tests/conformance/test_loopgen.py)
    return Piece([f"{s}.add({conv} % {c.rng.randint(3, 8)})"], setup=[f"{s} = set()"],
                 after=[c.pick([f"print('seen', {s})", f"print('seen', sorted({s}), len({s}))"])])


def k_string(c, it, L, v: Value) -> Piece:
    c.fam("string_accumulate")
    s = f"text{L}"
    return Piece([f"{s} += str({it.key}) + ';'"], setup=[f"{s} = ''"], after=[f"print('text', {s})"])


def k_max(c, it, L, v: Value) -> Piece:
    c.fam("running_max")
    b = f"best{L}"
    fn = c.pick(["max", "min"])
    init = "-1" if fn == "max" else "10 ** 9"
    return Piece([f"{b} = {fn}({b}, {v.expr})"], setup=[f"{b} = {init}"], after=[f"print('{fn}', {b})"])


def k_closure(c, it, L, v: Value) -> Piece:
    fs = f"fs{L}"
    if c.maybe(0.35):
        c.fam("early_binding_closure")
        body = [f"{fs}.append(lambda q={v.expr}: q)"]
    else:
        c.fam("late_binding_closure")
        target = c.pick(it.int_targets + [v.expr]) if it.int_targets else v.expr
        body = [f"{fs}.append(lambda: {target})"]
    call = f"print('closures', [f() for f in {fs}])"
    if c.maybe(0.4):
        c.fam("deferred_call")
        c.deferred.append(call.replace("'closures'", f"'closures{L} later'"))
        return Piece(body, setup=[f"{fs} = []"], after=[f"print('made', len({fs}))"])
    return Piece(body, setup=[f"{fs} = []"], after=[call])


def k_file(c, it, L, v: Value) -> Piece:
    if c.maybe(0.5):
        c.fam("file_per_iteration")
        return Piece([f"with open(f'out{L}_{{{it.key}}}.txt', 'w') as fh:",
                      f"    fh.write(f'{{{it.num}}} {{{v.expr}}}\\n')"],
                     after=[f"for fname in sorted(os.listdir('.')):\n"
                            f"    if fname.startswith('out{L}_'):\n"
                            "        with open(fname) as fh:\n"
                            "            print(fname, fh.read().strip())"])
    c.fam("file_append")
    mode = c.pick(["'w'", "'a'"])  # 'w' before the loop truncates, the body appends
    return Piece([f"with open('log{L}.txt', 'a') as fh:", f"    print({it.key}, {v.expr}, file=fh)"],
                 setup=[f"with open('log{L}.txt', {mode}) as fh:\n    fh.write('start\\n')"],
                 after=[f"with open('log{L}.txt') as fh:\n    print(fh.read(), end='')"])


CONSUMERS = [(5, k_append), (3, k_dict), (5, k_print), (4, k_float), (3, k_fold), (2, k_counter),
             (2, k_reused), (2, k_set), (1, k_string), (1, k_max), (2, k_closure), (2, k_file)]


# --------------------------------------------------------------------------
# a loop


def _indent(lines, depth: int) -> list[str]:
    pad = "    " * depth
    return ["\n".join(pad + ln if ln else ln for ln in line.split("\n")) for line in lines]


def loop_block(c: Ctx, *, final_raise: bool = False, empty: bool = False) -> list[str]:
    """The statements of one loop: its setup, the ``for`` statement, what follows it."""
    c.L += 1
    L = c.L
    n = c.rng.randint(2, 8)
    if empty:
        it = it_empty(c, L, n, fresh=c.maybe(0.4))
    else:
        while True:
            kind = _weighted(c, ITERABLES)
            if not final_raise or kind in EXACT_FOR_RAISE:
                break
        it = kind(c, L, n)
    c.fam(it.family)
    setup = list(it.setup)
    if it.family == "consumed_iterator":
        setup.insert(0, f"skipped{L} = []")
    # the body as pieces (lists of lines): control goes between pieces, never inside one
    pieces: list[list[str]] = [list(it.body_first)] if it.body_first else []
    head = len(pieces)   # the iterable's own lines stay first
    after: list[str] = []
    values = [Value(it.num, True)]
    temps: list[tuple[int, str]] = []   # (piece index, name bound there)
    used = set()
    for _ in range(c.rng.randint(0 if it.nums else 1, 3)):
        make = _weighted(c, PRODUCERS)
        p = None if make in used else make(c, it, L)
        if p is None:
            continue
        used.add(make)
        setup += p.setup
        after += p.after
        temps += [(len(pieces), t) for t in p.temps]
        pieces.append(p.body)
        if p.value:
            values.append(p.value)
    for _ in range(c.rng.randint(1, 3)):
        v = c.pick(values[1:] or values) if c.maybe(0.75) else c.pick(values)
        k = _weighted(c, CONSUMERS)(c, it, L, v)
        setup += k.setup
        pieces.append(k.body)
        after = k.after + after
    # one control statement at most, between two pieces
    pos = c.rng.randint(head, len(pieces))
    control: list[str] = []
    if final_raise:
        control = _raise_lines(c, it, L)
    elif it.nums and c.maybe(0.45):
        if c.maybe(0.55):
            k = c.rng.randrange(len(it.nums) + 1)
            if k == len(it.nums):
                c.fam("break_never")
                cond = f"{it.num} == -1"
            else:
                c.fam("break")
                cond = c.pick([f"{it.num} == {it.nums[k]}", f"{it.num} >= {it.nums[k]}"])
            control = [f"if {cond}:", f"    print('break at', {it.num})", "    break"] \
                if c.maybe(0.5) else [f"if {cond}:", "    break"]
        else:
            c.fam("continue")
            control = [f"if {it.num} % {c.rng.randint(2, 4)} == {c.rng.randint(0, 1)}:", "    continue"]
    # names the body surely bound when the loop ran at least once: those before the control
    safe_temps = [t for i, t in temps if not control or i < pos]
    if control:
        pieces.insert(pos, control)
    if it.body_last:
        pieces.append(list(it.body_last))
    body = [ln for piece in pieces for ln in piece] or ["pass"]
    depth = len(it.headers)
    lines = [("    " * d) + h for d, h in enumerate(it.headers)]
    lines += _indent(body, depth)
    if not final_raise and c.maybe(0.25):
        c.fam("for_else")
        d = c.rng.randrange(depth)
        lines += _indent(["else:", f"    print('loop{L} ran to the end')"], d)
    stmt = "\n".join(lines)
    out = setup + [stmt]
    if final_raise:
        return out
    # after the loop
    out += it.after + after
    if it.empty:
        out += _after_empty(c, it, L, [t for _, t in temps])
    else:
        used = [t for t in it.int_targets + it.str_targets]
        shown = used + safe_temps
        if shown and c.maybe(0.6):
            c.fam("after_loop_use")
            out.append("print('after', " + ", ".join(shown) + ")")
        c.bound_ints |= set(it.int_targets)
    return out


def _after_empty(c: Ctx, it: Iter, L: int, temps: list[str]) -> list[str]:
    target = it.int_targets[0]
    c.fam("unbound_check")
    names = [target] + temps
    if c.maybe(0.5):
        return [f"print('bound?', {', '.join(repr(n) + ' in globals()' for n in names)})"]
    n = c.pick(names)
    return [f"try:\n    print('value', {n})\nexcept NameError as err:\n    print('NameError:', err)"]


def _raise_lines(c: Ctx, it: Iter, L: int) -> list[str]:
    c.fam("raise_in_loop")
    k = c.rng.randrange(len(it.nums))
    bad = it.nums[k]
    kind = c.rng.randrange(5 if it.family == "items" else 4)
    if kind == 0:
        return [f"if {it.num} == {bad}:", f"    raise RuntimeError(f'stop at {{{it.num}}}')"]
    if kind == 1:
        return [f"{c.need('check')}({it.num}, {bad})"]
    if kind == 2:
        return [f"print('ratio', 1 / ({it.num} - {bad}))"]
    if kind == 3:
        # an IndexError: the pair is indexed by 2 in iteration k, by 0 before
        return [f"print('pick', ({it.num}, 'ok')[int({it.num} == {bad}) * 2])"]
    # a dict that changes size while its items are iterated
    tgt = it.str_targets[0]
    return [f"if {it.num} == {bad}:", f"    table{L}[{tgt} + '_new'] = 0"]


# --------------------------------------------------------------------------
# other top-level statements


def comprehension_block(c: Ctx, *, final_raise: bool = False) -> list[str]:
    c.L += 1
    L = c.L
    n = c.rng.randint(3, 8)
    name = f"comp{L}"
    if final_raise:
        c.fam("raise_in_comprehension")
        bad = c.rng.randrange(n)
        return [f"{name} = [10 // (k - {bad}) for k in range({n})]", f"print({name})"]
    kind = c.rng.randrange(8)
    uses_elem = kind in (0, 1, 2, 3, 7)
    reps = 0
    room = (c.budget - c.cpu) // n
    if uses_elem and room >= 20_000 and c.maybe(0.6):
        reps = min(room, c.rng.randrange(20_000, 80_001, 5_000))
        reps -= reps % 5_000
        c.cpu += reps * n
        c.fam("cpu")
    elem = f"{c.need('work')}(k, {reps})" if reps else c.pick(["mix(k)", "k * k + 1", "(k * 13) % 7"])
    if uses_elem and elem == "mix(k)":
        c.need("mix")
    if kind in (0, 7):
        c.fam("list_comprehension")
        lines = [c.pick([f"{name} = [{elem} for k in range({n})]",
                         f"{name} = [{elem} for k in range({n}) if k % 3 != 1]",
                         f"{name} = [(k, {elem}) for k in range({n})]"])]
    elif kind == 1:
        c.fam("dict_comprehension")
        lines = [f"{name} = {{f'k{{k}}': {elem} for k in range({n})}}"]
    elif kind == 2:
        c.fam("map_call")
        fn = f"lambda k: {elem}" if elem != "mix(k)" else "mix"
        lines = [f"{name} = list(map({fn}, range({n})))"]
    elif kind == 3:
        c.fam("sum_genexpr")
        lines = [f"{name} = sum({elem} for k in range({n}))"]
    elif kind == 4:
        c.fam("sum_genexpr")
        lines = [c.pick([f"{name} = sum(1.0 / (k + 1) for k in range({n}))",
                         f"{name} = sum(0.1 * k for k in range({n}))"])]
    elif kind == 5:
        c.fam("any_genexpr")
        c.need("noisy")
        lines = [f"{name} = {c.pick(['any', 'all'])}(noisy(k, {c.rng.randint(0, n + 1)}) "
                 f"for k in range({n}))"]
    else:
        c.fam("random_comprehension")
        lines = [f"{name} = [random.randint(0, 9) for _ in range({n})]"]
    lines.append(f"print('{name}', {name})")
    # a comprehension variable that shadows a loop target does not leak
    if c.bound_ints and c.maybe(0.5):
        t = c.pick(sorted(c.bound_ints))
        c.fam("comprehension_shadow")
        lines.append(f"shadow{L} = [{t} * 2 for {t} in range(3)]")
        lines.append(f"print('shadow', shadow{L}, {t})")
    return lines


def name_error_block(c: Ctx) -> list[str]:
    c.fam("name_error")
    c.L += 1
    L = c.L
    it = it_empty(c, L, 0, fresh=True)
    c.fam(it.family)
    body = c.pick([[f"t{L} = {it.num} + 1"], [f"print('never', {it.num})"]])
    stmt = "\n".join([it.headers[0]] + _indent(body, 1))
    use = f"t{L}" if body[0].startswith("t") and c.maybe(0.5) else it.num
    return [stmt, f"print('after', {use})"]


# --------------------------------------------------------------------------
# the program


def generate(seed_or_rng) -> Program:
    rng = seed_or_rng if isinstance(seed_or_rng, random.Random) else random.Random(seed_or_rng)
    c = Ctx(rng)
    if rng.random() < 0.25:
        c.numpy = True
        c.budget = CPU_BUDGET_NUMPY  # numpy's import costs as much as the rest
    blocks: list[list[str]] = []
    n_blocks = rng.randint(3, 6)
    for _ in range(n_blocks):
        r = rng.random()
        if r < 0.2:
            blocks.append(comprehension_block(c))
        elif r < 0.3:
            blocks.append(loop_block(c, empty=True))
        else:
            blocks.append(loop_block(c))
    ending = rng.choices(["none", "raise_in_loop", "raise_in_comprehension", "name_error"],
                         [80, 10, 4, 6])[0]
    tail = list(c.deferred)
    if c.summary and rng.random() < 0.5:
        shown = c.summary[:4]
        tail.append("print('summary', " + ", ".join(shown) + ")")
    if rng.random() < 0.3:
        tail.append("print(sorted(k for k in globals() if not k.startswith('_') and k not in "
                    "('math', 'os', 'random', 'sys', 'np')))")
    if tail:
        blocks.append(tail)
    error = None
    if ending == "raise_in_loop":
        blocks.append(loop_block(c, final_raise=True))
        error = ending
    elif ending == "raise_in_comprehension":
        blocks.append(comprehension_block(c, final_raise=True))
        error = ending
    elif ending == "name_error":
        blocks.append(name_error_block(c))
        error = ending
    # the header: imports, helpers the program uses
    head = ["import math", "import os", "import random", "import sys"]
    if c.uses_numpy:
        head.append("import numpy as np")
    head.append("")
    head.append(f"random.seed({rng.randint(0, 9999)})")
    for h in HELPERS:
        if h in c.needs:
            head += ["", "", HELPERS[h]]
    head += ["", ""]
    stmts = [s for b in blocks for s in b]
    if rng.random() < 0.3:
        c.fam("main_block")
        split = rng.randint(0, len(stmts) - 1)
        stmts = stmts[:split] + ['if __name__ == "__main__":'] + _indent(stmts[split:], 1)
        # a 'def' inside the main block needs no blank lines; keep it readable anyway
    src = "\n".join(head) + "\n" + "\n".join(stmts) + "\n"
    return Program(src, frozenset(c.families), error, c.cpu,
                   seed_or_rng if isinstance(seed_or_rng, int) else None)


def program_from_seed(seed: int) -> str:
    return generate(seed).source


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("--families", action="store_true", help="print the feature families on stderr")
    a = ap.parse_args(argv)
    p = generate(a.seed)
    sys.stdout.write(p.source)
    if a.families:
        print(f"# families: {' '.join(sorted(p.families))}", file=sys.stderr)
        print(f"# error: {p.error}  work steps: {p.cpu}", file=sys.stderr)


if __name__ == "__main__":
    main()
