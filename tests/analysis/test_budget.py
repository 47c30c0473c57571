"""The analysis stays fast on scripts whose callables all reach each other.

``data/callback_web.py`` (a pytest module: decorators from a library that
may call back into every script function) once took minutes: implicit calls
nested without end. Past a budget a statement becomes a barrier — right but
serial — and the rest of the script keeps its parallelism.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from taskpar.analysis import analyze_script
from taskpar.graph import build_graph, has_path

DATA = Path(__file__).resolve().parent / "data"


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
