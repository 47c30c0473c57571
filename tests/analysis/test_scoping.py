"""Golden cases: names read and written, Python's scoping rules."""

from helpers import check, has, lacks, stmt


def test_simple_assign():
    check("b = a + 1", reads={"a"}, writes={"b"}, mutates=set())


def test_builtins_are_not_reads():
    check("n = len(xs)", reads={"xs"}, writes={"n"})


def test_builtin_rebound_by_script_is_read():
    check("def len(x):\n    return 0\nn = len(xs)", reads={"len", "xs"})


def test_self_reference():
    check("x = x + 2", reads={"x"}, writes={"x"})


def test_tuple_targets_and_star():
    check("a, *b = c", reads={"c"}, writes={"a", "b"})


def test_augassign_reads_writes_mutates():
    check("x += 1", reads={"x"}, writes={"x"}, mutates={"x"})


def test_annassign():
    check("x: int = y", reads={"y", "int"} - {"int"}, writes={"x"})


def test_annassign_without_value_binds_nothing():
    check("x: Foo", reads={"Foo"}, writes=set())


def test_future_annotations_not_evaluated():
    check("from __future__ import annotations\nx: Foo = 1", reads=set(), writes={"x"})


def test_del_is_read_and_write():
    check("del x", reads={"x"}, writes={"x"})


def test_del_subscript_mutates():
    check("del d[k]", reads={"d", "k"}, mutates={"d"}, writes=set())


def test_import_binds_top_package():
    check("import os.path", writes={"os"}, kind="import")


def test_import_as_and_from():
    check("import numpy as np", writes={"np"})
    check("from os.path import join as j, exists", writes={"j", "exists"}, kind="import")


def test_listcomp_variable_is_local():
    check("ys = [x * k for x in xs]", reads={"xs", "k"}, writes={"ys"})


def test_comprehension_variable_does_not_leak():
    lacks("ys = [x for x in xs]", reads={"x"}, writes={"x"})


def test_nested_comprehension():
    check("z = [a + b for a in xs for b in f(a)]", reads={"xs", "f"}, writes={"z"})


def test_dictcomp_and_setcomp():
    check("d = {k: v for k, v in items}", reads={"items"}, writes={"d"})
    check("s = {v for v in vals if v > lim}", reads={"vals", "lim"}, writes={"s"})


def test_walrus_in_comprehension_binds_global():
    s = check("ys = [y := f(x) for x in xs]", writes={"ys", "y"})
    assert {"f", "xs"} <= s.reads


def test_walrus_top_level():
    check("if (n := len(a)) > 3:\n    pass", writes={"n"}, reads={"a", "n"})


def test_generator_expression_reads_globals():
    check("t = sum(x * k for x in xs)", reads={"xs", "k"}, writes={"t"})


def test_lambda_body_not_read_at_definition():
    check("f = lambda x: x * scale", reads=set(), writes={"f"})


def test_lambda_default_read_at_definition():
    check("f = lambda x, s=scale: x * s", reads={"scale"}, writes={"f"})


def test_lambda_reads_at_call():
    has("f = lambda x: x * scale\ny = f(2)", reads={"f", "scale"})


def test_def_reads_decorators_and_defaults():
    check("@deco(opt)\ndef f(x=default, *, y=other):\n    return x + glob",
          reads={"deco", "opt", "default", "other"}, writes={"f"}, kind="def")


def test_def_annotations_read():
    check("def f(x: T) -> R:\n    pass", reads={"T", "R"}, writes={"f"})


def test_def_annotations_not_read_with_future():
    check("from __future__ import annotations\ndef f(x: T) -> R:\n    pass",
          reads=set(), writes={"f"})


def test_class_body_names_are_not_globals():
    check("class K(Base, metaclass=Meta):\n    a = 1\n    b = a + ext\n    def m(self):\n        return a",
          reads={"Base", "Meta", "ext"}, writes={"K"}, kind="class")


def test_class_body_may_read_global_of_same_name():
    # `x = x` in a class body reads the global x
    has("class K:\n    x = x", reads={"x"})


def test_class_body_comprehension_skips_class_scope():
    # only the first iterable sees class names; `y` here is the global
    has("class K:\n    y = 1\n    zs = [y for _ in range(3)]", reads={"y"})


def test_global_in_function():
    check("def inc():\n    global count\n    count += 1\ninc()", reads={"inc", "count"},
          writes={"count"})


def test_global_assign_without_read_in_body_is_still_read():
    # the function may not run the assignment: the old value must be there
    has("def reset(flag):\n    global state\n    if flag:\n        state = 0\nreset(True)",
        writes={"state"}, reads={"state"})


def test_nonlocal_is_not_a_global():
    s = stmt("def outer():\n    v = 0\n    def inner():\n        nonlocal v\n        v += 1\n    inner()\n    return v\nr = outer()")
    assert "v" not in s.reads and "v" not in s.writes
    assert s.writes == {"r"}


def test_local_shadowing_global():
    check("def f():\n    scale = 2\n    return scale\ny = f()", reads={"f"}, writes={"y"})


def test_except_binds_name():
    s = stmt("try:\n    f()\nexcept ValueError as e:\n    msg = str(e)")
    assert {"e", "msg"} <= s.writes and "f" in s.reads


def test_for_target_written_and_read():
    s = check("for i in range(n):\n    total += i", writes={"i", "total"})
    assert {"n", "i", "total"} <= s.reads


def test_if_may_bind_is_read():
    s = stmt("if c:\n    x = 1")
    assert "x" in s.reads and "x" in s.writes


def test_with_target():
    has("with lock as l:\n    pass", writes={"l"}, reads={"lock"})


def test_match_captures_are_writes():
    s = stmt("match cmd:\n    case [\"go\", where]:\n        dest = where\n    case {\"k\": v, **rest}:\n        pass\n    case Point(x=px) as pt:\n        pass\n    case _:\n        pass")
    assert {"where", "dest", "v", "rest", "px", "pt"} <= s.writes
    assert {"cmd", "Point"} <= s.reads


def test_starred_call_args():
    check("r = f(*args, **kw)", reads={"f", "args", "kw"}, writes={"r"})


def test_fstring_reads():
    check('s = f"{a!r:>{width}}"', reads={"a", "width"}, writes={"s"})


def test_kinds():
    assert stmt("import os").kind == "import"
    assert stmt("async def f():\n    pass").kind == "def"
    assert stmt("x = 1").kind == "other"
