"""``taskpar generate --target mpi``: a Plan written out as one mpi4py program.

Input: a ``Plan`` (per-worker programs of ``Exec`` / ``Send`` / ``Recv`` ops,
see ``taskpar.plan``) and the path of the script it was made from. Output:
the text of a standalone Python program, ``generate_mpi(plan,
source_path=...) -> str``. The program needs only mpi4py (and whatever the
script itself imports) -- not taskpar -- and runs with::

    mpiexec -n N python OUT.py          # N = plan.workers, rank k = worker k+1

It prints exactly what ``python SCRIPT`` prints: the same stdout and stderr,
in the same order, and exits with the same status -- also when a statement
raises (python's traceback naming the script's file and line, status 1,
nothing printed by later statements) or calls ``sys.exit``.

Layout of the generated program::

    header comment        where it came from, how to run it
    constants             SCRIPT, RANKS, LINES (first line of each statement)
    helpers (~150 lines)  run / send / recv / wait_sent / finish, output replay
    split loops           only if the plan has one (``generate_loops``): their
                          helpers, and per loop its units, SPOTS and AT
    if rank == 0:         the statements rank 0 runs, in its order, each
        ...               after a "# line N" comment; sends and receives
    elif rank == 1:       commented with the variable, the line that makes
        ...               it and the lines that use it
    finish()              drain, wait for sends, barrier, rank 0 exits

Data flow at run time::

    rank k:  run(stmt) ─ capture stdout/stderr ─ report ──isend──▶ rank 0
             send(var)  ──isend (pkl5: pickle 5, arrays out of band)──▶ rank j
    rank 0:  reports ─▶ replay in statement order ─▶ the terminal

Split loops (``prepare(..., loops=True)``): a loop whose iterations have
private work is written as a scatter/gather block -- the loop's rank
evaluates the iterable and sends each rank the items of its parts, the
parts run on their ranks, their results come back, and the loop runs in
order on its rank taking them; comprehensions and nested loops over pairs
run whole, as one statement. Which loops get the block, and why the others
do not, is in ``generate_loops``.

Decisions and invariants:

* Statements are embedded as text (verbatim, indented to fit their block)
  and compiled with the script's file name, line and column, so tracebacks
  quote the script. If the script file is absent where the program runs,
  the embedded text is put into ``linecache`` so tracebacks still show it.
* The script's variables live in a fresh module registered as
  ``sys.modules["__main__"]`` (the program's own helpers live elsewhere, so
  a script may use any name). Plain pickle therefore finds the script's
  functions and classes by reference -- on a rank that ran their
  ``def``/``class`` too (the plan's replicas do that; replicas run silently).
  cloudpickle is not used: a value that plain pickle cannot send (a lambda,
  an open file) stops the run with a message naming the variable and line.
* Every message has its own tag (one per (variable, version, receiver),
  numbered from ``FIRST_TAG`` in plan order); tags 1 and 2 carry statement
  reports and stop notices. Sends are non-blocking (two ranks sending each
  other large values cannot deadlock); a rank waits for a pending send only
  before a statement that may change that variable in place
  (``wait_sent``), because pkl5 sends arrays from their own memory.
* A rank blocked in ``recv`` takes *any* message that arrives and files it
  by tag, so no rank ever blocks a sender for long.
* Failure: the failing rank broadcasts a stop notice with the statement's
  number F. Every rank keeps running statements before F (their output is
  still printed) and skips those after F. ``finish`` then tells every rank
  how many messages it was sent, each receives what it has not, sends
  complete, and all meet at a barrier -- no rank is killed and none hangs.
  A rank already inside a long statement after F finishes that statement
  first (python would not have run it; its output is discarded).

mpiexec (checked with the ``mpich`` 5.0 wheel, Hydra launcher): running as
root needs no flag (``--allow-run-as-root`` is Open MPI's); in a sandbox
without network Hydra starts local ranks with fork and works as is
(``-launcher fork`` / ``HYDRA_LAUNCHER=fork`` and ``-bind-to none`` are
accepted and harmless). mpiexec's exit status is rank 0's. An ``os._exit``
of one rank while others wait in MPI makes Hydra print "BAD TERMINATION"
and return 9, which is why failures are handled cooperatively instead.

Not handled (documented limits): output written below ``sys.stdout``
(``os.write(1, ...)``, subprocesses) bypasses the replay; warnings shown
once per location in python may be shown once per rank; a ``SyntaxWarning``
of the script appears with the statement rather than before all output.

Size (over 600 lines, on purpose): about 320 of them are ``_HELPERS``, the
generated program's own runtime, emitted verbatim into every program; the
generator proper is the first ~390 lines (split loops are described and
coded by ``generate_loops``, their runtime is ``generate_loop_helpers``).
"""

