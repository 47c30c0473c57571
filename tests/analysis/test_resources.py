"""Golden cases: hidden-state resources, barriers, pins, the __main__ guard."""

import pytest

from helpers import check, colocated, graph, has, lacks, path, stmt, stmts
from taskpar.errors import PinError


@pytest.mark.parametrize("src,res", [
    ("import random\nrandom.seed(1)", "random"),
    ("from random import randint\nx = randint(1, 6)", "random"),
    ("import numpy as np\nnp.random.seed(0)", "numpy.random"),
    ("import numpy as np\nx = np.random.rand(3)", "numpy.random"),
    ("import torch\ntorch.manual_seed(0)", "torch.random"),
    ("import matplotlib.pyplot as plt\nplt.plot([1, 2])", "pyplot"),
    ("import os\nos.chdir('/tmp')", "cwd"),
    ("import os\nd = os.getcwd()", "cwd"),
    ("import os\nos.environ['A'] = '1'", "environ"),
    ("import os\nv = os.getenv('A')", "environ"),
    ("import sys\nsys.path.insert(0, 'lib')", "sys.path"),
    ("import warnings\nwarnings.simplefilter('ignore')", "warnings"),
    ("import logging\nlogging.basicConfig(level=10)", "logging"),
    ("x = input()", "stdin"),
    ("import sys\nline = sys.stdin.readline()", "stdin"),
    ("import sys\nsys.stdout = open('log', 'w')", "stdout"),
    ("f = open('a.txt')", "fs"),
    ("from pathlib import Path\nt = Path('a').read_text()", "fs"),
    ("import os\nos.remove('a')", "fs"),
    ("import shutil\nshutil.rmtree('d')", "fs"),
    ("import tempfile\nd = tempfile.mkdtemp()", "fs"),
    ("import numpy as np\na = np.load('a.npy')", "fs"),
    ("import pandas as pd\ndf = pd.read_csv('a.csv')", "fs"),
    ("import pandas as pd\ndf = pd.DataFrame()\ndf.to_csv('a.csv')", "fs"),
    ("import json\njson.dump({}, fh)", "fs"),
    ("import pickle\nobj = pickle.load(fh)", "fs"),
    ("import subprocess\nsubprocess.run(['ls'])", "fs"),
    ("import os\nos.system('ls')", "fs"),
])
def test_resource(src, res):
    has(src, resources={res})


@pytest.mark.parametrize("src", [
    "import time\ntime.sleep(1)",
    "print('hi')",
    "import math\nx = math.sqrt(2)",
    "import numpy as np\nrng = np.random.default_rng(0)",
    "import random\nr = random.Random(3)",
])
def test_no_resource(src):
    check(src, resources=set())


def test_random_instance_is_an_ordinary_object():
    check("import random\nr = random.Random(3)\nx = r.random()", resources=set(), mutates={"r"})


def test_a_random_instance_holds_nothing_of_its_seed_and_is_no_global_draw():
    # made from an item's name: drawing from it changes neither the item nor
    # the global generator, also inside a function (a simulation per config)
    check("import random\ncfg = {'name': 'a'}\nr = random.Random(cfg['name'])\nx = r.gauss(0, 1)",
          resources=set(), mutates={"r"})
    sim = ("import random\nrandom.seed(1)\ncfg = {'name': 'a'}\n"
           "def sim(c):\n    rnd = random.Random(c['name'])\n    return rnd.gauss(0, 1)\n")
    check(sim + "v = sim(cfg)", resources=set(), mutates=set())
    check(sim.replace("random.Random(c['name'])", "random.SystemRandom()") + "v = sim(cfg)",
          resources=set(), mutates=set())
    # the module's own functions still draw from the global generator
    has(sim.replace("rnd.gauss", "random.gauss") + "v = sim(cfg)", resources={"random"})


def test_pyplot_taint_through_objects():
    src = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nprint(ax)"
    has(src, index=1, resources={"pyplot"})
    has(src, index=2, resources={"pyplot"})
    has(src, index=3, resources={"pyplot"})


def test_logging_taint():
    has("import logging\nlog = logging.getLogger('x')\nlog.setLevel(10)", resources={"logging"})


