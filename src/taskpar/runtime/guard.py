"""The run-time guard: did a statement change hidden state the plan did not expect?

Input: nothing but the worker process itself. ``StateGuard.reset()``
before a statement and ``StateGuard.check()`` after it; output: the
names (``GUARDED``, the resource names of ``analysis.model.RESOURCES``) of
the states the statement changed, and of those it could not observe. The
manager compares them with ``Statement.resources`` (``taskpar.learned``).

What is fingerprinted, and how cheaply (a few µs per statement in all; see
bench/RESULTS.md, "guard"):

=============  ==============================================================
random         the C state of ``random``'s hidden ``Random`` instance (624
               words and the index, 2500 bytes) read in place with
               ``ctypes.string_at`` — ``getstate()`` builds a 625-int tuple
               and costs ~20× more — plus ``gauss_next``. The in-place read
               is checked once per instance against ``getstate()``; where it
               does not match (another interpreter, a replaced ``_inst``)
               the guard falls back to ``getstate()``.
numpy.random   only when ``numpy.random`` is already imported (the guard
               never imports numpy): the key and position of the MT19937
               state of the legacy global ``RandomState``, read in place
               through the bit generator's ``ctypes.state_address``
               (checked once against ``bit_generator.state``);
               ``get_state()`` copies it into a dict of arrays and costs
               ~100×. Not seen: a statement that only takes the cached
               second Gaussian (``has_gauss``) of a legacy normal draw.
cwd            ``os.getcwd()`` (one system call) — compared only when an
               ``os.chdir`` audit event happened since the last check.
environ        a shallow copy of ``os.environ``'s underlying dict, compared
               (``==``: equal values are the same objects, a pointer check
               per variable) only when an ``os.putenv``/``os.unsetenv``
               audit event happened since the last check.
=============  ==============================================================

The audit hook (``sys.addaudithook``, installed once per process) only
counts those three events: every python-level change of the working
directory (``os.chdir``, ``os.fchdir``) or of ``os.environ`` (its item
assignment and deletion call ``putenv``/``unsetenv``) raises one, so a
statement that raised none left both alone, and the guard skips the system
call and the comparison. What it cannot see: C code calling ``chdir(2)`` or
``setenv(3)`` itself.

A state not loaded before the statement (``random`` or ``numpy.random``
imported by the statement itself) is *unseen*: its initial state is not
known, so "left alone" is not claimed. "Changed" still is when the position
in the MT19937 state is not where a freshly made generator has it (``random``:
624; numpy's, seeded from a ``SeedSequence``: 623): only a draw or a seed
moves it. numpy 2 imports ``numpy.random`` on first use, so a library call
that draws from it is often the statement that loads it.

The guard only reads; it never changes the states it watches.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys

from .messages import GUARDED  # (the states watched, as the manager names them)

__all__ = ["GUARDED", "StateGuard"]

#: MT19937: 624 uint32 words plus an int position (both ``random`` and numpy)
_MT_BYTES = 624 * 4 + 4
_HEADER = object.__basicsize__  # PyObject_HEAD: _random.Random's fields follow
_UNSEEN = object()  # a state not loaded before the statement
#: the MT19937 position of a new ``random.Random`` (no draw yet)
_FRESH_POS = 624

#: audit events that may change the working directory / os.environ -> counter
_EVENTS = {"os.chdir": 0, "os.putenv": 1, "os.unsetenv": 1}
#: how many of each happened in this process (cwd, environ)
_COUNTS = [0, 0]
_hooked = False


def _audit(event: str, args, _events=_EVENTS, _counts=_COUNTS) -> None:
    k = _events.get(event)
    if k is not None:
        _counts[k] += 1


def _install_hook() -> bool:
    """Install the counting audit hook once per process; False if impossible."""
    global _hooked
    if not _hooked:
        try:
            sys.addaudithook(_audit)
            _hooked = True
        except (AttributeError, RuntimeError):  # pragma: no cover - no audit hooks
            return False
    return True


def _random_state_in_place(inst) -> bool:
    """True when ``inst``'s C state can be read at ``id(inst) + _HEADER``."""
    try:
        import _random

        if not isinstance(inst, _random.Random) or _random.Random.__basicsize__ < _HEADER + _MT_BYTES:
            return False
        version, state, _ = inst.getstate()
        expected = struct.pack("=i624I", state[-1], *state[:-1])
        return ctypes.string_at(id(inst) + _HEADER, _MT_BYTES) == expected
    except Exception:  # noqa: BLE001 - any surprise: use the slow, safe path
        return False


def _numpy_state_address(bitgen) -> int | None:
    """The address of an MT19937 bit generator's (key, pos), checked, or None."""
    try:
        if type(bitgen).__name__ != "MT19937":
            return None
        addr = int(bitgen.ctypes.state_address)
        st = bitgen.state["state"]
        expected = st["key"].astype("<u4").tobytes() + struct.pack("=i", int(st["pos"]))
        if sys.byteorder != "little" or ctypes.string_at(addr, _MT_BYTES) != expected:
            return None
        return addr
    except Exception:  # noqa: BLE001 - any surprise: use the slow, safe path
        return None


def _view(addr: int) -> memoryview:
    """The 2500 bytes at ``addr`` as a memoryview (``tobytes()`` copies them in ~0.2 µs)."""
    return memoryview((ctypes.c_ubyte * _MT_BYTES).from_address(addr)).cast("B")


