"""Split loops in a generated mpi4py program: the scatter/gather block.

Input: a ``Plan`` made with loops split (``analysis.loops``: per split loop
an *items* statement, *part p* statements and *chain p* statements, see
``runtime.loops``), and the statements' text. Output, per loop statement,
what ``generate.generate_mpi`` writes in its rank's block: comments, and the
code of the statement with the script's positions. ``SplitLoops`` decides
and describes; ``generate`` formats; the generated program runs it with
``generate_loop_helpers.LOOP_HELPERS`` (emitted once, after its other
helpers).

What the generated program does with a loop that gets the block::

    loop's rank            items: the iterable evaluated once; the target
      │                    values the parts read, cut into blocks, pickled
      │ scatter ─send(share=blocks of rank j)─▶ rank j
      │                    part p (any rank): the body's private statements
      │                    and hoisted calls for block p, an iteration at a
      │                    time, output and errors recorded per iteration
      │ ◀─gather── results of part p (pickled per block, or per iteration)
      ▼
    chain p (loop's rank)  the loop itself over block p, in order: a part's
                           result is taken (its output replayed, its error
                           raised where python raises it) instead of running
                           that piece again; what did not arrive runs here

The chain's code is ``runtime.loopcode.statement_ast`` itself (written out
with ``ast.unparse``, the ``runner`` argument dropped): the same loop, the
same ``take``/``value``/``has`` calls the local, Dask and MPI backends run.
Its nodes keep the script's positions: the generated text is parsed again
at run time and each node gets its (line, column, end line, end column)
from the ``AT`` table, so tracebacks and carets are python's. A statement
whose text would not parse back to the same tree is not written this way
(the loop then runs whole, below).

Which loops get the block: every split ``for`` loop (``LoopSplit`` with
neither ``comp`` nor ``outer``): with ``break``/``continue``/``else``,
global generators each iteration seeds (``fresh``), refitted estimators as
items (``shareable``), in ``main()``. At run time such a loop still runs as
written on its rank (the chain's first block runs it all, as the runtime's
serial mode does) when its items are a lazy iterator (a generator, or a
plain iterator of a loop that may ``break``), more than ``MAX_ITEMS``, items
the target cannot unpack, items that are or hold one mutable object
(``loopitems._shared_items``'s rule), or items plain pickle cannot send; an
iteration's result that pickle cannot send, or that holds an object the
pieces read, is recomputed by the chain.

Which loops stay whole statements (one ``run`` on the loop's rank, the
loop's text as written, exactly as with ``loops=False``): comprehensions,
``map`` and generators fed to ``sum`` (``comp``: their elements need the
comprehension's own frame and name handling) and two nested loops run as
one loop over pairs (``outer``). Their items, parts and other chains are
left out of the program (rank 0 files them as done, silently), and so are
the messages between them; the chain's first block, which the plan places
after everything the loop reads, runs the whole loop.

Limits (besides ``generate``'s): plain pickle only (a part's result holding
a lambda is recomputed by the chain, items holding one keep the loop
serial); a warning issued in a part is shown each time, not once per
location.
"""

from __future__ import annotations

import ast
import copy
import textwrap

from .analysis.loops import node_at
from .analysis.unroll import expr_at
from .runtime.loopcode import HOIST_VALUE, RUNNER, compile_loop, statement_ast

__all__ = ["SplitLoops"]


class _NotWritable(Exception):
    """The loop's code does not survive ``ast.unparse`` exactly."""


def _placed(node, where):
    """``node`` with every position it lacks taken from ``where``."""
    for n in ast.walk(node):
        if "lineno" in n._attributes and not hasattr(n, "lineno"):
            ast.copy_location(n, where)
    return node


def _without_runner(body: list[ast.stmt]) -> list[ast.stmt]:
    """``__tp_rt.f(..., __tp_runner)`` -> ``__tp_rt.f(...)`` (no progress reports here)."""
    for n in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(n, ast.Call):
            n.args = [a for a in n.args if not (isinstance(a, ast.Name) and a.id == RUNNER)]
    return body


def written(body: list[ast.stmt]) -> tuple[str, list[tuple[int, int, int, int]]]:
    """``(text, positions)``: ``body`` as source, and per node (``ast.walk``
    order) its line, column, end line and end column in the script."""
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    text = ast.unparse(module)
    if ast.dump(ast.parse(text)) != ast.dump(module):
        raise _NotWritable(text)
    at = []
    for n in ast.walk(module):
        if "lineno" in n._attributes:
            line, col = n.lineno, n.col_offset
            end_line = line if n.end_lineno is None else n.end_lineno
            at.append((line, col, end_line, col if n.end_col_offset is None else n.end_col_offset))
    return text, at


