"""Values on the wire: cloudpickle, protocol 5, out-of-band buffers.

``dumps(obj, main) -> (header, buffers)`` and ``loads(header, buffers, main)``.
``header`` is the pickle stream; ``buffers`` are memoryviews of the object's
own memory (numpy arrays, large bytes/bytearray): they are written to the
socket or to shared memory straight from there, and on the receiver the
object is rebuilt *over* the received buffer (no intermediate bytes object).

Script semantics the default cloudpickle would get wrong:

* A function whose ``__globals__`` is the sender's ``__main__`` namespace is
  rebuilt with the *receiver's* ``__main__`` namespace as globals, so it reads
  that worker's globals when called, as it would in the script (cloudpickle
  would give it a private snapshot of the globals it names).
* Open files are refused (cloudpickle would send a read-mode file's
  contents as a new object; the script would silently diverge).
* A class defined in ``__main__`` and bound there under its qualname is
  looked up by that qualname in the receiver's ``__main__`` when it binds a
  class there (instances then unpickle as instances of the receiver's class,
  ``isinstance`` holds; its state is the receiver's unless the class is the
  value sent); otherwise cloudpickle's by-value copy is used (its methods
  rebound to the receiver's globals as above). A copy made so stands for
  the sender's class when it is sent on (``_STAND_INS``).

Markers (not pickled: the transport carries them as message kinds):
``UNBOUND`` — the variable is not bound on the sender at that version (the
receiver deletes its binding); ``POISON`` — the producing statement failed
or was skipped (the receiver skips what depends on it).
"""

from __future__ import annotations

import io
import pickle
import sys
import threading
import types
import weakref

import cloudpickle
from cloudpickle import cloudpickle as _cp

__all__ = ["dumps", "loads", "nbytes", "UNBOUND", "POISON", "Marker", "OOB_MIN_BYTES"]

#: a bytes/bytearray value at least this long travels out of band (below,
#: copying it into the pickle stream is cheaper than a separate buffer).
#: Only a top-level value: the C pickler never offers bytes/bytearray nested
#: in a container to ``reducer_override``, so those are copied in band.
OOB_MIN_BYTES = 64 * 1024


_OPEN_FILES = (io.TextIOWrapper, io.BufferedReader, io.BufferedWriter, io.BufferedRandom,
               io.FileIO)


class _LargeBytes:
    __slots__ = ("type", "data")

    def __init__(self, data):
        self.type = type(data)
        self.data = data


