"""Golden cases: in-place mutation, may-alias sets, library tables, sharing."""

from helpers import check, colocated, graph, has, lacks, path, stmt


def test_method_call_mutates_receiver():
    check("xs = []\nxs.append(1)", mutates={"xs"}, reads={"xs"}, writes=set())


def test_subscript_and_attribute_store():
    check("a = [0]\na[0] = 1", mutates={"a"})
    check("o = f()\no.b.c = 2", mutates={"o"})


def test_augassign_on_subscript():
    has("d = {}\nd[k] += 1", mutates={"d"}, reads={"d", "k"})


def test_alias_then_mutation():
    check("a = []\nb = a\nb.append(1)", mutates={"a", "b"})


def test_alias_of_element():
    has("a = [1]\nbox = [a]\nbox[0].append(2)", mutates={"a", "box"})


def test_element_alias_from_subscript():
    has("rows = [[1], [2]]\nr = rows[0]\nr.append(3)", mutates={"rows", "r"})


def test_container_mutation_does_not_mutate_element():
    check("a = [1]\nbox = [a]\nbox.append(2)", mutates={"box"})


def test_for_loop_variable_aliases_elements():
    s = stmt("xs = [[1], [2]]\nfor x in xs:\n    x.append(0)")
    assert {"xs", "x"} <= s.mutates


def test_append_makes_container_reach_value():
    has("a = [1]\nbag = []\nbag.append(a)\nbag[0].append(5)", mutates={"a", "bag"})


def test_dict_store_makes_container_reach_value():
    has("a = [1]\nd = {}\nd['k'] = a\nd['k'].append(2)", mutates={"a", "d"})


def test_tuple_unpacking_is_precise():
    check("a = []\nb = []\nx, y = a, b\nx.append(1)", mutates={"a", "x"})


def test_rebinding_breaks_alias():
    check("a = []\nb = a\nb = []\nb.append(1)", mutates={"b"})


def test_numpy_view_aliases():
    has("import numpy as np\na = np.zeros(3)\nv = a[1:]\nv[0] = 5", mutates={"a", "v"})
    has("import numpy as np\na = np.zeros((2, 2))\nt = a.T\nt += 1", mutates={"a", "t"})
    has("import numpy as np\na = np.zeros(4)\nr = a.reshape(2, 2)\nr[0, 0] = 1", mutates={"a", "r"})


def test_library_function_result_may_alias_argument():
    has("import numpy as np\na = np.zeros(3)\nb = np.asarray(a)\nb[0] = 1", mutates={"a", "b"})


def test_fresh_results_do_not_alias():
    check("xs = [1]\nn = len(xs)\nm = float(n)\nm += 1", mutates={"m"})
    check("import copy\na = [[1]]\nb = copy.deepcopy(a)\nb[0].append(2)", mutates={"b"})


def test_sorted_shares_elements_not_list():
    check("a = [[2], [1]]\nb = sorted(a)\nb.append([0])", mutates={"b"})
    has("a = [[2], [1]]\nb = sorted(a)\nb[0].append(0)", mutates={"a", "b"})


def test_rng_sampling_result_is_fresh():
    check("import numpy as np\nrng = np.random.default_rng(0)\nx = rng.normal(size=3)\nx += 1",
          mutates={"x"})


def test_rng_method_mutates_generator():
    check("import numpy as np\nrng = np.random.default_rng(0)\nx = rng.normal()",
          mutates={"rng"}, writes={"x"})


def test_pure_methods():
    check("s = 'a'\nt = s.upper()", mutates=set())
    check("import numpy as np\na = np.zeros(3)\nm = a.mean()", mutates=set())
    check("d = {}\nv = d.get('k')", mutates=set())
    check("xs = [1]\ni = xs.index(1)", mutates=set())


def test_unknown_method_mutates_receiver():
    check("m = make()\nm.fit(X, y)", mutates={"m"}, reads={"m", "X", "y"})


