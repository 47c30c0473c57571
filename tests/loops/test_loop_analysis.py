"""Which loops are split, what of their bodies runs apart, and the one-line
reason for every loop that stays one statement (``analysis.loops``)."""

from __future__ import annotations

import textwrap

from taskpar.analysis import analyze_source
from taskpar.graph import build_graph

from support import EXAMPLES

LOOPS = EXAMPLES / "loops"

HEAVY = '''
import math
def heavy(x, n=1000):
    s = 0.0
    for k in range(n):
        s += math.sin(x * k)
    return s
'''


def analyse(body: str, name: str = "prog.py"):
    return analyze_source(HEAVY + textwrap.dedent(body), name)


def example(name: str):
    return analyze_source((LOOPS / name).read_text(), str(LOOPS / name))


def notes_of(script) -> str:
    return "\n".join(script.notes)


def test_sweep_hoists_the_fit_out_of_the_dict_store():
    s = example("sweep.py")
    (split,) = s.loops
    assert split.parts == 6  # one part per item of the literal list
    assert split.pieces == ()
    assert split.hoists == ((0, ("value",)),)  # scores[alpha] = <ridge_cv(alpha)>
    roles = [st.loop[1] for st in s.statements if st.loop]
    assert roles == ["items"] + ["part"] * 6 + ["chain"] * 6
    assert "line 26: the loop's iterations run in parallel (6 parts)" in notes_of(s)


def test_parts_read_what_the_work_needs_and_write_only_their_results():
    s = example("sweep.py")
    parts = [st for st in s.statements if st.loop and st.loop[1] == "part"]
    assert {"X", "y", "ridge_cv"} <= parts[0].reads
    assert parts[0].writes == {"__tp_L0_o0"}
    assert not parts[0].resources and not parts[0].mutates


def test_chains_and_items_run_together_and_in_order():
    s = example("subplots.py")
    g = build_graph(s)
    loop_ids = [st.id for st in s.statements if st.loop and st.loop[1] in ("items", "chain")]
    assert any(set(loop_ids) <= set(group) for group in g.colocate)
    chains = [st.id for st in s.statements if st.loop and st.loop[1] == "chain"]
    for a, b in zip(chains, chains[1:]):
        assert b in g.successors(a)


def test_carried_state_stays_one_statement_naming_the_line():
    s = example("carried.py")
    assert ("line 18: the loop runs as one statement: line 19: `state` is read before it is "
            "written in the next iteration") in notes_of(s)
    lines = {sp.lineno: sp for sp in s.loops}
    # draws.append(float(rng.normal()) + heavy(i / 10)): only heavy() is hoisted
    assert lines[25].hoists == ((0, ("value", "args", 0, "right")),)
    # total += heavy(x): the additions stay in order
    assert lines[31].hoists == ((0, ("value",)),)
    # the break loop: heavy() runs apart; the print (live output), the test and
    # the break in order
    assert lines[37].pieces == (0,) and lines[37].has_break


def test_a_generator_drawn_by_every_iteration_keeps_the_draw_in_order():
    s = analyse('''
    import numpy as np
    rng = np.random.default_rng(1)
    out = []
    for i in range(4):
        out.append(float(rng.normal()))
    ''')
    assert not s.loops
    assert "line 12: the loop runs as one statement: line 13: changes `rng`" in notes_of(s)


def test_reseeding_first_makes_the_global_generator_private():
    s = example("reseeded.py")
    (split,) = s.loops
    assert split.lineno == 17 and split.fresh == ("numpy.random",)
    # the seed, and the draws in the printed expression (the print itself in order)
    assert split.pieces == (0,) and split.hoists == ((1, ("value", "args", 3)),)
    assert split.touching == (("piece", 0), ("hoist", 0))
    assert ("line 22: the loop runs as one statement: line 23: uses numpy.random, shared by "
            "every iteration") in notes_of(s)


