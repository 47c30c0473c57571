"""schedule() on TaskGraphs: examples, pins, co-location, estimates, policies."""

import pytest

from taskpar.costs import Costs
from taskpar.errors import PinError, UsageError
from taskpar.graph import build_graph
from taskpar.plan import build_plan
from taskpar.schedule import (DEFAULT_SECONDS, POLICIES, advice, critical_path, lower_bound,
                              one_worker_reason,
                              schedule)

from sched_helpers import THREE_CHAINS, make_graph, make_script, three_chains_costs

CHAINS = {"a": [2, 5, 8, 11], "b": [3, 6, 9, 12], "c": [4, 7, 10, 13]}


def check_three_chains(graph, costs, chains):
    sched = schedule(graph, 3, costs)
    assert sched.policy == "heft" and sched.reliable
    # 4 steps of 0.25 s, plus the tiny import/def/print and two small transfers
    assert 1.0 < sched.makespan < 1.001
    assert sched.lower_bound == pytest.approx(1.0, abs=1e-3)
    assert sched.serial == pytest.approx(3.0, abs=1e-3)
    workers = set()
    for ids in chains.values():
        on = {sched.assignment[i] for i in ids}
        assert len(on) == 1, "a chain was split across workers"
        workers |= on
    assert workers == {0, 1, 2}
    # no value moves along a chain: only the two results going to print
    moved = {(t.var, t.src) for t in sched.transfers}
    assert moved <= {(v, ids[-1]) for v, ids in chains.items()}
    assert len(moved) == 2
    assert advice(sched, graph) is None
    build_plan(graph, sched)
    return sched


def test_three_chains_hand_built():
    graph = make_graph(THREE_CHAINS)
    check_three_chains(graph, three_chains_costs(), CHAINS)


def test_three_chains_from_the_analysis(examples_dir):
    from taskpar.analysis import analyze_script

    script = analyze_script(examples_dir / "three_chains.py")
    if all(s.barrier for s in script.statements):
        pytest.skip("the analysis is still the stub (every statement a barrier)")
    graph = build_graph(script)
    assert len(graph) == 15
    check_three_chains(graph, three_chains_costs(), CHAINS)


def test_three_chains_costs_estimated_from_same_source():
    # Only the first occurrence of each chain step is measured; the repeated
    # "a = step(a)" texts take the measured cost of their twin.
    full = three_chains_costs().seconds
    known = {i: full[i] for i in (0, 1, 2, 3, 4, 5, 6, 7, 14)}
    sched = schedule(make_graph(THREE_CHAINS), 3, Costs(seconds=known))
    assert sched.estimated == frozenset(range(8, 14))
    assert not sched.reliable
    assert sched.cost[11] == 0.25
    assert sched.makespan == pytest.approx(1.0, abs=1e-3)


def test_estimates_median_then_default():
    graph = make_graph([("x = f()", (), "x"), ("y = g()", (), "y"), ("z = h()", (), "z"),
                        ("w = k()", (), "w")])
    sched = schedule(graph, 2, Costs(seconds={0: 1.0, 1: 3.0, 2: 2.0}))
    assert sched.estimated == {3} and sched.cost[3] == 2.0
    sched = schedule(graph, 2)
    assert sched.estimated == {0, 1, 2, 3}
    assert sched.cost == (DEFAULT_SECONDS,) * 4
    assert sched.makespan == pytest.approx(2 * DEFAULT_SECONDS)


def test_transfer_cost_uses_latency_and_bandwidth():
    graph = make_graph([("x = big()", (), "x"), ("y = other()", (), "y"),
                        ("z = use(x, y)", ("x", "y"), "z")])
    costs = Costs(seconds={0: 1.0, 1: 1.0, 2: 0.1}, nbytes={(0, "x"): 10**9, (1, "y"): 10},
                  latency=0.01, bandwidth=1e9)
    sched = schedule(graph, 2, costs)
    # moving x costs 1.01 s: z runs with x, y travels (0.01 s)
    assert sched.assignment[2] == sched.assignment[0] != sched.assignment[1]
    (t,) = sched.transfers
    assert (t.var, t.src, t.dst, t.nbytes) == ("y", 1, 2, 10)
    assert t.seconds == pytest.approx(0.01 + 1e-8)
    assert sched.makespan == pytest.approx(1.0 + 0.01 + 1e-8 + 0.1)


