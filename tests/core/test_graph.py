"""build_graph: edges from reads/writes/mutates/resources/barriers, co-location."""

from __future__ import annotations

from taskpar.analysis.model import Script, Statement
from taskpar.graph import EdgeKind, build_graph, has_path, to_dot, to_json


def stmt(i, reads=(), writes=(), mutates=(), resources=(), barrier=False, pin=None):
    return Statement(id=i, lineno=i + 1, col_offset=0, end_lineno=i + 1, end_col_offset=1,
                     source=f"s{i}", path=(i,), reads=frozenset(reads), writes=frozenset(writes),
                     mutates=frozenset(mutates), resources=frozenset(resources),
                     barrier=barrier, pin=pin)


def graph(*stmts, **kw):
    return build_graph(Script("t.py", "", tuple(stmts)), **kw)


def kinds(g):
    return {(e.src, e.dst, e.kind.value, e.vars) for e in g.edges}


def test_raw_war_waw():
    g = graph(stmt(0, writes="x"), stmt(1, reads="x", writes="y"), stmt(2, writes="x"))
    assert kinds(g) == {(0, 1, "RAW", ("x",)), (1, 2, "WAR", ("x",)), (0, 2, "WAW", ("x",))}


def test_self_reference_is_no_edge_and_reads_do_not_order_each_other():
    g = graph(stmt(0, writes="x"), stmt(1, reads="x", writes="x"), stmt(2, reads="x"), stmt(3, reads="x"))
    assert (1, 1) not in {(e.src, e.dst) for e in g.edges}
    assert not has_path(g, 2, 3)
    assert kinds(g) >= {(0, 1, "RAW", ("x",)), (1, 2, "RAW", ("x",)), (1, 3, "RAW", ("x",))}


def test_mutation_is_read_and_write():
    g = graph(stmt(0, writes="a"), stmt(1, reads="a"), stmt(2, mutates="a"), stmt(3, reads="a"))
    assert kinds(g) == {(0, 1, "RAW", ("a",)), (0, 2, "RAW", ("a",)), (0, 2, "WAW", ("a",)),
                        (1, 2, "WAR", ("a",)), (2, 3, "RAW", ("a",))}


def test_resources_order_and_process_local_ones_colocate():
    g = graph(stmt(0, resources={"random"}), stmt(1, writes="z"), stmt(2, resources={"random"}),
              stmt(3, resources={"fs"}), stmt(4, resources={"fs"}))
    assert (0, 2, "ORDER", ("random",)) in kinds(g)
    assert (3, 4, "ORDER", ("fs",)) in kinds(g)
    assert g.colocate == ((0, 2),)  # fs is ordered, not process-local


def test_object_and_module_resources_colocate():
    g = graph(stmt(0, resources={"object:a"}), stmt(1), stmt(2, resources={"object:a"}),
              stmt(3, resources={"module:np"}), stmt(4, resources={"module:np"}))
    assert g.colocate == ((0, 2), (3, 4))


def test_barrier_orders_everything_around_it():
    g = graph(stmt(0, writes="a"), stmt(1, writes="b"), stmt(2, barrier=True), stmt(3, writes="c"),
              stmt(4, writes="d"))
    for before in (0, 1):
        for after in (3, 4):
            assert has_path(g, before, after)
    assert not has_path(g, 0, 1) and not has_path(g, 3, 4)


def test_edges_go_forward_and_extra_colocation():
    g = graph(stmt(0, writes="a"), stmt(1, reads="a"), stmt(2), extra_colocate=[(0, 2)])
    assert all(e.src < e.dst for e in g.edges)
    assert g.colocate == ((0, 2),)


def test_independent_chains_have_no_path():
    g = graph(stmt(0, writes="a"), stmt(1, writes="b"), stmt(2, reads="a", writes="a"),
              stmt(3, reads="b", writes="b"))
    assert has_path(g, 0, 2) and has_path(g, 1, 3)
    assert not has_path(g, 0, 3) and not has_path(g, 1, 2)


def test_exports():
    g = graph(stmt(0, writes="a"), stmt(1, reads="a"))
    data = to_json(g)
    assert data["edges"] == [{"src": 0, "dst": 1, "kind": "RAW", "vars": ["a"]}]
    assert 's0 -> s1 [label="a"' in to_dot(g)
    assert EdgeKind.RAW.value == "RAW"


def test_edges_sorted_by_destination_source_kind_with_sorted_variables():
    g = graph(stmt(0, writes="ab"), stmt(1, reads="ba", writes="c", resources=["fs"]),
              stmt(2, reads="cab", writes="ba", resources=["fs"]), stmt(3, barrier=True),
              stmt(4, mutates="a"))
    keys = [(e.dst, e.src, e.kind.value) for e in g.edges]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(list(e.vars) == sorted(e.vars) for e in g.edges)
    assert [(e.src, e.kind.value, e.vars) for e in g.in_edges(2)] == [
        (0, "RAW", ("a", "b")), (0, "WAW", ("a", "b")), (1, "ORDER", ("fs",)),
        (1, "RAW", ("c",)), (1, "WAR", ("a", "b"))]


def test_replicable_answers_for_the_graph_asked_about():
    from taskpar.graph import replicable

    defs = Script("t.py", "", (Statement(id=0, lineno=1, col_offset=0, end_lineno=1,
                                         end_col_offset=1, source="import m", path=(0,),
                                         writes=frozenset("m"), kind="import"),
                               stmt(1, reads="m")))
    a, b = build_graph(defs), graph(stmt(0, writes="m"), stmt(1, reads="m"))
    assert [replicable(a), replicable(b), replicable(a), replicable(b)] == [
        frozenset({0}), frozenset(), frozenset({0}), frozenset()]
