"""Every shared example: its graph as a person reading the script expects."""

from pathlib import Path

import pytest

from taskpar.analysis import analyze_script
from taskpar.graph import build_graph, has_path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name):
    g = build_graph(analyze_script(EXAMPLES / name))

    def find(text, nth=0):
        hits = [s.id for s in g.statements if s.source.startswith(text)]
        return hits[nth]
    return g, find


def test_three_chains_independent():
    g, find = load("three_chains.py")
    chains = {c: [s.id for s in g.statements if s.source.startswith(f"{c} = step(")] for c in "abc"}
    assert all(len(v) == 4 for v in chains.values())
    for c, ids in chains.items():
        assert all(has_path(g, x, y) for x, y in zip(ids, ids[1:]))
        for d, other in chains.items():
            if c != d:
                assert not any(has_path(g, x, y) for x in ids for y in other)


def test_mutation_example():
    g, find = load("mutation.py")
    alias_def, append, sort = find("alias = items"), find("alias.append"), find("items.sort")
    first, scale2, second, out = find("first ="), find("scale = 100"), find("second ="), find("print(")
    assert has_path(g, alias_def, append) and has_path(g, append, sort)
    assert has_path(g, sort, out) and has_path(g, append, out)
    assert "scale" in g.statements[first].reads
    assert has_path(g, first, scale2) and has_path(g, scale2, second)
    assert has_path(g, find("counter.n"), out) and has_path(g, find('table["b"]'), out)


def test_hidden_state_example():
    g, find = load("hidden_state.py")
    seed, a, b, c = find("random.seed"), find("a = random"), find("b = random"), find("c = random")
    chdir, write, read, out = find("os.chdir"), find('with open("data.txt", "w")'), \
        find('with open("data.txt")'), find("print(")
    assert has_path(g, seed, a) and has_path(g, a, b) and has_path(g, b, c)
    assert any({seed, a, b, c} <= set(grp) for grp in g.colocate)
    assert has_path(g, chdir, write) and has_path(g, write, read)
    for x in (c, read, chdir):
        assert has_path(g, x, out)


def test_model_comparison_fits_independent():
    g, find = load("model_comparison.py")
    errs = [find("err_ridge_small"), find("err_ridge_large"), find("err_poly2"), find("err_poly3")]
    for x in errs:
        for y in errs:
            if x != y:
                assert not has_path(g, x, y)
        assert has_path(g, find("y = X"), x) and has_path(g, find("folds ="), x)
    assert not g.colocate


def test_fan_in():
    g, find = load("fan_in.py")
    x, y, z, a, b, out = (find(t) for t in ("x =", "y =", "z =", "a =", "b =", "out ="))
    assert not has_path(g, x, y) and not has_path(g, y, z) and not has_path(g, a, b)
    assert has_path(g, x, a) and has_path(g, y, b) and has_path(g, x, out)


def test_reassigned():
    g, find = load("reassigned.py")
    x1, y, x2, z = find("x = slow(1)"), find("y ="), find("x = slow(2)"), find("z =")
    assert has_path(g, x1, y) and has_path(g, y, x2) and has_path(g, x2, z)


def test_seed_pipeline_pins():
    g, _ = load("seed_pipeline.py")
    assert [s.pin for s in g.statements] == [1, 1, 1, 2, 1, 2, 2]


def test_big_payload_pins():
    g, find = load("big_payload.py")
    assert [s.pin for s in g.statements] == [None, 1, 2, 2]
    assert has_path(g, find("big ="), find("total ="))


def test_fail_example():
    g, find = load("fail.py")
    assert has_path(g, find("x = 1"), find("y = x / 0"))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_examples_no_barrier(path):
    assert not any(s.barrier for s in analyze_script(path).statements)
