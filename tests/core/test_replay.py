"""Replay (taskpar.replay): statement output back in program order, live
output written at once or held, and python's exit rule (sans-I/O: reports
and outputs made by hand).

The same on real runs, where a long statement's output shows while it runs:
tests/cli/test_live_output.py.
"""

from __future__ import annotations

from taskpar.replay import Replay
from taskpar.runtime.messages import StatementOutput, StatementReport

# -- the manager's decision: write now or hold (sans-I/O) ------------------------


def report(stmt, chunks=(), status="ok", streamed=0, warnings=(), exit_code=None):
    return StatementReport(stmt, 0, status, tuple(chunks), exit_code, 0.0, 0.0,
                           tuple(warnings), streamed)


def output(stmt, *chunks, warnings=()):
    return StatementOutput(stmt, 0, tuple(chunks), tuple(warnings))


def replay(total):
    written = []
    return Replay(total=total, write=lambda s, t: written.append((s, t))), written


def test_output_of_the_statement_whose_turn_it_is_is_written_at_once():
    r, written = replay(2)
    r.add_output(output(0, (1, "tick 0\n")))
    assert written == [(1, "tick 0\n")]
    r.add_output(output(0, (2, "\rbar 1"), (1, "tick 1\n")))
    assert written[1:] == [(2, "\rbar 1"), (1, "tick 1\n")]
    r.add(report(0, [(1, "end\n")], streamed=2))
    assert written[3:] == [(1, "end\n")] and r.next == 1


def test_output_of_a_statement_that_ran_ahead_is_held_until_its_turn():
    r, written = replay(3)
    r.add_output(output(1, (1, "ahead 0\n")))
    r.add(report(2, [(1, "last\n")]))
    r.add_output(output(1, (2, "ahead err\n")))
    assert written == []  # statement 0 has not reported
    r.add_output(output(0, (1, "slow 0\n")))
    assert written == [(1, "slow 0\n")]
    r.add(report(0, [(1, "slow 1\n")], streamed=1))
    # 0 is done: 1's held output at once, but 1 still runs: 2 waits for it
    assert written[1:] == [(1, "slow 1\n"), (1, "ahead 0\n"), (2, "ahead err\n")]
    r.add_output(output(1, (1, "ahead 1\n")))
    assert written[4:] == [(1, "ahead 1\n")]
    r.add(report(1, [(1, "ahead end\n")], streamed=3))
    assert written[5:] == [(1, "ahead end\n"), (1, "last\n")] and r.finished


def test_a_report_waits_for_live_output_it_says_came_first():
    r, written = replay(1)
    r.add(report(0, [(1, "rest\n")], streamed=1))
    assert written == [] and not r.finished
    r.add_output(output(0, (1, "early\n")))
    assert written == [(1, "early\n"), (1, "rest\n")] and r.finished


def test_nothing_after_the_first_failure_is_written_live_or_held():
    r, written = replay(3)
    r.add_output(output(2, (1, "after the failure\n")))
    r.add_output(output(1, (1, "partial\n")))
    r.add(report(1, [(2, "Traceback ...\n")], status="error", streamed=1, exit_code=1))
    r.add(report(0, [(1, "first\n")]))
    assert written == [(1, "first\n"), (1, "partial\n"), (2, "Traceback ...\n")]
    assert r.finished and r.exit_status == 1
    r.add_output(output(2, (1, "late\n")))
    assert written[-1] == (2, "Traceback ...\n")


def test_a_warning_in_live_output_is_shown_once():
    key = ("UserWarning", "careful", "s.py", 3)
    r, written = replay(2)
    r.add_output(output(0, (2, "s.py:3: UserWarning: careful\n"), (1, "x\n"), warnings=[(key, 0)]))
    r.add(report(0, streamed=1))
    r.add(report(1, [(2, "s.py:3: UserWarning: careful\n")], warnings=[(key, 0)]))
    assert written == [(2, "s.py:3: UserWarning: careful\n"), (1, "x\n")]


# -- program order and the exit rule -------------------------------------------------


def test_an_empty_script_is_finished_at_once():
    r, written = replay(0)
    assert r.finished and r.exit_status == 0 and written == []


def test_reports_in_any_order_are_written_in_program_order():
    r, written = replay(3)
    r.add(report(2, [(1, "c\n")]))
    r.add(report(1, [(1, "b\n"), (2, "err b\n")]))
    assert written == [] and r.next == 0 and not r.finished
    r.add(report(0, [(1, "a\n")]))
    assert written == [(1, "a\n"), (1, "b\n"), (2, "err b\n"), (1, "c\n")]
    assert r.finished and r.exit_status == 0 and r.pending == {}


def test_the_first_failure_in_program_order_wins_whichever_reports_first():
    r, written = replay(4)
    r.add(report(3, [(2, "late traceback\n")], status="error", exit_code=1))
    r.add(report(2, [(2, "exit message\n")], status="exit", exit_code=3))
    r.add(report(1, [(1, "one\n")]))
    assert written == [] and r.first_failure == 2
    r.add(report(0, [(1, "zero\n")]))
    assert written == [(1, "zero\n"), (1, "one\n"), (2, "exit message\n")]
    assert r.finished and r.exit_status == 3 and r.next == 3


def test_nothing_after_the_failure_is_written_even_when_it_reports_later():
    r, written = replay(3)
    r.add(report(0, [(1, "a\n")]))
    r.add(report(1, [(2, "Traceback ...\n")], status="error", exit_code=1))
    assert r.finished
    r.add(report(2, [(1, "after\n")]))
    assert written == [(1, "a\n"), (2, "Traceback ...\n")] and r.exit_status == 1


def test_an_error_without_an_exit_code_exits_1_and_sys_exit_0_exits_0():
    r, _ = replay(2)
    r.add(report(0, status="error"))
    assert r.finished and r.exit_status == 1
    r, written = replay(2)
    r.add(report(0, [(1, "bye\n")], status="exit", exit_code=0))
    assert r.finished and r.exit_status == 0 and written == [(1, "bye\n")]


def test_a_skipped_statement_writes_nothing():
    r, written = replay(3)
    r.add(report(1, [(1, "not shown\n")], status="skipped"))
    r.add(report(0, [(1, "a\n")]))
    assert written == [(1, "a\n")] and r.next == 2 and not r.finished


def test_live_output_of_a_statement_already_written_is_dropped():
    r, written = replay(2)
    r.add(report(0, [(1, "a\n")]))
    r.add_output(output(0, (1, "stray\n")))
    assert written == [(1, "a\n")] and r.next == 1 and not r.finished


def test_the_same_warning_reported_by_two_workers_is_written_once():
    key = ("UserWarning", "old", "s.py", 3)
    text = "s.py:3: UserWarning: old\n"
    elsewhere = ("UserWarning", "old", "s.py", 4)
    r, written = replay(3)
    r.add(report(0, [(2, text)], warnings=[(key, 0)]))
    r.add(report(1, [(1, "x\n"), (2, text)], warnings=[(key, 1)]))
    r.add(report(2, [(2, "s.py:4: UserWarning: old\n")], warnings=[(elsewhere, 0)]))
    assert written == [(2, text), (1, "x\n"), (2, "s.py:4: UserWarning: old\n")]
