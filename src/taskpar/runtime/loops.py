"""Running a split loop (``analysis.loops``): the helpers its statements call.

A split loop ``L`` is three kinds of statements (``Statement.loop``), made
by ``runtime.loopcode`` and run like any other statement:

``items``   ``__tp_L, __tp_L_p = items(loop, <iterable>)`` on the worker
            that runs the chains: evaluates the iterable once, as python
            does, and decides the mode. ``__tp_L`` (a ``LoopState``) stays
            on that worker; ``__tp_L_p`` (the target values the pieces read,
            per iteration) travels to the parts. Serial mode (``p`` None):
            an iterable that must be consumed lazily (a generator), or with
            more than ``MAX_ITEMS`` items, or whose items cannot be pickled,
            or whose items are (or hold) one mutable object between them;
            also when the plan runs the items and every part on this one
            worker (``ALONE``, marked by ``mark_alone``): splitting would
            then only add pickling.
``part p``  ``__tp_L_o<p> = part(loop, __tp_L_p, p, runner)`` on any worker:
            runs the private pieces and hoists for block ``p`` of the
            iterations in the worker's globals (what it binds is restored
            afterwards), output recorded per piece, the first exception
            formatted as python prints it. Each iteration's results are
            pickled on their own (one that cannot be pickled is run again by
            the chain).
``chain p`` the loop itself over block ``p``, in order, on the items'
            worker: the live iterator gives each item (so a body that
            changes the list it loops over sees what python sees); a
            part's result for that iteration is used only if the item is the
            one the part had; ``take``/``value`` bind a piece's names or give
            a hoist's value, replay its output and raise its error at the
            point python would; otherwise the chain runs the piece itself.

Names beginning with ``__tp_`` are hidden: the interpreter keeps them out of
the script's namespace except while a loop statement runs.
"""

from __future__ import annotations

import sys
import time

from . import values
from .messages import LOOP_ALONE
from .loopitems import (_ATOM_TYPES, _LIMIT, MAX_ITEMS, _live_pairs, _objects, _pairs,
                        _shared_items, _take)
from .tracebacks import format_exception

__all__ = ["LoopState", "LoopCode", "Replayed", "items", "part", "block", "take", "has",
           "value", "completed", "finished", "MAX_ITEMS", "ALONE", "mark_alone"]

_MISSING = object()

#: the reason a loop ran as written when the plan put all of it on one
#: worker: a fact of that plan, not of the loop (``learned`` keeps it out of
#: the notes, ``run`` out of the measured costs)
ALONE = LOOP_ALONE