def _wrapped(text: str, indent: str, width: int = 92) -> list[str]:
    """A long string literal as implicitly joined pieces, one a line."""
    pieces = textwrap.wrap(text, width, break_on_hyphens=False, drop_whitespace=False) or [""]
    return [f"{indent}{piece!r}" for piece in pieces]


def _short(text: str, n: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _ranks(ranks) -> str:
    ranks = sorted(set(ranks))
    if len(ranks) == 1:
        return f"rank {ranks[0]}"
    if ranks == list(range(ranks[0], ranks[-1] + 1)):
        return f"ranks {ranks[0]}-{ranks[-1]}"
    return "ranks " + ", ".join(map(str, ranks))


def _blocks(parts) -> str:
    """Blocks numbered from 1 for readers: ``blocks 1, 3-5``."""
    nums = sorted(p + 1 for p in parts)
    runs, start = [], nums[0]
    for a, b in zip(nums, nums[1:] + [None]):
        if b != a + 1:
            runs.append(str(start) if start == a else f"{start}-{a}")
            start = b
    return ("block " if len(nums) == 1 else "blocks ") + ", ".join(runs)


class SplitLoops:
    """The split loops of a plan, as the generated program runs them.

    ``where``: statement -> rank (``Exec`` ops that are not replicas);
    ``texts``: ``(first line, text)`` per statement (``generate``).
    """

    def __init__(self, plan, where: dict[int, int], texts, flags: int = 0):
        self.graph = plan.graph
        script = self.graph.script
        self.script = script
        self.where = where
        self.texts = texts
        tree = ast.parse(script.source)
        self.splits = {sp.index: sp for sp in script.loops}
        self.nodes = {k: node_at(tree, sp.path) for k, sp in self.splits.items()}
        self.stmts: dict[int, list[int]] = {}  # loop -> its statements
        for s in self.graph.statements:
            if s.loop is not None:
                self.stmts.setdefault(s.loop[0], []).append(s.id)
        #: loop -> why it runs whole ("" for a loop with the block)
        self.whole: dict[int, str] = {}
        #: statement -> (text, positions) of a loop statement with the block
        self.code: dict[int, tuple[str, str]] = {}
        #: loop -> the distinct positions of its code's nodes, numbered
        self.spots: dict[int, dict[tuple, int]] = {}
        #: loop -> (target function text, units, compiled LoopCode)
        self.parts_code: dict[int, tuple] = {}
        for k, sp in self.splits.items():
            why = self._why_whole(sp)
            if not why:
                try:
                    self._write(k, sp, flags)
                except _NotWritable:
                    why = "its code does not read back from ast.unparse exactly"
            self.whole[k] = why
        self._announced: set[tuple[int, int]] = set()

    # ---------------------------------------------------------------- deciding

    @staticmethod
    def _why_whole(sp) -> str:
        if sp.comp:
            return (f"a {'comprehension' if sp.comp[0] != 'map' else 'map()'}: generated programs "
                    "do not split its elements")
        if sp.outer:
            return "two nested loops: generated programs do not split their pairs"
        return ""

    def _write(self, k: int, sp, flags: int) -> None:
        node = self.nodes[k]
        spots: dict[tuple, int] = {}

        def coded(body) -> tuple[str, str]:
            """The code's text, and per node the number of its position in ``spots``."""
            text, at = written(body)
            return text, " ".join(str(spots.setdefault(a, len(spots))) for a in at)

        code = {}
        for i in self.stmts[k]:
            _, role, p = self.graph.statements[i].loop
            code[i] = coded(_without_runner(statement_ast(sp, copy.deepcopy(node), role, p)))
        units = []
        for j, stmt in enumerate(node.body):
            if j in sp.pieces:
                units.append(("piece", sp.pieces.index(j), coded([copy.deepcopy(stmt)])))
            for h, (jh, address) in enumerate(sp.hoists):
                if jh == j:
                    expr = copy.deepcopy(expr_at(stmt, tuple(address)))
                    assign = ast.Assign(targets=[ast.Name(HOIST_VALUE, ast.Store())], value=expr)
                    units.append(("hoist", h, coded([_placed(assign, expr)])))
        self.code.update(code)
        self.spots[k] = spots
        # the loop's own rules for its pieces (which outputs are marked,
        # which hoists only give numbers and strings), as the runtime has them
        compiled = compile_loop(sp, node, self.script.filename, flags)
        target = ast.FunctionDef(
            name=f"target_values_{k}",
            args=ast.arguments(posonlyargs=[], args=[ast.arg("item")], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=[]),
            body=[ast.Assign(targets=[copy.deepcopy(node.target)], value=ast.Name("item", ast.Load())),
                  ast.Return(ast.Tuple([ast.Name(n, ast.Load()) for n in sp.target_reads], ast.Load()))],
            decorator_list=[], returns=None, type_comment=None)
        text = ast.unparse(ast.fix_missing_locations(ast.Module(body=[target], type_ignores=[])))
        self.parts_code[k] = (text, units, compiled)

    def loop_of(self, stmt: int) -> int | None:
        loop = self.graph.statements[stmt].loop
        return None if loop is None else loop[0]

    def silent(self, stmt: int) -> bool:
        """A statement of a loop that runs whole, other than the one that runs it."""
        k = self.loop_of(stmt)
        return k is not None and bool(self.whole[k]) and self.graph.statements[stmt].loop[1:] != ("chain", 0)

    def has_block(self, stmt: int) -> bool:
        """A statement of a loop that gets the scatter/gather block."""
        return stmt in self.code

    def runs_whole(self, stmt: int) -> str:
        """Why this statement runs its loop whole ("" if it does not)."""
        k = self.loop_of(stmt)
        if k is None or not self.whole[k] or self.silent(stmt):
            return ""
        return self.whole[k]

    def _var_loop(self, var: str | None) -> tuple[int, str] | None:
        """``(loop, "items" | part number as text)`` of a hidden loop variable."""
        if var is None or not var.startswith("__tp_L"):
            return None
        name, _, rest = var[6:].partition("_")
        return int(name), rest

    def dropped(self, op) -> bool:
        """A message between statements of a loop that runs whole: left out."""
        hidden = self._var_loop(op.var)
        return hidden is not None and bool(self.whole[hidden[0]])

    @property
    def silent_statements(self) -> list[int]:
        return [s.id for s in self.graph.statements if s.loop is not None and self.silent(s.id)]

    @property
    def any_block(self) -> bool:
        return any(not why for why in self.whole.values())

    # ---------------------------------------------------------------- describing

    def _span(self, k: int) -> str:
        first, text = self.texts[self.stmts[k][0]]
        last = first + text.count("\n")
        return f"line {first}" if first == last else f"lines {first}-{last}"

    def _apart(self, k: int) -> str:
        sp, node = self.splits[k], self.nodes[k]
        what = [f"line {node.body[j].lineno} ({_short(ast.unparse(node.body[j]), 40)})" for j in sp.pieces]
        what += [f"{_short(ast.unparse(expr_at(node.body[j], tuple(a))), 40)} of line {node.body[j].lineno}"
                  for j, a in sp.hoists]
        return ", ".join(what)

    def _part_ranks(self, k: int) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in self.stmts[k]:
            _, role, p = self.graph.statements[i].loop
            if role == "part":
                out.setdefault(self.where[i], []).append(p)
        return out

    def _home(self, k: int) -> int:
        return self.where[self.stmts[k][0]]  # the items' rank runs the chains too

    def header(self, op, rank: int) -> list[str]:
        """The comment that opens a loop's block on ``rank``, before its first op there."""
        k = self.loop_of(op.stmt) if hasattr(op, "stmt") else (self._var_loop(op.var) or (None,))[0]
        if k is None or self.whole[k] or (k, rank) in self._announced:
            return []
        self._announced.add((k, rank))
        sp, home, parts = self.splits[k], self._home(k), self._part_ranks(k)
        bar = "# " + "-" * 76
        what = (f"{self._apart(k)} {'runs' if len(sp.pieces) + len(sp.hoists) == 1 else 'run'} apart "
                f"on {_ranks(parts)}; the rest of the body in order on rank {home}")
        lines = [bar, f"# split loop of {self._span(k)} (scatter/gather, {sp.parts} blocks of iterations):"]
        keep = "\0"  # "rank 1", "ranks 0-2" stay on one line
        what = what.replace("rank ", "rank" + keep).replace("ranks ", "ranks" + keep)
        lines += ["#   " + ln.replace(keep, " ") for ln in textwrap.wrap(what, 86)]
        if rank == home:
            lines.append("#   here: the items, sent to the ranks of the parts (scatter), and the loop in")
            lines.append("#   order, taking each iteration's results from its part (gather)")
        if rank in parts:
            lines.append(f"#   parts here: {_blocks(parts[rank])}")
        return lines + [bar]

    def exec_lines(self, stmt: int) -> tuple[list[str], str]:
        """``(comments, code text)`` of a statement of a loop with the block
        (its positions are ``AT[stmt]`` in the program, see ``table``)."""
        k, role, p = self.graph.statements[stmt].loop
        sp = self.splits[k]
        text = self.code[stmt][0]
        if role == "items":
            notes = ["# items: the iterable evaluated once, as python does; the target values the parts",
                     f"# read cut into {sp.parts} blocks (the loop runs as written here if they cannot be)"]
        elif role == "part":
            notes = [f"# part {p + 1}/{sp.parts}: the private work of the iterations of block {p + 1}, "
                     "output and errors kept per iteration"]
        else:
            notes = [f"# in order {p + 1}/{sp.parts}: the loop itself over block {p + 1}, taking part "
                     f"{p + 1}'s results instead of running those pieces again"]
            if p == 0:
                notes.append("# (or the whole loop as written, when its items were not split)")
        return notes, text

    def message_note(self, op, rank: int) -> tuple[str, str] | None:
        """``(comment, extra arguments)`` for a Send/Recv of a loop's hidden value."""
        hidden = self._var_loop(op.var)
        if hidden is None or not (hidden[1] == "p" or hidden[1][:1] == "o"):
            return None
        k, rest = hidden
        if rest == "p":
            if hasattr(op, "to"):
                share = tuple(sorted(self._part_ranks(k).get(op.to, [])))
                return (f"# scatter: the items of {_blocks(share)} to rank {op.to}",
                        f", share={share!r}")
            return f"# scatter: receive this rank's items from rank {op.frm}", ""
        p = int(rest[1:])
        if hasattr(op, "to"):
            return f"# gather: part {p + 1}'s results to rank {op.to}", ""
        return f"# gather: receive part {p + 1}'s results from rank {op.frm}", ""

    # ---------------------------------------------------------------- the program's loop table

    def table(self, literal) -> list[str]:
        """Per loop with the block: its target function, ``SPOTS``, ``LOOPS``
        entry and the ``AT`` of its statements (``literal``: how ``generate``
        quotes a text)."""
        out = ["", "# ---------------------------------------------------------------- the split loops",
               "# SPOTS[loop]: (line, column, end line, end column) of the nodes of its code in the",
               "# script; AT[statement]: per node of its code, in ast.walk order, the number of its",
               "# spot (run() and Loop compile the code with them: tracebacks are python's)",
               "SPOTS, AT = {}, {}"]
        for k, sp in self.splits.items():
            if self.whole[k]:
                continue
            first, text = self.texts[self.stmts[k][0]]
            target, units, compiled = self.parts_code[k]
            out += ["", f"# {self._span(k)}: {self._apart(k)} run apart", "", target, ""]
            out.append(f"SPOTS[{k}] = (")
            spots = list(self.spots[k])
            for row in range(0, len(spots), 5):
                out.append("    " + " ".join(f"{a!r}," for a in spots[row:row + 5]))
            out.append(")")
            out.append(f"LOOPS[{k}] = Loop(")
            out.append(f"    {first}, {literal(text)},")
            out.append(f"    parts={sp.parts}, target_values=target_values_{k}, units=[")
            for kind, n, (code, at) in units:
                out.append(f"        ({kind!r}, {n}, {literal(code)}, (SPOTS[{k}], {at!r})),")
            out.append("    ],")
            marked = {n: tuple(sorted(v)) for n, v in compiled.marked.items() if v}
            fields = dict(target_reads=sp.target_reads, binds=sp.binds, outputs=sp.outputs,
                          marked=marked, reads=sp.reads, shareable=sp.shareable, fresh=sp.fresh,
                          touching=tuple(tuple(t) for t in sp.touching),
                          atoms=tuple(sorted(compiled.atoms)))
            for name, value in fields.items():
                out.append(f"    {name}={value!r},")
            out.append(")")
            seen: dict[str, int] = {}
            for i in self.stmts[k]:
                at = self.code[i][1]
                if at in seen:
                    out.append(f"AT[{i}] = AT[{seen[at]}]")
                    continue
                seen[at] = i
                out.append(f"AT[{i}] = (SPOTS[{k}], (")
                out += _wrapped(at, " " * 4)
                out.append("))")
        return out

