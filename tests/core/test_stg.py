"""The Kasahara STG parser (taskpar.stg), and HEFT on STG graphs."""

import pytest

from taskpar.schedule import dag_lower_bound, heft
from taskpar.stg import load_stg, parse_stg

from sched_helpers import check_dag_schedule

# The format page's example: 10 tasks + 2 dummies, with statistics comments.
EXAMPLE = """\
10
     0      0      0
     1      3      1      0
     2      3      1      1
     3      4      1      1
     4      2      1      1
     5      1      1      2
     6     10      1      2
     7     20      2      3      4
     8      7      2      5      6
     9      5      2      6      7
    10      8      2      8      9
    11      0      1     10
# Standard Task Graph Set Project
# Application Task Graph example.stg
#   Tasks             : 10 (+dummy tasks : 2)
#   Edges             : 13 (+dummy edges : 2)
"""

# A fork-join I wrote: 6 independent tasks of 5 between a source and a sink.
FORK_JOIN = """\
8
0 0 0
1 2 1 0
2 5 1 1
3 5 1 1
4 5 1 1
5 5 1 1
6 5 1 1
7 5 1 1
8 1 6 2 3 4 5 6 7
9 0 1 8
"""


def test_parse_example():
    g = parse_stg(EXAMPLE)
    assert g.n == 10
    assert g.tasks == tuple(range(12))
    assert g.cost[7] == 20 and g.cost[0] == 0 and g.cost[11] == 0
    assert set(g.edges) == {(0, 1), (1, 2), (1, 3), (1, 4), (2, 5), (2, 6), (3, 7), (4, 7),
                            (5, 8), (6, 8), (6, 9), (7, 9), (8, 10), (9, 10), (10, 11)}
    assert all(c == 0 for c in g.edges.values())
    assert g.comments[0] == "Standard Task Graph Set Project"
    assert len(g.comments) == 4


def test_heft_on_example():
    g = parse_stg(EXAMPLE)
    res = heft(g.tasks, g.edges, 2, g.cost)
    check_dag_schedule(res, g.tasks, g.edges, g.cost, 2)
    # critical path 0-1-3-7-9-10-11 = 3+4+20+5+8 = 40 = the optimum here
    assert dag_lower_bound(g.tasks, g.edges, 2, g.cost) == 40
    assert res.makespan == 40
    one = heft(g.tasks, g.edges, 1, g.cost)
    assert one.makespan == sum(g.cost.values()) == 63


@pytest.mark.parametrize("workers, makespan", [(1, 33), (2, 18), (3, 13), (6, 8), (8, 8)])
def test_heft_on_fork_join(workers, makespan):
    g = parse_stg(FORK_JOIN)
    res = heft(g.tasks, g.edges, workers, g.cost)
    check_dag_schedule(res, g.tasks, g.edges, g.cost, workers)
    assert res.makespan == makespan
    assert res.makespan >= dag_lower_bound(g.tasks, g.edges, workers, g.cost)


def test_without_dummies_and_with_comm():
    g = parse_stg(FORK_JOIN).without_dummies()
    assert g.tasks == tuple(range(1, 9))
    edges = {e: 3.0 for e in g.edges}
    res = heft(g.tasks, edges, 3, g.cost)
    check_dag_schedule(res, g.tasks, edges, g.cost, 3)
    # comm 3 makes remote tasks cost 3 more on each side: 2 + 3 + 5+5 + 3 + 1 = 19
    # beats serial 33; on one worker only 2 + 30 + 1
    assert res.makespan <= 33


def test_predecessors_may_wrap_lines_and_blank_lines_are_skipped(tmp_path):
    text = "3\n\n0 0 0\n1 4 1 0\n2 4 1 0\n3 1 2\n  1\n  2\n4 0 1 3\n# end\n"
    p = tmp_path / "wrap.stg"
    p.write_text(text)
    g = load_stg(p)
    assert (1, 3) in g.edges and (2, 3) in g.edges
    assert heft(g.tasks, g.edges, 2, g.cost).makespan == 5


@pytest.mark.parametrize("text, line, match", [
    ("", 1, "empty"),
    ("x\n0 0 0\n", 1, "number of tasks"),
    ("2 0 0 0\n", 1, "only the number of tasks"),
    ("1\n0 0 0\n1 5 1 0\n", 3, "file ends early"),
    ("1\n0 0 0\n2 5 1 0\n2 0 1 1\n", 3, "expected task number 1, got 2"),
    ("1\n0 0 0\n1 5 1 1\n2 0 1 1\n", 3, "lower-numbered"),
    ("1\n0 0 0\n1 5 1 0\n2 0 2 1 1\n", 4, "twice"),
    ("1\n0 0 0\n1 -5 1 0\n2 0 1 1\n", 3, "negative"),
    ("1\n0 0 0\n1 5 1 0\n2 3 1 1\n", 4, "dummy task 2 must have processing time 0"),
    ("1\n0 0 1 0\n1 5 1 0\n2 0 1 1\n", 2, "entry task"),
    ("1\n0 0 0\n1 5 1 0\n2 0 1 1\n3 0 0\n", 5, "unexpected '3'"),
    ("1\n0 0 0\n1 five 1 0\n2 0 1 1\n", 3, "processing time of task 1"),
])
def test_malformed(text, line, match):
    with pytest.raises(ValueError, match=match) as exc:
        parse_stg(text, "bad.stg")
    assert str(exc.value).startswith(f"bad.stg:{line}:")