def test_inplace_keyword():
    check("import pandas as pd\ndf = pd.DataFrame()\ndf.drop(columns=['a'], inplace=True)",
          mutates={"df"})
    check("import pandas as pd\ndf = pd.DataFrame()\nd2 = df.drop(columns=['a'])", mutates=set())


def test_module_function_call_is_not_mutation():
    check("import numpy as np\nz = np.zeros(3)", mutates=set(), reads={"np"})
    check("import os\np = os.path.join('a', 'b')", mutates=set(), resources=set())


def test_mutator_table_functions():
    has("import random\nxs = [1, 2]\nrandom.shuffle(xs)", mutates={"xs"}, resources={"random"})
    has("from random import shuffle\nxs = [1, 2]\nshuffle(xs)", mutates={"xs"}, resources={"random"})
    has("import heapq\nh = []\nheapq.heappush(h, 3)", mutates={"h"})
    has("import bisect\nxs = []\nbisect.insort(xs, 3)", mutates={"xs"})
    has("import numpy as np\na = np.zeros(3)\nnp.copyto(a, 1)", mutates={"a"})
    has("import numpy as np\na = np.zeros((2, 2))\nnp.fill_diagonal(a, 1)", mutates={"a"})


def test_out_keyword_mutates():
    has("import numpy as np\na = np.zeros(3)\nb = np.ones(3)\nnp.add(b, 1, out=a)", mutates={"a"})
    lacks("import numpy as np\na = np.zeros(3)\nb = np.ones(3)\nnp.add(b, 1, out=a)", mutates={"b"})


def test_library_function_leaves_arguments_alone():
    check("import numpy as np\na = np.zeros(3)\ns = np.sum(a)", mutates=set())


def test_unknown_callable_is_mutated():
    has("f = make()\ny = f(1)", mutates={"f"})


def test_sharing_gives_object_resource_and_colocation():
    g = graph("a = []\nb = a\nprint(len(a))\na.append(1)\nprint(b)")
    res = [s.resources for s in g.statements]
    assert "object:a" in res[1] and "object:a" in res[3] and "object:a" in res[4]
    assert "object:a" not in res[0]
    assert colocated(g, 1, 4) and colocated(g, 3, 4)


def test_no_object_resource_without_mutation():
    g = graph("a = [1]\nb = a\nprint(a, b)")
    assert not any(r.startswith("object:") for s in g.statements for r in s.resources)


def test_no_object_resource_for_single_name():
    g = graph("a = []\na.append(1)\nprint(a)")
    assert not any(r.startswith("object:") for s in g.statements for r in s.resources)


def test_class_attribute_shared_by_instances():
    src = "class K:\n    n = [0]\n    def bump(self):\n        self.n.append(1)\na = K()\nb = K()\na.bump()\nprint(b.n)"
    g = graph(src)
    assert path(g, 3, 4)
    assert "b" in g.statements[3].mutates and "K" in g.statements[3].mutates


def test_independent_mutations_stay_parallel():
    g = graph("a = []\nb = []\na.append(1)\nb.append(2)")
    assert not path(g, 2, 3)


# -- after code the analysis cannot see ---------------------------------------

def test_exec_may_alias_any_names():
    # exec bound x to y's list: changing x changes y
    has("y = [1]\nexec('x = y')\nx.append(2)", mutates={"y"})
    has("y = [1]\nexec('z = [y]')\nz[0].append(2)", mutates={"y"})


def test_objects_made_after_exec_stay_apart():
    check("y = [1]\nexec('x = y')\nw = [7]\nw.append(1)", mutates={"w"})


def test_a_write_through_globals_is_a_barrier_that_widens_the_state():
    src = "v = [5]\nglobals()['x'] = v\nx.append(2)\nprint(v)"
    assert stmt(src, 1).barrier
    has(src, 2, mutates={"v"})
    assert path(src, 2, 3)


def test_a_name_holding_globals_is_a_barrier_where_used():
    src = "g = globals()\nz = [1]\nw = g['z']\nz.append(5)\nprint(w)"
    assert stmt(src, 2).barrier
    has(src, 3, mutates={"w"})