def test_chdir_makes_fs_touch_cwd():
    has("import os\nos.chdir('/tmp')\nf = open('x')", resources={"fs", "cwd"})
    lacks("f = open('x')", resources={"cwd"})


def test_function_resources_propagate_to_caller():
    has("import numpy as np\ndef noise():\n    return np.random.rand()\nv = noise()",
        resources={"numpy.random"})


def test_module_attribute_store():
    s = stmts("import numpy as np\nnp.x = 1\na = np.zeros(2)")
    assert "module:numpy" in s[1].resources and "module:numpy" in s[2].resources


def test_module_config_call_orders_users():
    g = graph("import numpy as np\na = np.arange(3)\nnp.set_printoptions(precision=2)\nprint(np.array([1.0]))")
    assert path(g, 2, 3) and colocated(g, 2, 3)


def test_fs_statements_ordered_and_independent_code_free():
    g = graph("with open('f', 'w') as fh:\n    fh.write('x')\nx = 1 + 2\nwith open('f') as fh:\n    t = fh.read()")
    assert path(g, 0, 2) and not path(g, 0, 1)


@pytest.mark.parametrize("src", [
    "exec('x = 1')", "y = eval('1')", "c = compile('1', 'f', 'eval')", "g = globals()",
    "l = locals()", "v = vars()", "from os import *", "m = __import__('os')",
    "import importlib\nm = importlib.import_module('os')", "breakpoint()",
    "import numpy as np\nsetattr(np, 'x', 1)", "import sys\nsys.modules['x'] = None",
])
def test_barrier(src):
    check(src, barrier=True)


def test_vars_with_argument_is_no_barrier():
    check("o = f()\nd = vars(o)", barrier=False)


def test_barrier_orders_everything():
    g = graph("a = 1\nb = 2\nexec('c = 3')\nd = 4")
    assert path(g, 0, 2) and path(g, 1, 2) and path(g, 2, 3)


def test_pins():
    s = stmts("a = 1  # taskpar: worker 2\nb = 2\nc = 3; d = 4  # taskpar: worker 1\n")
    assert [x.pin for x in s] == [2, None, 1, 1]


def test_pin_on_first_line_of_multiline_statement():
    s = stmts("x = f(  # taskpar: worker 3\n    1)\n")
    assert s[0].pin == 3


def test_pin_in_string_is_not_a_pin():
    assert stmts("s = '# taskpar: worker 0'")[0].pin is None


@pytest.mark.parametrize("comment", ["# taskpar: worker 0", "# taskpar: worker x",
                                     "# taskpar: worker -1", "# taskpar: wrker 2",
                                     "# taskpar: worker 1.5"])
def test_bad_pin(comment):
    with pytest.raises(PinError) as e:
        stmts(f"a = 1\nb = 2  {comment}\n")
    msg = str(e.value)
    assert msg.startswith("snippet.py:2: bad pin '")
    assert comment in msg and "whole number from 1" in msg


def test_main_guard_flattened():
    s = stmts('import os\nif __name__ == "__main__":\n    a = 1\n    b = a + 1\n')
    assert [x.path for x in s] == [(0,), (1, 0), (1, 1)]
    assert s[2].reads == {"a"}


def test_main_guard_reversed_operands():
    assert len(stmts('if "__main__" == __name__:\n    a = 1\n    b = 2\n')) == 2


def test_main_guard_with_else_is_one_statement():
    s = stmts('if __name__ == "__main__":\n    a = 1\nelse:\n    a = 2\n')
    assert len(s) == 1 and s[0].path == (0,)


def test_compound_statements_are_one_each():
    src = "for i in r:\n    a = i\nwhile c:\n    c = 0\ntry:\n    x = 1\nexcept E:\n    pass\nwith m:\n    y = 2\n"
    s = stmts(src)
    assert len(s) == 4 and [x.path for x in s] == [(0,), (1,), (2,), (3,)]


def test_two_statements_one_line():
    s = stmts("a = 1; b = a")
    assert len(s) == 2 and s[1].col_offset == 7 and s[1].reads == {"a"}


def test_empty_script():
    assert stmts("") == ()
