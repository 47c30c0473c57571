"""Golden cases: what script-defined functions, methods and classes do when called."""

from helpers import check, has, lacks, path, stmt

TRANSITIVE = """
def g(v):
    return v * scale
def f(v):
    return g(v) + 1
y = f(2)
"""


def test_call_time_global_transitive():
    check(TRANSITIVE, reads={"f", "g", "scale"}, writes={"y"})


def test_def_does_not_read_body_globals():
    check(TRANSITIVE, index=1, reads=set(), writes={"f"})


def test_recursion_terminates():
    has("def fact(n):\n    return 1 if n < 2 else n * fact(n - 1) * k\nr = fact(5)",
        reads={"fact", "k"})


def test_mutual_recursion():
    has("def a(n):\n    return b(n - 1) if n else base\ndef b(n):\n    return a(n)\nr = a(3)",
        reads={"a", "b", "base"})


def test_global_write_in_called_function():
    check("def setup():\n    global cfg\n    cfg = {}\nsetup()", writes={"cfg"}, reads={"setup", "cfg"})


def test_function_mutating_global():
    check("cache = []\ndef add(v):\n    cache.append(v)\nadd(1)", mutates={"cache"}, reads={"add", "cache"})


def test_function_mutating_parameter():
    has("data = []\ndef fill(xs):\n    xs.append(0)\nfill(data)", mutates={"data"})


def test_function_not_mutating_parameter():
    check("data = [1]\ndef total(xs):\n    return sum(xs)\nt = total(data)", mutates=set(), reads={"total", "data"})


def test_mutation_through_local_alias_of_parameter():
    has("data = [0]\ndef f(xs):\n    ys = xs\n    ys[0] = 1\nf(data)", mutates={"data"})


def test_mutation_through_nested_call():
    has("data = [2, 1]\ndef inner(a):\n    a.sort()\ndef outer(b):\n    inner(b)\nouter(data)", mutates={"data"})


def test_returned_parameter_aliases():
    src = "a = []\ndef ident(x):\n    return x\nb = ident(a)\nb.append(1)"
    has(src, mutates={"a", "b"})


def test_fresh_result_does_not_alias():
    src = "def make(x):\n    return [x]\nb = make(a)\nb.append(1)"
    check(src, mutates={"b"})


def test_mutable_default_argument_is_function_state():
    has("def f(x, acc=[]):\n    acc.append(x)\n    return len(acc)\nn = f(1)", mutates={"f"})


def test_callback_parameter_called():
    src = "def apply(fn, v):\n    return fn(v)\ndef g(v):\n    return v * scale\nr = apply(g, 2)"
    has(src, reads={"apply", "g", "scale"})


def test_callback_mutating_global():
    src = "def apply(fn):\n    fn()\ndef g():\n    log.append(1)\napply(g)"
    has(src, mutates={"log"})


def test_closure_call_mutates_closure():
    src = """
def make():
    n = [0]
    def inc():
        n[0] += 1
        return n[0]
    return inc
counter = make()
counter()
"""
    has(src, mutates={"counter"}, reads={"counter"})


def test_closure_reads_global_at_call():
    src = "def make():\n    def f():\n        return scale\n    return f\nh = make()\nv = h()"
    has(src, reads={"h", "scale"})


def test_partial_applies_function_summary():
    src = "import functools\ndef g(a, b):\n    return a * scale\np = functools.partial(g, 1)\nv = p(2)"
    has(src, reads={"p", "scale"})


def test_library_callback_applied():
    has("def key(v):\n    return v * weight\nys = sorted(xs, key=key)", reads={"key", "weight", "xs"})


def test_map_lambda_reads():
    has("ys = list(map(lambda v: v + off, xs))", reads={"off", "xs"})


def test_class_instantiation_runs_init():
    src = "log = []\nclass K:\n    count = 0\n    def __init__(self):\n        K.count += 1\n        log.append(self)\nk = K()"
    has(src, mutates={"K", "log"}, reads={"K", "log"})


def test_method_mutates_instance():
    src = "class Acc:\n    def __init__(self):\n        self.items = []\n    def add(self, v):\n        self.items.append(v)\na = Acc()\na.add(1)"
    check(src, mutates={"a"}, reads={"a"})


def test_pure_method_does_not_mutate():
    src = "class P:\n    def __init__(self, x):\n        self.x = x\n    def norm(self):\n        return self.x * scale\np = P(1)\nv = p.norm()"
    check(src, mutates=set(), reads={"p", "scale"}, writes={"v"})


def test_method_unknown_receiver_unions_script_methods():
    src = "class A:\n    def run(self):\n        return alpha\nclass B:\n    def run(self):\n        return beta\ndef go(o):\n    return o.run()\nr = go(obj)"
    has(src, reads={"alpha", "beta", "obj"})


