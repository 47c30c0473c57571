"""Iterators are changed by iterating them; library configuration is hidden state.

Found by ``taskpar check`` on the corpus: ``next(g)`` then ``list(g)`` ran in
either order, and ``np.set_printoptions`` was not ordered before ``print(arr)``.
"""

from __future__ import annotations

from helpers import check, has, lacks, path


def test_next_on_a_generator_expression_changes_it():
    src = """\
        g = (i for i in range(5))
        a = next(g)
        b = list(g)
        """
    has(src, 1, mutates={"g"})
    has(src, 2, mutates={"g"})
    assert path(src, 1, 2)


def test_iterating_a_generator_function_result_changes_it():
    src = """\
        def gen(n):
            for i in range(n):
                yield i
        h = gen(4)
        e = next(h)
        f = sum(h)
        """
    has(src, 2, mutates={"h"})
    has(src, 3, mutates={"h"})
    assert path(src, 2, 3)


def test_wrapped_iterators_are_consumed_through_the_wrapper():
    src = """\
        it = iter([1, 2, 3])
        m = map(str, it)
        first = next(it)
        rest = list(m)
        """
    has(src, 3, mutates={"m", "it"})
    assert path(src, 2, 3)


def test_for_loop_and_join_consume_iterators():
    has("f = map(str, [1, 2])\nfor x in f:\n    pass\n", mutates={"f"})
    has("z = zip([1], [2])\ns = ' '.join(str(p) for p in z)\n", mutates={"z"})


def test_a_function_consuming_its_parameter_changes_the_argument():
    src = """\
        def first(it):
            return next(it)
        g = (i for i in range(3))
        a = first(g)
        b = list(g)
        """
    has(src, 2, mutates={"g"})
    assert path(src, 2, 3)


def test_iterating_lists_changes_nothing():
    src = """\
        xs = [1, 2, 3]
        s1 = sum(xs)
        s2 = max(xs)
        for x in xs:
            print(x)
        """
    lacks(src, 1, mutates={"xs"})
    lacks(src, 3, mutates={"xs"})
    assert not path(src, 1, 2)


def test_library_configuration_is_a_barrier():
    src = """\
        import numpy as np
        a = np.array([1.23456])
        np.set_printoptions(precision=2)
        print(a)
        """
    check(src, 2, barrier=True)
    assert path(src, 1, 3)
    check("import pandas as pd\npd.set_option('display.precision', 2)\n", barrier=True)
