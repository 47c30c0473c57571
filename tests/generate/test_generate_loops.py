"""``taskpar generate``: split loops as scatter/gather blocks (``generate_loops``).

Every loop example, generated with ``taskpar generate -w 2`` and ``-w 3``,
runs under ``mpiexec`` with python's stdout, stderr, exit status and files;
so do loops that fail in an iteration, ``sys.exit``, ``break``, loop over
nothing, over items that are one object, or give results plain pickle
cannot send. That the iterations really run on several ranks is seen from
inside: the tests wrap the generated program's ``part`` helper to write down
how many iterations each part gave the chain.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support import EXAMPLES
from taskpar import generate_loops
from taskpar.generate import generate_mpi, _statement_texts
from taskpar.generate_loops import SplitLoops
from taskpar.plan import Exec
from taskpar.run import prepare

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mpi_support import QUIET_BLAS, run_mpi, run_python  # noqa: E402

LOOP_EXAMPLES = EXAMPLES / "loops"
#: reused_models.py (scikit-learn, 10 s a run) runs whole in a generated
#: program (its loops are nested pairs): test_which_loops_get_the_block says so
NAMES = sorted(p.name for p in LOOP_EXAMPLES.glob("*.py") if p.name != "reused_models.py")


def generate(script: Path, workers: int, out_dir: Path) -> Path:
    """``taskpar generate SCRIPT -w N -o OUT --no-cache``, as a user runs it."""
    out = out_dir / f"{script.stem}_mpi{workers}.py"
    r = subprocess.run([sys.executable, "-m", "taskpar", "generate", str(script), "-w", str(workers),
                        "-o", str(out), "--no-cache"], capture_output=True, text=True, timeout=120,
                       env={**os.environ, **QUIET_BLAS})
    assert r.returncode == 0, r.stderr
    return out


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def same_as_python(mpi_env, script: Path, workers: int, tmp_path: Path, program: Path | None = None):
    """Run ``script`` with python and its generated program with mpiexec, each in
    a directory of its own; return python's (status, stdout, stderr) once both
    runs, and the files they wrote, are the same."""
    program = program or generate(script, workers, tmp_path)
    py_dir, mpi_dir = tmp_path / "python", tmp_path / "mpi"
    py_dir.mkdir()
    mpi_dir.mkdir()
    expected = run_python(script, py_dir, timeout=250)
    assert run_mpi(mpi_env, program, workers, mpi_dir, timeout=250) == expected
    assert files(mpi_dir) == files(py_dir)
    return expected


# ----------------------------------------------------------- the examples


#: every example with 2 ranks; with 3 those whose blocks then split
#: differently (sweep: 6 items; carried: three loops), to keep CI short
EXAMPLE_RUNS = [(n, 2) for n in NAMES] + [(n, 3) for n in NAMES if n in ("sweep.py", "carried.py")]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name,workers", EXAMPLE_RUNS)
def test_loop_example_identical_to_python(name, workers, mpi_env, tmp_path):
    same_as_python(mpi_env, LOOP_EXAMPLES / name, workers, tmp_path)


def split_loops(script: Path, workers: int) -> SplitLoops:
    p = prepare(script, workers, use_cache=False)
    where = {op.stmt: w for w, prog in enumerate(p.plan.programs) for op in prog
             if isinstance(op, Exec) and not op.replica}
    return SplitLoops(p.plan, where, _statement_texts(p.script.source, p.graph.statements))


@pytest.mark.timeout(120)
def test_which_loops_get_the_block():
    """Plain for loops (with break, reseeding, in main()) get it; comprehensions
    and nested loops over pairs run whole, each for a reason."""
    got = {}
    for name in [*NAMES, "reused_models.py"]:
        loops = split_loops(LOOP_EXAMPLES / name, 2)
        for k, sp in loops.splits.items():
            got[(name, sp.lineno)] = loops.whole[k]
    blocks = {key for key, why in got.items() if not why}
    assert {("sweep.py", 26), ("carried.py", 37), ("reseeded.py", 17), ("in_main.py", 19),
            ("subplots.py", 22)} <= blocks
    assert "comprehension" in got[("comprehensions.py", 19)]
    assert "map()" in got[("comprehensions.py", 23)]
    assert "nested loops" in got[("reused_models.py", 20)]


# ------------------------------------------------------------ readability


def comments(text: str) -> str:
    """The program's comments as one line of words."""
    return " ".join(" ".join(ln.strip().lstrip("#").split()) for ln in text.splitlines()
                    if ln.strip().startswith("#"))


