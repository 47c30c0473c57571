"""``generate_mpi``: the generated mpi4py program prints what python prints.

Each generated program runs under ``mpiexec`` in a virtual environment that
holds only mpi4py, the mpich wheel and numpy -- not taskpar -- and its
stdout, stderr and exit status are compared with ``python script.py``.
Plans come from two analyses: taskpar's own (``analyze_script``) and a small
stand-in (``naive_analysis``) with real dependencies, so that plans move
values, tokens and replicas between ranks whatever the state of the real one.
"""

from __future__ import annotations

import ast
import fcntl
import functools
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from support import EXAMPLES, STANDINS
from taskpar.analysis import analyze_script
from taskpar.analysis.model import Script, Statement
from taskpar.generate import generate_mpi
from taskpar.graph import build_graph
from taskpar.plan import Exec, Recv, Send, build_plan
from taskpar.schedule import schedule

sys.path.insert(0, str(Path(__file__).resolve().parent))
from naive_analysis import analyze as naive_analyze  # noqa: E402

ANALYSES = {"taskpar": analyze_script, "naive": naive_analyze}
#: BLAS threads: the ranks share the machine's cores
STANDIN = STANDINS / "model_comparison_small.py"
QUIET_BLAS = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
#: the venv's environment: no PYTHONPATH (a developer's PYTHONPATH=src would
#: let the generated program import taskpar, which it must not need)
VENV_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **QUIET_BLAS}


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def mpi_env():
    """(python, mpiexec) of a venv with mpi4py, mpich and numpy but no taskpar.

    Made once and kept in the temp directory between sessions (rebuilt if
    broken). Skipped with the reason outside CI when it cannot be made.
    """
    root = Path(tempfile.gettempdir()) / f"taskpar-mpi-venv-py{sys.version_info[0]}{sys.version_info[1]}"
    python, mpiexec = root / "bin" / "python", root / "bin" / "mpiexec"
    marker = root / "ready"
    # one maker at a time: test processes running at once (pytest -n, two
    # sessions) would otherwise `venv --clear` each other's venv
    with open(f"{root}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            steps = [[sys.executable, "-m", "venv", "--clear", str(root)],
                     [str(python), "-m", "pip", "install", "-q", "mpi4py", "mpich", "numpy"]]
            for argv in steps:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
                if r.returncode != 0:
                    reason = f"cannot make the mpi venv ({' '.join(argv[:4])}): {r.stderr[-500:]}"
                    if os.environ.get("CI"):
                        pytest.fail(reason)
                    pytest.skip(reason)
            marker.write_text("ok\n")
    r = subprocess.run([str(python), "-c", "import taskpar"], capture_output=True, text=True,
                       env=VENV_ENV, timeout=60)
    assert r.returncode != 0 and "No module named 'taskpar'" in r.stderr, "the venv must not see taskpar"
    return str(python), str(mpiexec)


def make_plan(path, workers, analysis="naive"):
    graph = build_graph(ANALYSES[analysis](path))
    return build_plan(graph, schedule(graph, workers))


def generate(path, workers, out_dir, analysis="naive") -> Path:
    plan = make_plan(path, workers, analysis)
    out = Path(out_dir) / f"{Path(path).stem}_mpi{workers}_{analysis}.py"
    out.write_text(generate_mpi(plan, source_path=str(path), program_name=out.name))
    return out


def run_mpi(env, program, workers, cwd, timeout=110):
    python, mpiexec = env
    r = subprocess.run([mpiexec, "-n", str(workers), python, str(program)], cwd=cwd, timeout=timeout,
                       capture_output=True, text=True, env=VENV_ENV)
    return r.returncode, r.stdout, r.stderr


def run_python(path, cwd, timeout=110):
    r = subprocess.run([sys.executable, str(path)], cwd=cwd, timeout=timeout, capture_output=True,
                       text=True, env={**os.environ, **QUIET_BLAS})
    return r.returncode, r.stdout, r.stderr


@functools.lru_cache(maxsize=None)
def python_example(name):
    return run_python(EXAMPLES / name, EXAMPLES)


# ----------------------------------------------------------- the examples

