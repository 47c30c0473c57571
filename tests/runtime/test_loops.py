"""runtime.loops and runtime.loopitems: what a part reports of one iteration's pieces, the
items of a loop and the objects its iterations share."""

from __future__ import annotations

from types import SimpleNamespace

from taskpar.runtime.loops import LoopCode, _iteration


def piece_loop(source: str, outputs: tuple[str, ...]) -> LoopCode:
    split = SimpleNamespace(outputs={0: outputs}, touching=(), fresh=())
    return LoopCode(split, (("piece", 0, compile(source, "<loop>", "exec")),), project=None)


def test_a_rebinding_to_the_same_object_is_reported():
    # `g = 5` when g is already 5 (one cached int): the chain must still take
    # this iteration's g, or it keeps another iteration's value (seen in a
    # loopgen program: `gr1 = random.randint(1, 6)` after a reseed)
    ns = {"g": 5}
    rec, failed = _iteration(piece_loop("g = 5", ("g",)), ns, None)
    assert not failed and rec[("piece", 0)][1] == {"g": 5} and ns["g"] == 5


def test_a_name_the_piece_did_not_bind_is_left_as_it_was():
    ns = {"g": 1, "flag": False}
    rec, _ = _iteration(piece_loop("if flag:\n    g = 2\n", ("g",)), ns, None)
    assert rec[("piece", 0)][1] == {} and ns["g"] == 1
    ns = {"flag": False}
    rec, _ = _iteration(piece_loop("if flag:\n    g = 2\n", ("g",)), ns, None)
    assert rec[("piece", 0)][1] == {} and "g" not in ns


def test_a_piece_that_reads_its_output_sees_the_real_value():
    ns = {"g": 3}
    rec, _ = _iteration(piece_loop("g = g + 1", ("g",)), ns, None)
    assert rec[("piece", 0)][1] == {"g": 4}


def test_items_that_are_one_object_are_found():
    from taskpar.runtime.loopitems import _shared_items

    m = SimpleNamespace(n=0)
    assert "iterations 1 and 3 share an object" in _shared_items([(m,), (1,), (m,)])
    one = {"seen": 0}
    assert "iterations 1 and 2" in _shared_items([({"s": one},), ({"s": one},), ({},)])
    assert _shared_items([(SimpleNamespace(n=0),), (SimpleNamespace(n=0),)]) == ""
    assert _shared_items([(1, "a", None), (1, "a", None)]) == ""  # atoms are not objects


def test_views_and_immutable_library_objects_are_not_shared():
    import numpy as np
    import pandas as pd

    from taskpar.runtime.loopitems import _shared_items

    X = np.zeros((4, 3))
    assert _shared_items([(row,) for row in X]) == ""
    assert "share an object (a ndarray)" in _shared_items([(X,), (X,)])
    idx = pd.Index(["a", "b"])
    frames = [(pd.DataFrame({"v": [i, i]}, index=idx),) for i in range(3)]
    assert _shared_items(frames) == ""


def test_two_nested_loops_make_pairs_or_say_why_not():
    from taskpar.runtime.loopitems import _pairs

    pairs, group, why = _pairs([1, 2], lambda a: range(a))
    assert (pairs, group, why) == ([(1, 0), (2, 0), (2, 1)], [0, 1, 1], "")
    # python's outer target would move on past an empty inner loop
    assert _pairs([0, 1], lambda a: range(a))[2] == "an inner loop's iterable is empty"
    assert _pairs([1], lambda a: {}[a])[2] == "an inner loop's iterable raises an error"
    gen = (x for x in "ab")
    assert _pairs([1], lambda a: gen)[2] == "an inner loop's iterable is consumed lazily"
    assert next(gen) == "a"  # not consumed: the loops as written still see every item


def test_an_outer_item_is_shared_by_its_own_inner_iterations_only():
    from taskpar.runtime.loopitems import _shared_items

    g0, g1, m = [0.1], [0.2], SimpleNamespace(n=0)
    proj = [(g0, 1), (g0, 2), (g1, 1), (g1, 2)]
    assert _shared_items(proj, ("g", "m"), (), ("g",), [0, 0, 1, 1]) == ""
    # the same outer object under two outer items: a copy each would differ
    proj = [(g0, 1), (g0, 2)]
    why = _shared_items(proj, ("g", "m"), (), ("g",), [0, 1])
    assert "outer iteration 1 and the items of outer iteration 2 share" in why
    # an estimator in every outer iteration: only when the analysis allows it
    proj = [(g0, m), (g1, m)]
    assert "share an object" in _shared_items(proj, ("g", "m"), (), ("g",), [0, 1])
    assert _shared_items(proj, ("g", "m"), ("m",), ("g",), [0, 1]) == ""


def test_only_numbers_and_strings_are_atoms_a_part_may_copy():
    import numpy as np

    from taskpar.runtime.loops import _is_atom

    assert all(_is_atom(v) for v in (1, 2.5, "s", b"b", None, True, np.float64(1), np.int8(2)))
    # a 0-d array, a list, an object: the chain must see the object itself
    assert not any(_is_atom(v) for v in (np.array(1.0), [1], np.array([1]), object()))