@pytest.mark.timeout(120)
def test_sweep_is_a_readable_scatter_gather_block(tmp_path):
    path = LOOP_EXAMPLES / "sweep.py"
    text = generate(path, 2, tmp_path).read_text()
    ast.parse(text)
    assert "import taskpar" not in text and "cloudpickle" not in text
    words = comments(text)
    assert "split loop of lines 26-28 (scatter/gather, 6 blocks of iterations)" in words
    assert re.search(r"ridge_cv\(alpha\) of line 27 runs apart on ranks 0-1; the rest of the body "
                     r"in order on rank [01]", words)
    # the loop's rank evaluates the iterable once, and scatters the other rank's blocks to it
    assert text.count("__tp_rt.items(__tp_loops[0], [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0])") == 1
    scatter = re.findall(r"send\('__tp_L0_p', to=(\d), tag=\d+, after=\d+, share=\(([\d, ]+)\)\)", text)
    assert len(scatter) == 1
    # the parts, each once, on both ranks; their results gathered back
    parts = re.findall(r"^( *)run\(\d+, 26, \"__tp_L0_o(\d) = __tp_rt.part", text, re.M)
    assert sorted(p for _, p in parts) == [str(p) for p in range(6)]
    ranks = {}
    for block, body in re.findall(r"^(?:if|elif) rank == (\d):\n(.*?)(?=^\S)", text, re.M | re.S):
        ranks[int(block)] = {p for p in range(6) if f"__tp_L0_o{p} = __tp_rt.part" in body}
    assert all(ranks.values()), ranks
    to, share = scatter[0]
    assert {int(p) for p in share.split(",") if p.strip()} == ranks[int(to)]
    assert text.count("# gather: part") == text.count("# gather: receive part") == len(ranks[int(to)])
    # the loop itself, in order, taking the results instead of computing them again
    assert ("scores[alpha] = __tp_rt.value(__tp_L0, 0) if __tp_rt.has(__tp_L0, 0) "
            "else ridge_cv(alpha)") in text
    assert "for alpha in __tp_rt.remaining(__tp_L0):" in text  # as written, if not split


@pytest.mark.timeout(120)
def test_a_loop_that_runs_whole_is_one_statement_as_written(tmp_path):
    text = generate(LOOP_EXAMPLES / "comprehensions.py", 2, tmp_path).read_text()
    assert "__tp_rt" not in text and "__tp_L" not in text
    for line, statement in [(19, "results = [simulate(s) for s in range(6)]"),
                            (23, "mapped = list(map(simulate, [10, 11, 12, 13]))"),
                            (25, "grand = sum(simulate(s) for s in range(20, 24))")]:
        assert len(re.findall(rf'run\(\d+, {line}, "{re.escape(statement)}"\)', text)) == 1
    assert "(a loop, run as one statement: a comprehension: generated programs" in text


# ------------------------------------------------- seen from inside


def instrumented(program: Path, log: Path) -> Path:
    """The program with its ``part`` helper writing down, per part, how many
    iterations it gave the chain (records neither missing nor unpicklable)."""
    spy = textwrap.dedent(f"""
        _part = part


        def part(loop, share, p):
            result = _part(loop, share, p)
            given = 0 if result is None else sum(r is not None for r in unpack(result[1]))
            with open(os.path.join({str(log)!r}, f"rank{{rank}}-part{{p}}"), "w") as f:
                f.write(str(given))
            return result
    """)
    text = program.read_text()
    at = text.index("\n# ============================== rank 0")
    out = program.with_name(program.stem + "_spy.py")
    out.write_text(text[:at] + "\n" + spy + text[at:])
    log.mkdir()
    return out