def test_looking_into_globals_for_names_keeps_the_state_precise():
    src = "a = [1]\nb = [2]\nprint('a' in globals(), sorted(globals()), len(globals()))\na.append(3)"
    assert stmt(src, 2).barrier
    check(src, 3, mutates={"a"})


def test_an_object_stored_into_a_module_is_changed_through_it():
    has("import json\ny = [1]\njson.mine = y\njson.mine.append(2)", mutates={"y"})


def test_printing_globals_formats_every_value_so_it_widens_the_state():
    # print(globals()) runs K.__repr__, which stores k into box: box[0] is k
    src = """\
class K:
    def __repr__(self):
        box.append(self)
        return "K"
box = []
k = K()
print(globals())
box[0].x = 1
"""
    assert stmt(src, -2).barrier
    has(src, -1, mutates={"box", "k"})


def test_a_copy_holds_the_elements_not_the_container_it_copies():
    # list(x), dict(x), sorted(x)...: a new container of x's elements. An
    # object that holds the copy does not reach x (a fit changes its estimator
    # and what that holds: not the dict its parameters were copied from)
    fit = ("from sklearn.ensemble import RandomForestClassifier\n"
           "base = {'n_estimators': 3}\np = dict(base)\nclf = RandomForestClassifier(**p)\n")
    check(fit + "clf.fit(X, y)", mutates={"clf"})
    # but an element the copy shares is the original's element
    has("d = {'k': [1]}\ne = dict(d)\ne['k'].append(2)", mutates={"d", "e"})
    has("xs = [[1]]\nys = sorted(xs)\nys[0].append(2)", mutates={"xs", "ys"})
    has("xs = [[1]]\nys = list(iter(xs))\nys[0].append(2)", mutates={"xs", "ys"})


def test_update_and_extend_add_the_arguments_elements():
    fit = ("from sklearn.ensemble import RandomForestClassifier\n"
           "setting = {'max_depth': 2}\np = {'n_estimators': 3}\np.update(setting)\n"
           "clf = RandomForestClassifier(**p)\n")
    check(fit + "clf.fit(X, y)", mutates={"clf"})
    has("a = {'k': [1]}\nd = {}\nd.update(a)\nd['k'].append(2)", mutates={"a", "d"})
    has("v = [1]\nd = {}\nd.update(k=v)\nd['k'].append(2)", mutates={"v", "d"})
    has("x = [1]\nys = []\nys.extend([x])\nys[0].append(2)", mutates={"x", "ys"})
    # an object that is not a builtin container may keep the argument itself
    has("import foo\no = foo.Thing()\nv = [1]\no.update(v)\no.x.append(1)", mutates={"o", "v"})


def test_double_star_passes_the_mappings_values_not_the_mapping():
    # the callee's **kwargs is a new dict: adding to it leaves the caller's
    # alone; changing one of the values changes the caller's value
    check("def f(**kw):\n    kw['new'] = 1\nd = {'a': 1}\nf(**d)", mutates=set())
    has("def f(**kw):\n    kw['a'].append(1)\nd = {'a': [1]}\nf(**d)", mutates={"d"})


def test_a_mapping_made_or_updated_from_pairs_or_keywords_holds_their_values():
    # dict(k=v) and d.update(k=v) hold v itself; dict(pairs) and d.update(pairs)
    # hold what each pair holds; dict(**m) holds m's values
    has("v = [1]\nd = dict(k=v)\nd['k'].append(2)", mutates={"v", "d"})
    has("v = [1]\nd = dict([('k', v)])\nd['k'].append(2)", mutates={"v", "d"})
    has("v = [1]\nd = dict(zip(['k'], [v]))\nd['k'].append(2)", mutates={"v", "d"})
    has("v = [1]\nd = {}\nd.update([('k', v)])\nd['k'].append(2)", mutates={"v", "d"})
    has("v = [1]\nm = {'k': v}\nd = dict(**m)\nd['k'].append(2)", mutates={"v", "d"})
    # a list copy holds the elements, not pairs' insides it never unpacks
    check("v = [1]\nt = [(v,)]\nxs = list(t)\nxs.append(3)", mutates={"xs"})
