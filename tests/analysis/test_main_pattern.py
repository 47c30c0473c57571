"""The main() pattern: a final ``main()`` call analysed as its body."""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import subprocess
import sys
import textwrap
import traceback

import pytest

from taskpar.analysis import analyze_source, compile_in_scope
from taskpar.graph import build_graph, dumps_json, has_path

MAIN = '''\
"""A report."""
import math
import random

SIZE = 4


def square(x):
    return x * x


def main():
    """Do the work."""
    global SIZE
    a = [square(i) for i in range(SIZE)]
    b = sum(square(i) for i in range(10))
    c = math.sqrt(b)
    print(a, b, round(c, 3))
    return
'''


def analyse(src: str):
    # loops stay whole: these tests are about main()'s statements (tests/loops
    # splits loops and comprehensions in main() too)
    return analyze_source(textwrap.dedent(src), "snippet.py", loops=False)


def node_at(tree, path):
    body = tree.body
    node = None
    for k in path:
        node = body[k]
        body = getattr(node, "body", None)
    return node


def test_applies_to_final_call():
    src = MAIN + "\n\nmain()\n"
    s = analyse(src)
    call_line = src.splitlines().index("main()") + 1
    assert s.notes == ()
    srcs = [st.source for st in s.statements]
    assert srcs[:6] == ['"""A report."""', "import math", "import random", "SIZE = 4",
                        srcs[4], srcs[5]]
    assert srcs[4].startswith("def square") and srcs[5].startswith("def main")
    body = s.statements[6:]
    assert [st.source.split(" =")[0].split("(")[0] for st in body] == ["a", "b", "c", "print"]
    # ids are positions; paths go through the def; docstring, global, return dropped
    assert [st.id for st in s.statements] == list(range(len(s.statements)))
    assert [st.path for st in body] == [(5, 2), (5, 3), (5, 4), (5, 5)]
    assert all(st.scope == "main" and st.call_lineno == call_line for st in body)
    assert all(st.scope is None and st.call_lineno is None for st in s.statements[:6])
    assert body[0].lineno == 15 and body[0].col_offset == 4
    tree = ast.parse(s.source)
    for st in s.statements:
        node = node_at(tree, st.path)
        assert (node.lineno, node.col_offset, node.end_lineno) == (st.lineno, st.col_offset, st.end_lineno)
        assert ast.get_source_segment(s.source, node) == st.source
    # main's locals are ordinary top-level names now
    assert body[0].writes == {"a"} and {"square", "SIZE"} <= body[0].reads
    assert {"a", "b", "c"} <= body[3].reads


def test_applies_under_main_guard():
    src = MAIN + '\n\nif __name__ == "__main__":\n    main()\n'
    s = analyse(src)
    assert s.notes == ()
    body = [st for st in s.statements if st.scope == "main"]
    assert len(body) == 4 and body[0].call_lineno == src.splitlines().index("    main()") + 1
    assert len(s.statements) == 10  # the guard's call is gone


def test_guard_with_statements_before_the_call():
    src = MAIN + '\n\nif __name__ == "__main__":\n    random.seed(1)\n    main()\n'
    s = analyse(src)
    assert s.notes == ()
    seed = [st for st in s.statements if st.source == "random.seed(1)"][0]
    assert seed.path == (6, 0) and seed.scope is None
    assert s.statements[seed.id + 1].scope == "main"


def test_graph_has_independent_statements():
    g = build_graph(analyse(MAIN + "\nmain()\n"))
    ids = {st.source.split(" ")[0]: st.id for st in g.statements if st.scope}
    a, b, c, p = ids["a"], ids["b"], ids["c"], ids["print(a,"]
    assert not has_path(g, a, b) and not has_path(g, b, a)
    assert not has_path(g, a, c) and has_path(g, b, c)
    assert has_path(g, a, p) and has_path(g, c, p)


def test_json_graph_lists_flattened_statements():
    s = analyse(MAIN + "\nmain()\n")
    data = json.loads(dumps_json(build_graph(s)))
    st = data["statements"]
    assert [x["id"] for x in st] == list(range(len(s.statements)))
    assert st[6]["lineno"] == 15 and st[6]["col_offset"] == 4
    assert st[6]["source"].startswith("a = [square(i)")
    assert st[-1]["source"] == "print(a, b, round(c, 3))"


def test_nested_function_reads_main_local_at_call_time():
    s = analyse("""\
        def main():
            k = 2
            def scale(v):
                return v * k
            x = scale(1)
            k = 3
            y = scale(1)
            print(x, y)
        main()
        """)
    st = {x.source.split("\n")[0]: x for x in s.statements}
    assert "k" in st["x = scale(1)"].reads and "k" in st["y = scale(1)"].reads
    g = build_graph(s)
    assert has_path(g, st["x = scale(1)"].id, st["k = 3"].id)  # WAR on k