def given_by_rank(log: Path) -> dict[int, int]:
    out: dict[int, int] = {}
    for p in log.iterdir():
        rank = int(p.name.split("-")[0][4:])
        out[rank] = out.get(rank, 0) + int(p.read_text())
    return out


@pytest.mark.timeout(300)
@pytest.mark.parametrize("workers", [2, 3])
def test_sweep_iterations_run_on_several_ranks(workers, mpi_env, tmp_path):
    program = instrumented(generate(LOOP_EXAMPLES / "sweep.py", workers, tmp_path), tmp_path / "log")
    same_as_python(mpi_env, LOOP_EXAMPLES / "sweep.py", workers, tmp_path, program)
    given = given_by_rank(tmp_path / "log")
    assert sum(given.values()) == 6  # every iteration's ridge_cv came from a part
    assert len([r for r, n in given.items() if n]) >= 2, given


# ------------------------------------------------- failures and edge cases


def write(tmp_path, name, text) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    p = tmp_path / "src" / name
    p.write_text(textwrap.dedent(text).lstrip())
    return p


HEAVY = """
    import math


    def heavy(x, n=20000):
        return sum(math.sin(x * k) / k for k in range(1, n))

"""


def assert_block(program: Path) -> None:
    text = program.read_text()
    assert "__tp_rt.items(" in text and "__tp_rt.part(" in text, "the loop should be split"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("workers", [2, 3])
def test_error_in_iteration_k(workers, mpi_env, tmp_path):
    script = write(tmp_path, "fails.py", HEAVY + """
    def work(x):
        if x == 3:
            raise ValueError(f"bad item {x}")
        return heavy(x)


    values = []
    for x in range(7):
        v = work(x)
        print("got", x, round(v, 6))
        values.append(v)
    print("never", values)
    """)
    program = generate(script, workers, tmp_path)
    assert_block(program)
    status, out, err = same_as_python(mpi_env, script, workers, tmp_path, program)
    assert status == 1 and out.splitlines()[-1].startswith("got 2 ")
    assert "got 3" not in out and "never" not in out
    assert err.endswith("ValueError: bad item 3\n") and "v = work(x)" in err


@pytest.mark.timeout(300)
def test_error_in_iteration_quotes_the_script_where_it_is_absent(mpi_env, tmp_path):
    script = write(tmp_path, "gone.py", HEAVY + """
    for x in [1.0, 2.0, 0.0, 3.0]:
        r = heavy(x) / x
        print(round(r, 6))
    """)
    program = generate(script, 2, tmp_path)
    assert_block(program)
    expected = run_python(script, tmp_path)
    assert expected[0] == 1 and "r = heavy(x) / x" in expected[2] and "~~~~~~~~~^~~" in expected[2]
    script.unlink()
    assert run_mpi(mpi_env, program, 2, tmp_path) == expected


@pytest.mark.timeout(300)
def test_sys_exit_in_an_iteration(mpi_env, tmp_path):
    script = write(tmp_path, "exits.py", HEAVY + """
    import sys


    def work(x):
        print("work", x, file=sys.stderr)
        if x == 2:
            sys.exit(3)
        return heavy(x)


    for x in range(5):
        v = work(x)
        print(x, round(v, 6))
    """)
    program = generate(script, 2, tmp_path)
    assert_block(program)
    status, _, err = same_as_python(mpi_env, script, 2, tmp_path, program)
    assert status == 3 and err == "work 0\nwork 1\nwork 2\n"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("workers", [2, 3])
def test_break_hides_the_iterations_after_it(workers, mpi_env, tmp_path):
    script = write(tmp_path, "breaks.py", HEAVY + """
    def work(x):
        print("working on", x)
        if x >= 5:
            raise RuntimeError("iterations after the break must not be seen")
        return heavy(x) + x


    for x in [1, 2, 3, 4, 5, 6]:
        v = work(x)
        print(x, round(v, 6))
        if v > 3.5:
            break
    else:
        print("no break")
    print("after", x, round(v, 6))
    """)
    program = generate(script, workers, tmp_path)
    assert_block(program)
    status, out, _ = same_as_python(mpi_env, script, workers, tmp_path, program)
    assert status == 0 and "working on 4" in out and "working on 5" not in out