class Replayed(Exception):
    """An error a part met, raised again by the chain: ``text`` is the
    traceback python would print (``capture`` prints it as is)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.replayed_text = text


class LoopCode:
    """What a worker compiled for split loop ``split`` (``loopcode``):
    ``units`` in body order, ``("piece", k, code)`` or ``("hoist", h, code)``
    (a hoist's code binds ``__tp_hv``); ``project(item)`` gives the values
    of ``split.target_reads`` for an item (unpacking it as the target does);
    ``call``: the ``<module>`` frame of a ``main()`` loop's tracebacks."""

    def __init__(self, split, units, project, call=None, atoms=frozenset()):
        self.split = split
        self.units = units
        self.project = project
        self.call = call
        #: hoists of an attribute (``unroll.attribute_read``): delivered only
        #: when a number or a string, else the chain runs the iteration
        self.atoms = atoms
        #: the plan runs the items and every part on this worker: splitting
        #: would only add work, the loop runs as written (``ALONE``)
        self.alone = False
        #: per piece, the outputs it neither reads nor deletes: whether it
        #: bound them is seen from a marker put in their place (an identity
        #: check misses a rebinding to the same object: a small int, None)
        self.marked = {k: frozenset(split.outputs[k]) - _names_read(unit)
                       for kind, k, unit in units if kind == "piece"}
        self.touching = frozenset(tuple(t) for t in split.touching)


class LoopState:
    """The chain's side of a split loop (lives on the items' worker)."""

    def __init__(self, code: LoopCode, live, seq, reason: str):
        self.code = code
        self.live = live  # the iterator python would use
        self.seq = seq  # the items the parts were given (None: serial)
        self.reason = reason
        self.index = 0  # items taken from ``live``
        self.stopped = False  # a block ended by break (or an error)
        self.results: dict[int, object] = {}
        self.current = None  # results of the iteration running in the chain
        self.block_of = None
        self.ns = None
        #: what a serial loop runs over (two nested loops: the outer items)
        self.serial_live = None


def _bounds(n: int, parts: int, p: int) -> tuple[int, int]:
    q, r = divmod(n, parts)
    lo = p * q + min(p, r)
    return lo, lo + q + (1 if p < r else 0)


def items(code: LoopCode, iterable, inner=None):
    """Evaluate the loop's iterable: ``(state, target values per item or
    None)``; ``inner``: two nested loops (``_pairs``), ``iterable`` the outer one."""
    split = code.split
    seq, live, reason = _take(iterable)
    if not reason and code.alone:
        reason = ALONE
    group = serial_live = None
    if not reason and inner is not None:
        serial_live = live
        seq, group, reason = _pairs(seq, inner)
        live = _live_pairs(serial_live, inner)
    state = LoopState(code, live, None if reason else seq, reason)
    state.serial_live = serial_live
    if reason:
        return state, None

    def serial(why):
        state.seq = None
        state.reason = why
        return state, None
    try:
        project = code.project
        proj = [project(item) for item in seq] if split.target_reads else [()] * len(seq)
        shared = (_shared_items(proj, split.target_reads, split.shareable, split.outer, group)
                  if split.target_reads else "")
        if shared:
            # a part would work on its own copy of the object, and not see
            # what an earlier iteration did to it (python's iterations do)
            return serial(shared)
        # pickled here, a block per part: what cannot be pickled keeps the
        # loop serial instead of failing a transfer
        ns = sys._getframe(1).f_globals
        blocks = [_dumps(proj[slice(*_bounds(len(proj), split.parts, p))], ns)
                  for p in range(split.parts)]
    except Exception:  # noqa: BLE001 - unpacking fails (python raises in the loop) or unpicklable
        return serial("its items cannot be sent to other workers")
    return state, (len(seq), blocks)


#: a part whose iterations take less than this each (seconds, measured over
#: its first ``_PROBE`` seconds) stops: sending results would cost more than
#: the chain running those iterations itself
TINY = 50e-6
_PROBE = 0.005


def part(code: LoopCode, proj, p: int, runner):
    """Run block ``p``'s private pieces: ``(lo, packed)``, ``packed`` the
    pickled list of per-iteration results (None: the chain runs it)."""
    if proj is None:
        return None
    split = code.split
    n, blocks = proj
    lo, hi = _bounds(n, split.parts, p)
    if runner is not None:
        runner.loop_block(lo + 1, hi, n)
    ns = sys._getframe(1).f_globals
    header, buffers = blocks[p]
    mine = values.loads(header, buffers, ns)
    saved = {name: ns.get(name, _MISSING) for name in split.binds}
    generators = {r: _get_state(r) for r in split.fresh}
    out: list = []
    invariants = None  # ids of the objects the pieces read, on first need
    start = time.perf_counter()
    try:
        for i in range(lo, hi):
            if len(out) >= 8 and time.perf_counter() - start < len(out) * TINY:
                break  # tiny iterations: the chain runs the rest itself
            for name, v in zip(split.target_reads, mine[i - lo]):
                ns[name] = v
            rec, failed = _iteration(code, ns, runner)
            if not failed and rec:
                if invariants is None:
                    invariants = _reach([ns[n] for n in split.reads if n in ns], _LIMIT)
                if _shares(rec, invariants):
                    rec = None  # a copy would not be the object: the chain runs it
            out.append(rec)
            if failed:
                break
    finally:
        for r, state in generators.items():
            _set_state(r, state)
        for name, v in saved.items():
            if v is _MISSING:
                ns.pop(name, None)
            else:
                ns[name] = v
    return lo, _pack(out, ns)


def _pack(records: list, ns: dict):
    """One pickle for the block; if that fails, one per iteration."""
    try:
        return _dumps(records, ns)
    except Exception:  # noqa: BLE001 - some iteration's result cannot be pickled
        pass
    out = []
    for rec in records:
        try:
            out.append(_dumps([rec], ns))
        except Exception:  # noqa: BLE001 - the chain runs this iteration itself
            out.append(None)
    return out


def _dumps(obj, ns):
    """Pickled ``obj`` with its out-of-band buffers copied into bytearrays:
    an array rebuilt on them is writable, as python's own is (on bytes it
    would be read-only: ``arr[i] = x`` would raise)."""
    header, buffers = values.dumps(obj, ns)
    return header, [bytearray(b) for b in buffers]


def _reach(roots, limit: int):
    """ids of the mutable objects reachable from ``roots`` (None: more than
    ``limit``, i.e. unknown)."""
    seen: set[int] = set()
    for _ in _objects(roots, seen):
        if len(seen) > limit:
            return None
    return seen


def _shares(rec: dict, invariants) -> bool:
    """True if an iteration's results may be (or hold) an object the pieces
    were given: the chain must see that object itself, not a copy."""
    roots = []
    for (kind, _), (_, payload, _, _, _) in rec.items():
        roots.extend(payload.values() if kind == "piece" else [payload])
    mine = _reach(roots, _LIMIT)
    if mine is None or invariants is None:
        return bool(mine is None or mine)
    return not mine.isdisjoint(invariants)


#: put in place of a piece's marked outputs while it runs (``LoopCode.marked``)
_UNBOUND_HERE = type("_UnboundHere", (), {"__repr__": lambda self: "<unbound>"})()

_READS = frozenset({"LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_CLASSDEREF",
                    "LOAD_FROM_DICT_OR_GLOBALS", "LOAD_FROM_DICT_OR_DEREF", "DELETE_NAME",
                    "DELETE_GLOBAL"})


def _names_read(code) -> frozenset:
    """Names ``code`` (or code nested in it) loads or deletes by name."""
    import dis

    out = set()
    stack = [code]
    while stack:
        c = stack.pop()
        for ins in dis.get_instructions(c):
            if ins.opname in _READS and isinstance(ins.argval, str):
                out.add(ins.argval)
        stack.extend(x for x in c.co_consts if isinstance(x, type(c)))
    return frozenset(out)


def _iteration(code: LoopCode, ns: dict, runner):
    """One iteration's units: ``({unit: (failed, payload, chunks, warnings,
    generator states)}, failed)``."""
    rec: dict = {}
    outputs = code.split.outputs
    touching = code.touching
    for kind, k, unit in code.units:
        before = ({n: ns.get(n, _MISSING) for n in outputs[k]} if kind == "piece" else None)
        marked = code.marked.get(k, ()) if kind == "piece" else ()
        for n in marked:
            ns[n] = _UNBOUND_HERE
        mark = runner.mark() if runner is not None else None
        payload, failed = None, False
        try:
            exec(unit, ns)
            if kind == "hoist":
                payload = ns.pop("__tp_hv")
                if k in code.atoms and not _is_atom(payload):
                    if runner is not None:
                        runner.take_since(mark)
                    return None, False  # an object of the iteration: the chain runs it
        except KeyboardInterrupt:
            raise
        except SystemExit as e:
            payload, failed = ("exit", e.code), True
        except BaseException as e:  # noqa: BLE001 - raised again by the chain
            payload, failed = ("error", format_exception(e, unit, call=code.call)), True
        chunks, warns = runner.take_since(mark) if runner is not None else ((), ())
        unbound = [n for n in marked if ns.get(n, _MISSING) is _UNBOUND_HERE]
        for n in unbound:  # not bound by the piece this time: as it was
            if before[n] is _MISSING:
                del ns[n]
            else:
                ns[n] = before[n]
        if not failed and kind == "piece":
            bound = {}
            for n in outputs[k]:
                v = ns.get(n, _MISSING)
                if n in marked:
                    if n not in unbound:
                        bound[n] = v if v is not _MISSING else _Deleted
                elif v is not before[n]:
                    bound[n] = v if v is not _MISSING else _Deleted
            payload = bound
        states = ({r: _get_state(r) for r in code.split.fresh}
                  if (kind, k) in touching else None)
        rec[(kind, k)] = (failed, payload, chunks, warns, states)
        if failed:
            return rec, True
    return rec, False


def _is_atom(value) -> bool:
    """A value a copy of which is as good as itself: a number, a string, None."""
    if type(value) in _ATOM_TYPES:
        return True
    np = sys.modules.get("numpy")  # a numpy scalar (not a 0-d array: that one can change)
    return np is not None and isinstance(value, np.generic) and value.dtype.kind in "biufcSUMm"


def _get_state(generator: str):
    """The state of a global generator (``rules.GLOBAL_GENERATORS``)."""
    if generator == "random":
        import random

        return random.getstate()
    np_random = sys.modules.get("numpy.random")
    if np_random is None and "numpy" in sys.modules:
        # numpy 2 loads it on first use, which may be this very iteration's
        # (as in python): loaded now, the part can put back its new state
        import numpy.random as np_random
    return None if np_random is None else np_random.get_state()


def _set_state(generator: str, state) -> None:
    if state is None:
        return
    if generator == "random":
        import random

        random.setstate(state)
    else:
        import numpy.random

        numpy.random.set_state(state)


class _Deleted:
    """Marker: the piece deleted the name."""


# -- the chain -------------------------------------------------------------------

def serial(state: LoopState) -> bool:
    """True if the loop runs as written (the first chain runs all of it)."""
    if state.seq is None:
        state.stopped = True  # nothing for the later chains, no second ``else``
        return True
    return False


def remaining(state: LoopState):
    return state.live if state.serial_live is None else state.serial_live


def block(state: LoopState, results, p: int, runner=None) -> bool:
    """Start chain block ``p``; False when it has nothing to do."""
    if state.stopped or state.seq is None:
        return False  # a break, an error, or serial (block 0 ran the whole loop)
    if runner is not None:
        n = len(state.seq)
        lo, hi = _bounds(n, state.code.split.parts, p)
        runner.loop_block(lo + 1, hi, n)
    if results is not None:
        lo, packed = results
        records = _unpack(packed, state.ns or sys._getframe(1).f_globals)
        for j, r in enumerate(records):
            state.results[lo + j] = r
    state.block_of = p
    state.stopped = True  # until completed(): a break or an error leaves it so
    state.ns = sys._getframe(1).f_globals
    return True


def iterate(state: LoopState):
    """The items of the current block, from the live iterator."""
    split = state.code.split
    p = state.block_of
    if state.seq is None:
        hi = None
    else:
        _, hi = _bounds(len(state.seq), split.parts, p)
        if p == split.parts - 1:
            hi = None  # the last block runs until the iterator ends
    while hi is None or state.index < hi:
        try:
            item = next(state.live)
        except StopIteration:
            return
        i = state.index
        state.index += 1
        state.current = _record(state, i, item)
        yield item


def _same(a, b) -> bool:
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return False
    if t in (int, float, complex, str, bytes, bool):
        return a == b
    if t is tuple:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if t.__name__ == "ndarray" and t.__module__ == "numpy":
        ia, ib = a.__array_interface__, b.__array_interface__
        return (ia["data"] == ib["data"] and ia["shape"] == ib["shape"]
                and ia.get("strides") == ib.get("strides") and a.dtype == b.dtype)
    return False


def _unpack(packed, ns) -> list:
    """The part's records (None for each one that did not arrive whole)."""
    def load(p):
        header, buffers = p
        return values.loads(header, buffers, ns)

    if isinstance(packed, tuple):
        try:
            return load(packed)
        except Exception:  # noqa: BLE001 - the chain runs those iterations itself
            return []
    out = []
    for p in packed:
        try:
            out.extend(load(p) if p is not None else [None])
        except Exception:  # noqa: BLE001 - the chain runs it itself
            out.append(None)
    return out


def _record(state: LoopState, i: int, item):
    if state.seq is None or i >= len(state.seq) or not _same(item, state.seq[i]):
        state.results.pop(i, None)
        return None
    return state.results.pop(i, None)


def _replay(runner, entry):
    failed, payload, chunks, warns, states = entry
    for r, state in (states or {}).items():
        _set_state(r, state)
    if runner is not None and (chunks or warns):
        runner.replay(chunks, warns)
    if failed:
        kind, detail = payload
        if kind == "exit":
            raise SystemExit(detail)
        raise Replayed(detail)
    return payload


def has(state: LoopState, h: int) -> bool:
    """True if the part computed hoist ``h`` of this iteration."""
    return state.current is not None and ("hoist", h) in state.current


def take(state: LoopState, k: int, runner=None) -> bool:
    """Bind piece ``k``'s names from the part (True), or False: run it here."""
    rec = state.current
    if rec is None:
        return False
    entry = rec.get(("piece", k))
    if entry is None:
        state.current = None
        return False
    bound = _replay(runner, entry)
    ns = sys._getframe(1).f_globals
    for n, v in bound.items():
        if v is _Deleted:
            ns.pop(n, None)
        else:
            ns[n] = v
    return True


def value(state: LoopState, h: int, runner=None):
    entry = state.current.get(("hoist", h))
    return _replay(runner, entry)


def save_names(state: LoopState, names) -> None:
    """Remember the bindings of a comprehension's variables (python does
    not leak them; ``restore_names`` puts them back)."""
    ns = sys._getframe(1).f_globals
    state.saved = {n: ns.get(n, _MISSING) for n in names}


def restore_names(state: LoopState) -> None:
    ns = sys._getframe(1).f_globals
    for n, v in getattr(state, "saved", {}).items():
        if v is _MISSING:
            ns.pop(n, None)
        else:
            ns[n] = v


def completed(state: LoopState) -> None:
    """The block's items are done without a break."""
    state.stopped = False


def finished(state: LoopState) -> bool:
    """The loop ended without a break (its ``else`` runs)."""
    return not state.stopped


def mark_alone(codes: dict, script, here) -> None:
    """Mark the loops of ``codes`` (split loop index -> ``LoopCode``) whose
    items statement and every part are among statements ``here`` (what a
    worker's static program runs)."""
    parts: dict[int, list[int]] = {}
    for s in script.statements:
        if s.loop is not None and s.loop[1] in ("items", "part"):
            parts.setdefault(s.loop[0], []).append(s.id)
    for k, code in codes.items():
        code.alone = all(i in here for i in parts.get(k, ()))