def test_inherited_method():
    src = "class Base:\n    def bump(self):\n        counter.append(1)\nclass D(Base):\n    pass\nd = D()\nd.bump()"
    has(src, mutates={"counter"})


def test_staticmethod_and_classmethod():
    src = "class K:\n    reg = []\n    @classmethod\n    def add(cls, v):\n        cls.reg.append(v)\n    @staticmethod\n    def s(v):\n        return v + off\nK.add(1)\nz = K.s(2)"
    has(src, index=-2, mutates={"K"})
    has(src, reads={"off"})


def test_property_getter_runs_on_attribute_load():
    src = "class K:\n    @property\n    def val(self):\n        return scale\nk = K()\nv = k.val"
    has(src, reads={"scale"})


def test_dunder_called_by_operator():
    src = "class V:\n    def __add__(self, o):\n        return offset\nv = V()\nw = v + v"
    has(src, reads={"offset"})


def test_repr_called_by_print():
    src = "class V:\n    def __repr__(self):\n        return fmt\nv = V()\nprint(v)"
    has(src, reads={"fmt"})


def test_generator_reads_at_iteration():
    src = "def gen():\n    yield scale\ng = gen()\nscale = 3\nout = list(g)"
    has(src, reads={"g", "scale"})


def test_generator_expression_stored_reads_when_consumed():
    src = "g = (x * k for x in xs)\nk = 5\nr = sum(g)"
    has(src, reads={"g", "k"})


def test_decorator_is_called_at_definition():
    src = "def deco(fn):\n    registry.append(fn)\n    return fn\n@deco\ndef f():\n    pass"
    has(src, mutates={"registry"}, reads={"deco"}, writes={"f"})


def test_barrier_inside_called_function():
    check("def f():\n    return eval('1')\nx = f()", barrier=True)


def test_resource_inside_called_function():
    has("import random\ndef roll():\n    return random.random()\nx = roll()", resources={"random"})


# -- an instance's class is its tag, not one of its contents ---------------------------

WALKER = """\
class Walker:
    kind = "walker"

    def __init__(self, seed):
        self.pos = seed
        self.history = []

    def step(self):
        self.pos += 1
        self.history.append(self.pos)
"""


def test_a_method_storing_into_its_instance_changes_neither_the_class_nor_other_instances():
    # the class was one of the instance's contents: a method's store into
    # "what self holds" reached the class, which every instance shares
    src = WALKER + "a = Walker(1)\nb = Walker(2)\na.step()\n"
    check(src, mutates={"a"})
    assert not path(src, 2, 3)  # b = Walker(2) and a.step() are independent
    check(src + "b.step()\n", mutates={"b"})


def test_what_reaches_a_class_through_its_instances_is_still_changed_with_it():
    base = WALKER + "a = Walker(1)\nb = Walker(2)\n"
    # a class attribute changed: every instance sees it
    check(base + "Walker.kind = 'w'\n", mutates={"Walker", "a", "b"})
    # through type(self), self.__class__, getattr(self, "__class__"), a classmethod
    for body in ("type(self).kind = 'w'", "self.__class__.kind = 'w'",
                 "getattr(self, '__class__').kind = 'w'", "self.rename('w')"):
        src = base.replace("    def step(self):", f"    def retag(self):\n        {body}\n\n"
                           "    @classmethod\n    def rename(cls, k):\n        cls.kind = k\n\n"
                           "    def step(self):") + "a.retag()\n"
        has(src, mutates={"Walker", "a", "b"})
    # an attribute that does hold the class: what is stored through it is the class's
    src = WALKER.replace("self.history = []", "self.history = []\n        self.cls = type(self)")
    has(src + "a = Walker(1)\nb = Walker(2)\na.cls.kind = 'w'\n", mutates={"Walker", "a", "b"})


def test_a_subclass_instance_reaches_its_bases():
    src = WALKER + "class Runner(Walker):\n    pass\nr = Runner(1)\nWalker.kind = 'r'\n"
    has(src, mutates={"Walker", "r"})


def test_the_class_of_an_object_an_instance_holds_is_changed_through_it():
    base = ("class Part:\n    kind = 'p'\n\n    @classmethod\n    def rename(cls, k):\n"
            "        cls.kind = k\n\n\nclass Holder:\n    def __init__(self):\n"
            "        self.part = Part()\n\n    def go(self):\n        BODY\n\n\n"
            "h = Holder()\nother = Part()\nh.go()\n")
    # (the classmethod one was missed before the instance's class became its tag)
    for body in ("self.part.rename('x')", "type(self.part).kind = 'x'",
                 "self.part.__class__.kind = 'x'", "getattr(self.part, '__class__').kind = 'x'",
                 "p = self.part; type(p).kind = 'x'"):
        has(base.replace("BODY", body), mutates={"Part", "other", "h"})
