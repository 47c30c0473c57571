"""Statement analysis: one ``Statement`` per top-level statement.

Design note. ``analyze_module`` runs the pipeline:

1. ``top_level_statements`` — the module body, with the body of
   ``if __name__ == "__main__":`` (that exact guard, either operand order, no
   ``else``) flattened into top-level statements with path ``(k, i)``;
   compound statements stay one statement each; then the ``main()``
   pattern (``mainfn``): a final call of a script function without
   arguments is replaced by that function's body when that preserves
   meaning (else a note says why it stays one statement);
2. ``scopes.ScriptScopes`` — every function/class and its scoping facts;
3. ``ScriptFacts`` — flow-insensitive facts about the whole script: names
   the script binds (builtins count as reads only then), names bound only by
   imports (modules) or only by undecorated ``def``/``class`` (their calls
   resolve statically inside functions), whether the script changes
   directory (then every file-system statement also touches ``cwd``), touches
   ``sys.path`` (then imports do too), or changes a module's state
   (``np.set_printoptions``, ``mod.attr = 1``: ``module:ROOT`` on every
   statement using that module);
4. ``functions.compute_summaries`` — function summaries, to a fixpoint;
5. the top-level pass, in program order, flow-sensitive: each statement is
   interpreted against the current points-to state (``interp``), giving
   reads/writes/mutations/resources/barrier. Names that may reach an object
   the statement mutates are in ``mutates``; names a *compound* statement
   may bind are also reads (the binding may not happen);
6. sharing: an object that is mutated and reachable from two or more names
   gets the process-local resource ``object:NAME`` on every statement that
   touches it from the point it became shared;
7. taint: a statement touching a name that reaches a ``pyplot``/``logging``
   object touches that resource; pins (``pins``);
8. what the analysis cannot see: a barrier reads every live name, may write
   every name and joins the process-local state before it; library calls
   after a global generator was used are assumed to draw from it
   (``rules.LIBRARY_RNG``, ``Statement.assumed``); imports touch ``environ``
   when the script reads it; the warnings filters are a variable every
   statement reads (those three: ``script_passes``).
"""

from __future__ import annotations

import ast
import re

from .astwalk import children, walk
from . import rules
from .frames import TopFrame
from .functions import compute_summaries
from .interp import STOPPED, Interp
from .mainfn import find_main, flatten
from .model import Statement, new_statement
from .script_passes import whole_script_passes
from .objects import Effects
from .pins import find_pins
from .scopes import ScriptScopes, scope_bindings

COMPOUND = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try,
            ast.Match) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
TAINTS = ("pyplot", "logging")
_COMPOUND = frozenset(COMPOUND)


def _is_main_guard(node) -> bool:
    if not isinstance(node, ast.If) or node.orelse:
        return False
    t = node.test
    if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq)):
        return False
    a, b = t.left, t.comparators[0]

    def is_name(x):
        return isinstance(x, ast.Name) and x.id == "__name__"

    def is_main(x):
        return isinstance(x, ast.Constant) and x.value == "__main__"
    return (is_name(a) and is_main(b)) or (is_main(a) and is_name(b))


def top_level_statements(tree: ast.Module) -> list[tuple[ast.stmt, tuple[int, ...]]]:
    out = []
    for k, node in enumerate(tree.body):
        if node.__class__ is ast.If and _is_main_guard(node):
            for i, sub in enumerate(node.body):
                out.append((sub, (k, i)))
        else:
            out.append((node, (k,)))
    return out


#: ``Statement.kind`` by node class ("other" for the rest)
_KINDS = {ast.Import: "import", ast.ImportFrom: "import", ast.FunctionDef: "def",
          ast.AsyncFunctionDef: "def", ast.ClassDef: "class"}



