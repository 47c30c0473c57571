"""``taskpar check`` on split loops: the iterations are traced body statement
by body statement, and what they did is checked against the split
(``check.iterations``). The analysis splits only loops it believes
independent, so the wrong claims here are made by hand (a ``LoopCheck``)."""

from __future__ import annotations

import textwrap

import pytest

from taskpar.analysis import analyze_script
from taskpar.check import check_script, render_check
from taskpar.check.compare import compare
from taskpar.check.model import LoopCheck
from taskpar.check.spawn import trace_script
from taskpar.graph import build_graph

from support import EXAMPLES


def claim(path, loop_line: int, **fields):
    """Trace ``path`` with the loop at ``loop_line`` checked against ``fields``."""
    graph = build_graph(analyze_script(path, loops=False))
    stmt = next(s for s in graph.script.statements if s.lineno == loop_line)
    import ast

    node = ast.parse(path.read_text()).body[stmt.path[0]]
    base = dict(stmt=stmt.id, pieces=(), outputs={}, hoist_reads={}, binds=frozenset(),
                fresh=frozenset(), lines=tuple(b.lineno for b in node.body))
    check = LoopCheck(**{**base, **fields})
    trace = trace_script(graph.script, str(path), loops={stmt.id: check}, timeout=120)
    return compare(graph, trace, {stmt.id: check})


def write(tmp_path, text):
    p = tmp_path / "prog.py"
    p.write_text(textwrap.dedent(text))
    return p


@pytest.mark.timeout(120)
def test_a_carried_value_read_apart_is_found(tmp_path):
    path = write(tmp_path, """\
        state = 0.0
        for i in range(4):
            state = state * 0.5 + i
            print(state)
        """)
    r = claim(path, 2, pieces=(0,), outputs={0: frozenset({"state"})},
              binds=frozenset({"i", "state"}))
    assert not r.ok
    (f,) = r.loop_missed  # one line per statement and cause
    assert (f.line, f.iteration) == (3, 2)
    assert f.what == "reads `state`, which line 3 wrote in iteration 1, but runs apart from it"
    assert "prog.py:3: in the loop of line 2, iteration 2" in render_check(r)
    assert r.trace.stdout == "0.0\n1.0\n2.5\n4.25\n"  # the script ran as python runs it


@pytest.mark.timeout(120)
def test_a_generator_drawn_apart_must_be_reseeded_by_each_iteration(tmp_path):
    path = write(tmp_path, """\
        import random
        random.seed(1)
        out = []
        for i in range(3):
            {seed}
            v = random.random()
            out.append(v)
        """)
    drawn = claim(write(tmp_path, path.read_text().format(seed="pass")), 4,
                  pieces=(0, 1), outputs={1: frozenset({"v"})}, binds=frozenset({"i", "v"}))
    assert [f.what for f in drawn.loop_missed] == [
        "reads random, which line 6 wrote in iteration 1, but runs apart from it"]
    reseeded = claim(write(tmp_path, path.read_text().format(seed="random.seed(i)")), 4,
                     pieces=(0, 1), outputs={1: frozenset({"v"})},
                     binds=frozenset({"i", "v"}), fresh=frozenset({"random"}))
    assert reseeded.ok and reseeded.loops_checked == (4,)


@pytest.mark.timeout(120)
def test_a_change_made_apart_and_a_name_the_chain_does_not_take_are_found(tmp_path):
    path = write(tmp_path, """\
        seen = []
        for i in range(2):
            v = i * 2
            seen.append(v)
        print(v, seen)
        """)
    r = claim(path, 2, pieces=(0, 1), outputs={0: frozenset()}, binds=frozenset({"i", "v"}))
    whats = [(f.line, f.what) for f in r.loop_missed]
    assert (4, "changes `seen`, made before the loop, in work run apart (the change would "
               "stay on the worker that ran it)") in whats
    assert (5, "reads `v`, which line 3 bound apart in the last iteration, but the chain does "
               "not take it from there") in whats


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["sweep.py", "reseeded.py", "subplots.py", "in_main.py"])
def test_the_loop_examples_are_independent_as_split(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # subplots.py writes its figure where it runs
    r = check_script(EXAMPLES / "loops" / name, timeout=240)
    assert r.ok and r.loops_checked, render_check(r)
    assert "are independent as split" in render_check(r)
