"""Values round trips with script semantics (no processes)."""

from __future__ import annotations

import types

import numpy as np
import pytest

from taskpar.runtime.values import POISON, UNBOUND, dumps, loads


def namespace(source: str) -> dict:
    mod = types.ModuleType("__main__")
    exec(compile(source, "/virtual/script.py", "exec"), mod.__dict__)
    return mod.__dict__


SENDER = """
scale = 10
def scaled(v):
    return v * scale
class Point:
    def __init__(self, x):
        self.x = x
    def double(self):
        return Point(self.x * 2 * scale)
    def triple(self):
        return self.x * 3 * scale
p = Point(3)
"""


def test_function_reads_the_receivers_globals_at_call_time():
    ns1 = namespace(SENDER)
    ns2 = namespace("scale = 100")
    f = loads(*dumps(ns1["scaled"], ns1), ns2)
    assert f.__globals__ is ns2
    assert f(2) == 200
    ns2["scale"] = 7
    assert f(2) == 14  # read at call time, not a snapshot
    assert f.__name__ == "scaled" and f.__module__ == "__main__"


def test_closures_and_recursion_survive():
    ns1 = namespace("def outer(k):\n    def inner(v):\n        return v + k\n    return inner\n"
                    "add3 = outer(3)\n"
                    "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\n")
    ns2 = namespace("")
    add3, fact = loads(*dumps((ns1["add3"], ns1["fact"]), ns1), ns2)
    ns2["fact"] = fact  # the receiver binds it, as Recv does
    assert add3(1) == 4 and fact(5) == 120


def test_script_class_instances_unpickle_by_reference():
    ns1 = namespace(SENDER)
    ns2 = namespace(SENDER.replace("scale = 10", "scale = 1"))
    p = loads(*dumps(ns1["p"], ns1), ns2)
    assert type(p) is ns2["Point"]
    assert isinstance(p, ns2["Point"])
    assert p.double().x == 6  # the receiver's methods and globals


def test_script_class_falls_back_to_by_value_when_receiver_lacks_it():
    ns1 = namespace(SENDER)
    ns2 = namespace("scale = 5")
    p = loads(*dumps(ns1["p"], ns1), ns2)
    assert type(p).__name__ == "Point"
    assert p.triple() == 45  # methods rebound to the receiver's globals


def test_numpy_travels_out_of_band_without_copies():
    a = np.arange(1_000_000, dtype=np.float64)
    header, buffers = dumps(a)
    assert len(header) < 1000
    assert len(buffers) == 1
    # the buffer is the array's own memory
    assert np.frombuffer(buffers[0], dtype=np.float64).ctypes.data == a.ctypes.data
    received = bytearray(buffers[0])  # what the transport delivers
    b = loads(header, [received])
    assert np.array_equal(a, b)
    assert b.ctypes.data == np.frombuffer(received, dtype=np.uint8).ctypes.data  # built over it
    b[0] = 42  # writable, like the original
    assert a[0] == 0


def test_large_bytes_out_of_band():
    data = b"x" * 1_000_000
    header, buffers = dumps(data)
    assert len(header) < 100 and len(buffers) == 1
    assert loads(header, [bytearray(buffers[0])]) == data


def test_markers_are_singletons():
    for marker in (UNBOUND, POISON):
        assert loads(*dumps(marker)) is marker


def test_unpicklable_values_raise():
    for value in (open(__file__), (i for i in range(3))):
        with pytest.raises(TypeError):
            dumps(value, {})
        if hasattr(value, "close"):
            value.close()