from __future__ import annotations

import __future__
import ast
import os
from collections import defaultdict

from .analysis.model import WARNINGS_FILTERS
from .generate_loop_helpers import LOOP_HELPERS
from .generate_loops import SplitLoops
from .plan import Exec, Plan, Recv, Send, replicable

__all__ = ["generate_mpi", "FIRST_TAG"]

#: tags below this are reserved (1: statement reports, 2: stop notices)
FIRST_TAG = 10
#: indentation of multi-line statement text inside a rank block; the
#: generated ``unindent`` removes exactly this much from each line
_INDENT = " " * 8


def generate_mpi(plan: Plan, *, source_path: str, program_name: str | None = None) -> str:
    """Return the text of a standalone mpi4py program that runs ``plan``.

    ``source_path``: the script the plan was made from; tracebacks name it
    (as an absolute path, as python does). ``program_name``: the file the
    text will be written to, only used in the "how to run" comment.

    Raises ValueError if the plan is inconsistent (a Recv without its Send,
    a statement run zero or two times).
    """
    script_path = os.path.abspath(os.fspath(source_path))
    graph = plan.graph
    stmts = graph.statements
    texts = _statement_texts(graph.script.source, stmts)
    lines = [t[0] for t in texts]
    _check(plan)
    tags = _tags(plan)
    where = {op.stmt: w for w, prog in enumerate(plan.programs) for op in prog
             if isinstance(op, Exec) and not op.replica}
    programs, for_values = _definitions_for_values(plan, where)
    features = _future_features(graph.script.source)
    loops = SplitLoops(plan, where, texts, sum(getattr(__future__, f).compiler_flag for f in features))

    def span(i: int) -> str:
        first, text = texts[i]
        last = first + text.count("\n")
        return f"line {first}" if first == last else f"lines {first}-{last}"

    def users(var: str | None, version: int, rank: int) -> str:
        kinds = ("RAW",) if var is not None else ("ORDER",)
        ids = sorted({e.dst for e in graph.out_edges(version)
                      if e.kind.value in kinds and where.get(e.dst) == rank
                      and (var is None or var in e.vars)})
        return ", ".join(str(lines[i]) for i in ids) or "?"

    def why(version: int, rank: int) -> str:
        what = sorted({v for e in graph.out_edges(version) if e.kind.value == "ORDER"
                       and where.get(e.dst) == rank for v in e.vars})
        return ", ".join(w.strip("<>") for w in what) or "ordering"

    name = os.path.basename(script_path)
    prog = program_name or f"{os.path.splitext(name)[0]}_mpi.py"
    n = plan.workers
    out: list[str] = [
        "#!/usr/bin/env python3",
        f"# Generated by taskpar from {script_path}",
        f"# for {n} MPI rank{'s' if n != 1 else ''} (rank k runs worker k+1 of the plan).",
        "#",
        f"# Run:  mpiexec -n {n} python {prog}",
        "# Needs mpi4py (and what the script imports); taskpar itself is not needed.",
        "#",
        "# Each rank runs the statements in its block below, in that order. Values",
        "# that one rank computes and another reads travel with send/recv; rank 0",
        "# prints every statement's output in the script's order, so the output is",
        f"# what `python {name}` prints. Statement text is compiled with the",
        "# script's file name and line numbers, so tracebacks point at the script.",
        "",
        f"SCRIPT = {script_path!r}",
        f"RANKS = {n}",
        f"LINES = {tuple(lines)!r}  # first line of each statement, by statement number",
        f"FUTURE = {tuple(features)!r}  # __future__ features of the script",
        "",
        _HELPERS.strip("\n"),
        "",
    ]
    if loops.any_block:
        out += ["", LOOP_HELPERS.strip("\n"), "", "", "HIDDEN.update(__tp_rt=_program, __tp_loops=LOOPS)"]
        out += loops.table(_literal)
    if loops.silent_statements:
        out += ["", "# statements of loops that run whole (in their first \"in order\" statement): nothing",
                "# to run or print for the others", "if rank == 0:",
                f"    for _stmt in {tuple(loops.silent_statements)!r}:",
                "        file_report(_stmt, \"ok\", [], 0)"]
    for w, ops in enumerate(programs):
        out.append("")
        out.append(f"# {'=' * 30} rank {w} {'=' * 30}")
        out.append(f"{'if' if w == 0 else 'elif'} rank == {w}:")
        body: list[str] = []
        pending: set[str] = set()  # variables this rank has sent and not waited for
        for k, op in enumerate(ops):
            if isinstance(op, Exec) and loops.silent(op.stmt) or isinstance(op, (Send, Recv)) and loops.dropped(op):
                continue
            body += loops.header(op, w)
            if isinstance(op, Exec):
                s = stmts[op.stmt]
                first, text = texts[op.stmt]
                if not op.replica:
                    changed = sorted((set(s.writes) | set(s.mutates)) & pending)
                    for v in changed:
                        body.append(f"# {v} is still being sent; wait before line {first} changes it")
                        body.append(f"wait_sent({v!r}, before={op.stmt})")
                        pending.discard(v)
                # the warnings filters python has there (see run())
                filters = (WARNINGS_FILTERS in s.reads, WARNINGS_FILTERS in s.writes)
                filtered = f", filters={filters}" if any(filters) else ""
                if loops.has_block(op.stmt):
                    notes, code = loops.exec_lines(op.stmt)
                    body += notes
                    body.append(f"run({op.stmt}, {first}, {_literal(code)}, at=AT[{op.stmt}]{filtered})")
                    continue
                note = ""
                if loops.runs_whole(op.stmt):
                    note = f" (a loop, run as one statement: {loops.runs_whole(op.stmt)})"
                elif (w, op.stmt) in for_values:
                    note = " (replica, silent: defined here too so that values made with it can be received)"
                elif op.replica:
                    note = f" (replica: also run here, silently, as rank {where[op.stmt]} runs it)"
                body.append(f"# {span(op.stmt)}{note}")
                extra = (", replica=True" if op.replica else "") + filtered
                body.append(f"run({op.stmt}, {first}, {_literal(text)}{extra})")
            elif isinstance(op, Send):
                tag = tags[(op.var, op.version, op.to)]
                hidden = loops.message_note(op, w)
                if hidden is not None:
                    body.append(hidden[0])
                    body.append(f"send({op.var!r}, to={op.to}, tag={tag}, after={op.version}{hidden[1]})")
                    continue
                if op.var is None:
                    body.append(f"# token: line {lines[op.version]} is done; rank {op.to} waits for it "
                                f"before line {users(None, op.version, op.to)} ({why(op.version, op.to)})")
                else:
                    body.append(f"# send {op.var} (made by line {lines[op.version]}) to rank {op.to}, "
                                f"used by line {users(op.var, op.version, op.to)}")
                    pending.add(op.var)
                body.append(f"send({op.var!r}, to={op.to}, tag={tag}, after={op.version})")
            elif isinstance(op, Recv):
                tag = tags[(op.var, op.version, w)]
                users_here = [o.stmt for o in ops[k + 1:] if isinstance(o, Exec) and not o.replica]
                consumer = next((i for i in users_here if not loops.silent(i)), users_here[0])
                hidden = loops.message_note(op, w)
                if hidden is not None:
                    body.append(hidden[0])
                elif op.var is None:
                    body.append(f"# token: wait until line {lines[op.version]} is done on rank {op.frm} "
                                f"({why(op.version, w)})")
                else:
                    body.append(f"# receive {op.var} (made by line {lines[op.version]} on rank {op.frm}), "
                                f"used by line {users(op.var, op.version, w)}")
                body.append(f"recv({op.var!r}, frm={op.frm}, tag={tag}, before={consumer})")
        if not body:
            body = ["pass  # nothing to run on this rank"]
        # one entry per line of code; a multi-line literal already carries its indentation
        out.extend("    " + b for b in body)
    out += ["", "finish()", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# statement text


def _statement_texts(source: str, stmts) -> list[tuple[int, str]]:
    """``(first line, text)`` of each statement, as it stands in the script.

    The text runs from the statement's first character (its first decorator
    for a decorated def/class) to its last; when the statement does not start
    its line, the part of the line before it becomes indentation (the same
    whitespace, or spaces if it was code such as ``if x:`` or ``a = 1;``), so
    that compiling the text gives the script's columns.
    """
    tree = ast.parse(source)
    raw = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = []
    for s in stmts:
        if getattr(s, "main_part", None):  # made by flattening main(args): no text of its own
            from .analysis.effects import _is_main_guard
            from .analysis.mainfn import find_main, main_part_node

            mc, _ = find_main(tree, _is_main_guard)
            out.append((s.lineno, ast.unparse(main_part_node(tree, mc, s.main_part))))
            continue
        node = tree.body[s.path[0]]
        for p in s.path[1:]:
            node = node.body[p]
        first, col = node.lineno, node.col_offset
        if getattr(node, "decorator_list", None):
            first = node.decorator_list[0].lineno
            line = raw[first - 1]
            col = len(line.encode()) - len(line.lstrip().encode())
        last, end_col = node.end_lineno, node.end_col_offset
        piece = [raw[i].encode() for i in range(first - 1, last)]
        piece[-1] = piece[-1][:end_col]
        prefix, piece[0] = piece[0][:col], piece[0][col:]
        pad = prefix.decode() if prefix.isspace() else " " * col
        text = pad + "\n".join(b.decode() for b in piece)
        out.append((first, text))
    return out


def _future_features(source: str) -> list[str]:
    tree = ast.parse(source)
    names = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            names += [a.name for a in node.names]
    return names


def _literal(text: str) -> str:
    """A readable string literal for ``text``: the text itself, verbatim when possible.

    One line: ``"..."``. Several lines: a triple-quoted raw string whose
    lines are indented by ``_INDENT`` (``unindent`` in the program removes
    it). Falls back to ``repr`` when the text cannot be quoted verbatim.
    """
    if "\n" not in text:
        candidates = [f'"{text}"', f"'{text}'"] if "\\" not in text else []
        candidates += [f'r"{text}"', f"r'{text}'", repr(text)]
        value = text
    else:
        value = "\n" + "\n".join(_INDENT + ln if ln else "" for ln in text.split("\n")) + "\n    "
        candidates = [f'r"""{value}"""', f"r'''{value}'''", repr(value)]
    for c in candidates:
        try:
            if ast.literal_eval(c) == value:
                return c
        except (SyntaxError, ValueError):
            continue
    raise AssertionError("repr always round-trips")  # pragma: no cover


# --------------------------------------------------------------------------
# plan checks and tags


def _definitions_for_values(plan: Plan, where: dict[int, int]):
    """Programs with extra replicas: a rank that receives a value also runs the
    script's (replicable) ``def``/``class`` statements made before it.

    Plain pickle sends an instance of a script class, or a script function
    inside a list, by reference (``__main__.Name``): the receiver must have
    run that definition. The plan replicates a definition only where a
    statement reads its name, so this adds the others (and the replicas
    they need) in front of the first ``Recv`` of such a value.
    Returns ``(programs, {(rank, stmt) of the added replicas})``.
    """
    graph = plan.graph
    reps = replicable(graph)
    defs = sorted(i for i in reps if graph.statements[i].kind in ("def", "class"))
    added: set[tuple[int, int]] = set()
    programs = []
    for w, prog in enumerate(plan.programs):
        have = {op.stmt for op in prog if isinstance(op, Exec) and op.replica}
        have |= {i for i, r in where.items() if r == w}
        ops: list = []

        def ensure(r: int) -> None:
            if r in have:
                return
            for e in graph.in_edges(r):
                ensure(e.src)
            have.add(r)
            added.add((w, r))
            ops.append(Exec(r, replica=True))

        for op in prog:
            if isinstance(op, Recv) and op.var is not None:
                for r in defs:
                    if r < op.version:
                        ensure(r)
            ops.append(op)
        programs.append(tuple(ops))
    return programs, added


def _check(plan: Plan) -> None:
    n = len(plan.graph.statements)
    runs: dict[int, int] = defaultdict(int)
    sends, recvs = set(), set()
    for w, prog in enumerate(plan.programs):
        for op in prog:
            if isinstance(op, Exec) and not op.replica:
                runs[op.stmt] += 1
            elif isinstance(op, Send):
                sends.add((op.var, op.version, w, op.to))
            elif isinstance(op, Recv):
                recvs.add((op.var, op.version, op.frm, w))
    bad = [i for i in range(n) if runs.get(i) != 1]
    if bad:
        raise ValueError(f"plan runs statements {bad} zero or several times; each must run once")
    if sends != recvs:
        raise ValueError(f"plan sends and receives do not match: sent only {sorted(sends - recvs, key=str)}, "
                         f"received only {sorted(recvs - sends, key=str)}")


def _tags(plan: Plan) -> dict[tuple[str | None, int, int], int]:
    """One tag per (variable, version, receiver), numbered in plan order."""
    tags: dict[tuple[str | None, int, int], int] = {}
    for prog in plan.programs:
        for op in prog:
            if isinstance(op, Send):
                tags.setdefault((op.var, op.version, op.to), FIRST_TAG + len(tags))
    return tags


# --------------------------------------------------------------------------
# the helper section of every generated program (kept short and commented)

_HELPERS = r'''
# ---------------------------------------------------------------- helpers
# How it works: every rank runs its block below. run() executes one
# statement in the script's namespace, capturing what it prints, and reports
# the output to rank 0, which prints all output in statement order. send()
# and recv() move values between ranks (mpi4py.util.pkl5: pickle protocol 5,
# large arrays sent out of band, no 2 GiB limit). When a statement fails, its
# rank tells the others; statements after it are skipped everywhere, as
# python would never have reached them; finish() ends all ranks together.
import ast
import importlib
import io
import linecache
import os
import pickle
import sys
import time
import traceback
import types
import warnings
import __future__

from mpi4py import MPI
from mpi4py.util import pkl5

comm = pkl5.Intracomm(MPI.COMM_WORLD)
rank = comm.Get_rank()


def abort(*exc_info):
    """An error in these helpers (not in the script): show it and stop every rank."""
    traceback.print_exception(*exc_info)
    sys.stderr.flush()
    MPI.COMM_WORLD.Abort(1)


sys.excepthook = abort
if comm.Get_size() != RANKS:
    if rank == 0:
        print(f"{sys.argv[0]}: made for {RANKS} ranks; run it with: mpiexec -n {RANKS} python {sys.argv[0]}",
              file=sys.stderr)
    sys.exit(2)

# The script's variables live in a fresh module named __main__, as under
# `python SCRIPT`, so that pickle finds the script's functions and classes.
_program = sys.modules["__main__"]
main = types.ModuleType("__main__")
main.__file__ = SCRIPT
sys.modules["__main__"] = main
sys.argv[0] = SCRIPT
sys.path[0] = os.path.dirname(SCRIPT)
G = main.__dict__

REPORT, STOP = 1, 2   # tags: statement output (to rank 0), "statement F failed" (to all)
INDENT = " " * 8      # indentation of multi-line statement text below
FLAGS = sum(getattr(__future__, f).compiler_flag for f in FUTURE)
OUT, ERR = sys.stdout, sys.stderr
stop_at = len(LINES)  # first failed statement known here; later ones are skipped
mailbox = {}          # tag -> (pickle, buffers) that arrived before it was needed
HIDDEN = {}           # a split loop's values (__tp_...) while none of its statements runs
sends = []            # (variable, request) of messages this rank has sent
sent = [0] * RANKS    # messages sent to / received from each rank
received = [0] * RANKS
reports = {}          # rank 0: statement -> (status, [(stream, text)], exit status)
next_stmt, exit_status = 0, 0


class Capture(io.TextIOBase):
    """sys.stdout / sys.stderr while a statement runs: keeps (stream, text) in order."""

    encoding, errors = "utf-8", "strict"

    def __init__(self, stream, chunks):
        self.stream, self.chunks = stream, chunks

    def writable(self):
        return True

    def write(self, text):
        self.chunks.append((self.stream, text))
        return len(text)


def unindent(source):
    """The statement as it stands in the script (multi-line text is indented here)."""
    if not source.startswith("\n"):
        return source
    return "\n".join(ln[len(INDENT):] if ln.startswith(INDENT) else ln for ln in source.split("\n")[1:-1])


def remember(lineno, text):
    """Where the script is absent, let tracebacks quote the embedded text of its lines."""
    if not os.path.exists(SCRIPT):
        cached = linecache.cache.setdefault(SCRIPT, (1, None, [], SCRIPT))[2]
        new = [ln + "\n" for ln in text.split("\n")]
        cached.extend(["\n"] * (lineno - 1 + len(new) - len(cached)))
        cached[lineno - 1:lineno - 1 + len(new)] = new


def compile_statement(lineno, text):
    """Compile one statement with the script's file name, line and column numbers."""
    remember(lineno, text)
    if text[:1].isspace():  # the statement does not start its line: parse it inside `if 1:`
        tree = ast.parse("if 1:\n" + text)
        tree.body = tree.body[0].body
        ast.increment_lineno(tree, lineno - 2)
    else:
        tree = ast.parse(text)
        ast.increment_lineno(tree, lineno - 1)
    return compile(tree, SCRIPT, "exec", FLAGS, dont_inherit=True)


def run(stmt, lineno, source, replica=False, at=None, filters=(False, False)):
    """Run statement `stmt` (line `lineno`) in the script's namespace and report its output.

    A replica re-runs a definition that another rank reports: its output is dropped.
    `at`: the script positions of a split loop's statement (see "split loops").
    `filters`: (whether it reads, whether it changes) the warnings filters: a
    statement after a change gets the filters as the variable __tp_warnings.
    """
    poll()
    if stmt >= stop_at:  # a statement before this one failed
        return
    if filters[0] and HIDDEN.get("__tp_warnings") not in (None, warnings.filters):
        warnings.filters[:] = HIDDEN["__tp_warnings"]
        warnings._filters_mutated()
    chunks, status, code = [], "ok", 0
    if at is not None:  # a split loop's hidden names are there only while its statements run
        G.update(HIDDEN)
    sys.stdout, sys.stderr = Capture(1, chunks), Capture(2, chunks)
    try:
        exec(compile_at(unindent(source), at) if at is not None
             else compile_statement(lineno, unindent(source)), G)
    except SystemExit as e:
        status, code = "exit", e.code if isinstance(e.code, int) else 0 if e.code is None else 1
        if not isinstance(e.code, (int, type(None))):
            print(e.code, file=sys.stderr)
    except BaseException as e:  # the script's own exception: python's traceback, status 1
        status, code = "error", 1
        if hasattr(e, "python_text"):  # a split loop's part met it: its traceback as python prints it
            sys.stderr.write(e.python_text)
        else:
            traceback.print_exception(type(e), e, e.__traceback__.tb_next)  # tb_next: start in the script
    finally:
        sys.stdout, sys.stderr = OUT, ERR
        if at is not None:
            HIDDEN.update((n, G.pop(n)) for n in [n for n in G if n.startswith("__tp_")])
    if filters[1]:
        HIDDEN["__tp_warnings"] = list(warnings.filters)
    if status != "ok":
        stop(stmt)
    if status != "ok" or not replica:
        report(stmt, status, chunks, code)


def stop(stmt):
    """Statement `stmt` failed: skip later statements here and tell every other rank."""
    global stop_at
    stop_at = min(stop_at, stmt)
    for r in range(RANKS):
        if r != rank:
            isend(stmt, r, STOP)


def isend(value, to, tag, var=None):
    sends.append((var, comm.isend(value, to, tag)))
    sent[to] += 1


def report(stmt, status, chunks, code):
    if rank == 0:
        file_report(stmt, status, chunks, code)
        replay()
    else:
        isend((stmt, status, chunks, code), 0, REPORT)


def file_report(stmt, status, chunks, code):
    global stop_at
    if status != "ok":
        stop_at = min(stop_at, stmt)
    if stmt not in reports or status != "ok":  # a failing replica outranks the report
        reports[stmt] = (status, chunks, code)


def replay():
    """Rank 0: print the output of statements next_stmt, next_stmt+1, ... that have reported."""
    global next_stmt, exit_status
    while next_stmt <= min(stop_at, len(LINES) - 1) and next_stmt in reports:
        status, chunks, code = reports.pop(next_stmt)
        for stream, text in chunks:
            (OUT if stream == 1 else ERR).write(text)
        OUT.flush()
        ERR.flush()
        if status != "ok":
            exit_status = code
        next_stmt += 1


def receive(block, source=MPI.ANY_SOURCE):
    """Take one message addressed to this rank (waiting for it if `block`); file it by tag."""
    global stop_at
    status = MPI.Status()
    probe = comm.mprobe if block else comm.improbe
    message = probe(source, MPI.ANY_TAG, status)
    if message is None:
        return False
    value = message.recv()
    received[status.Get_source()] += 1
    tag = status.Get_tag()
    if tag == REPORT:
        file_report(*value)
    elif tag == STOP:
        stop_at = min(stop_at, value)
    else:
        mailbox[tag] = value
    if rank == 0:
        replay()
    return True


def poll():
    """Take every message that has already arrived (stop notices, early values, output)."""
    while receive(block=False):
        pass


class Pickler(pickle.Pickler):
    """pickle, and modules by name (`import os` may be sent like any value)."""

    def reducer_override(self, obj):
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        return NotImplemented


def dumps(value, copy=False):
    """(pickle, buffers): pickle 5, arrays out of band (copied with `copy`: the value may change)."""
    buffers, data = [], io.BytesIO()

    def keep(buffer):
        try:
            buffers.append(bytes(buffer.raw()) if copy else buffer)
        except BufferError:  # not contiguous: pickled in band
            return True
        return False

    Pickler(data, 5, buffer_callback=keep).dump(value)
    return data.getvalue(), buffers


def loads(message):
    data, buffers = message
    return pickle.loads(data, buffers=buffers)


def namespace(var):
    """Where `var` lives: the script's namespace, or a split loop's hidden names."""
    return HIDDEN if var.startswith("__tp_") else G


def send(var, to, tag, after, share=None):
    """Send `var` as statement `after` left it to rank `to` (var None: an ordering token);
    `share`: of a split loop's items, only the blocks of the parts rank `to` runs."""
    if after >= stop_at:  # that statement failed or was skipped: nobody will wait for this
        return
    if var is not None and var not in namespace(var):  # not bound (a comprehension's variable):
        isend((None, []), to, tag, var)                # nor will it be on the receiving rank
        return
    try:
        value = None if var is None else namespace(var)[var]
        if share is not None and value is not None:
            n, blocks = value
            value = (n, {p: blocks[p] for p in share})
        # unpickled only by recv(), when the receiving rank has run the definitions it needs
        isend(dumps(value), to, tag, var)
    except Exception as e:  # pickling failed: not the script's fault, so say what and where
        print(f"taskpar-generated program: cannot send {var} (made by {SCRIPT}:{LINES[after]}) "
              f"from rank {rank} to rank {to}: {type(e).__name__}: {e}; run the statements "
              "that use it on one rank (pin them with `# taskpar: worker K`)", file=ERR, flush=True)
        comm.Abort(1)


def recv(var, frm, tag, before):
    """Wait for message `tag` from rank `frm` and bind `var` (None: a token), unless
    statement `before`, which needs it, will be skipped."""
    while tag not in mailbox:
        if before >= stop_at:
            return
        receive(block=True)
    message = mailbox.pop(tag)
    if message[0] is None:  # sent unbound
        namespace(var).pop(var, None)
        return
    try:
        value = loads(message)
    except Exception as e:  # e.g. an instance of a class this rank has not defined
        print(f"taskpar-generated program: cannot receive {var} on rank {rank} for "
              f"{SCRIPT}:{LINES[before]}: {type(e).__name__}: {e}; run the statements that "
              "make and use it on one rank (pin them with `# taskpar: worker K`)", file=ERR, flush=True)
        comm.Abort(1)
    if var is not None:
        namespace(var)[var] = value


def wait_sent(var, before):
    """Wait until earlier sends of `var` have left: statement `before` may change it in place."""
    for v, request in sends:
        while v == var and not request.test()[0]:
            if before >= stop_at:
                return
            poll()
            time.sleep(0.001)


def finish():
    """Every rank: receive what is still addressed to it, complete its sends, meet; rank 0 exits."""
    while rank == 0 and next_stmt <= min(stop_at, len(LINES) - 1):
        receive(block=True)  # wait for the output of every statement up to the end (or failure)
    expected = MPI.COMM_WORLD.alltoall(sent)
    for src in range(RANKS):
        while received[src] < expected[src]:  # messages for skipped statements
            receive(block=True, source=src)
    for _, request in sends:
        request.wait()
    MPI.COMM_WORLD.Barrier()
    if rank == 0:
        sys.exit(exit_status)
'''
