"""The run-time guard: fingerprints of random, numpy.random, cwd and os.environ
(no processes; the interpreter's reports carry what each statement changed)."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from taskpar.plan import Exec
from taskpar.runtime.guard import StateGuard
from taskpar.runtime.compiling import register_source
from taskpar.runtime.interpreter import Interpreter

from rt_helpers import simple_script


@pytest.fixture
def guard():
    return StateGuard()  # reset() in the test: pytest sets PYTEST_CURRENT_TEST between phases


def test_nothing_changed_is_nothing(guard):
    guard.reset()
    x = [1, 2]
    x.append(3)
    assert guard.check() == ((), ())
    assert guard.check() == ((), ())


def test_random_draw_seed_and_gauss_are_changes(guard):
    guard.reset()
    saved = random.getstate()
    try:
        random.random()
        assert guard.check() == (("random",), ())
        random.seed(5)
        assert guard.check() == (("random",), ())
        random.gauss(0, 1)  # the first gauss draws and caches one (gauss_next)
        assert guard.check() == (("random",), ())
        random.gauss(0, 1)  # the second only takes the cached one
        assert guard.check() == (("random",), ())
        random.setstate(random.getstate())  # same state: no change
        assert guard.check() == ((), ())
    finally:
        random.setstate(saved)


def test_random_state_is_read_in_place(guard):
    guard.reset()
    # the fast path is the one the cost is measured for
    assert guard._random_view is not None


def test_numpy_generator_is_watched_once_loaded(guard):
    guard.reset()
    np = pytest.importorskip("numpy")
    np.random.rand()  # numpy.random may be loaded (lazily) here: unseen or changed
    guard.check()
    saved = np.random.get_state()
    try:
        np.random.rand(3)
        assert guard.check() == (("numpy.random",), ())
        np.random.seed(1)
        assert guard.check() == (("numpy.random",), ())
        np.ones(3).sum()
        assert guard.check() == ((), ())
        np.random.default_rng(0).random()  # a Generator of its own: not the global one
        assert guard.check() == ((), ())
        assert guard._bitgen_view is not None  # in place, not get_state()
    finally:
        np.random.set_state(saved)


def test_numpy_is_never_imported_by_the_guard():
    code = ("import sys\nfrom taskpar.runtime.guard import StateGuard\n"
            "g = StateGuard(); g.reset(); x = 1; print(g.check())\n"
            "print('numpy' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.split("\n")[:2] == ["((), ())", "False"], r.stderr


def test_cwd_and_environ(guard, tmp_path, monkeypatch):
    guard.reset()
    monkeypatch.chdir(tmp_path)
    assert guard.check() == (("cwd",), ())
    monkeypatch.setenv("TASKPAR_GUARD_TEST", "1")
    assert guard.check() == (("environ",), ())
    os.environ["TASKPAR_GUARD_TEST"] = "1"  # the same value again: no change
    assert guard.check() == ((), ())
    monkeypatch.delenv("TASKPAR_GUARD_TEST")
    assert guard.check() == (("environ",), ())


def test_state_loaded_by_the_statement_is_unseen(monkeypatch):
    mod = sys.modules["random"]
    monkeypatch.delitem(sys.modules, "random")
    g = StateGuard()
    g.reset()
    assert g.check() == ((), ())  # no generator: nothing changed
    sys.modules["random"] = mod  # "imported" by the statement
    assert g.check() == ((), ("random",))
    assert g.check() == ((), ())


def _run(source, program):
    script = simple_script(source, "/virtual/guard.py")
    register_source(script)
    out = []
    ns = {"__name__": "__main__"}
    it = Interpreter(script, program, ns, 0, {}, emit=out.append, clock=lambda: 0.0)
    assert it.advance() is None
    return {r.stmt: r for r in out if type(r).__name__ == "StatementReport"}


def test_reports_carry_what_each_statement_changed():
    saved = random.getstate()
    try:
        reports = _run("import random\nx = 1\ny = random.random()\nz = 2\n",
                       (Exec(0), Exec(1), Exec(2), Exec(3)))
    finally:
        random.setstate(saved)
    assert reports[1].changed == ()
    assert reports[2].changed == ("random",)
    assert reports[3].changed == ()


def test_replicas_are_not_guarded_and_do_not_blame_the_next_statement():
    saved = random.getstate()
    try:
        reports = _run("import random\nrandom.random()\nx = 1\n",
                       (Exec(0), Exec(1, replica=True), Exec(2)))
    finally:
        random.setstate(saved)
    assert 1 not in reports
    assert reports[2].changed == ()


def test_a_failing_statement_still_reports_its_changes():
    saved = random.getstate()
    try:
        reports = _run("import random\nrandom.random() + 1 / 0\n", (Exec(0), Exec(1)))
    finally:
        random.setstate(saved)
    assert reports[1].status == "error"
    assert reports[1].changed == ("random",)