class Marker:
    """A named singleton standing for "no value" on the wire."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self):
        return self.name  # pickles by reference to this module's attribute


UNBOUND = Marker("UNBOUND")
POISON = Marker("POISON")

# The receiver's __main__ namespace while ``loads`` runs (reconstructors
# below read it); outside ``loads``, sys.modules["__main__"].__dict__.
_target = threading.local()


def _target_main() -> dict:
    ns = getattr(_target, "main", None)
    if ns is None:
        ns = sys.modules["__main__"].__dict__
    return ns


def _lookup(ns: dict, qualname: str):
    if "<locals>" in qualname:
        return None
    head, *rest = qualname.split(".")
    obj = ns.get(head)
    for part in rest:
        obj = getattr(obj, part, None)
    return obj


# -- reconstructors (pickled by reference: this module is importable) --------

def _make_main_function(code, ncells, filename=None):
    closure = None if ncells is None else tuple(types.CellType() for _ in range(ncells))
    if filename is not None:
        code = _with_filename(code, filename)
    return types.FunctionType(code, _target_main(), None, None, closure)


def _with_filename(code, filename: str):
    """``code`` (and the code nested in it) named as the script's again:
    cloudpickle sends code as ``<dynamic-code>``, and a traceback through the
    function must name the script's file and lines, as python's does."""
    consts = tuple(_with_filename(c, filename) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _main_function_setstate(func, state):
    attrs, slots = state
    func.__dict__.update(attrs)
    for i, value in enumerate(slots.pop("cells")):
        if value is not _EMPTY_CELL:
            func.__closure__[i].cell_contents = value
    slots.pop("submodules")  # imported as a side effect of unpickling them
    for name, value in slots.items():
        setattr(func, name, value)


class _EmptyCell:
    def __reduce__(self):
        return "_EMPTY_CELL"


_EMPTY_CELL = _EmptyCell()


#: classes ``_main_class`` made because this worker's ``__main__`` did not
#: bind the qualname (yet): each stands for the sender's bound class, and is
#: sent on as that class (``_Pickler.reducer_override``), never by
#: cloudpickle's class tracking, which would map it back to the original on
#: a worker that has it and overwrite that class's state with this copy's
#: (a subclass sent 1 -> 2 -> 1 reset its base's class attributes on 1)
_STAND_INS: "weakref.WeakSet[type]" = weakref.WeakSet()


def _main_class(qualname, make_skeleton, args):
    found = _lookup(_target_main(), qualname)
    if isinstance(found, type):
        return found
    cls = make_skeleton(*args)
    _STAND_INS.add(cls)
    return cls


def _main_class_setstate(cls, state):
    qualname, class_state, setter, is_the_value = state
    if _lookup(_target_main(), qualname) is cls and not is_the_value:
        # the class of a value sent here: the receiver's own class is the
        # one to use, as it stands (its state is the receiver's business)
        return
    # a class sent as the variable's value (``K`` after ``K.count += 1``):
    # its attributes are that version's state; update the receiver's class
    # in place so its existing instances keep their class
    setter(cls, class_state)


class _Pickler(cloudpickle.Pickler):
    def __init__(self, file, main: dict | None, buffer_callback):
        super().__init__(file, protocol=5, buffer_callback=buffer_callback)
        self._main = main
        self._top = None  # the value being sent (set by dump)

    def dump(self, obj):
        self._top = obj
        return super().dump(obj)

    def reducer_override(self, obj):
        main = self._main
        t = type(obj)
        if main is not None:
            if t is types.FunctionType and obj.__globals__ is main:
                return self._main_function_reduce(obj)
            if isinstance(obj, type) and obj.__module__ == "__main__" \
                    and (_lookup(main, obj.__qualname__) is obj or obj in _STAND_INS):
                fn, args, state, _, _, setter = _cp._dynamic_class_reduce(obj)
                return (_main_class, (obj.__qualname__, fn, args),
                        (obj.__qualname__, state, setter, obj is self._top), None, None,
                        _main_class_setstate)
        if t in _OPEN_FILES:
            # cloudpickle would send a read-mode file's *contents*: the receiver
            # would get a different object (no position, no writes). Refuse.
            raise TypeError(f"cannot pickle '{t.__module__}.{t.__qualname__}' object "
                            "(an open file)")
        if t is _LargeBytes:
            return (obj.type, (pickle.PickleBuffer(obj.data),))
        return super().reducer_override(obj)

    def _main_function_reduce(self, func):
        code = func.__code__
        closure = func.__closure__
        cells = [] if closure is None else [_cell_value(c) for c in closure]
        attrs = {"".join(k): v for k, v in func.__dict__.items()}
        slots = {
            "__name__": func.__name__,
            "__qualname__": func.__qualname__,
            "__annotations__": func.__annotations__,
            "__kwdefaults__": func.__kwdefaults__,
            "__defaults__": func.__defaults__,
            "__module__": func.__module__,
            "__doc__": func.__doc__,
            "cells": cells,
            "submodules": _cp._find_imported_submodules(code, cells),
        }
        ncells = None if closure is None else len(closure)
        return (_make_main_function, (code, ncells, code.co_filename), (attrs, slots), None,
                None, _main_function_setstate)


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _EMPTY_CELL


def dumps(obj, main: dict | None = None) -> tuple[bytes, list[memoryview]]:
    """Serialize ``obj``; ``main`` is the sender's ``__main__`` namespace.

    Raises whatever pickling raises (TypeError, PicklingError, ...) for a
    value that cannot be pickled.
    """
    buffers: list[memoryview] = []

    def keep(buf: pickle.PickleBuffer):
        try:
            buffers.append(buf.raw())
        except BufferError:  # not contiguous: let pickle copy it in band
            return True
        return False

    if type(obj) in (bytes, bytearray) and len(obj) >= OOB_MIN_BYTES:
        obj = _LargeBytes(obj)
    f = io.BytesIO()
    _Pickler(f, main, keep).dump(obj)
    return f.getvalue(), buffers


def loads(header: bytes, buffers, main: dict | None = None):
    """Rebuild a value; script functions get ``main`` as their globals."""
    previous = getattr(_target, "main", None)
    _target.main = main
    try:
        return pickle.loads(header, buffers=buffers)
    finally:
        _target.main = previous


def nbytes(header: bytes, buffers) -> int:
    return len(header) + sum(memoryview(b).nbytes for b in buffers)
