"""Loops split into iterations: which body statements may run apart.

Input: the analysed ``Script`` and its module AST. Output: the same script
where each top-level ``for`` loop whose iterations have private work is
replaced by statements that run that work in parallel (``LoopSplit``,
``Statement.loop``), and a note for every loop that stays one statement.

Design note (docs/architecture.md, "Loops"). A loop is analysed *unrolled twice*: a
synthetic module holds, in place of the loop, the evaluation of its
iterable (``I``), the target bound to an item (``T``), the body (copy A),
the target again and the body again (copy B), then the rest of the script.
The ordinary top-level pass (``effects.analyze_items``) and ``build_graph``
then say everything needed:

* an edge from a statement of copy A into one of copy B is a dependence
  carried from one iteration to the next;
* a statement of copy B is *private* when it touches no hidden state, is no
  barrier, defines nothing, has no ``break``/``continue``, changes no object
  but its iteration's own, no carried edge enters it and no edge enters it
  from a statement of its iteration that is not private. (What it binds
  may still be an object made before the loop — library results look so to
  the analysis —; the parts check that at run time, see ``runtime.loops``);
* an ordered statement (``print``, ``d[k] = v``, ``total += v``,
  ``results.append(v)``) gives up private subexpressions that contain a
  call (*hoists*): ``total += heavy(x)`` computes ``heavy(x)`` apart and
  adds it in order, so float sums are exact; also an attribute of a name
  the private statements bind (``scores.append(search.best_score_)``, see
  ``unroll.attribute_read``).

Private statements and hoists run in *parts* (blocks of iterations, any
worker); the *chains* run the loop itself in iteration order on the
worker that evaluated the iterable, taking the parts' results (or running
a piece itself when a part could not deliver it). A loop is split only
when some private statement or hoist contains a call (there is work to
share); otherwise it stays one statement with a note naming the line that
keeps it serial.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import NamedTuple

from .estimators import shareable_targets
from .model import WARNINGS_FILTERS, LoopSplit, Script, Statement
from .nesting import loop_jumps as _loop_control
from .unroll import (HIDDEN as _HIDDEN, Unrolled, attribute_read, expr_at, hoist_sites,
                     target_names, unroll)

__all__ = ["split_loops", "PARTS", "node_at", "display_name"]

#: parts (and chains) per split loop: enough to balance a few workers
#: whatever the iteration count; each is one statement in the plan
PARTS = 8


def display_name(var: str) -> str:
    """How reports name a value: a split loop's hidden ones in words."""
    import re

    m = re.fullmatch(r"__tp_L(\d+)(?:_(p|o(\d+)))?", var)
    if m is None:
        return var
    if m.group(2) == "p":
        return "(the loop's items for its parts)"
    if m.group(3) is not None:
        return f"(the loop's results of part {int(m.group(3)) + 1})"
    return "(the loop's state)"


def node_at(tree: ast.Module, path: tuple[int, ...]) -> ast.stmt:
    body, node = tree.body, None
    for k in path:
        node = body[k]
        body = getattr(node, "body", [])
    return node


#: calls too cheap to be worth running apart (a loop of only these stays
#: one statement): builtins and methods of builtin containers and strings
CHEAP_CALLS = frozenset({
    "print", "len", "str", "repr", "int", "float", "bool", "complex", "round", "abs", "min",
    "max", "list", "tuple", "dict", "set", "frozenset", "range", "enumerate", "zip",
    "isinstance", "issubclass", "type", "format", "hash", "id", "ord", "chr", "divmod",
    "any", "all", "getattr", "hasattr", "setattr", "iter", "next", "reversed", "bin", "hex",
    "append", "extend", "insert", "remove", "pop", "get", "keys", "values", "items", "copy",
    "update", "setdefault", "add", "discard", "clear", "index", "count", "join", "split",
    "strip", "rstrip", "lstrip", "upper", "lower", "replace", "startswith", "endswith",
    "encode", "decode", "write", "flush", "getvalue",
})


