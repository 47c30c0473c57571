"""The oracle: any topological order of the task graph behaves like program order.

For generated programs (tests/progen.py) we analyse the text, build the task
graph, then execute the statements serially, each statement's own AST node
compiled with the script's file name, in one fresh namespace per run:

* in program order (the reference; it must raise nothing), and
* in other linear extensions of the graph: the "latest first" order (always
  run the highest-numbered ready statement, so every statement runs as early
  as the graph allows) and random ones.

Every run must give the same stdout per statement, the same final variables
(canonical form: values, functions/classes by qualified name, instances by
their attributes, *and* which names share one object) and the same state of
the ``random`` module. A difference means the analysis missed a dependency;
the failure message shows the program, the order, the first statement whose
output differs, and the dropped dependency found by trying single inversions
(run program order with one statement hoisted above an earlier one it has no
path from).

Also checked on every program: edges go forward, no self edges, co-location
groups are disjoint, statements cover the module in program order.
"""

from __future__ import annotations

import ast
import atexit
import builtins
import contextlib
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ (progen)

from progen import program_from_seed, programs  # noqa: E402

from taskpar.analysis import analyze_source  # noqa: E402
from taskpar.analysis.model import Script, Statement  # noqa: E402
from taskpar.graph import Edge, EdgeKind, TaskGraph, build_graph, has_path  # noqa: E402

FILENAME = "/generated/prog.py"
#: programs per CI run: hypothesis examples + seeded programs (>= 200 in all)
HYPOTHESIS_EXAMPLES = int(os.environ.get("TASKPAR_PROPERTY_EXAMPLES", "100"))
SEEDED_PROGRAMS = int(os.environ.get("TASKPAR_PROPERTY_SEEDS", "120"))
#: random linear extensions per program, besides "latest first"
RANDOM_ORDERS = 2


# --------------------------------------------------------------------------
# executing statements


def locate(tree: ast.Module, path: tuple[int, ...]) -> ast.stmt:
    node = tree
    for k in path:
        node = node.body[k]
    return node


def compile_statements(script: Script, tree: ast.Module) -> list[types.CodeType]:
    codes = []
    for s in script.statements:
        node = locate(tree, s.path)
        codes.append(compile(ast.Module(body=[node], type_ignores=[]), script.filename, "exec"))
    return codes


_BASE: list[str] = []


def sandbox_dir() -> str:
    """One directory per test process: every run sees the same temp paths."""
    if not _BASE:
        _BASE.append(tempfile.mkdtemp(prefix="taskpar-oracle-"))
        atexit.register(shutil.rmtree, _BASE[0], True)
    return _BASE[0]


@contextlib.contextmanager
def sandbox():
    """Make a run reproducible: fixed mkdtemp paths, fixed random state."""
    base = sandbox_dir()
    counter = iter(range(10**6))
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(suffix=None, prefix=None, dir=None):
        p = os.path.join(base, f"d{next(counter)}")
        os.makedirs(p)
        return p

    saved = random.getstate()
    cwd = os.getcwd()
    tempfile.mkdtemp = mkdtemp
    random.seed(0)
    try:
        yield
    finally:
        tempfile.mkdtemp = real_mkdtemp
        random.setstate(saved)
        os.chdir(cwd)
        for entry in os.listdir(base):
            shutil.rmtree(os.path.join(base, entry), ignore_errors=True)