FAILS = {
    "async": ("async def main():\n    a = 1\n    b = 2\n", "async function"),
    "decorated": ("@staticmethod\ndef main():\n    a = 1\n    b = 2\n", "decorated"),
    "params": ("def main(*argv):\n    a = 1\n    b = 2\n", "variable parameters"),
    "twice": ("def main():\n    pass\ndef main():\n    a = 1\n    b = 2\n", "defined more than once"),
    "recursive": ("def main():\n    a = 1\n    if a > 1:\n        main()\n", "also used at line 4"),
    "passed": ("def main():\n    a = 1\n    b = 2\nrunner = main\n", "also used at line 4"),
    "value": ("def main():\n    a = 1\n    return a\n", "returns a value at line 3"),
    "early": ("def main():\n    a = 1\n    if a:\n        return\n    b = 2\n", "returns early at line 4"),
    "yield": ("def main():\n    a = 1\n    yield a\n", "generator (yield at line 3)"),
    "nonlocal": ("def main():\n    a = 1\n    def f():\n        nonlocal a\n        a = 2\n    f()\n",
                 "nonlocal a"),
    "locals": ("def main():\n    a = 1\n    print(locals())\n", "calls locals()"),
    "vars": ("def main():\n    a = 1\n    print(vars())\n", "calls vars()"),
    "dir": ("def main():\n    a = 1\n    print(dir())\n", "calls dir()"),
    "exec": ("def main():\n    a = 1\n    exec('b = 2')\n", "calls exec()"),
    "eval": ("def main():\n    a = 1\n    print(eval('a'))\n", "calls eval()"),
    "globals": ("def main():\n    a = 1\n    print(globals())\n", "calls globals()"),
    "frame": ("import sys\ndef main():\n    a = 1\n    print(sys._getframe().f_locals)\n",
              "inspects frames"),
    "top-level name": ("a = 0\ndef main():\n    a = 1\n    print(a)\n", "'a' is also a top-level name"),
    "global of function": ("def show():\n    print(a)\ndef main():\n    a = 1\n    show()\n",
                           "local name 'a' is a global used by the function 'show'"),
    "shadows builtin": ("def show(x):\n    print(x)\ndef main():\n    print = 1\n    show(print)\n",
                        "local name 'print' is a global used by the function 'show'"),
    "global in nested": ("def main():\n    a = 1\n    def f():\n        global a\n        return a\n"
                         "    print(f())\n", "declared global in a nested function"),
    "other uses globals()": ("def show():\n    print(globals().get('a'))\ndef main():\n    a = 1\n"
                             "    show()\n", "'show' calls globals()"),
    "annotation": ("def main():\n    a: Undefined = 1\n    print(a)\n", "annotation at line 2"),
}


@pytest.mark.parametrize("case", sorted(FAILS))
def test_failing_condition_gives_note_and_no_flattening(case):
    src, why = FAILS[case]
    for tail in ("main()\n", 'if __name__ == "__main__":\n    main()\n'):
        s = analyse(src + tail)
        assert len(s.notes) == 1, (case, s.notes)
        assert s.notes[0].startswith("main() at line ") and " runs as one statement: " in s.notes[0]
        assert why in s.notes[0], s.notes[0]
        assert all(st.scope is None and st.call_lineno is None for st in s.statements)
        assert s.statements[-1].source in ("main()", 'if __name__ == "__main__":\n    main()') \
            or s.statements[-1].source == "main()"


def test_note_mentions_call_line_and_reason():
    s = analyse("def main():\n    a = 1\n    return a\n\n\nmain()\n")
    assert s.notes == ("main() at line 6 runs as one statement: it returns a value at line 3",)


@pytest.mark.parametrize("tail", ["main(x + 1)\n", "import sys\nsys.exit(main())\n",
                                  "raise SystemExit(main())\n", "main(1, 2)\n"])
def test_calls_not_flattened_say_why(tail):
    # an argument that is an expression; an exit of a function that does not
    # end with a return; more arguments than parameters
    s = analyse("x = 0\ndef main(y=0):\n    a = 1\n    b = 2\n" + tail)
    assert len(s.notes) == 1 and not any(st.scope for st in s.statements)


def test_exit_of_main_with_arguments_is_flattened():
    s = analyse("import sys\ndef main(argv, scale=2):\n    a = len(argv) * scale\n"
                "    b = a + 1\n    return b - a - 1\n\nsys.exit(main(sys.argv))\n")
    parts = [st.main_part for st in s.statements if st.scope]
    assert parts == ["args", None, None, "exit"] and not s.notes
    args = s.statements[2]
    assert args.writes == {"argv", "scale"} and "sys" in args.reads


@pytest.mark.parametrize("src", [
    "x = 1\nprint(x)\n",                                      # no call
    "def main():\n    a = 1\n    b = 2\nmain()\nprint(3)\n",  # call not last
    "from os import getcwd as main\nmain()\n",                # not a script function
    "def main():\n    print(1)\nmain()\n",                    # one statement: nothing to gain
])
def test_no_pattern_no_note(src):
    s = analyse(src)
    assert s.notes == () and not any(st.scope for st in s.statements)


