"""Learning from the guard: surprises, assumed resources left alone, the cache
(no processes: Statements and reports made by hand)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from taskpar.analysis import analyze_script
from taskpar.analysis.model import Script, Statement
from taskpar.costs import cache_file, load_costs, load_hidden_state, record_costs
from taskpar.graph import build_graph, to_json
from taskpar.learned import (Observations, apply_learned, observe, record_observations,
                             surprise_notes, with_learned)
from taskpar.runtime.messages import StatementReport


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("TASKPAR_CACHE_DIR", str(d))
    return d


def stmt(i, source, resources=(), assumed=(), kind="other"):
    return Statement(id=i, lineno=i + 1, col_offset=0, end_lineno=i + 1,
                     end_col_offset=len(source), source=source, path=(i,),
                     resources=frozenset(resources), assumed=frozenset(assumed), kind=kind)


def script(tmp_path, *stmts):
    path = tmp_path / "s.py"
    source = "\n".join(s.source for s in stmts) + "\n"
    path.write_text(source)
    return Script(str(path), source, tuple(stmts))


def report(i, changed=(), status="ok", unseen=()):
    return StatementReport(i, 0, status, (), None, 0.0, 0.0, (), changed=tuple(changed),
                           unseen=tuple(unseen))


def test_a_change_outside_the_resources_is_a_surprise(tmp_path):
    sc = script(tmp_path, stmt(0, "import numpy as np", kind="import"),
                stmt(1, "np.random.seed(0)", {"numpy.random"}),
                stmt(2, "model.fit(X, y)"))
    obs = observe(sc, [report(0), report(1, ["numpy.random"]), report(2, ["numpy.random"])])
    assert obs.surprises == {2: {"numpy.random"}}
    assert surprise_notes(sc, obs) == [
        "taskpar: line 3 (model.fit(X, y)) changed numpy's global random generator, "
        "which the plan did not expect; the next run orders it."]
    assert "not recorded" in surprise_notes(sc, obs, recorded=False)[0]


def test_two_states_in_one_line_and_skipped_statements_say_nothing(tmp_path):
    sc = script(tmp_path, stmt(0, "f()"), stmt(1, "g()"))
    obs = observe(sc, [report(0, ["cwd", "environ"]), report(1, ["random"], status="skipped")])
    (note,) = surprise_notes(sc, obs)
    assert "changed the working directory and os.environ, which" in note


def test_an_import_is_never_a_surprise(tmp_path):
    # importing scikit-learn sets KMP_* variables and draws from `random`, alike in every worker
    sc = script(tmp_path, stmt(0, "import random", {"random"}, kind="import"),
                stmt(1, "random.seed(1)", {"random"}),
                stmt(2, "import sklearn", kind="import"), stmt(3, "f()"))
    assert observe(sc, [report(2, ["environ", "random"]), report(3, ["random"])]).surprises == {
        3: {"random"}}


def test_a_draw_from_a_generator_nothing_used_before_is_no_surprise(tmp_path):
    # unseeded: its state is random in python too, so where it is drawn does not matter
    sc = script(tmp_path, stmt(0, "svc.fit(X, y)"), stmt(1, "np.random.seed(0)", {"numpy.random"}),
                stmt(2, "m.fit(X, y)"))
    obs = observe(sc, [report(0, ["numpy.random"]), report(1, ["numpy.random"]),
                       report(2, ["numpy.random"])])
    assert obs.surprises == {2: {"numpy.random"}}


def test_assumed_state_left_alone_is_observed_only_for_ok_and_seen(tmp_path):
    sc = script(tmp_path, stmt(0, "a()", {"numpy.random", "fs"}, assumed={"numpy.random"}),
                stmt(1, "b()", {"numpy.random"}, assumed={"numpy.random"}),
                stmt(2, "c()", {"numpy.random"}, assumed={"numpy.random"}),
                stmt(3, "d()", {"numpy.random"}, assumed={"numpy.random"}),
                stmt(4, "e()", {"numpy.random"}))  # found by the analysis: never dropped
    obs = observe(sc, [report(0), report(1, ["numpy.random"]), report(2, status="error"),
                       report(3, unseen=["numpy.random"]), report(4)])
    assert obs.untouched == {0: {"numpy.random"}}
    assert obs.surprises == {}


def test_apply_adds_touches_and_drops_only_assumed(tmp_path):
    sc = script(tmp_path, stmt(0, "a()", {"numpy.random", "fs"}, assumed={"numpy.random"}),
                stmt(1, "b()", {"random"}),
                stmt(2, "c()"))
    out = apply_learned(sc, {0: (frozenset(), {"numpy.random", "fs"}),
                             1: (frozenset(), {"random"}),  # not assumed: kept
                             2: ({"environ"}, frozenset())})
    assert out.statements[0].resources == {"fs"} and out.statements[0].assumed == frozenset()
    assert out.statements[1].resources == {"random"}
    assert out.statements[2].resources == {"environ"}
    assert apply_learned(sc, {}) is sc


def test_the_cache_remembers_and_a_touch_wins_for_good(tmp_path):
    sc = script(tmp_path, stmt(0, "a()", {"numpy.random"}, assumed={"numpy.random"}),
                stmt(1, "b()"))
    record_costs(sc, {0: 0.5, 1: 0.25})
    assert record_observations(sc, Observations({1: {"cwd"}}, {0: {"numpy.random"}})) is None
    assert load_hidden_state(sc) == {0: (frozenset(), {"numpy.random"}),
                                     1: ({"cwd"}, frozenset())}
    learned = with_learned(sc)
    assert learned.statements[0].resources == frozenset()
    assert learned.statements[1].resources == {"cwd"}
    # later the dropped state is seen changed: a surprise, remembered for good
    record_observations(sc, Observations({0: {"numpy.random"}}, {}))
    record_observations(sc, Observations({}, {0: {"numpy.random"}}))
    assert load_hidden_state(sc)[0] == ({"numpy.random"}, frozenset())
    assert with_learned(sc).statements[0].resources == {"numpy.random"}
    # costs are untouched by it, and the file stays a valid cost cache
    assert load_costs(sc).seconds == {0: 0.5, 1: 0.25}
    data = json.loads(cache_file(sc).read_text())
    assert data["version"] == 1


def test_a_bad_touches_entry_makes_the_cache_ignored(tmp_path):
    sc = script(tmp_path, stmt(0, "a()"))
    record_costs(sc, {0: 0.5})
    f = cache_file(sc)
    data = json.loads(f.read_text())
    next(iter(data["statements"].values()))["touches"] = "numpy.random"
    f.write_text(json.dumps(data))
    assert load_hidden_state(sc) == {}
    assert load_costs(sc).messages


def test_dropping_an_assumed_resource_splits_the_colocation_group(tmp_path):
    """A script whose `assumed` is added by hand (the analysis fills it elsewhere)."""
    path = tmp_path / "m.py"
    path.write_text("import numpy as np\nnp.random.seed(0)\nimport json\n"
                    "v = json.dumps([1])\nw = np.random.rand(2)\n")
    sc = analyze_script(path)
    s3 = sc.statements[3]
    sc = replace(sc, statements=sc.statements[:3] + (
        replace(s3, resources=s3.resources | {"numpy.random"}, assumed={"numpy.random"}),)
        + sc.statements[4:])
    assert [1, 3, 4] in to_json(build_graph(sc))["colocate"]
    record_observations(sc, observe(sc, [report(3)]))
    data = to_json(build_graph(with_learned(sc)))
    assert data["statements"][3]["resources"] == []
    assert data["colocate"] == [[1, 4]]
