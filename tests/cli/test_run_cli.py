"""`taskpar run`, `plan`, `profile`, `--report`: what a user sees."""

from __future__ import annotations

import json
import os
import textwrap

import pytest

from support import EXAMPLES, python, taskpar, triple

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    env = {**os.environ, "TASKPAR_CACHE_DIR": str(d)}
    return d, env


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_script_arguments_pass_through_around_taskpar_options(tmp_path):
    src = write(tmp_path, "args.py", """\
        import sys
        print(sys.argv[1:])
        """)
    r = taskpar("run", src, "--flag", "x", "-w", "2", "--", "-w", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "['--flag', 'x', '-w', '3']\n"


def test_main_function_pattern_gives_pythons_traceback(tmp_path):
    src = write(tmp_path, "m.py", """\
        def helper(v):
            return v * 2


        def main():
            a = helper(1)
            b = helper(2)
            print(a, b)
            c = a / 0
            print("never")


        if __name__ == "__main__":
            main()
        """)
    r = taskpar("run", src, "-w", "2", cwd=tmp_path)
    p = python(src, cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (p.returncode, p.stdout, p.stderr)
    assert "in main" in r.stderr and "main()" in r.stderr


@pytest.mark.parametrize("argv,needle", [
    (["run", "X", "-w", "0"], "must be at least 1"),
    (["run", "X", "--schedule", "fastest"], "invalid choice"),
    (["plan", "X", "--gantt", "chart.bmp"], "unknown Gantt chart format"),
    (["run", "X", "--report", "r.txt"], "HTML"),
    (["run", "X", "--backend", "spark"], "unknown backend"),
])
def test_bad_options_are_one_clear_line(argv, needle, tmp_path):
    src = write(tmp_path, "s.py", "print(1)\n")
    r = taskpar(*[str(src) if a == "X" else a for a in argv], cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert r.stdout == ""


def test_profile_then_plan_uses_measured_costs(cache, tmp_path):
    d, env = cache
    r = taskpar("profile", EXAMPLES / "three_chains.py", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "4 104 204\n"  # the script's own output, untouched
    assert "costs recorded" in r.stderr
    r = taskpar("plan", EXAMPLES / "three_chains.py", "-w", "3", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "estimated" not in r.stdout
    assert "predicted speedup 2.9" in r.stdout or "predicted speedup 3.0" in r.stdout


def test_plan_draws_a_gantt_chart(cache, tmp_path):
    d, env = cache
    out = tmp_path / "plan.png"
    r = taskpar("plan", EXAMPLES / "fan_in.py", "-w", "2", "--gantt", out, env=env)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "lower bound" in r.stdout


def test_second_run_is_planned_from_the_first(cache, tmp_path):
    d, env = cache
    r1 = taskpar("run", EXAMPLES / "fan_in.py", "-w", "2", env=env)
    assert r1.returncode == 0, r1.stderr
    files = list(d.rglob("*.json"))
    assert files, "the run recorded no costs"
    recorded = json.loads(files[0].read_text())
    assert recorded["statements"]
    r = taskpar("plan", EXAMPLES / "fan_in.py", "-w", "2", env=env)
    assert "estimated" not in r.stdout


def test_corrupt_cache_is_ignored_not_fatal(cache, tmp_path):
    d, env = cache
    taskpar("run", EXAMPLES / "fan_in.py", "-w", "2", env=env)
    for f in d.rglob("*.json"):
        f.write_text("{not json")
    r = taskpar("plan", EXAMPLES / "fan_in.py", "-w", "2", env=env)
    assert r.returncode == 0
    assert "note:" in r.stdout and "cache" in r.stdout
    # a run on a non-terminal stays silent about it and replaces the file
    r = taskpar("run", EXAMPLES / "fan_in.py", "-w", "2", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "9\n", "")
    r = taskpar("plan", EXAMPLES / "fan_in.py", "-w", "2", env=env)
    assert "note:" not in r.stdout


def test_no_cache_neither_reads_nor_writes(cache, tmp_path):
    d, env = cache
    r = taskpar("run", EXAMPLES / "fan_in.py", "-w", "2", "--no-cache", env=env)
    assert r.returncode == 0
    assert not list(d.rglob("*.json"))


def test_report_is_a_self_contained_page(cache, tmp_path):
    d, env = cache
    out = tmp_path / "report.html"
    r = taskpar("run", EXAMPLES / "fan_in.py", "-w", "2", "--report", out, env=env)
    assert (r.returncode, r.stdout) == (0, "9\n")
    page = out.read_text()
    assert "Planned against actual times" in page and "<svg" in page
    assert "Transfers" in page and "Statements" in page
    assert "<script src" not in page and "<link" not in page  # nothing fetched from elsewhere


def test_a_script_that_cannot_gain_runs_on_one_worker_and_says_so(tmp_path, cache):
    _, env = cache
    src = write(tmp_path, "chain.py", """\
        x = sum(range(1000))
        y = x * 2
        print(x, y)
        """)
    expected = triple(python(src, cwd=tmp_path, env=env))
    first = taskpar("run", src, "-w", "3", cwd=tmp_path, env=env)  # measures the costs
    assert triple(first) == expected
    plan = taskpar("plan", src, "-w", "3", cwd=tmp_path, env=env)
    assert "runs on one worker instead of 3" in plan.stdout and "--schedule static" in plan.stdout
    assert "1 worker: predicted makespan" in plan.stdout
    second = taskpar("run", src, "-w", "3", cwd=tmp_path, env=env)
    assert triple(second) == expected
    static = taskpar("plan", src, "-w", "3", "--schedule", "static", cwd=tmp_path, env=env)
    assert "3 workers: predicted makespan" in static.stdout
    assert "runs on one worker" not in static.stdout


def test_a_script_that_gains_keeps_its_workers(tmp_path, cache):
    _, env = cache
    src = write(tmp_path, "two.py", """\
        import time
        time.sleep(0.3)
        time.sleep(0.3)
        print("done")
        """)
    first = taskpar("run", src, "-w", "2", cwd=tmp_path, env=env)
    assert first.returncode == 0 and first.stdout == "done\n", first.stderr
    plan = taskpar("plan", src, "-w", "2", cwd=tmp_path, env=env)
    assert "2 workers: predicted makespan" in plan.stdout
    assert "runs on one worker" not in plan.stdout


def test_a_relative_path_names_the_script_as_python_does(tmp_path):
    # python joins a relative path to the working directory as given
    # (/w/sub/../s.py), without normalising it: __file__ and tracebacks
    write(tmp_path, "s.py", """\
        print(__file__)
        x = [1, 2]
        x[5]
        """)
    sub = tmp_path / "sub"
    sub.mkdir()
    expected = python("../s.py", cwd=sub)
    assert "/sub/../s.py" in expected.stdout
    assert triple(taskpar("run", "../s.py", "-w", "2", cwd=sub)) == triple(expected)


@pytest.mark.timeout(120)
def test_files_named_like_modules_beside_the_script_shadow_only_the_script(tmp_path):
    # python -m taskpar puts the working directory on sys.path: taskpar's
    # own imports must not pick up the user's glob.py or json.py
    (tmp_path / "glob.py").write_text('print("the user\'s glob")\n')
    (tmp_path / "json.py").write_text('print("the user\'s json")\n')
    script = tmp_path / "prog.py"
    script.write_text("import glob\nprint(glob.__file__ == __file__.replace('prog', 'glob'))\n")
    want = python(script, cwd=tmp_path, timeout=60)
    assert want.stdout == "the user's glob\nTrue\n"
    got = taskpar("run", script, "-w", "2", "--no-cache", cwd=tmp_path, timeout=120)
    assert triple(got) == triple(want)


def test_plan_and_profile_show_the_scripts_text_as_written(cache, tmp_path):
    # square brackets in a statement are the script's, not rich markup
    d, env = cache
    src = write(tmp_path, "brackets.py", """\
        y = [1]
        z = [y]
        s = "[/b] [bold]x"
        print(z, s)
        """)
    r = taskpar("plan", src, "-w", "2", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "z = [y]" in r.stdout and 's = "[/b] [bold]x"' in r.stdout
    r = taskpar("profile", src, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "z = [y]" in r.stderr and 's = "[/b] [bold]x"' in r.stderr
