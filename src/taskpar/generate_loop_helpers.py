"""The split-loop helpers of a generated mpi4py program, as text.

``LOOP_HELPERS`` is emitted verbatim into a program that ``generate`` writes
when one of its loops gets the scatter/gather block (``generate_loops``),
after the program's own helpers (``generate._HELPERS``), whose names it uses:
``G`` (the script's namespace), ``HIDDEN``, ``Capture``, ``dumps``/``loads``,
``remember``, ``unindent``, ``SCRIPT``, ``FLAGS``. The loop statements call
these helpers through the hidden name ``__tp_rt`` with the signatures of
``runtime.loops`` (``items``, ``part``, ``serial``, ``remaining``, ``block``,
``iterate``, ``has``, ``value``, ``take``, ``completed``, ``finished``): the
chain's code is ``runtime.loopcode.statement_ast`` itself. They are a small
standalone version of ``runtime.loops`` and ``runtime.loopitems`` with plain
pickle and no progress reports; the rules (what makes a loop run as
written, when a part's result is not taken) are the same, and a change there
belongs here too.
"""

__all__ = ["LOOP_HELPERS"]

LOOP_HELPERS = r'''
# ------------------------------------------------------------ split loops
# A split loop is three kinds of statements (see "split loop" in the rank
# blocks), calling these helpers through the hidden name __tp_rt:
#   items    on the loop's rank: the iterable evaluated once, as python does;
#            the values of the target the parts read, cut into blocks and
#            pickled (send(..., share=...) gives each rank its blocks)
#   part p   on any rank: the loop's private statements and hoisted calls
#            for block p, an iteration at a time; what each binds, prints or
#            raises is recorded and pickled (per block, else per iteration)
#   chain p  on the loop's rank: the loop itself over block p, in order;
#            take()/value() use a part's record (its output replayed, its
#            error raised where python raises it), or return False and the
#            chain runs that piece itself (nothing arrived, the item is not
#            the one the part had, the record could not be pickled)
# The first chain runs the whole loop as written when the items were not
# split: a lazy iterator, too many items, items sharing a mutable object.
import gc
import itertools

MAX_ITEMS = 100_000                    # more iterations run as written
LIMIT = 200_000                        # objects looked at for sharing, at most
MISSING, DELETED = object(), object()
NOT_BOUND = type("NotBound", (), {"__repr__": lambda self: "<unbound>"})()
LOOPS = {}                             # loop number -> Loop (below)
ATOMS = (int, float, complex, str, bytes, bool, type(None), range, slice)
OPAQUE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
          types.MethodType, types.CodeType)
CONTAINERS = (list, tuple, range, str, bytes, bytearray, dict, set, frozenset,
              type({}.keys()), type({}.values()), type({}.items()))
PLAIN = tuple({type(iter(x)) for x in ([], (), "", b"", range(0), {}, {}.keys(), {}.values(),
                                       {}.items(), set(), bytearray())})


class Replayed(Exception):
    """An error a part met, raised again by the chain; python_text is what python prints."""

    def __init__(self, text):
        super().__init__(text)
        self.python_text = text


def compile_at(text, at):
    """Compile a loop statement's code with the script's positions (see SPOTS below)."""
    spots, numbers = at
    tree = ast.parse(text)
    nodes = [n for n in ast.walk(tree) if "lineno" in n._attributes]
    for n, k in zip(nodes, numbers.split(), strict=True):
        n.lineno, n.col_offset, n.end_lineno, n.end_col_offset = spots[int(k)]
    return compile(tree, SCRIPT, "exec", FLAGS, dont_inherit=True)


class Loop:
    """One split loop: its text, its blocks, what its parts run (units), and
    the analysis' facts the helpers need (see taskpar's LoopSplit)."""

    def __init__(self, lineno, source, parts, target_values, units, **facts):
        remember(lineno, unindent(source))
        self.parts, self.target_values = parts, target_values
        self.units = [(kind, k, compile_at(unindent(text), at)) for kind, k, text, at in units]
        self.__dict__.update(facts)  # target_reads, binds, outputs, marked, reads, shareable,
        #                              fresh, touching, atoms


class State:
    """The chain's side of a split loop, on the loop's rank."""

    def __init__(self, loop, live, seq):
        self.loop, self.live = loop, live  # live: the iterator python would use
        self.seq = seq                     # the items the parts were given (None: as written)
        self.index, self.stopped, self.block_of = 0, False, None
        self.results, self.current = {}, None


def bounds(n, parts, p):
    """Iterations lo..hi-1 of block p (block sizes differ by one at most)."""
    q, r = divmod(n, parts)
    lo = p * q + min(p, r)
    return lo, lo + q + (1 if p < r else 0)


def is_array(o):
    return type(o).__name__ == "ndarray" and type(o).__module__ == "numpy"


def plain_iterator(obj):
    """An iterator that gives its items without running the script's code."""
    if isinstance(obj, PLAIN) or (type(obj).__name__ == "flatiter" and type(obj).__module__ == "numpy"):
        return True
    if isinstance(obj, (enumerate, zip, reversed)):
        try:
            args = obj.__reduce__()[1]
        except Exception:
            return False
        return all(plain_iterator(a) for a in args if not isinstance(a, int))
    return False


def copy_plain(it):
    """An iterator at plain iterator it's position, rebuilt from its __reduce__
    (the iterators it wraps copied, the containers shared), or None."""
    try:
        red = it.__reduce__()
        args = []
        for a in red[1]:
            if not (isinstance(a, (int, CONTAINERS)) or is_array(a)):
                a = copy_plain(a)
                if a is None:
                    return None
            args.append(a)
        new = red[0](*args)
        if len(red) > 2 and red[2] is not None:
            new.__setstate__(red[2])
        return new if plain_iterator(new) else None
    except Exception:
        return None


def take_items(iterable):
    """(items, the iterator python uses), or (None, that iterator): run as written.
    A plain iterator's items come from a copy: the chain advances the iterator
    itself as python does (a break leaves it where python does, a body's
    next(it) skips what python skips)."""
    if isinstance(iterable, CONTAINERS) or is_array(iterable):
        try:
            many = len(iterable) > MAX_ITEMS
        except TypeError:
            many = True
        return (None if many else list(iterable)), iter(iterable)
    source = copy_plain(iterable) if plain_iterator(iterable) else None
    if source is not None:
        seq = list(itertools.islice(source, MAX_ITEMS + 1))
        return (None if len(seq) > MAX_ITEMS else seq), iterable
    return None, iter(iterable)


def objects(roots, leaf=lambda o: False):
    """The objects reachable from roots, once each (atoms, classes, functions and
    modules are not objects here; a leaf and a module namespace are not entered)."""
    seen, stack = set(), list(roots)
    while stack:
        o = stack.pop()
        if isinstance(o, ATOMS) or isinstance(o, OPAQUE) or id(o) in seen:
            continue
        seen.add(id(o))
        yield o
        if not (isinstance(o, dict) and "__builtins__" in o) and not leaf(o):
            stack.extend(gc.get_referents(o))


def immutable_types():
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    return tuple(t for t in (np and np.dtype, pd and getattr(pd, "Index", None)) if t)


def shared(values, loop):
    """True if two iterations' target values are, or hold, one mutable object
    (a copy per rank would not see what the other iteration does to it)."""
    owner, budget, frozen = {}, LIMIT, immutable_types()
    skip = {k for k, n in enumerate(loop.target_reads) if n in loop.shareable}
    for i, vs in enumerate(values):
        roots = [v for k, v in enumerate(vs) if k not in skip]
        for o in objects(roots, lambda o: isinstance(o, frozen) or is_array(o)):
            budget -= 1
            if budget < 0:
                return True  # too large to check
            if type(o) in (tuple, frozenset) or isinstance(o, frozen):
                continue
            if owner.setdefault(id(o), i) != i:
                return True
    return False


def items(loop, iterable):
    """Statement "items": (chain state, (n, {block: pickled target values}) or None)."""
    seq, live = take_items(iterable)
    state = State(loop, live, seq)
    if seq is None:
        return state, None
    try:
        values = [loop.target_values(x) for x in seq]
        if shared(values, loop):
            raise ValueError("items share an object")
        blocks = {p: dumps(values[slice(*bounds(len(seq), loop.parts, p))], copy=True)
                  for p in range(loop.parts)}
    except Exception:  # unpacking fails (python raises it in the loop), unpicklable, shared
        state.seq = None
        return state, None
    return state, (len(seq), blocks)


def get_state(generator):
    """The state of a global generator each iteration seeds ("random", "numpy.random")."""
    if generator == "random":
        import random
        return random.getstate()
    np_random = sys.modules.get("numpy.random")
    return None if np_random is None else np_random.get_state()


def set_state(generator, state):
    if state is not None:
        if generator == "random":
            import random
            random.setstate(state)
        else:
            sys.modules["numpy.random"].set_state(state)


def part(loop, share, p):
    """Statement "part p": (first iteration, pickled records), or None: nothing to do."""
    if share is None:
        return None  # the loop runs as written
    n, blocks = share
    lo, hi = bounds(n, loop.parts, p)
    try:
        mine = loads(blocks[p])
    except Exception:  # e.g. an item of a class this rank cannot rebuild: the chain runs them
        return None
    saved = {name: G.get(name, MISSING) for name in loop.binds}
    generators = {r: get_state(r) for r in loop.fresh}
    records, given = [], None  # given: ids of the objects the pieces read
    try:
        for i in range(lo, hi):
            G.update(zip(loop.target_reads, mine[i - lo]))
            record, failed = iteration(loop)
            if record and not failed:
                if given is None:
                    given = {id(o) for o in objects([G[n] for n in loop.reads if n in G])}
                if any(id(o) in given for o in objects(results_of(record))):
                    record = None  # it holds an object of the rank: the chain runs it
            records.append(record)
            if failed:
                break
    finally:
        for r, state in generators.items():
            set_state(r, state)
        for name, v in saved.items():
            if v is MISSING:
                G.pop(name, None)
            else:
                G[name] = v
    try:
        return lo, dumps(records, copy=True)
    except Exception:  # some iteration's record cannot be pickled: one pickle each
        return lo, [try_dumps([r]) for r in records]


def try_dumps(value):
    try:
        return dumps(value, copy=True)
    except Exception:
        return None  # the chain runs that iteration itself


def results_of(record):
    for (kind, _), (failed, payload, _, _) in record.items():
        if not failed:
            yield from (payload.values() if kind == "piece" else [payload])


def is_atom(v):
    np = sys.modules.get("numpy")
    return type(v) in ATOMS or (np is not None and isinstance(v, np.generic)
                                and v.dtype.kind in "biufcSUMm")


def iteration(loop):
    """One iteration's units: ({unit: (failed, payload, output, generator states)}, failed)."""
    record = {}
    for kind, k, code in loop.units:
        outputs = loop.outputs[k] if kind == "piece" else ()
        marked = loop.marked.get(k, ()) if kind == "piece" else ()
        before = {n: G.get(n, MISSING) for n in outputs}
        G.update(dict.fromkeys(marked, NOT_BOUND))  # still there afterwards: not bound
        chunks, failed, payload, shown = [], False, None, (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = Capture(1, chunks), Capture(2, chunks)
        try:
            exec(code, G)
            if kind == "hoist":
                payload = G.pop("__tp_hv")
        except SystemExit as e:
            failed, payload = True, ("exit", e.code)
        except BaseException as e:  # raised again by the chain, where python raises it
            failed = True
            payload = ("error", "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next)))
        finally:
            sys.stdout, sys.stderr = shown
        if kind == "hoist" and not failed and k in loop.atoms and not is_atom(payload):
            return None, False  # an object of the iteration: the chain runs the iteration
        unbound = [n for n in marked if G.get(n, MISSING) is NOT_BOUND]
        for n in unbound:  # not bound by the piece this time: as it was
            if before[n] is MISSING:
                del G[n]
            else:
                G[n] = before[n]
        if kind == "piece" and not failed:
            payload = {}
            for n in outputs:
                v = G.get(n, MISSING)
                if (n not in unbound) if n in marked else (v is not before[n]):
                    payload[n] = DELETED if v is MISSING else v
        states = {r: get_state(r) for r in loop.fresh} if (kind, k) in loop.touching else None
        record[(kind, k)] = (failed, payload, chunks, states)
        if failed:
            return record, True
    return record, False


def unpack(packed):
    """A part's records (None for one that did not arrive whole)."""
    if isinstance(packed, tuple):
        try:
            return loads(packed)
        except Exception:
            return []
    out = []
    for one in packed:
        try:
            out.extend(loads(one) if one is not None else [None])
        except Exception:
            out.append(None)
    return out


def same(a, b):
    """True if the chain's item is the one the part had (a copy of it is good)."""
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return False
    if t in (int, float, complex, str, bytes, bool):
        return a == b
    if t is tuple:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if is_array(a):
        ia, ib = a.__array_interface__, b.__array_interface__
        return (ia["data"] == ib["data"] and ia["shape"] == ib["shape"]
                and ia.get("strides") == ib.get("strides") and a.dtype == b.dtype)
    return False


def serial(state):
    """True if the loop runs as written (the first chain runs it all)."""
    if state.seq is None:
        state.stopped = True  # nothing for the later chains, no second else
        return True
    return False


def remaining(state):
    return state.live


def block(state, results, p):
    """Start chain block p, filing part p's records; False: nothing to do."""
    if state.stopped or state.seq is None:
        return False  # a break, an error, or the loop ran as written
    if results is not None:
        lo, packed = results
        for j, r in enumerate(unpack(packed)):
            state.results[lo + j] = r
    state.block_of, state.stopped = p, True  # until completed(): a break leaves it so
    return True


def iterate(state):
    """The items of the current block, from the live iterator (the last block: to its end)."""
    parts = state.loop.parts
    hi = None if state.block_of == parts - 1 else bounds(len(state.seq), parts, state.block_of)[1]
    while hi is None or state.index < hi:
        try:
            item = next(state.live)
        except StopIteration:
            return
        i, state.index = state.index, state.index + 1
        record = state.results.pop(i, None)
        state.current = record if i < len(state.seq) and same(item, state.seq[i]) else None
        yield item


def replayed(entry):
    """A unit's record, as if it ran here: its output, generator states, error."""
    failed, payload, chunks, states = entry
    for r, s in (states or {}).items():
        set_state(r, s)
    for stream, text in chunks:
        (sys.stdout if stream == 1 else sys.stderr).write(text)
    if failed:
        kind, detail = payload
        raise SystemExit(detail) if kind == "exit" else Replayed(detail)
    return payload


def has(state, h):
    """True if the part computed hoist h of this iteration."""
    return state.current is not None and ("hoist", h) in state.current


def value(state, h):
    return replayed(state.current[("hoist", h)])


def take(state, k):
    """Bind piece k's names from the part (True), or False: the chain runs it."""
    entry = None if state.current is None else state.current.get(("piece", k))
    if entry is None:
        state.current = None
        return False
    for n, v in replayed(entry).items():
        if v is DELETED:
            G.pop(n, None)
        else:
            G[n] = v
    return True


def completed(state):
    """The block's items are done without a break."""
    state.stopped = False


def finished(state):
    """The loop ended without a break (its else runs)."""
    return not state.stopped
'''
