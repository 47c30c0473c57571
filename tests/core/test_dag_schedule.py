"""The DAG scheduler (taskpar.dag_schedule): HEFT against the literature,
Topcuoglu, Hariri and Wu (2002), Fig. 2."""

import pytest

from taskpar.dag_schedule import (dag_critical_path, dag_lower_bound, heft, list_schedule,
                                  upward_ranks)

from sched_helpers import check_dag_schedule

# Computation cost matrix W (task -> cost on P1, P2, P3), Fig. 2(b) of the paper.
W = {
    1: (14, 16, 9), 2: (13, 19, 18), 3: (11, 13, 19), 4: (13, 8, 17), 5: (12, 13, 10),
    6: (13, 16, 9), 7: (7, 15, 11), 8: (5, 11, 14), 9: (18, 12, 20), 10: (21, 7, 16),
}
# Communication costs on the edges, Fig. 2(a).
E = {
    (1, 2): 18, (1, 3): 12, (1, 4): 9, (1, 5): 11, (1, 6): 14,
    (2, 8): 19, (2, 9): 16, (3, 7): 23, (4, 8): 27, (4, 9): 23,
    (5, 9): 13, (6, 8): 15, (7, 10): 17, (8, 10): 11, (9, 10): 13,
}


def test_upward_ranks_match_the_paper():
    r = upward_ranks(list(W), E, 3, W)
    expected = {1: 108.0, 2: 77.0, 3: 80.0, 4: 80.0, 5: 69.0, 6: 63.33, 7: 42.67,
                8: 35.67, 9: 44.33, 10: 14.67}
    for t, v in expected.items():
        assert r[t] == pytest.approx(v, abs=0.01)


def test_heft_makespan_is_80():
    res = heft(list(W), E, 3, W)
    assert res.makespan == 80
    check_dag_schedule(res, W, E, W, 3)


def test_heft_schedule_matches_the_paper():
    res = heft(list(W), E, 3, W)
    # Fig. 4(a) of the paper (processors 0-based here)
    assert res.assignment == {1: 2, 2: 0, 3: 2, 4: 1, 5: 2, 6: 1, 7: 2, 8: 0, 9: 1, 10: 1}
    assert [res.start[t] for t in range(1, 11)] == [0, 27, 9, 18, 28, 26, 38, 57, 56, 73]
    assert res.order == ((2, 8), (4, 6, 9, 10), (1, 3, 5, 7))


def test_insertion_matters_and_is_used():
    # task 8 on P1 goes into the idle gap after task 2 ... and task 9 goes into
    # P2 before 10; without insertion the schedule cannot be better.
    with_ins = heft(list(W), E, 3, W)
    without = heft(list(W), E, 3, W, insertion=False)
    check_dag_schedule(without, W, E, W, 3)
    assert with_ins.makespan <= without.makespan


def test_list_baseline_is_valid():
    res = list_schedule(list(W), E, 3, W)
    check_dag_schedule(res, W, E, W, 3)
    assert res.makespan >= dag_lower_bound(list(W), E, 3, W)


def test_critical_path_and_lower_bound():
    cp, path = dag_critical_path(list(W), E, W, 3)
    # fastest-worker costs: 1:9 2:13 3:11 4:8 5:10 6:9 7:7 8:5 9:12 10:7
    assert cp == 9 + 13 + 12 + 7
    assert path == [1, 2, 9, 10]
    work = sum(min(c) for c in W.values())
    assert dag_lower_bound(list(W), E, 3, W) == max(cp, work / 3)


def test_determinism():
    a = heft(list(W), E, 3, W)
    b = heft(list(W), E, 3, W)
    assert a == b