@pytest.mark.timeout(300)
def test_iterators_a_body_also_takes_items_from(mpi_env, tmp_path):
    # the items come from a copy and the chain advances the iterator itself,
    # as the runtime does (tests/loops/programs/consumed_iterators.py)
    script = Path(__file__).resolve().parents[1] / "loops" / "programs" / "consumed_iterators.py"
    program = generate(script, 2, tmp_path)
    assert_block(program)
    status, out, _ = same_as_python(mpi_env, script, 2, tmp_path, program)
    assert status == 0 and "skipped [24, 4] []" in out and "left [18, 19]" in out


@pytest.mark.timeout(300)
def test_warnings_filters_hold_on_every_rank(mpi_env, tmp_path):
    # the filters travel as the hidden variable __tp_warnings (also into
    # a split loop's parts): tests/fidelity/programs/warnings_filters.py
    script = Path(__file__).resolve().parents[1] / "fidelity" / "programs" / "warnings_filters.py"
    status, _, err = same_as_python(mpi_env, script, 3, tmp_path)
    assert status == 0 and err.count("RuntimeWarning") == 3


@pytest.mark.timeout(300)
def test_empty_iterable(mpi_env, tmp_path):
    script = write(tmp_path, "empty.py", HEAVY + """
    found = []
    for x in []:
        v = heavy(x)
        found.append(v)
    else:
        print("else of an empty loop")
    print(found)
    try:
        print(x)
    except NameError as e:
        print("unbound:", e)
    """)
    program = generate(script, 2, tmp_path)
    assert_block(program)
    _, out, _ = same_as_python(mpi_env, script, 2, tmp_path, program)
    assert "unbound: name 'x' is not defined" in out


SHARED = HEAVY + """
    class Acc:
        n = 0


    m = Acc()
    items = ITEMS
    for a in items:
        r = heavy(a.n + 1.0)
        a.n += 1
        print(round(r, 6))
    print([i.n for i in items])
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("items,split", [("[m, Acc(), m, m]", False),
                                         ("[Acc(), Acc(), Acc(), Acc()]", True)])
def test_items_that_are_one_object_are_not_split(items, split, mpi_env, tmp_path):
    # a part would change its own copy of m; python's next iteration sees the change
    script = write(tmp_path, "shared.py", SHARED.replace("ITEMS", items))
    program = instrumented(generate(script, 2, tmp_path), tmp_path / "log")
    assert_block(program)
    same_as_python(mpi_env, script, 2, tmp_path, program)
    given = sum(given_by_rank(tmp_path / "log").values())
    assert given == (4 if split else 0)


@pytest.mark.timeout(300)
def test_results_pickle_cannot_send_are_computed_again(mpi_env, tmp_path):
    script = write(tmp_path, "closures.py", HEAVY + """
    def make(x):
        k = round(heavy(x), 6)
        return lambda: (x, k)


    fs = []
    for x in range(5):
        f = make(x)
        fs.append(f)
    print([g() for g in fs])
    """)
    program = instrumented(generate(script, 2, tmp_path), tmp_path / "log")
    assert_block(program)
    same_as_python(mpi_env, script, 2, tmp_path, program)
    assert sum(given_by_rank(tmp_path / "log").values()) == 0  # the chain made every lambda


@pytest.mark.timeout(300)
def test_a_loop_whose_code_cannot_be_written_runs_whole(mpi_env, tmp_path, monkeypatch):
    # the fallback of a for loop: its items, parts and later chains left out
    def refuse(body):
        raise generate_loops._NotWritable("refused")

    monkeypatch.setattr(generate_loops, "written", refuse)
    path = LOOP_EXAMPLES / "carried.py"
    plan = prepare(path, 2, use_cache=False).plan
    program = tmp_path / "carried_whole.py"
    program.write_text(generate_mpi(plan, source_path=str(path), program_name=program.name))
    text = program.read_text()
    assert "__tp_rt" not in text and "__tp_L" not in text
    assert "for x in [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]:" in text
    same_as_python(mpi_env, path, 2, tmp_path, program)