def test_order_edges_cost_latency_and_war_waw_cost_nothing():
    graph = make_graph([
        {"source": "random.seed(1)", "resources": {"fs"}},
        {"source": "open('f').write('x')", "resources": {"fs"}},
        ("x = 1", (), "x"),
        ("y = x", ("x",), "y"),
        ("x = 2", (), "x"),
    ])
    costs = Costs(seconds={0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}, latency=0.5)
    sched = schedule(graph, 3, costs)
    for e in graph.edges:
        assert sched.start[e.dst] >= sched.finish[e.src]


def test_pins_and_colocation():
    specs = [
        {"source": "import random", "writes": {"random_mod"}},
        {"source": "random.seed(0)", "resources": {"random"}, "pin": 2},
        ("a = work()", (), "a"),
        ("b = work()", (), "b"),
        {"source": "c = random.random()", "resources": {"random"}, "writes": {"c"}},
        {"source": "d = work()", "writes": {"d"}, "pin": 3},
    ]
    graph = make_graph(specs)
    assert graph.colocate == ((1, 4),)
    sched = schedule(graph, 3, Costs(seconds={i: 1.0 for i in range(6)}))
    assert sched.assignment[1] == sched.assignment[4] == 1
    assert sched.assignment[5] == 2
    with pytest.raises(PinError, match="pinned to worker 3"):
        schedule(graph, 2)


def test_heterogeneous_costs():
    graph = make_graph([("a = f()", (), "a"), ("b = g()", (), "b")])
    costs = Costs(seconds={0: (1.0, 10.0), 1: (1.0, 10.0)})
    sched = schedule(graph, 2, costs)
    assert sched.assignment == (0, 0) and sched.makespan == 2.0
    assert sched.lower_bound == 1.0
    # a tuple for another worker count is averaged
    sched3 = schedule(graph, 3, costs)
    assert sched3.cost == (5.5, 5.5)


def test_bad_policy_and_workers():
    graph = make_graph([("a = 1", (), "a")])
    with pytest.raises(UsageError, match="unknown scheduling policy 'dynamic'"):
        schedule(graph, 2, policy="dynamic")
    with pytest.raises(UsageError, match="1 or more"):
        schedule(graph, 0)
    assert set(POLICIES) == {"heft", "list", "auto"}


def test_list_policy_and_auto():
    graph = make_graph(THREE_CHAINS)
    costs = three_chains_costs()
    base = schedule(graph, 3, costs, policy="list")
    heft_ = schedule(graph, 3, costs, policy="heft")
    auto = schedule(graph, 3, costs, policy="auto")
    assert base.policy == "list"
    assert auto == heft_
    assert heft_.makespan <= base.makespan + 1e-9


def test_empty_script():
    sched = schedule(build_graph(make_script([])), 3)
    assert sched.makespan == 0 and sched.order == ((), (), ())
    assert sched.speedup == 1.0 and advice(sched) is None


def test_critical_path_and_lower_bound_functions():
    graph = make_graph(THREE_CHAINS)
    costs = three_chains_costs()
    cp, path = critical_path(graph, costs)
    assert cp == pytest.approx(1.0 + 3e-5)
    assert path[0] == 0 and path[-1] == 14
    assert lower_bound(graph, costs, 3) == pytest.approx(cp)
    assert lower_bound(graph, costs, 1) == pytest.approx(3.0 + 3e-5)


def test_advice_one_big_statement():
    graph = make_graph([("a = huge()", (), "a"), ("b = small()", (), "b"),
                        ("c = small()", (), "c")])
    sched = schedule(graph, 3, Costs(seconds={0: 97.0, 1: 1.5, 2: 1.5}))
    msg = advice(sched, graph)
    assert msg.startswith("line 1 takes 97% of the work")


