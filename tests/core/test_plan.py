"""build_plan: sends and receives from a schedule, versions, replicas, tokens."""

from __future__ import annotations

from taskpar.analysis.model import Script, Statement
from taskpar.graph import build_graph
from taskpar.plan import Exec, Recv, Send, build_plan, replicable
from taskpar.schedule import Schedule


def stmt(i, reads=(), writes=(), mutates=(), resources=(), kind="other"):
    return Statement(id=i, lineno=i + 1, col_offset=0, end_lineno=i + 1, end_col_offset=1,
                     source=f"s{i}", path=(i,), reads=frozenset(reads), writes=frozenset(writes),
                     mutates=frozenset(mutates), resources=frozenset(resources), kind=kind)


def plan_for(stmts, assignment):
    g = build_graph(Script("t.py", "", tuple(stmts)))
    workers = max(assignment) + 1
    order = tuple(tuple(i for i, w in enumerate(assignment) if w == k) for k in range(workers))
    n = len(stmts)
    sched = Schedule(workers, tuple(assignment), (0.0,) * n, (0.0,) * n, order)
    return build_plan(g, sched)


def test_value_travels_once_per_version_and_receiver():
    # x = 1 (w0); y = x (w1); z = x (w1); x = 2 (w0); w = x (w1)
    p = plan_for([stmt(0, writes="x"), stmt(1, reads="x", writes="y"), stmt(2, reads="x", writes="z"),
                  stmt(3, writes="x"), stmt(4, reads="x", writes="w")], [0, 1, 1, 0, 1])
    assert p.programs[0] == (Exec(0), Send("x", 0, 1), Exec(3), Send("x", 3, 1))
    assert p.programs[1] == (Recv("x", 0, 0), Exec(1), Exec(2), Recv("x", 3, 0), Exec(4))


def test_same_worker_needs_no_messages():
    p = plan_for([stmt(0, writes="x"), stmt(1, reads="x")], [0, 0])
    assert p.programs == ((Exec(0), Exec(1)),)


def test_order_edge_across_workers_is_a_token():
    p = plan_for([stmt(0, resources={"fs"}), stmt(1, resources={"fs"})], [0, 1])
    assert p.programs[0] == (Exec(0), Send(None, 0, 1))
    assert p.programs[1] == (Recv(None, 0, 0), Exec(1))


def test_war_across_workers_needs_nothing():
    p = plan_for([stmt(0, writes="x"), stmt(1, reads="x"), stmt(2, writes="x")], [0, 1, 0])
    assert p.programs[0] == (Exec(0), Send("x", 0, 1), Exec(2))


def test_definitions_are_replicated_not_sent():
    stmts = [stmt(0, writes="np", kind="import"), stmt(1, reads="np", writes="f", kind="def"),
             stmt(2, reads="f", writes="a"), stmt(3, reads="f", writes="b")]
    assert replicable(build_graph(Script("t.py", "", tuple(stmts)))) == {0, 1}
    p = plan_for(stmts, [0, 0, 0, 1])
    assert p.programs[1] == (Exec(0, replica=True), Exec(1, replica=True), Exec(3))
    assert not p.transfers()


def test_mutated_definition_is_not_replicated():
    stmts = [stmt(0, writes="K", kind="class"), stmt(1, mutates="K"), stmt(2, reads="K")]
    assert replicable(build_graph(Script("t.py", "", tuple(stmts)))) == frozenset()


def test_receives_follow_the_workers_order_not_program_order():
    # worker 1 runs statement 3 before statement 2; both need x from worker 0
    stmts = [stmt(0, writes="x"), stmt(1, writes="q"), stmt(2, reads="x"), stmt(3, reads="x")]
    g = build_graph(Script("t.py", "", tuple(stmts)))
    sched = Schedule(2, (0, 0, 1, 1), (0,) * 4, (0,) * 4, ((0, 1), (3, 2)))
    p = build_plan(g, sched)
    assert p.programs[1] == (Recv("x", 0, 0), Exec(3), Exec(2))
