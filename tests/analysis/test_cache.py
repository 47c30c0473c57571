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


def _every_field_set(k: int):
    """A statement with no field at its default (a loop part, in main(), pinned...)."""
    from taskpar.analysis.model import Statement

    return Statement(id=k, lineno=k + 1, col_offset=4, end_lineno=k + 2, end_col_offset=9,
                     source=f"y{k} = f(x)", path=(3, k), reads=frozenset({"x", "f"}),
                     writes=frozenset({f"y{k}"}), mutates=frozenset({"x"}),
                     resources=frozenset({"random", "object:x"}), maybe_binds=frozenset({"f"}),
                     barrier=True, barrier_reason="exec", assumed=frozenset({"random"}), pin=2,
                     kind="def", scope="main", call_lineno=40, main_part="args",
                     loop=(0, "part", k))


def test_columns_round_trip_every_statement_field():
    # columns of every statement's value (most statements set the field) and
    # columns of the exceptions to the default (few do): both come back
    # exactly, every field, with the types Statement holds
    from dataclasses import fields

    from taskpar.analysis.model import Script, Statement

    plain = [Statement(id=k, lineno=k + 1, col_offset=0, end_lineno=k + 1, end_col_offset=5,
                       source=f"x{k} = 1", path=(k,)) for k in range(5)]
    for stmts in ([_every_field_set(k) for k in range(4)],             # every column dense
                  plain[:2] + [_every_field_set(2)] + plain[3:],      # one exception each
                  plain, []):
        script = Script(filename="/tmp/s.py", source="", statements=tuple(stmts), notes=("n",))
        data = __import__("json").loads(__import__("json").dumps(script_to_json(script)))
        back = script_from_json(data, "")
        assert back == script
        for a, b in zip(back.statements, script.statements):
            for f in fields(a):
                x, y = getattr(a, f.name), getattr(b, f.name)
                assert x == y and type(x) is type(y), f.name
            assert a.label == b.label and hash(a) == hash(b)


def test_a_foreign_columns_table_is_not_read(tmp_path):
    import json

    p = tmp_path / "s.py"
    p.write_text(SRC)
    first = analyze_script_cached(p, tmp_path / "cache")
    [entry] = (tmp_path / "cache" / "analysis").iterdir()
    good = json.loads(entry.read_text())
    bad_ones = []
    d = json.loads(entry.read_text()); d["columns"]["lineno"] = d["columns"]["lineno"][:-1]
    bad_ones.append(d)                                    # a column too short
    d = json.loads(entry.read_text()); d["columns"]["pin"] = {"index": [99], "value": [1]}
    bad_ones.append(d)                                    # an exception beyond the statements
    d = json.loads(entry.read_text()); del d["columns"]["kind"]
    bad_ones.append(d)                                    # a field missing
    d = json.loads(entry.read_text()); d["columns"]["extra"] = []
    bad_ones.append(d)                                    # a field unknown
    bad_ones.append(dict(good, format="taskpar-analysis-2"))
    bad_ones.append([good])
    for d in bad_ones:
        try:
            script_from_json(d, SRC)
        except (KeyError, TypeError, ValueError):
            pass
        else:
            raise AssertionError(f"read {d!r:.80}")
        entry.write_text(json.dumps(d))
        assert analyze_script_cached(p, tmp_path / "cache") == first  # analysed again
