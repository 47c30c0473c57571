"""The analysis stays fast on scripts whose callables all reach each other.

``data/callback_web.py`` (a pytest module: decorators from a library that
may call back into every script function) once took minutes: implicit calls
nested without end. Past a budget a statement becomes a barrier — right but
serial — and the rest of the script keeps its parallelism. A program whose
objects all alias each other spends the whole script's budget: the
statements after that point are not analysed and run in order.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from taskpar.analysis import analyze_script, analyze_source
from taskpar.graph import build_graph, has_path

DATA = Path(__file__).resolve().parent / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # progen, support


@pytest.mark.timeout(60)
def test_callback_web_is_analysed_quickly_and_soundly():
    script = analyze_script(DATA / "callback_web.py")
    graph = build_graph(script)
    barriers = [s for s in script.statements if s.barrier]
    # everything before a barrier is ordered before it, everything after it after
    for b in barriers:
        for s in script.statements:
            if s.id < b.id:
                assert has_path(graph, s.id, b.id)
            elif s.id > b.id:
                assert has_path(graph, b.id, s.id)
    # the imports at the top stay independent of each other
    imports = [s.id for s in script.statements if s.kind == "import" and s.id < 5]
    assert len(imports) >= 2 and not has_path(graph, imports[0], imports[1])


def _dense_program(n: int) -> str:
    """progen's seed 1: library callbacks given every object make its heap a
    clique by statement ~300 (the analysis once took minutes at 400)."""
    import random

    from progen import generate_program

    return generate_program(random.Random(1), n)


@pytest.mark.timeout(120)
def test_a_densely_aliased_program_stops_being_analysed_and_runs_in_order():
    from taskpar.analysis.interp import STOPPED

    script = analyze_source(_dense_program(700), "dense.py", loops=False)
    stops = [s for s in script.statements if "where the analysis stopped" in s.barrier_reason]
    assert stops, "the analysis should have stopped on this program"
    first = stops[0].id - 1  # (the statement that spent the budget)
    rest = script.statements[first:]
    assert all(s.barrier and STOPPED in s.resources for s in rest)
    # in order, in one process, joined to what came before (the first of them
    # touched every live object)
    graph = build_graph(script)
    assert any({s.id for s in rest} <= set(g) for g in graph.colocate)
    for a, b in zip(rest, rest[1:]):
        assert has_path(graph, a.id, b.id)
    assert not any(s.barrier for s in script.statements[:10])  # (the start is analysed)
    assert any(n.startswith(f"line {rest[0].lineno}: the analysis stopped") for n in script.notes)


@pytest.mark.timeout(240)
def test_a_densely_aliased_program_prints_what_python_prints(tmp_path):
    from support import python, taskpar

    prog = tmp_path / "dense.py"
    prog.write_text(_dense_program(500))
    env = dict(os.environ, TASKPAR_CACHE_DIR=str(tmp_path / "cache"))
    want = python(prog, cwd=tmp_path, env=env)
    assert want.returncode == 0, want.stderr
    for attempt in ("first", "second"):
        got = taskpar("run", prog, "-w", 2, cwd=tmp_path, env=env)
        assert (got.returncode, got.stdout, got.stderr) == (0, want.stdout, want.stderr), attempt