def test_advice_chain():
    graph = make_graph([("a = f()", (), "a"), ("b = g(a)", ("a",), "b"), ("c = h(b)", ("b",), "c")])
    sched = schedule(graph, 3, Costs(seconds={0: 1.0, 1: 1.0, 2: 1.0}))
    assert "chain" in advice(sched, graph)


def test_one_worker_reason_only_for_measured_plans_that_gain_nothing():
    from taskpar.schedule import Schedule, one_worker_reason

    def sched(workers, makespan, serial, estimated=frozenset()):
        return Schedule(workers=workers, assignment=(), start=(), finish=(), order=(),
                        makespan=makespan, serial=serial, estimated=estimated)

    assert "96%" in one_worker_reason(sched(4, 0.96, 1.0))
    assert "30 ms" in one_worker_reason(sched(2, 0.07, 0.1))  # saves less than starting costs
    assert one_worker_reason(sched(2, 0.6, 1.0)) is None  # a real gain
    assert one_worker_reason(sched(1, 1.0, 1.0)) is None  # one worker already
    assert one_worker_reason(sched(4, 1.0, 1.0, estimated=frozenset({0}))) is None  # guesswork


def test_a_script_shorter_than_a_start_is_one_worker_before_any_schedule():
    from taskpar.schedule import too_short_for_workers

    graph = make_graph([("a = f()", (), "a"), ("b = g()", (), "b"), ("c = h(a, b)", ("a", "b"), "c")])
    short = Costs(seconds={0: 0.01, 1: 0.02, 2: 0.001})
    assert "31 ms" in too_short_for_workers(graph, short, 2)
    # what the full schedule would conclude too
    assert one_worker_reason(schedule(graph, 2, short)) is not None
    assert too_short_for_workers(graph, Costs(seconds={0: 0.03, 1: 0.03, 2: 0.001}), 2) is None
    assert too_short_for_workers(graph, Costs(seconds={0: 0.01, 1: 0.02}), 2) is None  # guess
    assert too_short_for_workers(graph, short, 1) is None
    # per-worker costs: the cheapest worker's sum
    per = Costs(seconds={0: (0.01, 0.2), 1: (0.02, 0.2), 2: (0.001, 0.2)})
    assert "31 ms" in too_short_for_workers(graph, per, 2)
    assert too_short_for_workers(graph, Costs(seconds={0: (0.2, 0.01), 1: 0.02, 2: 0.001}), 2)


def test_the_same_graph_and_costs_on_other_worker_counts_as_if_scheduled_alone():
    # schedule() reuses what it derived for the graph and costs it saw last
    # (run.prepare plans on one worker after a plan on several gains too
    # little): each result is the one a first call gives, per-worker costs
    # of another length included
    import copy

    from taskpar.schedule import graph_dag

    graph = make_graph(THREE_CHAINS)
    costs = three_chains_costs()
    costs = Costs(seconds={**costs.seconds, 2: (0.2, 0.3), 3: (0.1, 0.1, 0.4)},
                  nbytes=costs.nbytes, latency=costs.latency, bandwidth=costs.bandwidth)
    for policy in POLICIES:
        for workers in (3, 1, 2, 3, 1):
            fresh = schedule(copy.deepcopy(graph), workers, copy.deepcopy(costs), policy=policy)
            assert schedule(graph, workers, costs, policy=policy) == fresh
            assert graph_dag(graph, costs, workers) == graph_dag(copy.deepcopy(graph),
                                                                 copy.deepcopy(costs), workers)
    one = schedule(graph, 1, costs)
    assert one.order == (tuple(range(len(graph))),) and one.transfers == ()
    assert one.start[1:] == one.finish[:-1] and one.makespan == one.finish[-1]


def test_bad_costs_fail_every_time():
    graph = make_graph(THREE_CHAINS)
    costs = Costs(seconds={}, latency=-1.0)
    for workers in (2, 1, 2):
        with pytest.raises(ValueError, match="communication cost must be finite and >= 0"):
            schedule(graph, workers, costs)