class StateGuard:
    """Fingerprints of the guarded states, compared statement after statement.

    ``reset()`` takes the fingerprints now; ``check()`` compares the states
    with the fingerprints of the last ``reset``/``check`` and keeps the new
    ones, so a worker running statement after statement fingerprints each
    state once per statement (call ``reset`` again after anything else ran
    that might change them, e.g. unpickling a received value). The objects
    whose memory is read are kept referenced here, so the memory stays valid.
    """

    def __init__(self):
        self._random_inst = None
        self._random_view: memoryview | None = None
        self._random_slow = False
        self._bitgen = None
        self._bitgen_view: memoryview | None = None
        self._last: tuple | None = None
        #: _COUNTS when the cwd / environ fingerprints were taken, or None
        #: (no audit hook: compare every time)
        self._counts = None
        self._hook = _install_hook()

    # -- fingerprints ---------------------------------------------------------
    def _random(self):
        mod = sys.modules.get("random")
        inst = getattr(mod, "_inst", None) if mod is not None else None
        if inst is None:
            return _UNSEEN
        if inst is not self._random_inst:
            self._random_inst = inst
            fast = _random_state_in_place(inst)
            self._random_view = _view(id(inst) + _HEADER) if fast else None
        if self._random_view is not None:
            return self._random_view.tobytes(), getattr(inst, "gauss_next", None)
        try:
            return inst.getstate()
        except Exception:  # noqa: BLE001 - not a state we can read
            return _UNSEEN

    def _numpy(self):
        mod = sys.modules.get("numpy.random")
        rand = getattr(getattr(mod, "mtrand", None), "_rand", None) if mod is not None else None
        if rand is None:
            return _UNSEEN
        bitgen = getattr(rand, "_bit_generator", None)
        if bitgen is not self._bitgen:
            self._bitgen = bitgen
            addr = _numpy_state_address(bitgen)
            self._bitgen_view = _view(addr) if addr is not None else None
        if self._bitgen_view is not None:
            return self._bitgen_view.tobytes()
        try:
            return repr(rand.get_state(legacy=False))
        except Exception:  # noqa: BLE001 - not a state we can read
            return _UNSEEN

    @staticmethod
    def _cwd():
        try:
            return os.getcwd()
        except OSError:  # the directory was removed
            return None

    @staticmethod
    def _environ_data() -> dict:
        data = getattr(os.environ, "_data", None)
        return data if isinstance(data, dict) else dict(os.environ)

    def snapshot(self) -> tuple:
        """The fingerprints now."""
        return self._random(), self._numpy(), self._cwd(), dict(self._environ_data())

    def reset(self) -> None:
        """Take the fingerprints now: the next ``check`` compares with them."""
        if self._hook:
            self._counts = tuple(_COUNTS)
        self._last = self.snapshot()

    def check(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(changed, unseen)`` since the last ``reset``/``check``: the
        guarded states that changed, and those that could not be observed
        (not loaded before). Keeps the new fingerprints for the next call."""
        if self._last is None:
            self.reset()
            return (), ()
        r0, n0, c0, e0 = self._last
        changed: list[str] = []
        unseen: list[str] = []
        r1, n1 = self._random(), self._numpy()
        counts = self._counts
        cwd_may, env_may = (True, True) if counts is None else (
            _COUNTS[0] != counts[0], _COUNTS[1] != counts[1])
        if counts is not None and (cwd_may or env_may):
            self._counts = tuple(_COUNTS)
        # (written out for both generators: this runs after every statement)
        if r0 is _UNSEEN:
            if r1 is not _UNSEEN:  # else: there is no such generator, so it did not change
                (changed if _moved("random", r1, None) else unseen).append("random")
        elif r1 != r0:
            changed.append("random")
        if n0 is _UNSEEN:
            if n1 is not _UNSEEN:
                (changed if _moved("numpy.random", n1, self._bitgen) else unseen).append(
                    "numpy.random")
        elif n1 != n0:
            changed.append("numpy.random")
        c1 = c0
        if cwd_may:
            c1 = self._cwd()
            if c1 != c0:
                changed.append("cwd")
        if env_may:
            data = self._environ_data()
            if data != e0:
                changed.append("environ")
                e0 = dict(data)
        self._last = (r1, n1, c1, e0)
        return tuple(changed), tuple(unseen)


def _moved(name: str, fingerprint, bitgen) -> bool:
    """Whether a generator first seen with ``fingerprint`` was drawn from
    or seeded since it was made: its MT19937 position is not a new one's.
    False when the fingerprint does not tell (the slow paths)."""
    if name == "random":
        if isinstance(fingerprint[0], bytes):  # (C state: index, then the words; gauss_next)
            return (struct.unpack_from("=i", fingerprint[0])[0] != _FRESH_POS
                    or fingerprint[1] is not None)
        state = fingerprint[1] if len(fingerprint) == 3 else None  # getstate()
        return isinstance(state, tuple) and state[-1] != _FRESH_POS
    if not isinstance(fingerprint, bytes):
        return False
    try:  # numpy: the key words, then the position
        fresh = type(bitgen)().state["state"]["pos"]
    except Exception:  # noqa: BLE001 - cannot tell
        return False
    return struct.unpack_from("=i", fingerprint, _MT_BYTES - 4)[0] != fresh