def test_reseeding_later_in_the_body_is_not_a_new_chain():
    s = analyse('''
    import random
    for i in range(4):
        a = random.random() + heavy(i)
        random.seed(i)
    ''')
    (split,) = s.loops
    # the draw stays in order; only heavy(i) runs apart
    assert split.fresh == () and split.pieces == ()
    assert split.hoists == ((0, ("value", "right")),)


def test_enumerate_target_index_is_not_an_item():
    s = analyse('''
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3)
    for k, ax in enumerate(axes.flat):
        v = heavy(k)
        ax.set_title(str(v))
    ''')
    (split,) = s.loops
    assert split.pieces == (0,) and split.target_reads == ("k",)


def test_mutating_an_item_runs_in_order():
    s = analyse('''
    models = [[1], [2], [3]]
    for m in models:
        m.append(heavy(m[0]))
    ''')
    (split,) = s.loops
    assert split.pieces == () and split.hoists == ((0, ("value", "args", 0)),)


def test_inner_loops_in_the_body_run_apart():
    s = analyse('''
    table = {}
    for i in range(4):
        acc = 0.0
        for v in range(1000):
            acc += heavy(v + i)
        table[i] = acc
    ''')
    (split,) = s.loops
    assert split.pieces == (0, 1)


def test_printing_stays_in_order_and_live():
    s = analyse('''
    import sys
    for i in range(3):
        print("start", i, flush=True)
        v = heavy(i)
        sys.stdout.write(str(heavy(v)))
    ''')
    (split,) = s.loops
    assert split.pieces == (1,)
    assert split.hoists == ((2, ("value", "args", 0)),)


def test_cheap_loops_are_not_split_and_not_noted():
    s = analyse('''
    out = []
    for i in range(10):
        out.append(i * 2)
        print(i)
    ''')
    assert not s.loops and "line" not in notes_of(s)


def test_a_barrier_in_the_body_keeps_the_loop_whole():
    s = analyse('''
    for i in range(3):
        v = heavy(i)
        print(sorted(globals())[:2])
    ''')
    assert not s.loops


def test_loops_off_keeps_every_statement():
    src = (LOOPS / "sweep.py").read_text()
    s = analyze_source(src, "sweep.py", loops=False)
    assert not s.loops and all(st.loop is None for st in s.statements)


def test_the_split_survives_the_analysis_cache(tmp_path):
    from taskpar.analysis.cache import analyze_script_cached

    path = tmp_path / "sweep.py"
    path.write_text((LOOPS / "sweep.py").read_text())
    first = analyze_script_cached(path, tmp_path)
    second = analyze_script_cached(path, tmp_path)
    assert second == first and second.loops


def test_comprehensions_and_maps_are_loops():
    s = example("comprehensions.py")
    kinds = [sp.comp[0] for sp in s.loops]
    assert kinds == ["list", "dict", "map", "gen"]
    assert all(sp.hoists for sp in s.loops)  # the element is computed apart
    assert ("line 19: the comprehension's elements are computed in parallel (6 parts) and "
            "collected in order") in notes_of(s)


def test_comprehension_shapes_left_alone():
    s = analyse('''
    a = [heavy(x) for x in range(3) if x]
    b = [heavy(x) for x in range(3) for y in range(2)]
    c = [lambda: heavy(x) for x in range(3)]
    def sum(xs):
        return 0
    d = sum(heavy(x) for x in range(3))
    ''')
    assert not s.loops


def test_a_statement_binding_the_comprehension_variable_is_ordered_around_its_chains():
    # the chains hold the variable in the worker's globals from the first to
    # the last: `x = "kept"` must not be planned between them (it was, when
    # its measured cost fitted a gap, and `print(x)` then raised NameError)
    from taskpar.graph import has_path

    s = analyse('''
    x = "kept"
    squares = [heavy(x) for x in range(5)]
    print(squares, x)
    ''')
    g = build_graph(s)
    kept = next(st.id for st in s.statements if st.source.startswith('x = "kept"'))
    show = next(st.id for st in s.statements if st.source.startswith("print(squares"))
    chains = [st.id for st in s.statements if st.loop and st.loop[1] == "chain"]
    assert has_path(g, kept, chains[0])
    assert all(has_path(g, c, show) for c in chains)