class ScriptFacts:
    """Flow-insensitive facts about the whole script (see module docstring)."""

    def __init__(self, tree: ast.Module, scopes: ScriptScopes) -> None:
        # (here and below: node classes compared, not isinstance over a
        # tuple, which costs per class and per node; parsed nodes are of
        # the ast classes themselves)
        self.future_annotations = any(
            n.__class__ is ast.ImportFrom and n.module == "__future__"
            and any(a.name == "annotations" for a in n.names) for n in tree.body)
        b = scope_bindings(tree.body)
        global_decl: set[str] = set()
        for info in scopes.functions.values():
            global_decl |= info.globals
        self.script_bound = b.bound | global_decl
        kinds: dict[str, set[str]] = {}
        imports: dict[str, set[str]] = {}
        fns: dict[str, list[str]] = {}
        classes: dict[str, list[str]] = {}
        for node in _module_scope_nodes(tree):
            cls = node.__class__
            if cls is ast.Import:
                for a in node.names:
                    n = a.asname or a.name.split(".")[0]
                    kinds.setdefault(n, set()).add("import")
                    imports.setdefault(n, set()).add(a.name if a.asname else n)
            elif cls is ast.ImportFrom:
                mod = ("." * (node.level or 0)) + (node.module or "")
                for a in node.names:
                    if a.name == "*":
                        continue
                    n = a.asname or a.name
                    kinds.setdefault(n, set()).add("import")
                    imports.setdefault(n, set()).add(f"{mod}.{a.name}" if mod else a.name)
            elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
                k = "def" if not node.decorator_list else "other"
                kinds.setdefault(node.name, set()).add(k)
                fns.setdefault(node.name, []).append(scopes.by_node[id(node)].key)
            elif cls is ast.ClassDef:
                k = "class" if not node.decorator_list else "other"
                kinds.setdefault(node.name, set()).add(k)
                classes.setdefault(node.name, []).append(scopes.class_by_node[id(node)].key)
        other = set(b.bound) - set(kinds)
        rebound = _rebound_otherwise(tree) if kinds else set()
        for n in list(kinds):
            if n in other or n in global_decl or n in rebound:
                kinds[n].add("other")
        self.import_only = {n: imports[n] for n, k in kinds.items() if k == {"import"}}
        self.static_fns = {n: fns[n] for n, k in kinds.items() if k == {"def"}}
        self.static_classes = {n: classes[n] for n, k in kinds.items() if k == {"class"}}
        self.imports = imports
        # class hierarchy: resolve bases statically
        for ci in scopes.classes.values():
            for base in ci.node.bases:
                if isinstance(base, ast.Name) and base.id in self.static_classes:
                    ci.bases.extend(self.static_classes[base.id])
                elif isinstance(base, ast.Name) and base.id == "object":
                    continue
                else:
                    ci.unknown_base = True
        # syntactic scans with import names resolved
        self.changes_cwd = False
        self.touches_sys_path = False
        self.stateful_modules: set[str] = set()
        # each scan resolves a name bound by an import (``dotted``): none, nothing to find
        for node in walk(tree) if imports else ():
            if isinstance(node, (ast.Attribute, ast.Name)):
                q = self.dotted(node)
                if q is None:
                    continue
                if q in rules.CHDIR_FUNCTIONS:
                    self.changes_cwd = True
                if q.startswith(("sys.path", "sys.meta_path", "sys.modules", "site.",
                                 "importlib", "sys.path_hooks")):
                    self.touches_sys_path = True
                if q in rules.MODULE_CONFIG_FUNCTIONS:
                    self.stateful_modules.add(rules.root_module(q))
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for t in targets:
                    for sub in walk(t):
                        if isinstance(sub, (ast.Attribute, ast.Subscript)):
                            q = self.dotted(sub.value)
                            if q is not None and not q.startswith("builtins."):
                                self.stateful_modules.add(rules.root_module(q))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("setattr", "delattr") and node.args:
                q = self.dotted(node.args[0])
                if q is not None:
                    self.stateful_modules.add(rules.root_module(q))
        self.stateful_modules -= {"os", "sys"}  # handled by environ/stdout/sys.path resources

    def dotted(self, node) -> str | None:
        """Qualified name of an import-only name or attribute chain on one, else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.imports:
            return None
        q = sorted(self.imports[node.id])[0]
        return ".".join([q] + parts[::-1])


def _module_scope_nodes(tree):
    """Statements executed in module scope (including inside compound statements)."""
    stack = list(tree.body)
    while stack:
        n = stack.pop()
        yield n
        if n.__class__ not in _HOLDS_STATEMENTS:
            continue
        for child in children(n):
            if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                stack.append(child)


#: the nodes of module scope with statements in them (not def/class bodies)
_HOLDS_STATEMENTS = frozenset(COMPOUND + (ast.ExceptHandler, ast.match_case))


def _rebound_otherwise(tree) -> set[str]:
    """Names bound at module scope by something other than def/class/import."""
    out: set = set()
    for node in _module_scope_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                             ast.Import, ast.ImportFrom)):
            continue
        for sub in _shallow_walk(node):
            if isinstance(sub, ast.Name):
                if isinstance(sub.ctx, (ast.Store, ast.Del)):
                    out.add(sub.id)
            elif isinstance(sub, ast.NamedExpr):
                out.add(sub.target.id)
            elif isinstance(sub, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
                out.add(sub.name)
    return out


def _shallow_walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for child in children(n):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.stmt) and n is not node:
                continue
            stack.append(child)


def analyze_module(tree: ast.Module, source: str, filename: str) -> list[Statement]:
    return analyze_tree(tree, source, filename)[0]


def analyze_tree(tree: ast.Module, source: str, filename: str) -> tuple[list[Statement], list[str]]:
    """Statements in program order, and notes for ``Script.notes``."""
    items = [(node, path, None, None) for node, path in top_level_statements(tree)]
    notes: list[str] = []
    mc, note = find_main(tree, _is_main_guard)
    if note:
        notes.append(note)
    original = tree
    if mc is not None:
        tree, items = flatten(tree, mc, top_level_statements(tree))
    pins = find_pins(source, filename)
    statements = analyze_items(tree, items, source, pins)
    stopped = [s for s in statements if STOPPED in s.resources]
    if stopped:
        notes.append(f"line {stopped[0].lineno}: the analysis stopped (the script is too "
                     f"intricate to analyse in bounded time): the {len(stopped) - 1} statements "
                     "after it run in order, in one process")
    if mc is not None and (mc.params or mc.exit):
        from dataclasses import replace

        from .mainfn import main_part

        statements = [replace(s, main_part=main_part(original, mc, s.path)) if s.scope
                      else s for s in statements]
    return statements, notes


def analyze_items(tree: ast.Module, items: list, source: str, pins: dict) -> list[Statement]:
    """The top-level pass over ``items`` ``(node, path, scope, call_lineno)``
    of module ``tree`` (steps 2-8 of the module docstring); ``loops`` runs
    it over a module it made."""
    scopes = ScriptScopes(tree)
    facts = ScriptFacts(tree, scopes)
    it = Interp(scopes, facts)
    compute_summaries(it)

    results = []
    touched: list[set] = []
    mutated: list[set] = []
    shared_since: dict = {}
    # Reach of every top-level name after the previous statement, kept up to
    # date incrementally (recomputing all of it per statement is quadratic):
    # a name's reach changes only when its binding changes or an object in
    # its reach gains contents (``it.grown``).
    reach_of: dict[str, set] = {}
    bound: dict[str, tuple[int, int]] = {}
    holders: dict = {}
    #: global generators some earlier statement touched (see rules.LIBRARY_RNG)
    generators_used: set = set()
    for idx, (node, path, scope, call_lineno) in enumerate(items):
        it.mode, it.fkey, it.eff = "top", None, Effects()
        frame = TopFrame(it)
        it.root_frame = frame
        compound = node.__class__ in _COMPOUND
        frame.weak = compound
        it.grown = set()
        stopped_here = it.run_statement(node, frame)
        if node.__class__ is ast.Import or node.__class__ is ast.ImportFrom:
            for a in node.names:
                root = rules.root_module(a.name if isinstance(node, ast.Import) else (node.module or ""))
                if root in facts.stateful_modules:
                    it.eff.resources.add("module:" + root)
        # ``reach_of`` is now the reach after the statement; ``before`` holds
        # the reach before it of the names whose reach changed
        before = _update_reach(it, reach_of, bound, holders, eff_writes=it.eff.writes)
        changed = sorted(before)  # (in a fixed order: ``shared_since`` names the first two holders)
        eff = it.eff
        M = eff.mut | eff.mut_force
        # (this statement's own sets: the next one gets a new ``Effects``)
        mutates, reads, writes, resources = eff.mut_names, eff.reads, eff.writes, eff.resources
        if M:
            mutates |= _mutated_names(M, reach_of, before, holders)
        maybe = (writes - reads) if compound else set()
        if compound:
            reads |= writes
        # library code after a global generator was used: it may draw from it
        assumed: set = set()
        if rules.LIBRARY_RNG in resources:
            resources.discard(rules.LIBRARY_RNG)
            assumed = generators_used - resources
            resources |= assumed
        if resources:
            generators_used |= (resources - assumed).intersection(rules.GLOBAL_GENERATORS)
        # (a statement not analysed touches nothing of its own: it joins the
        # first of them, which touched every object)
        names = reads | writes | mutates if it.stopped_at is None or stopped_here else _EMPTY
        seen: set = set()
        for name in names:
            seen |= reach_of.get(name, _EMPTY)
            if name in before:
                seen |= before[name] or _EMPTY
        for o in seen:
            if o.tags:
                for t in TAINTS:
                    if t in o.tags:
                        resources.add(t)
        touched.append(seen)
        mutated.append(M)
        for name in changed:
            old, after = before[name] or _EMPTY, reach_of.get(name, _EMPTY)
            for o in (old - after) if old else _EMPTY:
                holders.get(o, set()).discard(name)
            for o in (after - old) if after else _EMPTY:
                if o.kind == "module":
                    continue
                hs = holders.setdefault(o, set())
                hs.add(name)
                if len(hs) >= 2 and o not in shared_since:
                    shared_since[o] = (idx, sorted(hs))
        if eff.barrier and (it.stopped_at is None or stopped_here):
            # a barrier touches every live object (``script_passes``; the
            # statements not analysed join the first of them)
            for v in _reaches_before(reach_of, before):
                seen |= v
        results.append({"node": node, "path": path, "scope": scope, "call_lineno": call_lineno,
                        "reads": reads, "writes": writes, "maybe": maybe,
                        "mutates": mutates, "resources": resources, "assumed": assumed,
                        "barrier": eff.barrier, "barrier_reason": eff.barrier_reason})
    whole_script_passes(results)

    # objects shared by two names and mutated afterwards: one process
    # (``_statements_of``: the statements touching each, in one pass, not one per object)
    touched_at = _statements_of(touched, shared_since)
    mutated_at = _statements_of(mutated, shared_since)
    for o, (k, hs) in shared_since.items():
        if not any(j >= k for j in mutated_at.get(o, ())):
            continue
        name = it.first_name.get(o) or hs[0]
        res = "object:" + name
        for j in touched_at.get(o, ()):
            if j >= k:
                results[j]["resources"].add(res)

    # values that cannot be pickled stay in the process that made them
    touched_at = _statements_of(touched, None)
    names_of: dict = {}
    if touched_at:
        for nm, objs in it.env.items():
            for o in objs:
                if o in touched_at:
                    names_of.setdefault(o, []).append(nm)
    for o, js in touched_at.items():  # (in the order they were made)
        names = sorted(names_of.get(o, ()))
        label = it.first_name.get(o) or (names[0] if names else o.label)
        for j in js:
            # (``unpicklable:`` adds no order: ``object:`` has it; it
            # tells ``loops`` this one cannot travel)
            results[j]["resources"] |= {"object:" + label, "unpicklable:" + label}

    lines = _LINE.findall(source)  # once: ast.get_source_segment splits per call
    out = []
    for idx, r in enumerate(results):
        node = r["node"]
        out.append(new_statement({  # every field of Statement, in its order
            "id": idx, "lineno": node.lineno, "col_offset": node.col_offset,
            "end_lineno": node.end_lineno, "end_col_offset": node.end_col_offset,
            "source": _segment(lines, node), "path": r["path"],
            "reads": frozenset(r["reads"]), "writes": frozenset(r["writes"]),
            "mutates": frozenset(r["mutates"]), "resources": frozenset(r["resources"]),
            "maybe_binds": (frozenset(r["maybe"] & r["reads"] - r["mutates"]) if r["maybe"]
                            else _EMPTY),
            "barrier": bool(r["barrier"]), "barrier_reason": r["barrier_reason"],
            "assumed": frozenset(r["assumed"] & r["resources"]) if r["assumed"] else _EMPTY,
            "pin": pins.get(node.lineno), "kind": _KINDS.get(node.__class__, "other"),
            "scope": r["scope"], "call_lineno": r["call_lineno"], "main_part": None,
            "loop": None}))
    return out


def _statements_of(sets: list, objects: dict | None) -> dict:
    """Object -> the indices of ``sets`` holding it, in order, for the
    objects of ``objects`` (None: the unpicklable ones, in the order of
    their first index)."""
    out: dict = {}
    if objects is not None and not objects:
        return out
    for j, objs in enumerate(sets):
        for o in objs:
            if o in objects if objects is not None else "unpicklable" in o.tags:
                out.setdefault(o, []).append(j)
    return out


_EMPTY: frozenset = frozenset()


def _update_reach(it, reach_of: dict, bound: dict, holders: dict, eff_writes) -> dict:
    """Bring ``reach_of`` (the reach of every top-level name) up to date
    after a statement, in place; return the reach before it of the names
    whose reach changed (None for a name that was unbound).

    Only names that may have changed are looked at: those the statement bound
    (``eff_writes``; ``bound`` remembers (id, size) of a binding set, which
    frames update in place and only grow) and those whose reach holds an
    object that gained contents (``holders`` is the inverted index: object
    -> names reaching it). If the names bound then differ in number from the
    names known, or the statement is a barrier (a binding the writes do not
    explain), every name is compared. Copying or comparing all names per
    statement would make the analysis quadratic in the script's length.
    """
    before: dict = {}
    env = it.env
    candidates = eff_writes  # (only read)
    if it.grown:
        candidates = set(eff_writes)
        for t in it.grown:
            candidates |= holders.get(t, _EMPTY)
    _refresh(it, candidates, env, reach_of, before, bound)
    if (len(reach_of) != len(env) or it.eff.barrier) and reach_of.keys() != env.keys():
        _refresh(it, set(env) | set(reach_of), env, reach_of, before, bound)
    return before


def _refresh(it, candidates, env, reach_of, before, bound) -> None:
    for name in candidates:
        v = env.get(name)
        if v is None:
            if name in reach_of:
                before.setdefault(name, reach_of.pop(name))
                bound.pop(name, None)
            continue
        key = (id(v), len(v))
        r = reach_of.get(name)
        if r is None or bound.get(name) != key or not it.grown.isdisjoint(r):
            before.setdefault(name, r)
            reach_of[name] = it.reach(v) if v else set()
            bound[name] = key


def _reaches_before(reach_of: dict, before: dict):
    """Every name's reach before the statement (``_update_reach``)."""
    for name, r in reach_of.items():
        r = before[name] if name in before else r
        if r is not None:
            yield r
    for name, r in before.items():
        if name not in reach_of and r is not None:
            yield r


