"""The analysis cache: an unchanged script is not analysed again (issue 13)."""

from __future__ import annotations

import taskpar.analysis as analysis
from taskpar.analysis import analyze_script
from taskpar.analysis.cache import analyze_script_cached, script_from_json, script_to_json

SRC = """\
import random
random.seed(1)
xs = [random.random() for _ in range(3)]
ys = xs
ys.append(1)   # taskpar: worker 2
exec("z = 1")
def f(a, *b, k=2):
    return a
print(f(xs), z)
"""


def test_round_trip_is_the_same_script(tmp_path):
    p = tmp_path / "s.py"
    p.write_text(SRC)
    script = analyze_script(p)
    assert script_from_json(script_to_json(script), script.source) == script


def test_second_call_reads_the_cache(tmp_path, monkeypatch):
    p = tmp_path / "s.py"
    p.write_text(SRC)
    first = analyze_script_cached(p, tmp_path / "cache")
    calls = []
    real = analysis.analyze_source
    monkeypatch.setattr(analysis, "analyze_source", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    assert analyze_script_cached(p, tmp_path / "cache") == first
    assert calls == []
    p.write_text(SRC + "print(2)\n")          # an edited script is analysed again
    again = analyze_script_cached(p, tmp_path / "cache")
    assert len(calls) == 1 and len(again.statements) == len(first.statements) + 1


def test_corrupt_cache_file_is_ignored_and_rewritten(tmp_path):
    p = tmp_path / "s.py"
    p.write_text(SRC)
    first = analyze_script_cached(p, tmp_path / "cache")
    [entry] = (tmp_path / "cache" / "analysis").iterdir()
    entry.write_text("{not json")
    assert analyze_script_cached(p, tmp_path / "cache") == first
    assert script_from_json(__import__("json").loads(entry.read_text()), SRC) == first