def _has_work(node) -> bool:
    """True if ``node`` calls something that may take time."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name not in CHEAP_CALLS:
                return True
    return False


def _own_nodes(stmts):
    """Nodes of ``stmts`` outside nested function/class scopes."""
    stack = list(stmts)
    while stack:
        n = stack.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(c)


def _static_reason(node: ast.For) -> str:
    """Why a loop cannot be split whatever its body does, or ""."""
    if target_names(node.target) is None:
        return "its target is not made of plain names"
    for n in _own_nodes(node.body + node.orelse + [node.iter]):
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            return f"line {n.lineno}: a `{type(n).__name__.lower()}` statement in the body"
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.Return)):
            return f"line {n.lineno}: `{type(n).__name__.lower()}` in the body"
    return ""


def _analysed_nodes(script: Script, tree: ast.Module) -> list[ast.stmt]:
    """The node of each statement as the analysis saw it (with ``main()``
    flattened: its body's statements, and a stub for its ``def``)."""
    if all(s.scope is None for s in script.statements):
        body = tree.body
        return [body[s.path[0]] if len(s.path) == 1 else node_at(tree, s.path)
                for s in script.statements]
    from .effects import _is_main_guard, top_level_statements
    from .mainfn import find_main, flatten

    mc, _ = find_main(tree, _is_main_guard)
    _, items = flatten(tree, mc, top_level_statements(tree))
    return [node for node, *_ in items]


def split_loops(script: Script, tree: ast.Module, as_written: frozenset = frozenset()) -> Script:
    """``script`` with its splittable loops split (see the module docstring).

    A loop whose body is only an inner loop is analysed as one loop over
    pairs (``nesting``); if that one cannot be split, the loop is analysed
    again as written (``as_written``: the statements not to flatten)."""
    from .comprehensions import SHAPED_VALUES, as_loop, comprehension_shape
    from .estimators import SklearnNames
    from .nesting import flat_loop
    from .scopes import scope_bindings

    nodes = _analysed_nodes(script, tree)
    notes = list(script.notes)
    loops: dict[int, ast.For] = {}
    comps: dict[int, tuple] = {}  # statement -> (CompShape, accumulator)
    nested: set[int] = set()  # statements analysed as a loop over pairs
    bound = None  # the module's names: only a call's result needs them (``comprehension_shape``)
    for s in script.statements:
        node = nodes[s.id]
        if s.barrier or s.pin is not None:
            continue
        shape = None
        # (comprehension_shape: None but for an assigned display or call)
        if node.__class__ is ast.Assign and node.value.__class__ in SHAPED_VALUES:
            if bound is None and node.value.__class__ is ast.Call:
                bound = scope_bindings(tree.body).bound
            shape = comprehension_shape(node, frozenset() if bound is None else bound)
        if shape is not None:
            acc = f"{_HIDDEN}c{s.id}"
            comps[s.id] = (shape, acc)
            node = as_loop(node, shape, acc)
        elif not isinstance(node, ast.For):
            continue
        elif s.id not in as_written and (flat := flat_loop(node)) is not None:
            nested.add(s.id)
            node = flat
        why = _static_reason(node)
        if why:
            notes.append(f"line {s.lineno}: the loop runs as one statement: {why}")
            continue
        loops[s.id] = node
    if not loops:
        return replace(script, notes=tuple(notes)) if notes != list(script.notes) else script

    from .effects import analyze_items
    from ..graph import EdgeKind, build_graph

    u = unroll(script, nodes, loops, comps)
    syn_tree = ast.Module(body=u.body, type_ignores=[])
    stmts = analyze_items(syn_tree, [(n, (i,), u.scope[i], None) for i, n in enumerate(u.body)],
                          script.source, {})
    syn = Script(filename=script.filename, source=script.source, statements=tuple(stmts))
    graph = build_graph(syn)

    splits: dict[int, Classified] = {}
    names = SklearnNames(tree)
    retry = set()
    ids = u.ids(syn.statements)
    for L, node in loops.items():
        result = _classify(L, node, u, syn, graph, EdgeKind, L in nested, names, ids)
        if isinstance(result, str) and L in nested:
            retry.add(L)
        elif isinstance(result, str):
            what = "the comprehension" if L in comps else "the loop"
            if result:
                notes.append(f"line {node.lineno}: {what} runs as one statement: "
                             f"{_readable(result)}")
        else:
            splits[L] = result
    if retry:
        return split_loops(script, tree, as_written | retry)
    if not splits:
        return replace(script, notes=tuple(notes))
    return _rebuild(script, tree, splits, syn, u, notes, loops, comps)


class Classified(NamedTuple):
    """What of a loop's body runs apart (the fields of ``LoopSplit``)."""

    pieces: tuple
    hoists: tuple
    outputs: tuple
    target_reads: tuple
    binds: tuple
    part_reads: frozenset
    items_id: int  # the items statement in the synthetic module
    items_reads: frozenset  # what evaluating the iterable (or both) reads
    fresh: tuple
    touching: tuple
    shareable: tuple
    outer: tuple


def _classify(L, node, u, syn, graph, EdgeKind, nested: bool, names, ids) -> Classified | str:
    """What of loop ``L`` (``node``; a loop over pairs if ``nested``) runs
    apart, or why nothing does ("" when there is nothing worth it)."""
    idx_of = ids[0]
    b_ids = ids[1].get(L, [])
    a_ids = ids[2].get(L, set())
    after = range(max(b_ids) + 1 if b_ids else idx_of[("target", L, "B")] + 1, len(u.meta))
    targets = set(target_names(node.target))
    S = syn.statements
    fresh = _fresh_generators(node, u, S, b_ids, L)

    def read_later(i):
        """Names read (really) by a later statement of the iteration or after the loop."""
        out = set()
        for j in range(i + 1, len(S)):
            if j in a_ids or u.meta[j][0] in ("reset", "target") and u.meta[j][1] == L:
                continue
            out |= (S[j].reads - S[j].maybe_binds) | S[j].mutates
        return out
    private: dict[int, str] = {}  # synthetic id -> "" (private) or why not
    bound_in_iteration = set(targets)
    pieces, hoists, piece_ids, hoist_ids = [], [], [], []
    pending: list[int] = []  # private hoists of the piece to come
    piece_bound: set = set()  # names the private statements so far bind
    for i in b_ids:
        m, s = u.meta[i], S[i]
        stmt_node = node.body[m[3]]
        why = ""
        root = attribute_read(hoist_sites(stmt_node)[m[4]][1]) if m[0] == "hoist" else None
        if root is not None and root not in piece_bound:
            why = f"line {s.lineno}: an attribute the chain reads itself"
        elif s.barrier:
            why = f"line {s.lineno}: {s.barrier_reason or 'cannot be analysed'}"
        elif _blocking(s.resources - fresh, s.reads - bound_in_iteration):
            r = sorted(_blocking(s.resources - fresh, s.reads - bound_in_iteration))[0]
            what = (f"`{r[12:]}`, which cannot be pickled" if r.startswith("unpicklable:")
                    else r)
            why = f"line {s.lineno}: uses {what}, shared by every iteration"
        elif m[0] == "piece" and (s.kind != "other" or _loop_control(stmt_node)):
            why = f"line {s.lineno}: a definition or loop control runs in order"
        elif _writes_output(stmt_node if m[0] == "piece" else hoist_sites(stmt_node)[m[4]][1]):
            why = f"line {s.lineno}: prints (its output stays live, in order)"
        else:
            outside = sorted(n for n in s.mutates - bound_in_iteration
                             if not n.startswith(_HIDDEN + "h"))  # a hoist's own value
            if outside:
                why = f"line {s.lineno}: changes `{outside[0]}`, made before the loop"
        if not why:
            for e in graph.in_edges(i):
                if e.kind not in (EdgeKind.RAW, EdgeKind.ORDER):
                    continue
                if e.kind is EdgeKind.ORDER and not _blocking(set(e.vars) - fresh,
                                                              s.reads - bound_in_iteration):
                    continue  # the iteration's own generator chain, or shared objects
                if e.src in a_ids:
                    own = set(s.maybe_binds)
                    if m[0] == "piece" and isinstance(stmt_node, ast.For):
                        own |= set(target_names(stmt_node.target) or ())  # bound before read
                    if e.kind is EdgeKind.RAW and set(e.vars) <= own and not (
                            set(e.vars) & read_later(i)):
                        continue  # bound here if at all, and its old value is never read
                    var = e.vars[0] if e.vars else "?"
                    why = (f"line {s.lineno}: `{var}` is read before it is written "
                           "in the next iteration")
                    break
                if private.get(e.src):
                    why = f"line {s.lineno}: needs line {S[e.src].lineno}, which runs in order"
                    break
        if m[0] == "hoist":
            private[i] = why
            if not why:
                pending.append(i)
        else:
            top = [h for h in hoists_in(u, L, m[3], idx_of)
                   if hoist_sites(stmt_node)[u.meta[h][4]][2] is None]
            if not why and all(not private[h] for h in top):
                pieces.append(m[3])
                piece_ids.append(i)
                private[i] = ""
                piece_bound |= s.writes
            else:
                private[i] = why or f"line {s.lineno}: runs in order"
                sites = hoist_sites(stmt_node)
                chosen = set()
                for h in pending:
                    parent = sites[u.meta[h][4]][2]
                    if parent is not None and parent in chosen or _ancestor_ok(
                            sites, u.meta[h][4], pending_idx={u.meta[x][4] for x in pending}):
                        continue
                    chosen.add(u.meta[h][4])
                    hoists.append((m[3], sites[u.meta[h][4]][0]))
                    hoist_ids.append(h)
            pending = []
        bound_in_iteration |= s.writes
    # what the chain reads: the ordered statements, and everything after
    ordered = [i for i in b_ids if i not in piece_ids and i not in hoist_ids
               and u.meta[i][0] == "piece"]
    chain_reads: set = set()
    for i in ordered:
        chain_reads |= S[i].reads | S[i].mutates
    last_use = ids[3]  # (everything after: a name's last use is in it, not a union per loop)
    chain_reads |= {n for pid in piece_ids for n in S[pid].writes
                    if last_use.get(n, -1) >= after.start}
    # an ordered statement's calls that are not hoisted run in the chain too
    # (``best = max(best, g)``: the call reads ``g``, the statement only its value)
    for i in b_ids:
        m = u.meta[i]
        if m[0] == "hoist" and i not in hoist_ids and m[3] not in pieces:
            chain_reads |= S[i].reads | S[i].mutates
    outputs = []
    for pid in piece_ids:
        outputs.append(tuple(sorted(n for n in S[pid].writes if n in chain_reads
                                    and not n.startswith(_HIDDEN))))
    work = ([j for j in pieces if _has_work(node.body[j])]
            + [a for j, a in hoists if _has_work(expr_at(node.body[j], a))])
    if not work:
        for i in b_ids:
            m = u.meta[i]
            what = (hoist_sites(node.body[m[3]])[m[4]][1] if m[0] == "hoist"
                    else node.body[m[3]])
            if private[i] and _has_work(what):
                return private[i]
        return ""  # nothing worth running apart: one statement, no note
    binds = set(targets)
    part_reads: set = set()
    whole = [h for pid in piece_ids for h in hoists_in(u, L, u.meta[pid][3], idx_of)]
    for i in piece_ids + hoist_ids + whole:
        binds |= S[i].writes
        part_reads |= S[i].reads | S[i].mutates
    # (the loop's own hidden names; the warnings filters are the script's)
    own = binds | {n for n in part_reads if n.startswith(_HIDDEN) and n != WARNINGS_FILTERS}
    target_reads = tuple(sorted(targets & part_reads))
    part_reads -= own
    touching = tuple(("piece", k) for k, pid in enumerate(piece_ids)
                     if any(S[i].resources & fresh
                            for i in [pid] + hoists_in(u, L, u.meta[pid][3], idx_of)))
    touching += tuple(("hoist", h) for h, hid in enumerate(hoist_ids) if S[hid].resources & fresh)
    apart = [node.body[j] for j in pieces] + [expr_at(node.body[j], a) for j, a in hoists]
    apart_mutates = set().union(*(S[i].mutates for i in piece_ids + hoist_ids + whole))
    in_chain = []
    for i in ordered:
        j = u.meta[i][3]
        changed = set(S[i].mutates).union(*(S[h].mutates for h in hoists_in(u, L, j, idx_of)
                                            if h not in hoist_ids))
        in_chain.append((node.body[j], changed))
    shareable = shareable_targets(set(target_reads), apart, apart_mutates, in_chain, names)
    outer = tuple(target_names(node.target.elts[0])) if nested else ()
    # a loop over pairs: the outer item is one object in several iterations
    for i in b_ids:
        shared = sorted((set(outer) & set(target_reads) & S[i].mutates) - set(shareable))
        if shared:
            return (f"line {S[i].lineno}: changes `{shared[0]}`, the outer loop's item, "
                    "in every iteration of the inner loop")
    items = S[idx_of[("items", L)]]
    items_reads = items.reads | items.mutates
    if nested:  # the inner iterable, evaluated per outer item by the items
        items_reads |= S[idx_of[("target", L, "A")]].reads - targets - items.writes
    return Classified(tuple(pieces), tuple(hoists), tuple(outputs), target_reads,
                      tuple(sorted(n for n in binds if not n.startswith(_HIDDEN))),
                      frozenset(part_reads), idx_of[("items", L)], frozenset(items_reads),
                      tuple(sorted(fresh)), touching, shareable, outer)


#: calls that write to the terminal: a statement making one stays in the
#: ordered part, so what it prints appears as it runs (live), as in python
_OUTPUT_CALLS = frozenset({"print", "input", "breakpoint"})
_OUTPUT_METHODS = frozenset({"write", "writelines", "flush"})


def _writes_output(node) -> bool:
    """True if ``node`` itself prints (``print``, ``sys.stdout.write``,
    ``os.write``...). Output of code it calls is recorded and shown where
    the chain reaches it instead (see ``runtime.loops``)."""
    for n in ast.walk(node):
        if not isinstance(n, ast.Call):
            continue
        f = n.func
        if isinstance(f, ast.Name) and f.id in _OUTPUT_CALLS:
            return True
        if isinstance(f, ast.Attribute):
            base = f.value
            if f.attr in _OUTPUT_METHODS and isinstance(base, ast.Attribute) and isinstance(
                    base.value, ast.Name) and base.value.id == "sys":
                return True
            if f.attr == "write" and isinstance(base, ast.Name) and base.id == "os":
                return True
    return False


def _blocking(resources, invariants) -> set[str]:
    """The hidden state a private statement may not touch. Not ``object:``
    (an object two names share): a private statement changes no object but
    its iteration's own, and a change elsewhere reaches it as an edge. Not
    ``unpicklable:`` either, unless it is a value bound before the loop that
    the statement reads (it would have to travel to the part; an object
    made in the iteration does not travel, and what a part gives back is
    pickled by the part itself, see ``runtime.loops``)."""
    return {r for r in resources if not r.startswith(("object:", "unpicklable:"))
            or (r.startswith("unpicklable:") and r[12:] in invariants)}


def _readable(reason: str) -> str:
    """A reason without the analysis' own names."""
    import re

    reason = re.sub(r"`__tp_items\d+`", "an object of the loop's items", reason)
    reason = re.sub(r"changes `__tp_c\d+`, made before the loop",
                    "its element is not computed apart", reason)
    return re.sub(r"`__tp_h[\d_]+`", "an object computed in the body", reason)


def _fresh_generators(node, u, S, b_ids, L) -> set[str]:
    """Global generators each iteration seeds before it uses them
    (``rules.RESEEDING``): the iteration's draws are its own chain."""
    from .rules import GLOBAL_GENERATORS, RESEEDING

    out = set()
    for r in GLOBAL_GENERATORS:
        first = next((i for i in b_ids if r in S[i].resources), None)
        if first is None or u.meta[first][0] != "piece":
            continue
        stmt = node.body[u.meta[first][3]]
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            continue
        call = stmt.value
        if len(call.args) != 1 or call.keywords or S[first].resources != {r}:
            continue
        parts = []
        f = call.func
        while isinstance(f, ast.Attribute):
            parts.append(f.attr)
            f = f.value
        if isinstance(f, ast.Name):
            parts.append(f.id)
        dotted = ".".join(reversed(parts))
        if any(RESEEDING[q] == r and (dotted == q or dotted.endswith("." + q)
                                      or (q.startswith("numpy.") and dotted.endswith(q[6:])))
               for q in RESEEDING):
            out.add(r)
    return out


def _ancestor_ok(sites, h: int, pending_idx: set) -> bool:
    """True if a site enclosing site ``h`` is hoisted (so ``h`` goes with it)."""
    parent = sites[h][2]
    while parent is not None:
        if parent in pending_idx:
            return True
        parent = sites[parent][2]
    return False


def hoists_in(u: Unrolled, L: int, j: int, idx_of: dict) -> list[int]:
    out, h = [], 0
    while ("hoist", L, "B", j, h) in idx_of:
        out.append(idx_of[("hoist", L, "B", j, h)])
        h += 1
    return out


def _rebuild(script: Script, tree, splits: dict, syn: Script, u: Unrolled, notes, fors: dict,
             comps: dict) -> Script:
    out: list[Statement] = []
    loops: list[LoopSplit] = []
    for s in script.statements:
        if s.id not in splits:
            out.append(replace(s, id=len(out)))
            continue
        node = fors[s.id]  # the loop (a comprehension's as_loop)
        c = splits[s.id]
        k = len(loops)
        n_static = _static_length(node.iter)
        parts = PARTS if n_static is None else max(1, min(PARTS, n_static))
        split = LoopSplit(index=k, path=s.path, lineno=s.lineno, parts=parts, pieces=c.pieces,
                          hoists=c.hoists, outputs=c.outputs, target_reads=c.target_reads,
                          binds=c.binds, has_break=any(_loop_control(b) for b in node.body),
                          reads=tuple(sorted(c.part_reads)), fresh=c.fresh,
                          touching=c.touching, comp=_comp_fields(comps.get(s.id)),
                          shareable=c.shareable, outer=c.outer)
        loops.append(split)
        notes.append(_split_note(split, node))
        var = split.var
        colocate = f"object:{var}"
        first = s.source.splitlines()[0]
        # a comprehension's chains bind its variables in the worker's globals,
        # from the first (save_names) to the last (restore_names): each one
        # reads and may bind them, so no statement binding or reading them
        # can be planned in between on that worker (runtime.loopcode)
        held = (frozenset(n for n in target_names(node.target) or ()
                          if not n.startswith(_HIDDEN)) if s.id in comps else frozenset())
        I = syn.statements[c.items_id]
        common = dict(lineno=s.lineno, col_offset=s.col_offset, end_lineno=s.end_lineno,
                      end_col_offset=s.end_col_offset, path=s.path, pin=None, kind="other",
                      scope=s.scope, call_lineno=s.call_lineno)
        out.append(Statement(id=len(out), source=f"[items] {first}", reads=c.items_reads,
                             writes=frozenset({var, var + "_p"}), mutates=I.mutates,
                             resources=I.resources | {colocate}, assumed=I.assumed,
                             loop=(k, "items", 0), **common))
        for p in range(parts):
            out.append(Statement(id=len(out), source=f"[part {p + 1}/{parts}] {first}",
                                 reads=c.part_reads | {var + "_p"},
                                 writes=frozenset({f"{var}_o{p}"}),
                                 loop=(k, "part", p), **common))
        for p in range(parts):
            out.append(Statement(id=len(out), source=f"[in order {p + 1}/{parts}] {first}",
                                 reads=s.reads | s.mutates | held | {var, f"{var}_o{p}"},
                                 writes=s.writes | held | {var}, mutates=s.mutates,
                                 maybe_binds=s.maybe_binds | held,
                                 resources=s.resources | {colocate}, assumed=s.assumed,
                                 loop=(k, "chain", p), **common))
    return replace(script, statements=tuple(out), notes=tuple(notes), loops=tuple(loops))


def _parts(n: int) -> str:
    return f"{n} part" + ("s" if n != 1 else "")


def _comp_fields(comp) -> tuple:
    """``LoopSplit.comp``: ``(kind, name, consumer, accumulator)`` or ()."""
    if comp is None:
        return ()
    shape, acc = comp
    return (shape.kind, shape.name, shape.consumer, acc)


def _split_note(split: LoopSplit, node: ast.For) -> str:
    """One line for ``taskpar plan``: what of the body runs apart."""
    def lines(js):
        return ", ".join(str(node.body[j].lineno) for j in js)

    if split.comp:
        return (f"line {split.lineno}: the comprehension's elements are computed in parallel "
                f"({_parts(split.parts)}) and collected in order")
    hoisted = sorted({j for j, _ in split.hoists})
    ordered = [j for j in range(len(node.body)) if j not in split.pieces]
    apart = []
    if split.pieces:
        apart.append("line" + ("s " if len(split.pieces) > 1 else " ") + lines(split.pieces))
    if hoisted:
        apart.append("calls in line" + ("s " if len(hoisted) > 1 else " ") + lines(hoisted))
    text = (f"line {split.lineno}: the loop's iterations run in parallel "
            f"({_parts(split.parts)}): {' and '.join(apart)}")
    if ordered:
        text += f"; in iteration order: line{'s' if len(ordered) > 1 else ''} {lines(ordered)}"
    return text


def _static_length(expr) -> int | None:
    """The length of a literal iterable (a display or ``range`` of constants)."""
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        if any(isinstance(e, ast.Starred) for e in expr.elts):
            return None
        return len(expr.elts)
    if isinstance(expr, ast.Dict):
        return len(expr.keys)
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "range"
            and not expr.keywords and all(isinstance(a, ast.Constant) and isinstance(a.value, int)
                                          for a in expr.args)):
        try:
            return len(range(*[a.value for a in expr.args]))
        except (TypeError, ValueError):
            return None
    return None
