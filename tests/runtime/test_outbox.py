"""The worker's outbox (taskpar.runtime.outbox): which control records wait,
and that they reach the manager in order, merged, and in the end always."""

from __future__ import annotations

import threading

import pytest

from taskpar.runtime.messages import (Finished, StatementOutput, StatementReport,
                                      StatementStarted, TransferReport)
from taskpar.runtime.outbox import HOLD, QUICK, Outbox, quick_statements


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def report(stmt, status="ok", seconds=0.0001, worker=0):
    return StatementReport(stmt, worker, status, ((1, f"out {stmt}\n"),), None, 5.0, 5.0 + seconds)


def started(stmt, worker=0):
    return StatementStarted(stmt, worker, 5.0)


def outbox(**kw):
    sent: list[list] = []
    box = Outbox(lambda records: sent.append(list(records)), clock=kw.pop("clock", Clock()),
                 backstop=kw.pop("backstop", 3600.0), **kw)
    return box, sent


def test_a_quick_statement_is_reported_once_with_the_next_record_that_cannot_wait():
    box, sent = outbox(quick=frozenset({0, 1}))
    box.put(started(0))
    box.put(report(0))
    box.put(started(1))
    box.put(report(1))
    assert sent == []  # all of it can wait
    box.put(Finished(0))
    # each Started was replaced by its report (which has the start time)
    assert sent == [[report(0), report(1), Finished(0)]]


def test_a_statement_not_known_to_be_quick_is_announced_at_once():
    box, sent = outbox(quick=frozenset({0}))
    box.put(started(0))
    box.put(report(0))
    box.put(started(1))  # no measured cost: a worker dying in it must be named
    assert sent == [[report(0), started(1)]]


@pytest.mark.parametrize("record", [
    report(0, status="error"), report(0, status="exit"), report(0, seconds=HOLD * 2),
    StatementOutput(0, 0, ((1, "x"),), ()),
], ids=["failed", "exited", "slow", "live-output"])
def test_failures_slow_reports_and_live_output_go_at_once_after_what_is_held(record):
    box, sent = outbox()
    box.put(TransferReport("a", 1, 1, 0, 8, 1.0, 2.0))
    box.put(record)
    assert sent == [[TransferReport("a", 1, 1, 0, 8, 1.0, 2.0), record]]


def test_with_dynamic_assignment_reports_go_at_once():
    box, sent = outbox(quick=frozenset({0}), hold_reports=False)
    box.put(started(0))
    box.put(report(0))
    assert sent == [[report(0)]]


def test_held_records_are_due_after_the_window_and_flush_sends_them():
    clock = Clock()
    box, sent = outbox(clock=clock, window=0.002)
    assert not box.due()
    box.put(report(0))
    clock.now += 0.001
    box.put(report(1))
    assert not box.due()
    clock.now += 0.0015  # the oldest is 2.5 ms old
    assert box.due()
    box.flush()
    assert sent == [[report(0), report(1)]] and not box.due()
    box.flush()  # nothing held: nothing sent
    assert len(sent) == 1


def test_records_held_while_a_statement_runs_are_sent_by_the_outbox_thread():
    got = threading.Event()
    sent: list = []

    def send(records):
        sent.append(list(records))
        got.set()

    box = Outbox(send, quick=frozenset({0}), backstop=0.01)
    box.put(started(0))  # a quick statement that is slow this time: nobody flushes
    assert got.wait(10), "the held StatementStarted never reached the manager"
    assert sent == [[started(0)]]


def test_records_put_from_several_threads_keep_each_threads_order():
    box, sent = outbox()

    def put_many(worker):
        for k in range(200):
            box.put(TransferReport("v", k, worker, 0, 8, 1.0, 2.0))

    threads = [threading.Thread(target=put_many, args=(w,)) for w in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    box.flush()
    records = [r for batch in sent for r in batch]
    for w in (1, 2):
        assert [r.version for r in records if r.frm == w] == list(range(200))


def test_quick_statements_are_the_measured_ones_below_the_threshold():
    cost = (QUICK / 10, QUICK / 10, QUICK * 10, 0.0)
    assert quick_statements(cost, frozenset({1}), range(4)) == {0, 3}
    assert quick_statements(cost, frozenset(), [2, 3]) == {3}
    assert quick_statements((), frozenset(), range(4)) == frozenset()