def test_annotations_of_known_names_are_fine():
    s = analyse("import typing\ndef main():\n    a: int = 1\n    b: typing.List[int] = []\n"
                "    c: list[str] | None = None\n    print(a, b, c)\nmain()\n")
    assert s.notes == () and sum(1 for st in s.statements if st.scope) == 4


def test_function_locals_elsewhere_do_not_collide():
    s = analyse("def load():\n    data = [1, 2]\n    return data\n"
                "def main():\n    data = load()\n    total = sum(data)\n    print(total)\nmain()\n")
    assert s.notes == () and sum(1 for st in s.statements if st.scope) == 3


# --------------------------------------------------------------- execution

SCRIPTS = [
    MAIN + "\n\nmain()\n",
    MAIN + '\n\nif __name__ == "__main__":\n    random.seed(3)\n    main()\n',
    '''\
import random
from collections import Counter

WORDS = "the quick brown fox jumps over the lazy dog the end".split()


def count(words):
    return Counter(words)


def main():
    rng = random.Random(7)
    sample = [rng.choice(WORDS) for _ in range(20)]
    counts = count(sample)
    top = counts.most_common(3)
    for word, n in top:
        print(word, n)
    total = 0
    while total < 10:
        total += rng.randint(1, 4)
    try:
        1 / 0
    except ZeroDivisionError as e:
        print("caught", type(e).__name__)
    print("total", total, len(sample))


if __name__ == "__main__":
    main()
''',
    '''\
def main():
    k = 2
    def scale(v):
        return v * k
    xs = []
    xs.append(scale(1))
    k = 5
    xs.append(scale(1))
    ys = xs
    ys.append(0)
    with open(__file__) as f:
        first = f.readline().strip()
    print(xs, first)
    del ys
    return None


main()
''',
]

#: scripts whose output shows qualnames: only compile_in_scope reproduces them
QUALNAME_SCRIPTS = [
    '''\
def main():
    class Point:
        def __init__(self, x):
            self.x = x
        def __repr__(self):
            return f"{type(self).__qualname__}({self.x})"
    def helper():
        return 1
    f = lambda: 2
    p = Point(helper() + f())
    print(p, Point.__qualname__, helper.__qualname__, f.__qualname__)
    n: int = 3
    print(n, [i * n for i in range(3)])


main()
''',
]


def run_python(path) -> str:
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run_flattened(path, how: str) -> str:
    source = path.read_text()
    filename = str(path)
    script = analyze_source(source, filename, loops=False)  # run in one namespace here
    tree = ast.parse(source, filename)
    ns = {"__name__": "__main__", "__builtins__": builtins, "__file__": filename}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for st in script.statements:
            node = node_at(tree, st.path)
            if st.scope and how == "scoped":
                code = compile_in_scope(node, st.scope, filename)
            else:
                code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
                if st.scope:
                    code = code.replace(co_name=st.scope, co_qualname=st.scope)
            exec(code, ns)
    return out.getvalue()


@pytest.mark.parametrize("i", range(len(SCRIPTS)))
@pytest.mark.parametrize("how", ["replace", "scoped"])
def test_flattened_program_prints_as_python(tmp_path, i, how):
    path = tmp_path / "script.py"
    path.write_text(SCRIPTS[i])
    s = analyze_source(SCRIPTS[i], str(path), loops=False)
    assert s.notes == () and any(st.scope == "main" for st in s.statements)
    assert run_flattened(path, how) == run_python(path)


@pytest.mark.parametrize("i", range(len(QUALNAME_SCRIPTS)))
def test_compile_in_scope_keeps_qualnames(tmp_path, i):
    path = tmp_path / "script.py"
    path.write_text(QUALNAME_SCRIPTS[i])
    expected = run_python(path)
    assert "main.<locals>.Point" in expected
    assert run_flattened(path, "scoped") == expected


def test_compile_in_scope_frame_matches_function(tmp_path):
    src = "def main():\n    a = 1\n    b = [a]\n    print(b[3])\n\n\nmain()\n"
    path = tmp_path / "script.py"
    path.write_text(src)
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    assert r.returncode == 1
    s = analyze_source(src, str(path))
    last = s.statements[-1]
    assert last.scope == "main" and last.call_lineno == 7
    code = compile_in_scope(node_at(ast.parse(src), last.path), last.scope, str(path))
    ns = {"__name__": "__main__", "b": [1]}
    try:
        exec(code, ns)
    except IndexError as e:
        tb = traceback.extract_tb(e.__traceback__)[-1]
        assert (tb.name, tb.lineno, tb.filename) == ("main", 4, str(path))
        assert f'File "{path}", line 4, in main' in r.stderr
        assert f'File "{path}", line 7, in <module>' in r.stderr
    else:  # pragma: no cover
        raise AssertionError("no error")
