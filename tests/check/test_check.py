"""``taskpar check``: the traced run finds real interactions; the comparison
reports exactly those the graph misses, with both lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from taskpar.analysis import analyze_script
from taskpar.check import check_script, render_check
from taskpar.graph import Edge, EdgeKind, TaskGraph

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text, name="t.py"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def chain_graph(path, drop=()):
    """A graph ordering every statement after the previous one, minus ``drop``."""
    script = analyze_script(path)
    n = len(script.statements)
    edges = tuple(Edge(i, i + 1, EdgeKind.ORDER, ("<chain>",))
                  for i in range(n - 1) if (i, i + 1) not in drop)
    return TaskGraph(script=script, edges=edges)


def traced_pairs(report):
    return {(m.src, m.dst): set(m.via) for m in report.traced}


ALIAS = """\
a = [1]
b = a
a.append(2)
print(b)
"""


def test_mutation_through_alias_is_a_traced_dependency(tmp_path):
    r = check_script(write(tmp_path, ALIAS), graph=chain_graph(write(tmp_path, ALIAS)))
    assert ("RAW", "b") in traced_pairs(r)[(2, 3)]
    assert r.trace.stdout == "[1, 2]\n"
    assert r.ok and r.missed == ()


def test_unsound_graph_is_reported_with_both_lines(tmp_path):
    p = write(tmp_path, ALIAS)
    r = check_script(p, graph=chain_graph(p, drop={(2, 3)}))
    assert not r.ok
    assert [(m.src_line, m.dst_line) for m in r.missed] == [(3, 4)]
    assert ("RAW", "b") in r.missed[0].via
    text = render_check(r)
    assert "t.py:3: a.append(2)" in text and "t.py:4: print(b)" in text
    assert "RAW b" in text


def test_graph_with_no_edges_misses_every_dependency(tmp_path):
    p = write(tmp_path, ALIAS)
    script = analyze_script(p)
    r = check_script(p, graph=TaskGraph(script=script, edges=()))
    assert {(m.src, m.dst) for m in r.missed} == {(m.src, m.dst) for m in r.traced}
    assert {(0, 1), (2, 3)} <= {(m.src, m.dst) for m in r.missed}


def test_the_static_graph_of_a_small_script_misses_nothing(tmp_path):
    p = write(tmp_path, ALIAS)
    r = check_script(p)
    assert r.missed == (), render_check(r)


@pytest.mark.parametrize("text, src, dst, via", [
    ("x = 1\ndef f():\n    return x * 2\ny = f()\n", 0, 2, ("RAW", "x")),       # global at call time
    ("import random\nrandom.seed(3)\nu = random.random()\n", 1, 2, ("RAW", "<random>")),
    ("import numpy as np\nnp.random.seed(3)\nu = np.random.rand()\n", 1, 2, ("RAW", "<numpy.random>")),
    ("g = (i for i in range(5))\nfirst = next(g)\nrest = list(g)\n", 1, 2, ("RAW", "g")),
    ("d = {}\ndef put(k):\n    d[k] = 1\nput('a')\nprint(d)\n", 2, 3, ("RAW", "d")),
    ("def acc(x, seen=[]):\n    seen.append(x)\n    return len(seen)\nacc(1)\nn = acc(2)\n",
     1, 2, ("RAW", "acc")),                                                  # mutable default
    ("class K:\n    n = 0\nK.n += 1\nprint(K.n)\n", 1, 2, ("RAW", "K")),
    ("x = 1\ndel x\nx = 2\n", 1, 2, ("WAW", "x")),
    ("k = 2\nf = lambda v: v * k\ny = f(3)\n", 0, 2, ("RAW", "k")),          # lambda body
    ("s = 3\nclass A:\n    def m(self):\n        return s\nv = A().m()\n", 0, 2, ("RAW", "s")),
    ("n = 3\ndef g():\n    yield from range(n)\nit = g()\nout = list(it)\n",
     0, 3, ("RAW", "n")),                                      # generator body runs in list(it)
])
def test_traced_dependency(tmp_path, text, src, dst, via):
    p = write(tmp_path, text)
    r = check_script(p, graph=chain_graph(p))
    assert via in traced_pairs(r).get((src, dst), set()), traced_pairs(r)


def test_files_and_working_directory(tmp_path):
    p = write(tmp_path, """\
        import os, tempfile
        d = tempfile.mkdtemp()
        os.chdir(d)
        with open("a.txt", "w") as f:
            f.write("hi")
        text = open(os.path.join(d, "a.txt")).read()
        os.remove(os.path.join(d, "a.txt"))
        os.rmdir(d)
        """)
    r = check_script(p, graph=chain_graph(p), timeout=60)
    pairs = traced_pairs(r)
    assert ("RAW", "<cwd>") in pairs[(2, 3)]                   # relative open after chdir
    assert any(k == "RAW" and v.startswith("<file ") for k, v in pairs[(3, 4)])
    assert any(k == "WAR" and v.startswith("<file ") for k, v in pairs[(4, 5)])


def test_warnings_registry_and_logging(tmp_path):
    p = write(tmp_path, """\
        import logging, sys, warnings
        def w():
            warnings.warn("once")
        w()
        w()
        logging.basicConfig(stream=sys.stderr, format="%(message)s")
        log = logging.getLogger("x")
        log.setLevel(logging.INFO)
        log.info("hello")
        """)
    r = check_script(p, graph=chain_graph(p))
    pairs = traced_pairs(r)
    assert ("RAW", "<warnings __main__>") in pairs[(2, 3)]     # python shows it once
    assert ("RAW", "<logging x>") in pairs[(6, 7)]
    assert ("RAW", "<logging root>") in pairs[(4, 7)]
    assert r.trace.stderr.endswith("hello\n") and r.trace.stderr.count("UserWarning") == 1


def test_pyplot_state(tmp_path):
    p = write(tmp_path, """\
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.figure()
        plt.plot([1, 2, 3])
        fig = plt.gcf()
        plt.title("t")
        print(fig.axes[0].get_title())
        """)
    r = check_script(p, graph=chain_graph(p), timeout=60)
    pairs = traced_pairs(r)
    assert ("RAW", "<pyplot>") in pairs[(3, 4)]
    assert ("RAW", "fig") in pairs[(6, 7)]                     # plt.title changed fig


def test_independent_statements_have_no_traced_dependency(tmp_path):
    p = write(tmp_path, """\
        import time
        a = sum(range(10))
        b = sum(range(20))
        time.sleep(0.2)
        c = 3
        print(a, b, c)
        """)
    r = check_script(p, graph=chain_graph(p))
    pairs = traced_pairs(r)
    assert (1, 2) not in pairs and (2, 4) not in pairs and (1, 3) not in pairs
    # chain: 6 statements in a row; traced: import -> sleep, a -> print ...
    assert r.static.critical_statements == 6
    assert r.dynamic.critical_statements == 2
    assert r.static.critical_seconds >= 0.2 and r.dynamic.critical_seconds >= 0.2
    assert "parallelism: static graph allows 1.0x (critical path 6 of 6 statements" in render_check(r)


def test_failing_script_is_checked_up_to_the_failure(tmp_path):
    p = write(tmp_path, "x = 1\nprint('before')\ny = x / 0\nprint('after')\n")
    r = check_script(p, graph=chain_graph(p))
    assert (r.exit_status, r.executed, r.statements) == (1, 3, 4)
    assert r.error == "ZeroDivisionError: division by zero"
    assert r.trace.stdout == "before\n"
    assert 't.py", line 3, in <module>' in r.trace.stderr
    assert "stopped after 3 of 4 statements" in render_check(r)


def test_instrumented_functions_keep_docstrings_and_lines(tmp_path):
    p = write(tmp_path, """\
        def f():
            "the doc"
            return 1 / 0
        print(f.__doc__)
        f()
        """)
    r = check_script(p, graph=chain_graph(p))
    assert r.trace.stdout == "the doc\n"
    assert 'line 3, in f\n    return 1 / 0' in r.trace.stderr


def test_arguments_and_main_module(tmp_path):
    p = write(tmp_path, """\
        import sys
        args = sys.argv[1:]
        class P:
            pass
        import pickle
        ok = pickle.loads(pickle.dumps(P())).__class__ is P
        if __name__ == "__main__":
            print(args, ok, __file__ == sys.argv[0] or __file__.endswith("t.py"))
        """)
    r = check_script(p, ["--n", "3"], graph=chain_graph(p))
    assert r.trace.stdout == "['--n', '3'] True True\n"


def test_unpicklable_values_are_fingerprinted(tmp_path):
    p = write(tmp_path, """\
        import threading, io
        lock = threading.Lock()
        buf = io.StringIO()
        lock.acquire()
        buf.write("x")
        print(lock.locked(), buf.getvalue())
        """)
    r = check_script(p, graph=chain_graph(p))
    pairs = traced_pairs(r)
    assert ("RAW", "lock") in pairs[(3, 5)]
    assert ("RAW", "buf") in pairs[(4, 5)]


# --------------------------------------------------------------------------
# the static analysis against real scripts: the corpus and the examples

def _corpus():
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "real"))
    from test_corpus import corpus_scripts
    return corpus_scripts()


#: examples/model_comparison.py is checked as its stand-in (tests/standins:
#: the same statements with fewer repeats; the traced interactions do not
#: depend on how often a fit repeats, its minutes of numpy under the tracer do)
STANDIN_FOR = {"model_comparison.py": ROOT / "tests" / "standins" / "model_comparison_small.py"}
REAL = [*_corpus(), *(STANDIN_FOR.get(p.name, p) for p in sorted((ROOT / "examples").glob("*.py")))]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", REAL, ids=[f"{p.parent.name}/{p.name}" for p in REAL])
def test_no_missed_interaction(path, monkeypatch):
    monkeypatch.chdir(path.parent)
    r = check_script(path, timeout=280)
    assert r.missed == (), render_check(r)


# --------------------------------------------------------------------------
# generated programs (tests/progen.py): TASKPAR_CHECK_PROGRAMS=500 for the
# acceptance run; a few by default to keep the suite fast

N_PROGRAMS = int(__import__("os").environ.get("TASKPAR_CHECK_PROGRAMS", "12"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("seed", range(N_PROGRAMS))
def test_generated_program_has_no_missed_interaction(seed, tmp_path, monkeypatch):
    from progen import program_from_seed
    p = write(tmp_path, program_from_seed(seed), name=f"prog{seed}.py")
    monkeypatch.chdir(tmp_path)
    r = check_script(p, timeout=50)
    assert r.missed == (), render_check(r)


# --------------------------------------------------------------------------
# interactions the analysis missed when checked against real scripts; each
# is the smallest script showing it (found with taskpar check; each one gave
# output different from python under `taskpar run -w 2`)

MISSED_BEFORE = {
    "next_on_generator": "g = (i for i in range(5))\na = next(g)\nb = list(g)\nprint(a, b)\n",
    "next_on_iterator": "it = iter([1, 2, 3])\na = next(it)\nb = list(it)\nprint(a, b)\n",
    "next_on_map": "m = map(str, [1, 2, 3])\na = next(m)\nb = list(m)\nprint(a, b)\n",
    "numpy_printoptions": ("import numpy as np\narr = np.array([1.23456789])\n"
                           "np.set_printoptions(precision=2)\nprint(arr)\n"),
    "pandas_set_option": ("import pandas as pd\ndf = pd.DataFrame({'a': [1.23456]})\n"
                          "pd.set_option('display.precision', 2)\nprint(df)\n"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(MISSED_BEFORE))
def test_known_miss(name, tmp_path):
    p = write(tmp_path, MISSED_BEFORE[name])
    r = check_script(p, timeout=50)
    assert r.missed == (), render_check(r)


ENVIRON = """\
import os
os.environ["TASKPAR_T_A"] = "1"
os.environ["TASKPAR_T_B"] = "2"
a = os.environ.get("TASKPAR_T_A")
n = len(os.environ)
"""


@pytest.mark.timeout(60)
def test_environment_variables_are_traced_one_by_one(tmp_path):
    """Reading one variable depends on the statement that set it, not on one
    that set another (issue 14: an import setting KMP_DUPLICATE_LIB_OK and a
    later plt.subplots were reported as interacting); reading all of them
    depends on every writer."""
    path = write(tmp_path, ENVIRON)
    pairs = traced_pairs(check_script(path, graph=chain_graph(path)))
    assert ("RAW", "<environ TASKPAR_T_A>") in pairs[(1, 3)]
    assert (2, 3) not in pairs
    assert (1, 4) in pairs and (2, 4) in pairs