@pytest.mark.parametrize("bad, match", [
    (dict(edges={(1, 2): 1, (2, 1): 1}), "cycle"),
    (dict(edges={(1, 99): 1}), "unknown task"),
    (dict(edges={(1, 2): -1}), ">= 0"),
    (dict(comp={1: (1, 2), 2: (1, 2, 3)}), "per-worker"),
    (dict(pins={1: 5}), "outside"),
    (dict(pins={1: 0, 2: 1}, groups=[(1, 2)]), "two different workers"),
    (dict(workers=0), "workers"),
])
def test_bad_input(bad, match):
    kw = dict(tasks=[1, 2], edges={(1, 2): 1}, workers=3, comp={1: 1, 2: 1})
    kw.update(bad)
    with pytest.raises(ValueError, match=match):
        heft(kw.pop("tasks"), kw.pop("edges"), kw.pop("workers"), kw.pop("comp"), **kw)


def test_pins_and_groups_on_the_paper_graph():
    pins = {10: 0}
    groups = [(3, 7), (2, 9)]
    res = heft(list(W), E, 3, W, pins=pins, groups=groups)
    check_dag_schedule(res, W, E, W, 3, pins=pins, groups=groups)


def _reference_heft(n, edges, workers, cost):
    """HEFT as the module docstring states it, written plainly: ready tasks by
    (-rank, id), each to the worker where it finishes earliest (ties: lower
    worker), in the earliest idle gap that holds it, scanning every gap."""
    succ = {k: [] for k in range(n)}
    pred = {k: [] for k in range(n)}
    for (a, b), c in edges.items():
        succ[a].append(b)
        pred[b].append(a)
    rank = {}
    for k in reversed(range(n)):  # ids are topological here
        rank[k] = sum(cost[k]) / workers + max((edges[(k, m)] + rank[m] for m in succ[k]), default=0.0)
    where, finish = {}, {}
    slots = [[] for _ in range(workers)]
    done = set()
    while len(done) < n:
        k = min((t for t in range(n) if t not in done and all(p in done for p in pred[t])),
                key=lambda t: (-rank[t], t))
        best = None
        for w in range(workers):
            est = max((finish[p] + (0.0 if where[p] == w else edges[(p, k)]) for p in pred[k]),
                      default=0.0)
            dur, cand = cost[k][w], est
            for s, f in sorted(slots[w]):
                if f <= est:
                    continue
                if cand + dur <= s:
                    break
                cand = max(cand, f)
            if best is None or cand + dur < best[0]:
                best = (cand + dur, cand, w)
        f, s, w = best
        where[k], finish[k] = w, f
        slots[w].append((s, f))
        done.add(k)
    return where, finish


def test_heft_places_like_a_plain_reference_on_random_graphs():
    # the scheduler's shortcuts (a worker with no gap long enough takes the
    # task after its last one) change no placement
    import random

    rng = random.Random(7)
    for _ in range(300):
        n, workers = rng.randint(1, 30), rng.randint(1, 4)
        edges = {(i, j): rng.choice([0.0, 0.01, rng.random()])
                 for j in range(n) for i in range(j) if rng.random() < rng.choice([0.05, 0.3])}
        cost = {k: tuple(rng.choice([0.0, 0.001, rng.random()]) for _ in range(workers))
                for k in range(n)}
        got = heft(range(n), edges, workers, cost)
        where, finish = _reference_heft(n, edges, workers, cost)
        assert got.assignment == where and got.finish == finish


def test_edges_in_any_order_or_repeated_give_the_same_schedule():
    # a mapping sorted by destination (what taskpar.schedule passes), one in
    # another order, and a list naming some edges twice (their costs add up)
    sorted_by_dst = dict(sorted(E.items(), key=lambda kv: (kv[0][1], kv[0][0])))
    shuffled = dict(sorted(E.items(), key=lambda kv: hash(kv[0]) % 7))
    base = heft(list(W), sorted_by_dst, 3, W)
    assert heft(list(W), shuffled, 3, W) == base == heft(list(W), E, 3, W)
    halves = [(a, b, c / 2) for (a, b), c in E.items()] + [(a, b, c / 2) for (a, b), c in E.items()]
    assert heft(list(W), halves[::-1], 3, W).assignment == base.assignment
    # tasks listed against the edges: ordered topologically, still feasible
    check_dag_schedule(heft(list(W)[::-1], E, 3, W), W, E, W, 3)
