"""The run-time guard end to end: a surprise is noted once, then learned; an
assumed resource a run saw unused is dropped by the next plan."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stdout
from dataclasses import replace

import pytest

from taskpar import analysis as tp_analysis
from taskpar import run as tp_run
from taskpar.analysis import cache as analysis_cache
from taskpar.cli import main as cli_main

from support import python, taskpar

pytestmark = pytest.mark.timeout(240)

# after a seed, reached through getattr: the analysis sees no use of the
# generator (pinned together: the first run keeps program order between them)
HIDDEN = """\
import numpy as np
np.random.seed(0)                     # taskpar: worker 1
v = getattr(np, "random").rand(3)     # taskpar: worker 1
w = sum(np.ones(3))
print(len(v), w)
"""


def test_a_hidden_draw_is_noted_once_and_ordered_by_the_next_run(tmp_path):
    src = tmp_path / "hidden.py"
    src.write_text(HIDDEN)
    env = {**os.environ, "TASKPAR_CACHE_DIR": str(tmp_path / "cache")}
    expected = python(src)
    first = taskpar("run", src, "-w", "2", env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout == expected.stdout
    assert first.stderr == expected.stderr + (
        "taskpar: line 3 (v = getattr(np, \"random\").rand(3)) changed numpy's global random "
        "generator, which the plan did not expect; the next run orders it.\n")
    graph = json.loads(taskpar("graph", src, "--format", "json", env=env).stdout)
    assert graph["statements"][2]["resources"] == ["numpy.random"]
    bare = json.loads(taskpar("graph", src, "--format", "json", "--no-cache", env=env).stdout)
    assert bare["statements"][2]["resources"] == []  # an unseeded draw is no surprise
    unseeded = tmp_path / "unseeded.py"
    unseeded.write_text(HIDDEN.replace("np.random.seed(0)  ", "n = 0"))
    got = taskpar("run", unseeded, "-w", "2", env=env, timeout=120)
    assert got.returncode == 0 and got.stderr == "", got.stderr
    second = taskpar("run", src, "-w", "2", env=env, timeout=120)
    assert (second.returncode, second.stdout, second.stderr) == (0, expected.stdout,
                                                                  expected.stderr)


ASSUMED = """\
import numpy as np
np.random.seed(0)
import json
v = json.dumps([1])
w = np.random.rand(2)
print(v, w)
"""


def test_an_assumed_resource_left_alone_is_dropped(tmp_path, monkeypatch):
    """`assumed` added by hand: the analysis that fills it is written elsewhere."""
    src = tmp_path / "assumed.py"
    src.write_text(ASSUMED)
    monkeypatch.setenv("TASKPAR_CACHE_DIR", str(tmp_path / "cache"))
    analyze = tp_analysis.analyze_script

    def with_assumption(path, loops=True):
        sc = analyze(path, loops=loops)
        s = sc.statements[3]
        assert s.source == "v = json.dumps([1])"
        s = replace(s, resources=s.resources | {"numpy.random"}, assumed=frozenset({"numpy.random"}))
        return replace(sc, statements=sc.statements[:3] + (s,) + sc.statements[4:])

    monkeypatch.setattr(tp_analysis, "analyze_script", with_assumption)
    monkeypatch.setattr(tp_run, "analyze_script", with_assumption)
    monkeypatch.setattr(analysis_cache, "analyze_script_cached", lambda path, _, **kw: with_assumption(path, **kw))

    def graph():
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli_main(["graph", str(src), "--format", "json"]) == 0
        return json.loads(out.getvalue())

    before = graph()
    assert before["statements"][3]["resources"] == ["numpy.random"]
    assert [1, 3, 4] in before["colocate"]
    result = tp_run.run_script(src, workers=2)
    assert (result.exit_status, result.stdout) == (0, python(src).stdout)
    assert result.surprises == []
    after = graph()
    assert after["statements"][3]["resources"] == []
    assert after["colocate"] == [[1, 4]]
    # and the next run plans from it
    prepared = tp_run.prepare(src, 2)
    assert prepared.script.statements[3].resources == frozenset()


def test_an_unseeded_hidden_draw_is_no_surprise(tmp_path):
    """Before any statement used a global generator its state is random in
    python too: drawing from it elsewhere changes nothing, so no note (a
    real script, tests/real/digits_pipeline.py, drew in SVC.fit)."""
    src = tmp_path / "unseeded.py"
    src.write_text("import numpy as np\nv = getattr(np, 'random').rand(3)\nprint(len(v))\n")
    env = {**os.environ, "TASKPAR_CACHE_DIR": str(tmp_path / "cache")}
    got = taskpar("run", src, "-w", "2", env=env, timeout=120)
    assert (got.returncode, got.stdout, got.stderr) == (0, "3\n", "")
