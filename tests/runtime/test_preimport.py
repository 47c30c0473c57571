"""The fork server imports a script's leading imports before it forks the
workers (``runtime.preimport``), and is itself forked from the manager when
that can be done safely (``backends.processes.ForkServer``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading

import pytest

from support import python, taskpar, triple
from taskpar.backends.processes import ForkServer, fork_available
from taskpar.runtime.preimport import leading_modules

pytestmark = pytest.mark.timeout(120)

needs_fork = pytest.mark.skipif(not fork_available(), reason="the fork server needs Linux")


def test_leading_modules_are_the_imports_before_anything_else(tmp_path):
    source = textwrap.dedent('''\
        """doc"""
        from __future__ import annotations
        import numpy as np, json
        from sklearn.ensemble import RandomForestClassifier
        import matplotlib
        import matplotlib.pyplot as plt
        x = 1
        import scipy
    ''')
    # json: not a package taskpar imports early; pyplot picks a backend at
    # import; scipy comes after a statement that could change what it does
    assert leading_modules(source, str(tmp_path)) == ("numpy", "sklearn.ensemble", "matplotlib")


def test_the_first_other_statement_ends_the_leading_imports(tmp_path):
    assert leading_modules("import os\nos.environ['OMP_NUM_THREADS'] = '1'\nimport numpy\n",
                           str(tmp_path)) == ()
    assert leading_modules("from . import helpers\nimport numpy\n", str(tmp_path)) == ()
    assert leading_modules("import numpy(\n", str(tmp_path)) == ()  # a syntax error: none


def test_pyplot_is_imported_early_only_after_a_batch_backend_is_fixed(tmp_path):
    d = str(tmp_path)
    # the common headless prefix: the script's own use() runs in its place
    assert leading_modules("import matplotlib\nmatplotlib.use('Agg')\n"
                           "import matplotlib.pyplot as plt\nimport numpy as np\n", d) == (
        "matplotlib", "matplotlib.use:Agg", "matplotlib.pyplot", "numpy")
    assert leading_modules("import matplotlib as mpl\nmpl.use('pdf', force=True)\n"
                           "import matplotlib.pyplot as plt\n", d) == (
        "matplotlib", "matplotlib.use:pdf", "matplotlib.pyplot")
    # a GUI backend, a computed name, or no choice at all: pyplot waits for
    # the worker (and anything after a use() that is not understood)
    assert leading_modules("import matplotlib\nmatplotlib.use('TkAgg')\n"
                           "import matplotlib.pyplot\nimport numpy\n", d) == ("matplotlib",)
    assert leading_modules("import matplotlib\nmatplotlib.use(NAME)\nimport numpy\n", d) == (
        "matplotlib",)
    assert leading_modules("import matplotlib.pyplot\nimport numpy\n", d) == ("numpy",)
    # MPLBACKEND in the script's environment fixes it from the start
    assert leading_modules("import matplotlib.pyplot\n", d, "Agg") == ("matplotlib.pyplot",)
    assert leading_modules("import matplotlib.pyplot\n", d, "QtAgg") == ()
    # ``matplotlib`` rebound to something else is not matplotlib
    assert leading_modules("import matplotlib\nfrom x import matplotlib\n"
                           "matplotlib.use('Agg')\nimport matplotlib.pyplot\n", d) == (
        "matplotlib",)


@needs_fork
def test_a_script_that_fixes_its_backend_gets_workers_with_pyplot(tmp_path):
    pytest.importorskip("matplotlib")
    script = tmp_path / "s.py"
    script.write_text("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                      "print(matplotlib.get_backend(), matplotlib.rcParams['backend_fallback'])\n")
    with ForkServer(cwd=str(tmp_path), script=str(script), fork=True) as server:
        assert server.serves(sys.executable, None, str(script), script.read_text())
        assert server.preimported == ("matplotlib", "matplotlib.use:Agg", "matplotlib.pyplot")
        assert server.spoiled == ""
    # and the script sees what it sees under python (the backend its use()
    # chose, the fallback that use() turns off)
    rc, out, err = _same_as_python(tmp_path, script.read_text())
    assert (rc, out, err) == (0, "Agg False\n", "")


def test_a_module_of_the_scripts_folder_is_never_imported_early(tmp_path):
    (tmp_path / "numpy.py").write_text("print('mine')\n")
    (tmp_path / "pandas").mkdir()
    (tmp_path / "pandas" / "__init__.py").write_text("")
    assert leading_modules("import numpy\nimport pandas\nimport scipy\n", str(tmp_path)) == ("scipy",)


def _preimport_in_child(tmp_path, modules, pythonpath):
    """Run ``preimport`` in a fresh interpreter whose output goes to a file."""
    code = textwrap.dedent(f'''\
        import sys
        from taskpar.runtime.preimport import preimport
        problem, env = preimport({modules!r}, {str(tmp_path)!r})
        sys.__stderr__.flush()
        with open({str(tmp_path / "result")!r}, "w") as f:
            f.write(repr((problem, env)))
    ''')
    with open(tmp_path / "out", "wb") as out:
        subprocess.run([sys.executable, "-c", code], stdout=out, stderr=out, timeout=60, check=True,
                       env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(pythonpath),
                                                                       os.environ.get("PYTHONPATH", "")])))
    return eval((tmp_path / "result").read_text())


def test_an_import_that_writes_or_fails_or_shadows_spoils_the_server(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "noisy.py").write_text("import sys\nprint('hello from noisy')\n")
    (lib / "broken.py").write_text("raise RuntimeError('no')\n")
    (lib / "quiet.py").write_text("import os\nimport uses_json\nos.environ['QUIET_SET'] = '1'\n")
    (lib / "uses_json.py").write_text("import colorsys\n")
    d = tmp_path / "a"
    d.mkdir()
    assert _preimport_in_child(d, ["noisy"], lib)[0] == "import of noisy wrote output"
    assert _preimport_in_child(d, ["broken"], lib)[0] == "import broken failed early (RuntimeError)"
    assert _preimport_in_child(d, ["quiet"], lib) == ("", {"QUIET_SET": "1"})
    (d / "colorsys.py").write_text("")  # the script's folder shadows what quiet imports
    problem, _ = _preimport_in_child(d, ["quiet"], lib)
    assert problem == "the script's folder holds colorsys, which an early import would miss"
    # an optional module an import only tries, which the script's folder holds
    (lib / "tries.py").write_text("try:\n    import optional_thing\nexcept ImportError:\n    pass\n")
    assert _preimport_in_child(d, ["tries"], lib)[0] == ""
    (d / "optional_thing.py").write_text("")
    assert _preimport_in_child(d, ["tries"], lib)[0] == (
        "the script's folder holds optional_thing, which an early import would miss")


def _same_as_python(tmp_path, source, env=None, workers=2):
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, TASKPAR_CACHE_DIR=str(tmp_path / "cache"), **(env or {}))
    want = triple(python(script, cwd=tmp_path, env=env, timeout=90))
    for _ in range(2):  # first and second run
        got = triple(taskpar("run", script, "-w", workers, cwd=tmp_path, env=env, timeout=90))
        assert got == want
    return want


@needs_fork
def test_a_numpy_of_the_scripts_folder_is_the_one_imported(tmp_path):
    (tmp_path / "numpy.py").write_text("print('the local numpy')\nvalue = 42\n")
    rc, out, _ = _same_as_python(tmp_path, """\
        import numpy
        print(numpy.value)
    """)
    assert (rc, out) == (0, "the local numpy\n42\n")


@needs_fork
def test_a_package_that_prints_at_import_prints_under_taskpar(tmp_path):
    # a "numpy" that prints, found on PYTHONPATH: the server imports it
    # early, sees the output and is replaced by one that does not
    lib = tmp_path / "lib"
    (lib / "numpy").mkdir(parents=True)
    (lib / "numpy" / "__init__.py").write_text(
        "import sys\nprint('numpy says hi')\nprint('and warns', file=sys.stderr)\nx = 3\n")
    d = tmp_path / "run"
    d.mkdir()
    rc, out, err = _same_as_python(d, """\
        import numpy as np
        a = np.x * 2
        b = np.x * 3
        print(a, b)
    """, env={"PYTHONPATH": str(lib)})
    assert (rc, out, err) == (0, "numpy says hi\n6 9\n", "and warns\n")


@needs_fork
def test_environment_an_early_import_sets_is_the_scripts(tmp_path):
    pytest.importorskip("sklearn")
    rc, out, _ = _same_as_python(tmp_path, """\
        import sklearn
        import os
        print(sorted(k for k in os.environ if k.startswith("KMP_")))
    """)
    assert rc == 0 and "KMP_INIT_AT_FORK" in out


@needs_fork
def test_workers_come_with_the_leading_imports(tmp_path):
    pytest.importorskip("numpy")
    script = tmp_path / "s.py"
    script.write_text("import numpy as np\nimport json\nx = np.ones(3)\n")
    with ForkServer(cwd=str(tmp_path), script=str(script), fork=True) as server:
        text = script.read_text()
        assert server.serves(sys.executable, None, str(script), text)
        assert server.preimported == ("numpy",) and server.spoiled == ""
        assert not server.serves(sys.executable, None, str(tmp_path / "other.py"))
        # the script changed between the server's reading and the analysis
        assert not server.serves(sys.executable, None, str(script), "import os\n" + text)
        parent, child = socket.socketpair()
        with tempfile.TemporaryFile() as out:
            try:
                proc = server.fork(0, str(tmp_path), None, child, out)
            finally:
                child.close()
            # the worker waits for its Init; its numpy is the server's
            import psutil

            maps = psutil.Process(proc.pid).memory_maps()
            assert any("numpy" in m.path for m in maps)
            proc.kill()
            proc.reap(5)
        parent.close()


@needs_fork
def test_the_server_is_forked_only_from_a_single_threaded_command():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        with ForkServer(fork=True) as server:  # forking a threaded process is not safe
            assert isinstance(server.proc, subprocess.Popen)
            assert server.serves(sys.executable, None)
    finally:
        stop.set()
        t.join()
    # a program that is not the taskpar command: a fresh interpreter, never
    # a copy of that program; from one that is and runs one thread: forked
    code = ("import subprocess\nfrom taskpar.backends.processes import ForkServer\n"
            "for fork in (False, True):\n"
            "    with ForkServer(fork=fork) as s:\n"
            "        print(type(s.proc).__name__, s.serves(s.python, None))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout) == (0, "Popen True\n_ServerChild True\n"), p.stderr


@needs_fork
def test_the_scripts_sys_path_is_pythons_whichever_way_taskpar_started(tmp_path):
    import shutil

    (tmp_path / "s.py").write_text("import sys\nprint(sys.path)\n")
    want = python("s.py", cwd=tmp_path, timeout=60)
    command = shutil.which("taskpar", path=os.path.dirname(sys.executable))
    ways = [[sys.executable, "-m", "taskpar"]] + ([[command]] if command else [])
    for way in ways:
        got = subprocess.run([*way, "run", "s.py", "-w", "2"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60, env=dict(os.environ, TASKPAR_CACHE_DIR=str(tmp_path)))
        assert triple(got) == triple(want), way


@needs_fork
def test_warnings_as_errors_do_not_stop_workers_forked_after_early_imports(tmp_path):
    # python >= 3.12 warns (DeprecationWarning) when a process with threads
    # forks, and OpenBLAS may have started its pool in the server
    pytest.importorskip("numpy")
    rc, out, _ = _same_as_python(tmp_path, """\
        import numpy as np
        a = np.arange(4.0)
        b = np.ones(4)
        print(a @ b)
    """, env={"PYTHONWARNINGS": "error", "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"})
    assert (rc, out) == (0, "6.0\n")