def canonical(obj, memo: dict) -> str:
    """A text form equal for equal values *and* equal sharing between names."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return repr(obj)
    if isinstance(obj, types.ModuleType):
        return f"<module {obj.__name__}>"
    if isinstance(obj, tuple):
        return "(" + ", ".join(canonical(x, memo) for x in obj) + ",)"
    oid = id(obj)
    if oid in memo:
        return f"@{memo[oid]}"
    memo[oid] = len(memo)
    if isinstance(obj, list):
        return "[" + ", ".join(canonical(x, memo) for x in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{canonical(k, memo)}: {canonical(v, memo)}" for k, v in obj.items()) + "}"
    if isinstance(obj, (set, frozenset)):
        return "{" + ", ".join(sorted(canonical(x, memo) for x in obj)) + "}"
    if isinstance(obj, types.FunctionType):
        cells = []
        for cell in obj.__closure__ or ():
            try:
                cells.append(canonical(cell.cell_contents, memo))
            except ValueError:
                cells.append("<empty>")
        return (f"<function {obj.__qualname__} defaults={canonical(obj.__defaults__, memo)}"
                f" cells=[{', '.join(cells)}]>")
    if isinstance(obj, types.MethodType):
        return f"<bound {obj.__func__.__qualname__} of {canonical(obj.__self__, memo)}>"
    if isinstance(obj, (types.BuiltinFunctionType, types.BuiltinMethodType)):
        return f"<builtin {getattr(obj, '__qualname__', obj)}>"
    if isinstance(obj, type):
        attrs = {k: v for k, v in vars(obj).items() if not k.startswith("__")}
        return f"<class {obj.__qualname__} {canonical(attrs, memo)}>"
    if isinstance(obj, io.IOBase):
        return f"<{type(obj).__name__} {getattr(obj, 'name', '?')!r} closed={obj.closed}>"
    if hasattr(obj, "__dict__"):
        return f"<{type(obj).__qualname__} {canonical(dict(vars(obj)), memo)}>"
    return f"<{type(obj).__qualname__}>"


def canonical_namespace(ns: dict) -> dict[str, str]:
    memo: dict = {}
    return {k: canonical(ns[k], memo) for k in sorted(ns) if not k.startswith("__")}


@dataclass
class Run:
    order: list[int]
    outputs: dict[int, str]
    raised: dict[int, str]
    final: dict[str, str]
    random_state: tuple


def run_order(codes, order) -> Run:
    ns = {"__name__": "__main__", "__builtins__": builtins}
    outputs: dict[int, str] = {}
    raised: dict[int, str] = {}
    with sandbox():
        for i in order:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                try:
                    exec(codes[i], ns)
                except Exception as e:  # noqa: BLE001 - recorded as output
                    raised[i] = f"{type(e).__name__}: {e}"
                    buf.write(f"<raised {raised[i]}>")
            outputs[i] = buf.getvalue()
        final = canonical_namespace(ns)
        state = random.getstate()
    return Run(list(order), outputs, raised, final, state)


# --------------------------------------------------------------------------
# orders


def linear_extension(graph: TaskGraph, rng: random.Random | None = None) -> list[int]:
    """A topological order: random ready statement, or the latest one if no rng."""
    n = len(graph)
    indeg = [len(graph.predecessors(i)) for i in range(n)]
    ready = [i for i in range(n) if indeg[i] == 0]
    order = []
    while ready:
        k = max(range(len(ready)), key=ready.__getitem__) if rng is None else rng.randrange(len(ready))
        i = ready.pop(k)
        order.append(i)
        for j in graph.successors(i):
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(j)
    assert len(order) == n, "the graph has a cycle"
    return order


def ancestors_between(graph: TaskGraph, lo: int, k: int) -> set[int]:
    """``k`` and its ancestors with ids in (lo, k)."""
    seen = {k}
    stack = [k]
    while stack:
        j = stack.pop()
        for p in graph.predecessors(j):
            if p > lo and p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def hoisted_order(graph: TaskGraph, i: int, k: int) -> tuple[list[int], set[int]]:
    """Program order with ``k`` (and its ancestors after ``i``) moved before ``i``.

    A topological order whenever the graph has no path ``i -> k``.
    """
    moved = ancestors_between(graph, i, k)
    order = list(range(i)) + sorted(moved) + [j for j in range(i, len(graph)) if j not in moved]
    return order, moved


# --------------------------------------------------------------------------
# checking one program


@dataclass
class Program:
    source: str
    tree: ast.Module
    script: Script
    graph: TaskGraph
    codes: list
    reference: Run | None = None
    notes: list[str] = field(default_factory=list)


def prepare(source: str, graph: TaskGraph | None = None) -> Program:
    # loops stay single statements here: this oracle runs statements in one
    # namespace; split loops need the worker runtime and are checked end to
    # end (tests/loops, tests/conformance)
    script = analyze_source(source, FILENAME, loops=False) if graph is None else graph.script
    tree = ast.parse(source, FILENAME)
    if graph is None:
        graph = build_graph(script)
    return Program(source, tree, script, graph, compile_statements(script, tree))


def graph_problems(p: Program) -> list[str]:
    """Structural invariants of the analysis and the graph."""
    probs = []
    n = len(p.script.statements)
    for k, s in enumerate(p.script.statements):
        if s.id != k:
            probs.append(f"statement at position {k} has id {s.id}")
        node = locate(p.tree, s.path)
        if (node.lineno, node.col_offset) != (s.lineno, s.col_offset):
            probs.append(f"statement {k}: path {s.path} is line {node.lineno} col {node.col_offset},"
                         f" statement says line {s.lineno} col {s.col_offset}")
    paths = [s.path for s in p.script.statements]
    if paths != sorted(paths):
        probs.append(f"statements are not in program order: {paths}")
    for a, b in zip(paths, paths[1:]):
        if b[: len(a)] == a:
            probs.append(f"statement path {a} contains statement path {b}: it would run twice")
    if {q[0] for q in paths} != set(range(len(p.tree.body))):
        probs.append(f"top-level statements missing from the analysis: "
                     f"{sorted(set(range(len(p.tree.body))) - {q[0] for q in paths})}")
    for e in p.graph.edges:
        if not (0 <= e.src < n and 0 <= e.dst < n):
            probs.append(f"edge {e} names a statement that does not exist")
        if e.src == e.dst:
            probs.append(f"self edge {e}")
        elif e.src > e.dst:
            probs.append(f"backward edge {e}")
        if not isinstance(e.kind, EdgeKind):
            probs.append(f"edge {e} has kind {e.kind!r}")
    seen: dict[int, int] = {}
    for g, group in enumerate(p.graph.colocate):
        if len(group) < 2 or list(group) != sorted(group):
            probs.append(f"co-location group {group} is not a sorted group of two or more")
        for i in group:
            if not 0 <= i < n:
                probs.append(f"co-location group {group} names statement {i} that does not exist")
            if i in seen:
                probs.append(f"statement {i} is in co-location groups {seen[i]} and {g}")
            seen[i] = g
    return probs


def differences(ref: Run, run: Run) -> list[str]:
    """What differs, first the earliest differing statement in run's order."""
    out = []
    for i in run.order:
        if run.outputs[i] != ref.outputs[i]:
            out.append(("output", i))
            break
    for name in sorted(set(ref.final) | set(run.final)):
        if ref.final.get(name) != run.final.get(name):
            out.append(("var", name))
    if ref.random_state != run.random_state:
        out.append(("random", None))
    return out