REUSED = '''
from sklearn.model_selection import cross_val_score
from sklearn.linear_model import LogisticRegression, Ridge
X, y = [[0.0]], [0]
models = [LogisticRegression(), Ridge()]
results = []
for cols in ([0, 1], [2, 3]):
    for model in models:
        score = cross_val_score(model, X, y).mean()
        model.fit(X, y)
        results.append((type(model).__name__, cols[0], round(score, 4)))
        print(type(model).__name__, cols, score)
'''


def test_two_nested_loops_run_as_one_loop_over_pairs():
    s = analyze_source(REUSED, "prog.py")
    (split,) = s.loops
    assert split.outer == ("cols",)
    assert "model" in split.target_reads
    assert split.pieces == (0,)  # the cross-validation; fit, append and print in order
    assert "line 7: the loop's iterations run in parallel" in notes_of(s)
    items = next(st for st in s.statements if st.loop == (0, "items", 0))
    assert "models" in items.reads  # the inner iterable is evaluated with the items


def test_refitted_estimators_may_be_shared_between_iterations():
    (split,) = analyze_source(REUSED, "prog.py").loops
    assert split.shareable == ("model",)


def _shareable(body: str) -> tuple:
    s = analyze_source(textwrap.dedent(body), "prog.py")
    assert s.loops, s.notes
    return s.loops[0].shareable


REFIT = '''
from sklearn.model_selection import cross_val_score
from sklearn import clone
import math
X, y = [[0.0]], [0]
models = [object(), object()]
out = []
for cols in ([0], [1]):
    for model in models:
        {work}
        {change}
        out.append(s)
'''


def _refit(work="s = cross_val_score(model, X, y).mean()", change="model.fit(X, y)") -> tuple:
    return _shareable(REFIT.format(work=work, change=change))


def test_the_refit_rule_needs_every_read_apart_to_clone():
    ok = ["s = cross_val_score(model, X, y).mean()",
          "s = (type(model).__name__, math.sqrt(cols[0] + 1.0))",
          "s = cross_val_score(clone(model), X, y).mean()"]
    for work in ok:
        assert _refit(work=work) == ("model",), work
    refused = ["s = model.score(X, y) + math.sqrt(2.0)",  # reads what the last fit learned
               "s = cross_val_score(model, X, y).mean() + model.coef_[0]",
               "s = cross_val_score(clone(model, safe=False), X, y).mean()",
               "s = math.sqrt(len(str(model)))"]
    for work in refused:
        assert _refit(work=work) == (), work


def test_the_refit_rule_needs_every_change_to_be_a_fit():
    for change in ["model.fit(X, y)", "model.partial_fit(X, y)", "z = model.fit_transform(X)",
                   "labels = model.fit_predict(X)"]:
        assert _refit(change=change) == ("model",), change
    for change in ["model.set_params(C=2)", "w = model.fit(X, y).n_iter_",
                   "models[0].fit(X, y)", "model.n = 3"]:
        assert _refit(change=change) == (), change


def test_the_refit_rule_knows_only_scikit_learn():
    # the script's own cross_val_score may read what the last fit learned
    assert _shareable('''
    import math
    X, y = [[0.0]], [0]
    def cross_val_score(m, X, y):
        return math.sqrt(len(m.coef_))
    models = [object(), object()]
    out = []
    for cols in ([0], [1]):
        for model in models:
            s = cross_val_score(model, X, y)
            model.fit(X, y)
            out.append(s)
    ''') == ()
    from taskpar.analysis.estimators import SklearnNames
    import ast

    tree = ast.parse(textwrap.dedent('''
    from sklearn.model_selection import cross_val_score, cross_validate as cv
    import sklearn.model_selection as ms
    import sklearn
    cross_validate = 1
    def cv():
        pass
    '''))
    names = SklearnNames(tree)
    q = lambda text: names.qualname(ast.parse(text, mode="eval").body)  # noqa: E731
    assert q("cross_val_score") == "sklearn.model_selection.cross_val_score"
    assert q("ms.learning_curve") == "sklearn.model_selection.learning_curve"
    assert q("sklearn.base.clone") == "sklearn.base.clone"
    assert q("cv") is None  # rebound by the def
    assert q("cross_validate") is None  # never imported from scikit-learn


