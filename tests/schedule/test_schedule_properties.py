"""Property tests: every schedule is feasible, deadlock-free and above the lower bound."""

from hypothesis import HealthCheck, given, settings, strategies as st

from taskpar.graph import build_graph
from taskpar.plan import Recv, Send, build_plan
from taskpar.schedule import dag_lower_bound, heft, list_schedule, schedule
from taskpar.costs import Costs

from sched_helpers import check_dag_schedule, draw_statement, make_script

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def dags(draw):
    n = draw(st.integers(0, 12))
    workers = draw(st.integers(1, 4))
    tasks = list(range(n))
    # task ids in a random order, so "listed first" is not always "lower id"
    tasks = draw(st.permutations(tasks))
    topo = sorted(tasks)  # edges go from lower to higher id: acyclic
    cost_value = st.one_of(st.integers(0, 20).map(float),
                           st.floats(0, 10, allow_nan=False, allow_infinity=False))
    hetero = draw(st.booleans())
    comp = {}
    for t in tasks:
        if hetero:
            comp[t] = tuple(draw(cost_value) for _ in range(workers))
        else:
            comp[t] = draw(cost_value)
    edges = {}
    for j in topo:
        for i in topo[:j]:
            if draw(st.integers(0, 3)) == 0:
                edges[(i, j)] = draw(cost_value)
    # disjoint groups, then pins consistent with them
    groups = []
    free = list(tasks)
    while len(free) >= 2 and draw(st.booleans()):
        size = draw(st.integers(2, min(4, len(free))))
        g = tuple(free[:size])
        free = free[size:]
        groups.append(g)
    pins = {}
    group_of = {t: g for g in groups for t in g}
    group_pin = {}
    for t in tasks:
        if draw(st.integers(0, 4)) == 0:
            g = group_of.get(t)
            w = group_pin.setdefault(g, draw(st.integers(0, workers - 1))) if g else \
                draw(st.integers(0, workers - 1))
            pins[t] = w
    return tasks, edges, workers, comp, pins, groups


@SETTINGS
@given(dags())
def test_heft_schedules_are_feasible(dag):
    tasks, edges, workers, comp, pins, groups = dag
    res = heft(tasks, edges, workers, comp, pins=pins, groups=groups)
    check_dag_schedule(res, tasks, edges, comp, workers, pins, groups)
    lb = dag_lower_bound(tasks, edges, workers, comp)
    assert res.makespan >= lb * (1 - 1e-9) - 1e-12
    again = heft(tasks, edges, workers, comp, pins=pins, groups=groups)
    assert again == res


@SETTINGS
@given(dags())
def test_list_and_no_insertion_schedules_are_feasible(dag):
    tasks, edges, workers, comp, pins, groups = dag
    for res in (list_schedule(tasks, edges, workers, comp, pins=pins, groups=groups),
                heft(tasks, edges, workers, comp, pins=pins, groups=groups, insertion=False)):
        check_dag_schedule(res, tasks, edges, comp, workers, pins, groups)
        assert res.makespan >= dag_lower_bound(tasks, edges, workers, comp) * (1 - 1e-9) - 1e-12


@SETTINGS
@given(dags())
def test_one_worker_is_serial(dag):
    tasks, edges, _, comp, _, groups = dag
    comp = {t: (c[0] if isinstance(c, tuple) else c) for t, c in comp.items()}
    res = heft(tasks, edges, 1, comp, groups=groups)
    assert abs(res.makespan - sum(comp.values())) <= 1e-9 * max(1.0, res.makespan)


# --- on TaskGraphs: the plan built from the schedule never deadlocks ----------

NAMES = "abcd"


@st.composite
def scripts(draw):
    n = draw(st.integers(1, 10))
    specs = []
    for k in range(n):
        specs.append(draw_statement(draw, k, NAMES))
    workers = draw(st.integers(1, 4))
    seconds = {}
    for k in range(n):
        if draw(st.integers(0, 3)):
            seconds[k] = draw(st.floats(0, 2, allow_nan=False))
    nbytes = {(k, v): draw(st.integers(0, 10**9)) for k in range(n) for v in NAMES
              if draw(st.integers(0, 2)) == 0}
    policy = draw(st.sampled_from(["heft", "list", "auto"]))
    return specs, workers, Costs(seconds=seconds, nbytes=nbytes), policy


def run_plan(plan):
    """Simulate the per-worker programs with blocking receives; True if all finish."""
    pcs = [0] * plan.workers
    sent = set()
    progress = True
    while progress:
        progress = False
        for w, prog in enumerate(plan.programs):
            while pcs[w] < len(prog):
                op = prog[pcs[w]]
                if isinstance(op, Recv):
                    if (op.var, op.version, op.frm, w) not in sent:
                        break
                elif isinstance(op, Send):
                    sent.add((op.var, op.version, w, op.to))
                pcs[w] += 1
                progress = True
    return all(pc == len(p) for pc, p in zip(pcs, plan.programs))


@SETTINGS
@given(scripts())
def test_taskgraph_schedules_are_feasible_and_deadlock_free(case):
    specs, workers, costs, policy = case
    graph = build_graph(make_script(specs))
    sched = schedule(graph, workers, costs, policy=policy)
    n = len(graph)
    assert sorted(i for o in sched.order for i in o) == list(range(n))
    assert sched.estimated == frozenset(set(range(n)) - set(costs.seconds))
    for e in graph.edges:
        assert sched.start[e.dst] >= sched.finish[e.src] - 1e-9
    assert sched.makespan >= sched.lower_bound * (1 - 1e-9) - 1e-12
    for order in sched.order:
        for a, b in zip(order, order[1:]):
            assert sched.finish[a] <= sched.start[b] + 1e-9
    for g in graph.colocate:
        assert len({sched.assignment[i] for i in g}) == 1
    for t in sched.transfers:
        assert sched.assignment[t.src] == t.frm != t.to == sched.assignment[t.dst]
        assert sched.start[t.dst] >= t.arrive - 1e-9
    plan = build_plan(graph, sched)
    assert run_plan(plan)
    assert schedule(graph, workers, costs, policy=policy) == sched