def describe_statement(p: Program, i: int) -> str:
    s = p.script.statements[i]
    first = s.source.splitlines()[0] if s.source else ""
    if len(s.source.splitlines()) > 1:
        first += " ..."
    return f"statement {i} (line {s.lineno}) `{first}`"


def describe_analysis(p: Program, i: int) -> str:
    s = p.script.statements[i]
    def fmt(xs):
        return "{" + ", ".join(sorted(xs)) + "}"
    return (f"  s{i} line {s.lineno}: reads={fmt(s.reads)} writes={fmt(s.writes)} "
            f"mutates={fmt(s.mutates)} resources={fmt(s.resources)} barrier={s.barrier}")


def explain(p: Program, run: Run, diffs) -> list[str]:
    ref = p.reference
    lines = []
    for kind, what in diffs[:8]:
        if kind == "output":
            lines.append(f"first statement (in this order) whose output differs: {describe_statement(p, what)}")
            lines.append(f"    program order printed: {ref.outputs[what]!r}")
            lines.append(f"    this order printed:    {run.outputs[what]!r}")
            early = [j for j in run.order[: run.order.index(what)] if j > what]
            late = [j for j in run.order[run.order.index(what):] if j < what]
            lines.append(f"    it ran after later statements {early[:12]} and before earlier ones {late[:12]}")
            lines.append(f"    graph edges into it: "
                         f"{[(e.src, e.kind.value, e.vars) for e in p.graph.in_edges(what)]}")
        elif kind == "var":
            lines.append(f"final variable {what!r} differs:")
            lines.append(f"    program order: {ref.final.get(what, '<unbound>')[:300]}")
            lines.append(f"    this order:    {run.final.get(what, '<unbound>')[:300]}")
        else:
            lines.append("the state of the random module differs at the end")
    return lines