def test_nested_loops_stay_as_written_when_pairs_would_differ():
    cases = {
        # the body rebinds the outer target: it carries across the inner loop
        "rebinds": '''
        for a in range(3):
            for b in range(3):
                a = a + heavy(b)
                print(a)
        ''',
        # a break of the inner loop ends only the inner loop
        "break": '''
        for a in range(3):
            for b in range(3):
                v = heavy(a + b)
                if v > 1:
                    break
                print(v)
        ''',
        # an else of the inner loop runs once per outer item
        "else": '''
        for a in range(3):
            for b in range(3):
                v = heavy(a + b)
                print(v)
            else:
                print("done", a)
        ''',
        # the inner iterable is computed by a call of the script
        "call": '''
        for a in range(3):
            for b in heavy_list(a):
                print(heavy(b))
        ''',
        # the body changes the outer item, which its inner iterations share
        "mutates": '''
        rows = [[0.0] * 3 for _ in range(3)]
        for row in rows:
            for j in range(3):
                row[j] = heavy(row[j - 1] + j)
                print(row[j])
        ''',
    }
    for what, body in cases.items():
        s = analyse("def heavy_list(a):\n    return [a]\n" + textwrap.dedent(body))
        assert all(not sp.outer for sp in s.loops), what


def test_a_call_left_in_order_gets_what_the_work_apart_bound():
    # `max(best, g)` reads the carried `best`, so the chain computes it: the
    # part must give it `g` (it did not: NameError, loopgen seed 128)
    s = analyse('''
    best = -1.0
    for m in range(1, 3):
        g = heavy(m)
        best = max(best, g)
    print(best)
    ''')
    (split,) = s.loops
    assert split.pieces == (0,) and split.hoists == ()
    assert split.outputs == (("g",),)


SEARCH = '''
import numpy as np
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
X, y = [[0.0]], [0]
svm = SVC()
grid = {"C": [1, 10]}
{setup}
scores = []
for i in range(3):
    {body}
    scores.append(clf.best_score_)
'''


def _search(setup: str, body: str):
    body = textwrap.indent(textwrap.dedent(body), "    ").strip()
    src = SEARCH.replace("{setup}", setup).replace("{body}", body)
    return analyze_source(src, "prog.py")


def test_a_search_fits_apart_it_clones_its_estimator():
    # GridSearchCV clones `svm`: fitting it changes neither `svm` nor `grid`
    # (estimators.CLONING_ESTIMATORS); a splitter seeded by the loop index is the
    # iteration's own (a range's items are new ints)
    s = _search("", '''
        cv = KFold(n_splits=3, shuffle=True, random_state=i)
        clf = GridSearchCV(estimator=svm, param_grid=grid, cv=cv)
        clf.fit(X, y)''')
    (split,) = s.loops
    assert split.pieces == (0, 1, 2)


def test_a_search_whose_splitter_draws_from_a_shared_generator_fits_in_order():
    s = _search("cv = KFold(n_splits=3, shuffle=True, random_state=np.random.RandomState(0))", '''
        clf = GridSearchCV(svm, grid, cv=cv)
        clf.fit(X, y)''')
    assert not s.loops or 1 not in s.loops[0].pieces  # the draws keep their order


