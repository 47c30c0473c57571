"""run._timings: the per-statement timings of a run, as StatementTiming builds them."""

from __future__ import annotations

from dataclasses import fields

from taskpar.run import StatementTiming, _timings
from taskpar.runtime.messages import StatementReport


def test_timings_are_the_dataclass_s_own():
    class S:
        def __init__(self, lineno):
            self.lineno = lineno

    reports = {k: StatementReport(stmt=k, worker=k % 2, status="ok" if k else "error", chunks=(),
                                  exit_code=None, start=0.5 * k, end=0.5 * k + 0.25)
               for k in (2, 0, 1)}
    got = _timings(reports, [S(10), S(11), S(13)])
    want = [StatementTiming(k, (10, 11, 13)[k], k % 2 + 1, "ok" if k else "error", 0.5 * k,
                            0.5 * k + 0.25) for k in range(3)]
    assert got == want and [hash(t) for t in got] == [hash(t) for t in want]
    assert [t.seconds for t in got] == [0.25] * 3
    for a, b in zip(got, want):  # every field set, in the dataclass's order
        assert list(vars(a)) == [f.name for f in fields(StatementTiming)] == list(vars(b))