def find_dropped_edges(p: Program, budget_runs: int = 1500, budget_s: float = 20.0, want: int = 3):
    """Pairs (i, k): hoisting k above i (no path i -> k) changes the behaviour."""
    n = len(p.graph)
    cands = []
    for k in range(n):
        for i in range(k):
            if not has_path(p.graph, i, k):
                order, moved = hoisted_order(p.graph, i, k)
                cands.append((len(moved), k - i, i, k, order))
    cands.sort(key=lambda c: c[:4])
    found = []
    t0 = time.monotonic()
    for runs, (nmoved, _, i, k, order) in enumerate(cands):
        if runs >= budget_runs or time.monotonic() - t0 > budget_s:
            break
        run = run_order(p.codes, order)
        d = differences(p.reference, run)
        if d:
            found.append((i, k, nmoved, run, d))
            if len(found) >= want:
                break
    return found


def numbered(source: str) -> str:
    return "\n".join(f"{k:4}| {line}" for k, line in enumerate(source.splitlines(), 1))


def failure_message(p: Program, run: Run, diffs, label: str, diagnose: bool) -> str:
    lines = [f"taskpar's analysis is UNSOUND on a generated program ({label}):",
             f"order used (statement ids): {run.order}"]
    lines += explain(p, run, diffs)
    if diagnose:
        found = find_dropped_edges(p)
        if found:
            lines.append("dropped dependencies (program order with ONE statement hoisted is wrong):")
            for i, k, nmoved, hrun, d in found:
                lines.append(f"  - {describe_statement(p, k)} must run after {describe_statement(p, i)}"
                             + (f" (hoisted together with its ancestors {sorted(m for m in ancestors_between(p.graph, i, k) if m != k)})" if nmoved > 1 else ""))
                lines.append("    the graph has no path between them; hoisting shows:")
                lines += ["      " + x for x in explain(p, hrun, d)[:4]]
                lines.append(describe_analysis(p, i))
                lines.append(describe_analysis(p, k))
        else:
            lines.append("no single hoisted statement reproduces it (it needs two inversions; see the order)")
    lines.append("program:")
    lines.append(numbered(p.source))
    return "\n".join(lines)


def check_program(source: str, *, seed: int = 0, graph: TaskGraph | None = None,
                  diagnose: bool = True, label: str = "") -> str | None:
    """None if sound on this program, else a message for a developer."""
    p = prepare(source, graph)
    probs = graph_problems(p)
    if probs:
        return "graph invariants violated:\n  " + "\n  ".join(probs) + "\nprogram:\n" + numbered(source)
    p.reference = ref = run_order(p.codes, list(range(len(p.graph))))
    if ref.raised:
        i = min(ref.raised)
        return (f"generator bug: program order raised at {describe_statement(p, i)}: "
                f"{ref.raised[i]}\nprogram:\n{numbered(source)}")
    rng = random.Random(seed)
    orders = [linear_extension(p.graph)] + [linear_extension(p.graph, rng) for _ in range(RANDOM_ORDERS)]
    for order in orders:
        run = run_order(p.codes, order)
        diffs = differences(ref, run)
        if diffs:
            return failure_message(p, run, diffs, label or f"seed {seed}", diagnose)
    return None


# --------------------------------------------------------------------------
# minimizing a failing seeded program (statement deletion)


def _splice_main(tree: ast.Module) -> ast.Module:
    body = []
    for node in tree.body:
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Name) and node.test.left.id == "__name__"):
            body.extend(node.body)
        else:
            body.append(node)
    return ast.Module(body=body, type_ignores=[])


def minimize(source: str, budget_s: float = 30.0) -> str:
    """Delete top-level statements while the program stays valid and unsound."""
    def fails(src: str) -> bool:
        try:
            msg = check_program(src, diagnose=False)
        except Exception:  # noqa: BLE001 - e.g. the analysis crashing on it
            return False
        return msg is not None and not msg.startswith(("generator bug", "graph invariants"))

    body = _splice_main(ast.parse(source)).body
    cur = ast.unparse(ast.Module(body=body, type_ignores=[])) + "\n"
    if not fails(cur):
        return source
    t0 = time.monotonic()
    changed = True
    while changed and time.monotonic() - t0 < budget_s:
        changed = False
        for k in range(len(body) - 1, -1, -1):
            trial = body[:k] + body[k + 1:]
            src = ast.unparse(ast.Module(body=trial, type_ignores=[])) + "\n"
            if fails(src):
                body, cur, changed = trial, src, True
            if time.monotonic() - t0 > budget_s:
                break
    return cur


def _in_final_hypothesis_run() -> bool:
    try:
        from hypothesis.control import current_build_context

        return current_build_context().is_final
    except Exception:  # noqa: BLE001 - not under hypothesis or API changed
        return True