def test_other_changes_of_a_search_reach_what_it_holds_and_a_pipeline_is_not_a_search():
    s = analyze_source(textwrap.dedent('''
        from sklearn.model_selection import GridSearchCV
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import SVC
        svm = SVC()
        clf = GridSearchCV(svm, {"C": [1]})
        clf.set_params(estimator__C=3)
        clf.fit([[0.0]], [0])
        pipe = make_pipeline(svm)
        pipe.fit([[0.0]], [0])
        '''), "prog.py", loops=False)
    mutates = {st.source: st.mutates for st in s.statements}
    assert "svm" in mutates["clf.set_params(estimator__C=3)"]  # sets the estimator's C
    assert "svm" not in mutates["clf.fit([[0.0]], [0])"]  # fits a clone
    assert "svm" in mutates["pipe.fit([[0.0]], [0])"]  # a pipeline fits its steps


def test_an_attribute_of_what_the_work_apart_made_is_taken_from_the_part():
    # `scores.append(search.best_score_)`: the part gives the value, the chain
    # needs no `search` (a copy of which would hold objects made before the loop)
    s = analyse('''
    import math
    cfg = {"n": 3}
    scores, tags = [], []
    for i in range(3):
        res = complex(heavy(i), i)
        scores.append(res.real)
        tags.append(math.pi + cfg["n"])
    ''')
    (split,) = s.loops
    assert split.pieces == (0,)
    # res.real is hoisted; math.pi is not (the chain has `math` itself)
    assert split.hoists == ((1, ("value", "args", 0)),)
    assert split.outputs == ((),)


def test_a_model_made_from_a_copy_of_shared_settings_fits_apart():
    # scikit-learn's plot_gradient_boosting_regularization: each iteration
    # copies the shared settings, updates the copy and builds a model from it
    # with **; the fit changes the new model only (not `original`, not the
    # items), so the loop splits with the fit apart
    s = analyze_source(textwrap.dedent('''
        from sklearn.ensemble import GradientBoostingClassifier
        X, y = [[0.0], [1.0]], [0, 1]
        original = {"n_estimators": 5, "max_depth": 2}
        results = []
        for label, setting in [("a", {"learning_rate": 1.0}), ("b", {"subsample": 0.5})]:
            params = dict(original)
            params.update(setting)
            clf = GradientBoostingClassifier(**params)
            clf.fit(X, y)
            results.append((label, clf.score(X, y)))
        print(results)
    '''), "prog.py")
    (split,) = s.loops
    assert split.parts == 2
    parts = [st for st in s.statements if st.loop and st.loop[1] == "part"]
    assert all("original" in st.reads and "original" not in st.mutates for st in parts)
    assert "the loop's iterations run in parallel (2 parts)" in notes_of(s)


def test_a_simulation_with_its_own_generator_per_config_runs_apart():
    # each iteration draws from a random.Random seeded from its item: not
    # the global generator (seeded and used before the loop) and not the item
    s = analyze_source(textwrap.dedent('''
        import random
        random.seed(7)
        configs = [{"name": f"run{i}", "rate": random.random()} for i in range(4)]
        def simulate(cfg, steps=20000):
            rnd = random.Random(cfg["name"])
            x = 0.0
            for _ in range(steps):
                x += rnd.gauss(0, 1) * cfg["rate"]
            return x
        results = []
        for cfg in configs:
            value = simulate(cfg)
            cfg["result"] = round(value, 6)
            results.append(value)
        print(results, configs[-1])
    '''), "prog.py")
    (split,) = s.loops
    assert "the loop's iterations run in parallel" in notes_of(s)


def test_a_loop_over_fresh_instances_whose_methods_change_them_splits():
    # one simulation object per item, its method appending to its own
    # attribute: the class was among the instance's contents, so each call
    # "changed" the class the next iteration reads (`Walker` is read before
    # it is written in the next iteration)
    s = analyse('''
        class Walker:
            def __init__(self, seed):
                self.pos = seed
                self.history = []

            def step(self):
                self.pos += heavy(self.pos, 10)
                self.history.append(self.pos)

        results = {}
        for seed in range(4):
            w = Walker(seed)
            for _ in range(3):
                w.step()
            results[seed] = w.history
        print(results)
        ''')
    (split,) = s.loops
    assert split.parts == 4
    assert "the loop's iterations run in parallel" in notes_of(s)