CASES = [(name, 2) for name in ("three_chains.py", "fan_in.py", "reassigned.py", "mutation.py",
                                "hidden_state.py", "seed_pipeline.py", "big_payload.py", "fail.py")]
CASES += [(name, 3) for name in ("three_chains.py", "fan_in.py", "mutation.py", "seed_pipeline.py")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("analysis", sorted(ANALYSES))
@pytest.mark.parametrize("name,workers", CASES)
def test_example_identical_to_python(name, workers, analysis, mpi_env, tmp_path):
    program = generate(EXAMPLES / name, workers, tmp_path, analysis)
    assert run_mpi(mpi_env, program, workers, EXAMPLES) == python_example(name)


@pytest.mark.timeout(120)
def test_plans_under_test_move_values():
    """The naive analysis gives plans with sends, tokens and replicas (else the suite proves little)."""
    ops = [op for name, w in CASES for prog in make_plan(EXAMPLES / name, w).programs for op in prog]
    assert any(isinstance(op, Send) and op.var is not None for op in ops)
    assert any(isinstance(op, Recv) and op.var is None for op in ops)
    assert any(isinstance(op, Exec) and op.replica for op in ops)


@pytest.mark.timeout(120)
def test_model_comparison(mpi_env, tmp_path):
    # examples/model_comparison.py is CPU-seconds of numpy per statement: its
    # generated program runs here as the stand-in's (tests/standins: the same
    # statements with fewer repeats), which is the example's generated
    # program but for the repeat counts
    example = generate(EXAMPLES / "model_comparison.py", 2, tmp_path).read_text()
    program = generate(STANDIN, 2, tmp_path)
    def blanked(text):  # the file names and the repeat counts
        text = text.replace(str(STANDIN.parent), str(EXAMPLES)).replace(STANDIN.stem, "model_comparison")
        return re.sub(r"repeats=\d+", "repeats=N", text)
    assert blanked(program.read_text()) == blanked(example)
    assert run_mpi(mpi_env, program, 2, STANDIN.parent) == run_python(STANDIN, STANDIN.parent)


# ------------------------------------------------------------ readability


def test_generated_program_is_readable(tmp_path):
    path = EXAMPLES / "fan_in.py"
    plan = make_plan(path, 2)
    text = generate_mpi(plan, source_path=str(path), program_name="fan_in_mpi.py")
    ast.parse(text)
    assert f"# Generated by taskpar from {path}" in text
    assert "mpiexec -n 2 python fan_in_mpi.py" in text
    assert "import taskpar" not in text and "cloudpickle" not in text
    assert "if rank == 0:" in text and "elif rank == 1:" in text
    source = path.read_text().splitlines()
    for s in plan.graph.statements:  # every line of every statement, verbatim, after its line comment
        for line in source[s.lineno - 1:s.end_lineno]:
            assert line.rstrip() in text
        assert f"# line {s.lineno}\n" in text or f"# lines {s.lineno}-{s.end_lineno}" in text
    # one value sent with comments naming the variable, the line making it and the lines using it
    sends = [(op, w) for op, w in plan.transfers()]
    assert sends, "fan_in on 2 workers moves a value"
    for op, w in sends:
        made = plan.graph.statements[op.version].lineno
        assert f"# send {op.var} (made by line {made}) to rank {op.to}, used by line " in text
        assert f"# receive {op.var} (made by line {made} on rank {w}), used by line " in text
    tags = [int(t.split("=")[1].rstrip(",")) for t in text.split() if t.startswith("tag=")]
    assert len(tags) == 2 * len(sends) and len(set(tags)) == len(sends)  # one tag per message


# ------------------------------------------------- failures and edge cases


def write(tmp_path, name, text) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip())
    return p


@pytest.mark.timeout(120)
def test_failure_on_one_rank_keeps_earlier_output_of_others(mpi_env, tmp_path):
    script = write(tmp_path, "late_fail.py", """
        import time
        def slow(v, s):
            time.sleep(s)
            return v
        print(slow("early", 1.0))                 # taskpar: worker 1
        x = 1 / 0                                 # taskpar: worker 2
        y = x + 1                                 # taskpar: worker 1
        print("late", y)                          # taskpar: worker 2
    """)
    program = generate(script, 2, tmp_path)
    expected = run_python(script, tmp_path)
    assert expected[0] == 1 and expected[1] == "early\n"
    assert run_mpi(mpi_env, program, 2, tmp_path) == expected