# --------------------------------------------------------------------------
# the tests


@pytest.mark.timeout(300)
@settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, print_blob=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(source=programs(min_statements=20, max_statements=60))
def test_oracle_hypothesis_programs(source):
    note(source)
    msg = check_program(source, label="hypothesis", diagnose=_in_final_hypothesis_run())
    assert msg is None, msg


@pytest.mark.timeout(300)
def test_oracle_seeded_programs():
    """SEEDED_PROGRAMS reproducible programs; a failure is minimized first."""
    for seed in range(SEEDED_PROGRAMS):
        source = program_from_seed(seed)
        msg = check_program(source, seed=seed, diagnose=False)
        if msg is None:
            continue
        if msg.startswith(("generator bug", "graph invariants")):
            pytest.fail(f"seed {seed}: {msg}")
        small = minimize(source)
        full = check_program(small, seed=seed, label=f"seed {seed}, minimized") or msg
        pytest.fail(f"program_from_seed({seed}) (tests/progen.py), minimized by deleting "
                    f"statements:\n{full}")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_generated_programs_run_under_python(seed, tmp_path):
    """Valid, deterministic, fast, and it cleans up its temp dir."""
    src = program_from_seed(seed)
    assert len(ast.parse(src).body) >= 20
    script = tmp_path / "prog.py"
    script.write_text(src)
    outs = []
    for hashseed in ("0", "12345"):
        tmpdir = tmp_path / f"tmp{hashseed}"
        tmpdir.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=hashseed, TMPDIR=str(tmpdir))
        r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                           timeout=30, env=env, cwd=tmp_path)
        assert r.returncode == 0, f"{r.stderr}\nprogram:\n{numbered(src)}"
        assert r.stderr == ""
        assert list(tmpdir.iterdir()) == [], "the program left files behind"
        outs.append(r.stdout)
    assert outs[0] == outs[1], "output depends on the hash seed"
    assert outs[0].count("\n") >= 5


def test_generator_covers_every_construct():
    """Over a few dozen seeds, every construct the oracle must exercise appears."""
    text = "\n".join(program_from_seed(s) for s in range(60))
    wanted = {
        "global write in a function": "    global x",
        "nonlocal closure": "nonlocal c",
        "cell closure": "c = [v]",
        "lambda": "lambda v:",
        "transitive call": "return (f",
        "identity function": "    return v\n",
        "param mutator": "    v.append(",
        "default at def time": ", k=",
        "decorator": "@dec",
        "class counter": "K.count += 1",
        "instance": "= K(",
        "bound method": ".add\n",
        "attribute store": ".v = ",
        "attribute delete": "del x",
        "instance items alias": ".items\n",
        "alias of element": "[0] if",
        "list of lists": "= [x",
        "append": ".append(",
        "extend": ".extend(",
        "sort": ".sort(",
        "pop": ".pop()",
        "item store": "[0] = ",
        "dict store": "['",
        "dict delete": "    del x",
        "augassign list": "+= [",
        "comprehension": " for v in ",
        "walrus": ":= ",
        "del name": "\ndel x",
        "for": "\nfor x",
        "while": "\nwhile x",
        "if": "\nif ",
        "try": "\ntry:",
        "except NameError": "except NameError:",
        "random.seed": "random.seed(",
        "random.random": "random.random()",
        "random.shuffle": "random.shuffle(",
        "file write": "'w') as fh",
        "file read": "fh.read()",
        "file remove": "os.remove(",
        "temp dir": "tmp = tempfile.mkdtemp()",
        "cleanup": "shutil.rmtree(tmp)",
        "main guard": 'if __name__ == "__main__":',
        "two statements on a line": "; ",
    }
    missing = [k for k, v in wanted.items() if v not in text]
    assert not missing, f"the generator never produced: {missing}"
    # and they print plenty: after the six-statement prelude, at least a third
    # of the statements print (the others are mostly assignments whose value
    # the next statement prints)
    for s in range(20):
        body = ast.parse(program_from_seed(s)).body[6:]
        printing = sum("print(" in ast.unparse(n) or "fh.write" in ast.unparse(n) for n in body)
        assert printing >= len(body) / 3, f"seed {s}: only {printing} of {len(body)} statements print"


def test_hypothesis_strategy_generates_valid_programs():
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(source=programs())
    def inner(source):
        tree = ast.parse(source)
        assert len(tree.body) >= 20
        ns = {"__name__": "__main__", "__builtins__": builtins}
        with sandbox(), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, FILENAME, "exec"), ns)

    inner()


