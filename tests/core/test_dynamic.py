"""Dynamic assignment (taskpar.dynamic.Assigner), without processes.

A small simulator plays the workers: each consumes its op stream in order,
a Recv blocks until its Send ran, an Exec reports back to the Assigner, which
appends more ops. Hypothesis picks the graph, the worker count and which
worker moves next (so statements finish in every possible order). Checked on
every run: each statement runs once, after all its predecessors; every value
a statement reads is, on its worker, the version the graph says (the copy a
Send ships is the right one too); pins and co-location hold; nothing
deadlocks; after a failure nothing later is assigned and the streams end.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from taskpar.costs import Costs
from taskpar.dynamic import Assigner, upward_rank
from taskpar.errors import PinError
from taskpar.graph import EdgeKind, build_graph
from taskpar.plan import Exec, Keep, Recv, Send, build_plan
from taskpar.schedule import schedule

from sched_helpers import THREE_CHAINS, draw_statement, make_graph, make_script

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = "abcd"


def dynamic_plan(graph, workers, costs=None):
    sched = schedule(graph, workers, costs or Costs(), policy="auto")
    from dataclasses import replace

    return replace(build_plan(graph, sched), dynamic=True)


class Sim:
    """The workers, abstractly: per worker a FIFO stream and the versions it holds."""

    def __init__(self, assigner: Assigner, fail_at: int | None = None):
        self.a = assigner
        self.graph = assigner.graph
        self.streams = [[] for _ in range(assigner.workers)]
        self.pcs = [0] * assigner.workers
        self.version = [dict() for _ in range(assigner.workers)]  # var -> statement
        self.sent = set()
        self.kept = set()  # (var, version, worker): pickled, ready to leave any time
        self.here = [set() for _ in range(assigner.workers)]  # (var, version) made or received
        self.ran = {}  # statement -> worker (home executions)
        self.fail_at = fail_at
        self.failed = None
        self.ended = False
        self.take(assigner.start())

    def take(self, ops):
        assert not (self.ended and any(ops.values())), "ops after the end of the streams"
        for w, more in ops.items():
            for op in more:
                # as the worker does: a Send of a kept value leaves from the
                # shell at once; a Send or Keep of a value already here jumps
                # the queue; anything else waits its turn
                if isinstance(op, Send) and (op.var, op.version, w) in self.kept:
                    self.sent.add((op.var, op.version, w, op.to))
                elif isinstance(op, (Send, Keep)) and (op.var, op.version) in self.here[w]:
                    self.streams[w].insert(self.pcs[w], op)
                    self.step(w)
                else:
                    self.streams[w].append(op)
        if self.a.exhausted:
            self.ended = True

    def runnable(self, w):
        if self.pcs[w] >= len(self.streams[w]):
            return False
        op = self.streams[w][self.pcs[w]]
        if isinstance(op, Recv):
            late = self.failed is not None and op.version > self.failed
            return late or (op.var, op.version, op.frm, w) in self.sent
        return True

    def step(self, w):
        op = self.streams[w][self.pcs[w]]
        self.pcs[w] += 1
        stmts = self.graph.statements
        if isinstance(op, (Send, Keep)):
            if self.failed is None or op.version < self.failed:
                assert self.version[w].get(op.var) == op.version, (
                    f"worker {w} ships {op.var}@{op.version} but holds "
                    f"{op.var}@{self.version[w].get(op.var)}")
            if isinstance(op, Keep):
                self.kept.add((op.var, op.version, w))
            else:
                self.sent.add((op.var, op.version, w, op.to))
        elif isinstance(op, Recv):
            if (op.var, op.version, op.frm, w) in self.sent:
                self.version[w][op.var] = op.version
                self.here[w].add((op.var, op.version))
        else:
            s = op.stmt
            skipped = self.failed is not None and s > self.failed
            if not skipped:
                for e in self.graph.in_edges(s):
                    if e.kind is EdgeKind.RAW:
                        for v in e.vars:
                            assert self.version[w].get(v) == e.src, (
                                f"statement {s} on worker {w} reads {v}@{self.version[w].get(v)}, "
                                f"the graph says {v}@{e.src}")
                    if not op.replica:
                        assert e.src in self.ran, f"{s} ran before its predecessor {e.src}"
                for v in stmts[s].writes | stmts[s].mutates:
                    self.version[w][v] = s
                    self.here[w].add((v, s))
            if op.replica:
                return
            assert s not in self.ran, f"statement {s} ran twice"
            self.ran[s] = w
            status = "skipped" if skipped else ("error" if s == self.fail_at else "ok")
            if status == "error" and (self.failed is None or s < self.failed):
                self.failed = s
            self.take(self.a.finished(s, status))

    def run(self, choose):
        while True:
            ready = [w for w in range(len(self.streams)) if self.runnable(w)]
            if not ready:
                break
            self.step(choose(ready))
        return all(pc == len(st_) for pc, st_ in zip(self.pcs, self.streams))


@st.composite
def cases(draw):
    n = draw(st.integers(1, 14))
    specs = []
    for k in range(n):
        spec = draw_statement(draw, k, NAMES, barrier_one_in=13, sources=4)
        spec["kind"] = draw(st.sampled_from(["expr", "assign", "assign", "def", "import"]))
        if spec["kind"] in ("def", "import"):  # definitions bind and read, as in scripts
            spec.update(mutates=set(), resources=set(), barrier=False,
                        writes=spec["writes"] or {"d"})
        specs.append(spec)
    workers = draw(st.integers(1, 4))
    for spec in specs:
        if draw(st.integers(0, 9)) == 0:
            spec["pin"] = draw(st.integers(1, workers))
    seconds = {k: draw(st.floats(0, 2, allow_nan=False)) for k in range(n) if draw(st.booleans())}
    depth = draw(st.integers(1, 3))
    fail_at = draw(st.one_of(st.none(), st.integers(0, n - 1)))
    return specs, workers, Costs(seconds=seconds), depth, fail_at


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_every_finish_order_runs_the_graph_correctly(case, rnd):
    specs, workers, costs, depth, fail_at = case
    graph = build_graph(make_script(specs))
    try:
        plan = dynamic_plan(graph, workers, costs)
    except PinError:
        return  # two pins in one co-location group: refused before any run
    sim = Sim(Assigner(plan, depth=depth), fail_at=fail_at)
    assert sim.run(lambda ready: rnd.choice(ready)), "the streams deadlocked"
    assert sim.ended, "the run ended without End"
    n = len(graph)
    bound = n if sim.failed is None else sim.failed + 1
    assert set(range(bound)) <= set(sim.ran), "a statement before the failure never ran"
    if sim.failed is not None:
        # nothing after the failure is assigned once it is known (some may
        # have been assigned before: the workers skip those)
        assert all(s <= sim.failed or s in sim.ran for s in sim.a.where)
    for s in graph.statements:
        if s.pin is not None and s.id in sim.ran:
            assert sim.ran[s.id] == s.pin - 1
    for group in graph.colocate:
        assert len({sim.ran[i] for i in group if i in sim.ran}) <= 1
    realized = sim.a.realized()
    assert realized.dynamic and realized.schedule.policy == "dynamic"
    for w, order in enumerate(realized.schedule.order):
        assert all(sim.ran[s] == w for s in order)


def test_three_chains_run_one_chain_per_worker_without_transfers():
    graph = make_graph(THREE_CHAINS)
    a = Assigner(dynamic_plan(graph, 3))
    sim = Sim(a)
    assert sim.run(lambda ready: ready[0])
    chains = {tuple(sorted(s for s, w in sim.ran.items() if w == k)) for k in range(3)}
    # the three chains a, b, c each stay on one worker: only the final print gathers
    heads = {2: "a", 3: "b", 4: "c"}
    for head, var in heads.items():
        members = [s.id for s in graph.statements if s.writes == {var}]
        assert len({sim.ran[m] for m in members}) == 1, f"chain {var} moved between workers"
    assert len({sim.ran[h] for h in heads}) == 3, chains
    values = [op for prog in a.programs for op in prog if isinstance(op, Send)]
    assert {op.var for op in values} <= {"a", "b", "c"}  # only the final gather travels


def test_an_idle_worker_takes_independent_work_from_a_busy_one():
    # four independent statements, two workers: whatever finishes first gets
    # the next one (a static plan would fix the split in advance)
    graph = make_graph([(f"x{k} = f()", set(), {f"x{k}"}) for k in range(4)])
    a = Assigner(dynamic_plan(graph, 2), depth=1)
    first = a.start()
    assert sorted(first) == [0, 1]
    assert [op for op in first[0]] == [Exec(0)] and first[1] == [Exec(1)]
    assert a.finished(1) == {1: [Exec(2)]}  # worker 2 is free first: it takes the next
    assert a.finished(2) == {1: [Exec(3)]}
    assert a.exhausted
    assert a.finished(0) == {} and a.finished(3) == {}
    assert a.idle


def test_a_value_is_sent_from_a_free_holder_and_received_once_per_worker():
    # x made on worker 1, read by two statements that land on worker 2
    graph = make_graph([("x = f()", set(), {"x"}), ("y = g()", set(), {"y"}),
                        ("a = x + 1", {"x"}, {"a"}), ("b = x + 2", {"x"}, {"b"})])
    a = Assigner(dynamic_plan(graph, 2), depth=1)
    a.start()  # x on worker 0, y on worker 1
    ops = a.finished(1)  # y done first: worker 1 takes `a`, needs x from worker 0 (busy)
    assert ops == {}  # x is not finished: nothing for `a` yet
    ops = a.finished(0)
    placed = {w: o for w, o in ops.items()}
    recvs = [op for o in placed.values() for op in o if isinstance(op, Recv)]
    sends = [(w, op) for w, o in placed.items() for op in o if isinstance(op, Send)]
    assert len(recvs) == len(sends) <= 1
    for w, op in sends:
        assert op.var == "x" and op.version == 0 and w == 0


def test_pins_and_groups_are_honoured_and_impossible_pins_refused():
    specs = [{"source": "x = 1", "writes": {"x"}, "pin": 2},
             {"source": "y = 2", "writes": {"y"}},
             {"source": "print(x, y)", "reads": {"x", "y"}, "pin": 2}]
    graph = make_graph(specs)
    sim = Sim(Assigner(dynamic_plan(graph, 2)))
    assert sim.run(lambda ready: ready[-1])
    assert sim.ran[0] == 1 and sim.ran[2] == 1
    with pytest.raises(PinError, match="pinned to worker 2"):
        Assigner(dynamic_plan(make_graph(specs), 1))


def test_upward_rank_prefers_the_long_path():
    graph = make_graph([("a = f()", set(), {"a"}), ("b = g(a)", {"a"}, {"b"}),
                        ("c = h()", set(), {"c"})])
    assert upward_rank(graph, (1.0, 2.0, 1.5)) == [3.0, 2.0, 1.5]


def test_a_worker_ships_a_value_before_starting_its_next_statement():
    # data made on worker 1, then two fits that read it: worker 1 keeps one
    # fit, and must send the data to worker 2 *before* it starts fitting
    graph = make_graph([("data = load()", set(), {"data"}),
                        ("fit_a = fit(data)", {"data"}, {"fit_a"}),
                        ("fit_b = fit(data)", {"data"}, {"fit_b"})])
    a = Assigner(dynamic_plan(graph, 2), depth=1)
    assert a.start() == {0: [Exec(0)]}
    ops = a.finished(0)
    assert ops == {0: [Send("data", 0, 1), Exec(1)], 1: [Recv("data", 0, 0), Exec(2)]}


def test_a_statement_whose_input_only_a_busy_worker_holds_queues_behind_it():
    # x made on worker 1, which then runs a long statement reading it; y made
    # on worker 2; z needs both. Without Keep (MPI) worker 1 could only send
    # x after its long statement, so z could not start earlier on worker 2:
    # it queues behind the long one on worker 1, y travels, and worker 2
    # stays free. With Keep, x is pickled before the long statement starts
    # and leaves for worker 2 while it runs.
    graph = make_graph([("x = f()", set(), {"x"}), ("y = h()", set(), {"y"}),
                        ("long = g(x)", {"x"}, {"long"}), ("z = x + y", {"x", "y"}, {"z"})])
    a = Assigner(dynamic_plan(graph, 2), depth=2, keep=False)
    assert a.start() == {0: [Exec(0)], 1: [Exec(1)]}
    assert a.finished(0) == {0: [Exec(2)]}  # x is still wanted by z: no lookahead past x
    assert a.finished(1) == {1: [Send("y", 1, 0)], 0: [Recv("y", 1, 1), Exec(3)]}

    a = Assigner(dynamic_plan(graph, 2), depth=2, keep=True)
    a.start()
    assert a.finished(0) == {0: [Keep("x", 0), Exec(2)]}
    assert a.finished(1) == {0: [Send("x", 0, 1)], 1: [Recv("x", 0, 0), Exec(3)]}


def test_a_busy_holder_keeps_a_value_that_statements_not_yet_placed_will_read():
    # y is read by a and b. y's worker takes `a` while b still waits for z:
    # it keeps y (pickles it before starting `a`), so y can leave for b's
    # worker while `a` runs, and b does not queue behind `a`
    graph = make_graph([("x = f()", set(), {"x"}), ("y = f()", set(), {"y"}),
                        ("z = f()", set(), {"z"}),
                        ("a = g(y)", {"y"}, {"a"}), ("b = g(y, z)", {"y", "z"}, {"b"})])
    a = Assigner(dynamic_plan(graph, 3), depth=1)
    assert a.start() == {0: [Exec(1)], 1: [Exec(2)], 2: [Exec(0)]}  # highest rank first
    assert a.finished(1) == {0: [Keep("y", 1), Exec(3)]}
    assert a.finished(2) == {0: [Send("y", 1, 1)], 1: [Recv("y", 1, 0), Exec(4)]}
    assert a.finished(0) == {} and a.finished(3) == {} and a.finished(4) == {}
    assert a.exhausted and a.idle