@pytest.mark.timeout(120)
@pytest.mark.parametrize("how,status", [("sys.exit(3)", 3), ("sys.exit('bye')", 1), ("sys.exit()", 0)])
def test_sys_exit(how, status, mpi_env, tmp_path):
    script = write(tmp_path, "exits.py", f"""
        import sys
        print("a")                                # taskpar: worker 2
        {how}
        print("b")                                # taskpar: worker 2
    """)
    program = generate(script, 2, tmp_path)
    expected = run_python(script, tmp_path)
    assert expected[0] == status
    assert run_mpi(mpi_env, program, 2, tmp_path) == expected


@pytest.mark.timeout(120)
def test_large_mutual_sends_do_not_deadlock(mpi_env, tmp_path):
    script = write(tmp_path, "mutual.py", """
        import numpy as np
        a = np.ones(2**22)                        # taskpar: worker 1
        b = np.full(2**22, 2.0)                   # taskpar: worker 2
        c = a.sum() + b.sum()                     # taskpar: worker 2
        d = b.sum() + a.sum()                     # taskpar: worker 1
        a += 1                                    # taskpar: worker 1
        print(c == d, a[0], c)                    # taskpar: worker 2
    """)
    program = generate(script, 2, tmp_path)
    assert "wait_sent('a'" in program.read_text()  # a is sent, then changed in place
    assert run_mpi(mpi_env, program, 2, tmp_path) == run_python(script, tmp_path)


@pytest.mark.timeout(120)
def test_traceback_quotes_script_even_where_it_is_absent(mpi_env, tmp_path):
    script = write(tmp_path, "gone.py", """
        def f(v):
            return v[3]
        print("ok")
        f([1, 2])
    """)
    expected = run_python(script, tmp_path)
    program = generate(script, 2, tmp_path)
    script.unlink()
    assert run_mpi(mpi_env, program, 2, tmp_path) == expected
    assert "return v[3]" in expected[2]


@pytest.mark.timeout(120)
def test_nested_decorated_and_semicolon_statements_keep_columns(mpi_env, tmp_path):
    """Statements inside `if __name__ == "__main__":`, decorated defs, `a; b`:
    compiled with the script's lines and columns (python 3.11 draws carets)."""
    script = write(tmp_path, "nested.py", """
        import functools
        @functools.lru_cache(maxsize=None)
        def sq(v):
            return v * v
        a = sq(3); b = sq(3)
        if __name__ == "__main__":
            print(a, b, sq.cache_info().hits)
            c = {"k": 1}
            print(c["k"] + c["missing"])
    """)
    source = script.read_text()
    tree = ast.parse(source)
    stmts = []
    for path in [(0,), (1,), (2,), (3,), (4, 0), (4, 1), (4, 2)]:
        node = tree.body[path[0]]
        for p in path[1:]:
            node = node.body[p]
        stmts.append(Statement(id=len(stmts), lineno=node.lineno, col_offset=node.col_offset,
                               end_lineno=node.end_lineno, end_col_offset=node.end_col_offset,
                               source=ast.get_source_segment(source, node), path=path, barrier=True))
    graph = build_graph(Script(filename=str(script), source=source, statements=tuple(stmts)))
    plan = build_plan(graph, schedule(graph, 2))
    program = tmp_path / "nested_mpi.py"
    program.write_text(generate_mpi(plan, source_path=str(script)))
    expected = run_python(script, tmp_path)
    assert "~^^^^^^^^^^^" in expected[2]  # python's carets under c["missing"]
    assert run_mpi(mpi_env, program, 2, tmp_path) == expected


@pytest.mark.timeout(120)
def test_wrong_number_of_ranks_is_refused(mpi_env, tmp_path):
    program = generate(EXAMPLES / "fan_in.py", 2, tmp_path)
    status, out, err = run_mpi(mpi_env, program, 3, tmp_path)
    assert status == 2 and out == ""
    assert "made for 2 ranks; run it with: mpiexec -n 2" in err