# --------------------------------------------------------------------------
# the oracle can fail


def _stmt(i, line, src, reads=(), writes=(), mutates=()):
    return Statement(id=i, lineno=line, col_offset=0, end_lineno=line, end_col_offset=len(src),
                     source=src, path=(i,), reads=frozenset(reads), writes=frozenset(writes),
                     mutates=frozenset(mutates))


ALIAS_PROGRAM = """a = [1, 2]
b = a
c = 10
b.append(3)
print(a, c)
"""


def _alias_script(mutates_alias: bool) -> Script:
    lines = ALIAS_PROGRAM.splitlines()
    return Script(FILENAME, ALIAS_PROGRAM, (
        _stmt(0, 1, lines[0], writes="a"),
        _stmt(1, 2, lines[1], reads="a", writes="b"),
        _stmt(2, 3, lines[2], writes="c"),
        # sound: the mutation through b also mutates its alias a
        _stmt(3, 4, lines[3], mutates={"a", "b"} if mutates_alias else {"b"}),
        _stmt(4, 5, lines[4], reads={"a", "c"}),
    ))


def test_oracle_accepts_a_correct_hand_made_graph():
    g = build_graph(_alias_script(mutates_alias=True))
    assert check_program(ALIAS_PROGRAM, graph=g) is None


def test_oracle_reports_a_missing_alias_edge():
    """Analysis forgets that ``b.append`` mutates ``a`` too: the edge 3 -> 4 goes."""
    good = build_graph(_alias_script(mutates_alias=True))
    bad = build_graph(_alias_script(mutates_alias=False))
    assert has_path(good, 3, 4) and not has_path(bad, 3, 4)
    msg = check_program(ALIAS_PROGRAM, graph=bad, label="hand-made")
    assert msg is not None
    assert "UNSOUND" in msg
    assert "statement 4 (line 5) `print(a, c)`" in msg  # first differing output
    assert "program order printed: '[1, 2, 3] 10\\n'" in msg
    # the diagnosis names the dropped dependency
    assert ("statement 4 (line 5) `print(a, c)` must run after statement 3 (line 4) `b.append(3)`"
            in msg), msg
    assert "print(a, c)" in msg and "   5| print(a, c)" in msg


def test_oracle_reports_a_dropped_edge_of_a_real_graph():
    """Remove an edge the graph needs (from whatever analysis is installed)."""
    p = prepare(ALIAS_PROGRAM)
    g = p.graph
    # the graph of a sound analysis orders the mutation before the print
    assert has_path(g, 3, 4)
    edges = tuple(e for e in g.edges if e.dst != 4 or e.src == 2)
    broken = TaskGraph(script=g.script, edges=edges, colocate=g.colocate)
    msg = check_program(ALIAS_PROGRAM, graph=broken, label="edges into 4 dropped")
    assert msg is not None and "UNSOUND" in msg, msg


def test_oracle_notices_sharing_differences():
    """Same values, different sharing: ``b is a`` at the end in one order only."""
    src = "a = [1]\nb = a\na = [1]\n"
    script = Script(FILENAME, src, (
        _stmt(0, 1, "a = [1]", writes="a"),
        _stmt(1, 2, "b = a", reads="a", writes="b"),
        _stmt(2, 3, "a = [1]", writes="a"),
    ))
    # the WAR edge 1 -> 2 is missing: latest-first runs 0, 2, 1
    g = TaskGraph(script=script, edges=(Edge(0, 1, EdgeKind.RAW, ("a",)),
                                        Edge(0, 2, EdgeKind.WAW, ("a",))))
    msg = check_program(src, graph=g, label="hand-made")
    assert msg is not None and "final variable 'b' differs" in msg, msg
    assert "statement 2 (line 3) `a = [1]` must run after statement 1 (line 2) `b = a`" in msg, msg


def test_linear_extensions_respect_edges():
    p = prepare(program_from_seed(3))
    rng = random.Random(1)
    for order in [linear_extension(p.graph)] + [linear_extension(p.graph, rng) for _ in range(5)]:
        pos = {i: k for k, i in enumerate(order)}
        assert sorted(order) == list(range(len(p.graph)))
        assert all(pos[e.src] < pos[e.dst] for e in p.graph.edges)
