"""ManagerCore without processes: events in, instructions out."""

from __future__ import annotations

from dataclasses import replace

from taskpar.analysis.model import Script, Statement
from taskpar.graph import build_graph
from taskpar.manager import Assign, Broadcast, ManagerCore, Report, texts
from taskpar.plan import Exec, Recv, Send, build_plan, worker_program
from taskpar.runtime.messages import (End, Failed, Finished, Job, Shutdown, StatementOutput,
                                      StatementReport, StatementStarted, TransferReport)
from taskpar.schedule import Schedule


def stmt(i, reads=(), writes=()):
    return Statement(id=i, lineno=i + 1, col_offset=0, end_lineno=i + 1, end_col_offset=1,
                     source=f"s{i}()", path=(i,), reads=frozenset(reads),
                     writes=frozenset(writes), kind="other")


def setup(stmts, assignment, dynamic=False):
    script = Script("t.py", "", tuple(stmts))
    graph = build_graph(script)
    workers = max(assignment) + 1
    order = tuple(tuple(i for i, w in enumerate(assignment) if w == k) for k in range(workers))
    n = len(stmts)
    plan = build_plan(graph, Schedule(workers, tuple(assignment), (1.0,) * n, (0.0,) * n, order))
    if dynamic:
        plan = replace(plan, dynamic=True)
    job = Job(script=script, argv=("t.py",), cwd="/", sys_path0="/")
    return job, plan


def report(s, w, status="ok"):
    return StatementReport(s, w, status, (), 1 if status == "exit" else None, 0.0, 0.0)


def chain_of_two_workers(dynamic=False):
    # x = s0() on w0; y = s1(x) on w1; s2(y) on w1
    return setup([stmt(0, writes="x"), stmt(1, reads="x", writes="y"), stmt(2, reads="y")],
                 [0, 1, 1], dynamic)


def test_events_are_reported_and_the_running_table_names_the_line():
    core = ManagerCore(*chain_of_two_workers())
    assert core.start() == []
    started = StatementStarted(1, 1, 0.0)
    assert core.event(1, started) == [Report(started)]
    assert core.where(1) == "while running t.py:2 (`s1()`)"
    assert core.where(0) == "between statements"
    out = StatementOutput(1, 1, ((1, "hi\n"),))
    moved = TransferReport("x", 0, 0, 1, 8, 0.0, 0.0)
    assert core.event(1, out) == [Report(out)]
    assert core.event(1, moved) == [Report(moved)]
    assert core.event(1, report(1, 1)) == [Report(report(1, 1))]
    assert core.where(1) == "between statements"


def test_first_failure_is_broadcast_and_only_a_smaller_one_again():
    core = ManagerCore(*chain_of_two_workers())
    assert core.event(1, report(2, 1, "error")) == [Broadcast(Failed(2)), Report(report(2, 1, "error"))]
    assert core.event(1, report(1, 1, "exit")) == [Broadcast(Failed(1)), Report(report(1, 1, "exit"))]
    # a later failure after the first is reported but changes nothing
    assert core.event(1, report(2, 1, "error")) == [Report(report(2, 1, "error"))]
    assert core.failed == 1


def test_shutdown_once_every_worker_finished():
    core = ManagerCore(*chain_of_two_workers())
    assert core.event(0, Finished(0)) == []
    assert not core.done
    assert core.event(1, Finished(1)) == [Broadcast(Shutdown())]
    assert core.done


def test_after_stop_nothing_more_reaches_the_driver():
    core = ManagerCore(*chain_of_two_workers())
    assert core.stop() == [Broadcast(Failed(-1))]
    assert core.stop() == []
    assert core.event(1, StatementStarted(1, 1, 0.0)) == []
    # a failure seen after the stop is not broadcast either (Failed(-1) skips all)
    assert core.event(1, report(1, 1, "error")) == []


def simulate(core):
    """Run every Exec streamed, worker by worker in stream order, reporting
    each; returns the statements run per worker and the broadcasts seen."""
    queues = {w: [] for w in range(core.workers)}
    ran = {w: [] for w in range(core.workers)}
    broadcasts = []

    def take(instructions):
        for i in instructions:
            if isinstance(i, Assign):
                queues[i.worker] += [op.stmt for op in i.ops if isinstance(op, Exec)]
            elif isinstance(i, Broadcast):
                broadcasts.append(i.message)

    take(core.start())
    while any(queues.values()):
        w = next(w for w in sorted(queues) if queues[w])
        s = queues[w].pop(0)
        ran[w].append(s)
        out = core.event(w, report(s, w))
        assert out[-1] == Report(report(s, w))
        take(out[:-1])
    return ran, broadcasts


def test_dynamic_assignment_streams_every_statement_once_and_ends_every_stream():
    core = ManagerCore(*chain_of_two_workers(dynamic=True))
    ran, broadcasts = simulate(core)
    assert sorted(s for r in ran.values() for s in r) == [0, 1, 2]
    assert broadcasts == [End()] and core.ended
    realized = core.realized()
    assert realized.schedule.policy == "dynamic"
    assert all(realized.schedule.assignment[s] == w for w, r in ran.items() for s in r)


def test_dynamic_failure_ends_the_streams_without_assigning_later_statements():
    core = ManagerCore(*chain_of_two_workers(dynamic=True))
    first = core.start()
    w = next(i.worker for i in first if isinstance(i, Assign) and Exec(0) in i.ops)
    out = core.event(w, report(0, w, "error"))
    assert out[0] == Broadcast(Failed(0))
    assert Broadcast(End()) in out
    assert not any(isinstance(i, Assign) and any(isinstance(op, Exec) for op in i.ops) for i in out)


def test_stop_under_dynamic_assignment_also_ends_the_streams():
    core = ManagerCore(*chain_of_two_workers(dynamic=True))
    core.start()
    assert core.stop() == [Broadcast(Failed(-1)), Broadcast(End())]


def test_worker_program_of_a_static_plan():
    job, plan = chain_of_two_workers()
    w0, w1 = worker_program(plan, 0), worker_program(plan, 1)
    assert w0.program == (Exec(0), Send("x", 0, 1)) and w0.send_to == (1,) and w0.recv_from == ()
    assert w1.program == (Recv("x", 0, 0), Exec(1), Exec(2)) and w1.recv_from == (0,)
    assert w1.preds == {1: frozenset({0}), 2: frozenset({1})}


def test_worker_program_under_dynamic_assignment_is_open():
    job, plan = chain_of_two_workers(dynamic=True)
    w0 = worker_program(plan, 0)
    assert w0.program == () and w0.send_to == w0.recv_from == (1,)
    assert set(w0.preds) == {0, 1, 2}


def test_texts_name_worker_cause_and_place():
    assert texts.how_it_ended(("signal", "SIGKILL")) == "was killed by SIGKILL"
    assert texts.how_it_ended(("code", "3")) == "exited with code 3"
    assert texts.how_it_ended(None) == "closed its control channel"
    msg = texts.died("worker 2", "was killed by SIGKILL", "while running t.py:3 (`x`)")
    assert msg == ("worker 2 was killed by SIGKILL while running t.py:3 (`x`); likely cause: "
                   "killed by another process or by the kernel (out of memory?); the run was stopped")
    assert texts.died("worker 1", "exited with code 3", "between statements") == (
        "worker 1 exited with code 3 between statements; the run was stopped")
    assert texts.stderr_tail("  \n") == ""
    assert texts.stderr_tail("boom\n") == "; its stderr:\nboom"