def _mutated_names(M: set, reach_of: dict, before: dict, holders: dict) -> set:
    """Names whose reach, before or after the statement, holds an object of
    ``M`` it mutated (after: one that existed before). ``holders`` (object
    -> names reaching it before the statement) answers it for all but
    modules, which it does not index; a module mutated makes it look at
    every name."""
    if any(o.kind == "module" for o in M):
        old: set = set()
        for r in _reaches_before(reach_of, before):
            old |= r
        M_old = M & old
        out = set()
        for name in set(reach_of) | set(before):
            was = (before[name] if name in before else reach_of[name]) or _EMPTY
            if was & M or reach_of.get(name, _EMPTY) & M_old:
                out.add(name)
        return out
    out: set = set()
    M_old = set()
    for o in M:  # holders is not updated yet: names reaching o before
        names = holders.get(o)
        if names:
            out |= names
            M_old.add(o)
    if M_old:
        for name in before:
            if not reach_of.get(name, _EMPTY).isdisjoint(M_old):
                out.add(name)
    return out


#: a line as ``ast._splitlines_no_ff`` cuts them (``\r\n``, ``\r``, ``\n``;
#: not form feeds), without its character-by-character loop
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _segment(lines: list[str], node) -> str:
    """``ast.get_source_segment`` over lines split once (offsets are UTF-8 bytes)."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        line = lines[first]
        if line.isascii():  # bytes are characters
            return line[node.col_offset:node.end_col_offset]
        return line.encode()[node.col_offset:node.end_col_offset].decode()
    head = lines[first].encode()[node.col_offset:].decode()
    tail = lines[last].encode()[:node.end_col_offset].decode()
    return "".join([head, *lines[first + 1:last], tail])
