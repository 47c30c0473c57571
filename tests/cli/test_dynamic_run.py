"""Dynamic assignment as a user meets it: `--schedule dynamic|auto`, first and second runs."""

from __future__ import annotations

import os
import textwrap

import pytest

from support import python, require_backend, taskpar

from taskpar.run import run_script

pytestmark = pytest.mark.timeout(120)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


SKEWED = """\
    import time
    def work(name, seconds):
        time.sleep(seconds)
        return name
    long = work("long", 2.0)
    a = work("a", 0.01)
    b = work("b", 0.01)
    c = work("c", 0.01)
    d = work("d", 0.01)
    e = work("e", 0.01)
    f = work("f", 0.01)
    print(long, a, b, c, d, e, f)
"""


def test_first_run_assigns_dynamically_and_the_second_is_planned(tmp_path, monkeypatch):
    monkeypatch.setenv("TASKPAR_CACHE_DIR", str(tmp_path / "cache"))
    src = write(tmp_path, "skewed.py", SKEWED)
    first = run_script(src, 2)
    assert first.stdout == "long a b c d e f\n" and first.exit_status == 0
    assert first.plan.dynamic and first.plan.schedule.policy == "dynamic"
    assert any("assigned to workers as the run goes" in n for n in first.advice)
    second = run_script(src, 2)
    assert second.stdout == first.stdout
    assert not second.plan.dynamic and second.plan.schedule.policy == "heft"


@pytest.mark.parametrize("backend", ["local", "mpi"])
def test_an_idle_worker_takes_the_short_statements_while_one_runs_the_long_one(tmp_path,
                                                                               backend):
    # a static plan on equal estimated costs splits the seven statements 4/3
    # and puts short ones behind the 2 s one; assigned at run time, the other
    # worker runs all six short ones (each 200 times shorter) meanwhile
    require_backend(backend)
    src = write(tmp_path, "skewed.py", SKEWED)
    r = run_script(src, 2, schedule_policy="dynamic", use_cache=False, backend=backend)
    assert r.stdout == "long a b c d e f\n"
    assert r.plan.dynamic and r.plan.schedule.policy == "dynamic"
    long_worker = r.worker_of(5)
    assert [r.worker_of(line) for line in range(6, 12)] == [3 - long_worker] * 6
    if backend != "local":
        return
    static = run_script(src, 2, schedule_policy="static", use_cache=False)
    assert static.stdout == r.stdout
    assert {static.worker_of(line) for line in range(6, 12)} == {1, 2}


def test_dynamic_on_a_backend_without_it_is_a_clear_error(tmp_path):
    src = write(tmp_path, "s.py", "print(1)\n")
    r = taskpar("run", src, "-w", 2, "--backend", "dask", "--schedule", "dynamic", cwd=tmp_path)
    assert r.returncode == 2
    assert "--schedule dynamic runs on the local and mpi backends only" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_plan_says_the_run_will_assign_dynamically(tmp_path):
    env = {**os.environ, "TASKPAR_CACHE_DIR": str(tmp_path / "cache")}
    src = write(tmp_path, "skewed.py", SKEWED)
    r = taskpar("plan", src, "-w", 2, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "assigned to workers as the run goes (dynamic)" in " ".join(r.stdout.split())


def test_dynamic_failure_and_exit_status_are_pythons(tmp_path):
    src = write(tmp_path, "fails.py", """\
        import time
        print("one")
        x = [time.sleep(0.2), 1][1]
        y = 1 / 0
        print("never", x)
        z = time.sleep(0.3)
    """)
    r = taskpar("run", src, "-w", 3, "--schedule", "dynamic", "--no-cache", cwd=tmp_path)
    p = python(src, cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (p.returncode, p.stdout, p.stderr)


def test_report_of_a_dynamic_run_shows_where_statements_ran(tmp_path):
    out = tmp_path / "report.html"
    src = write(tmp_path, "skewed.py", SKEWED)
    r = taskpar("run", src, "-w", 2, "--schedule", "dynamic", "--no-cache", "--report", out,
                cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, "long a b c d e f\n")
    page = out.read_text()
    assert "assigned to workers at run time (dynamic assignment)" in page


def test_a_value_leaves_while_its_worker_runs_a_long_statement(tmp_path):
    # y is read by `a` (long) and by `b`; y's worker starts `a` before b's
    # other input exists. It keeps y (pickled before `a` starts) and ships it
    # from its shell's threads while `a` runs, so b finishes before `a` does
    # (without Keep, y could only leave once `a` ended).
    src = write(tmp_path, "keep.py", """\
        import time
        y = [1, 2, 3]
        a = [time.sleep(2.0), len(y)][1]
        z = [time.sleep(0.1), 7][1]
        b = len(y) + z
        print(a, b)
    """)
    r = run_script(src, 2, schedule_policy="dynamic", use_cache=False)
    assert r.stdout == "3 10\n"
    t = {x.lineno: x for x in r.timings}
    assert t[3].worker != t[5].worker, "b ran on y's worker, behind `a`"
    assert t[5].end < t[3].end
    sent = [x for x in r.transfers if x.var == "y"]
    assert len(sent) == 1 and sent[0].end < t[3].end
