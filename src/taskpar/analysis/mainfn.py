"""The ``main()`` pattern: a script whose work sits in one function.

Design note. Many scripts are definitions plus one call of a function without
arguments, last: ``main()`` at the end of the module, or as the last
statement of a final ``if __name__ == "__main__":`` guard. Left alone, that
call is one statement and nothing runs in parallel. ``find_main`` decides
whether the function's body may be analysed (and run) as if it were top
level: the call is replaced by the body's statements, each located by
``path = (k_def, i)`` (``module.body[k_def].body[i]``) and carrying
``scope`` (the function's name) and ``call_lineno`` (the call's line) so the
runtime can name their frames and rebuild python's traceback.

Flattening turns the function's locals into globals. It preserves meaning
only when (each violated condition is a one-line ``Script.notes`` entry):

* the function is a plain ``def`` (not async, not decorated) without
  parameters, bound once at module level and named nowhere else (no
  recursion, no other call, not passed around);
* its own scope has no ``return`` except a bare ``return``/``return None``
  as the very last statement (dropped), no ``yield``/``await``, no frame
  introspection (``locals()``, ``vars()``, ``dir()``, ``globals()``,
  ``exec``, ``eval``, ``sys._getframe``, ``inspect.currentframe``), and no
  nested ``nonlocal`` that refers to one of its locals (a SyntaxError at
  module level);
* none of its locals is a name the rest of the script binds or uses at
  module level, nor a global any other script function reads or writes
  (including builtins such functions use: a local ``print`` would shadow
  theirs), nor a name a nested function declares ``global``;
* an annotated local (``x: T = v``) — whose annotation python evaluates at
  module level but not in a function — has an annotation of names bound
  by imports/defs/classes or builtins only, without calls (or the script
  uses ``from __future__ import annotations``).

A body of fewer than two statements (after dropping those below) is left
as it is: flattening it gains nothing. Statements preceding the call need not be definitions: they run before the
body either way. The function's ``global`` declarations, its docstring and
other bare string statements (which would become ``__doc__`` when compiled
alone as a module) are dropped. ``compile_in_scope`` compiles one such
statement as the runtime should: inside a function named ``scope`` whose
every bound name is declared ``global``, so frames, ``__qualname__`` of
nested functions/classes/lambdas and annotation semantics are exactly
those of the original function.
"""

from __future__ import annotations

import ast
import builtins
import copy
import dis
import types
from dataclasses import dataclass, field

from .astwalk import copy_tree
from .scopes import FUNCTION_NODES, ScriptScopes, scope_bindings

__all__ = ["MainCall", "find_main", "flatten", "compile_in_scope", "FRAME_FUNCTIONS"]

#: calls that look at the calling frame's variables: flattening would change them
FRAME_FUNCTIONS = frozenset({"locals", "vars", "dir", "globals", "exec", "eval"})
FRAME_ATTRS = frozenset({"_getframe", "currentframe"})
EXIT_CALLS = frozenset({"exit"})


@dataclass
class MainCall:
    """A recognised main() call that may be flattened."""

    name: str
    #: index of ``def NAME`` in module.body
    k_def: int
    #: index in module.body of the call statement (or of the guard holding it)
    k_call: int
    #: True when the call is the last statement of a final __main__ guard
    guard: bool
    call_lineno: int
    #: (index in the function body, statement) kept, in order
    body: list[tuple[int, ast.stmt]] = field(default_factory=list)
    #: the function's parameters: bound first, from the call's arguments
    #: (and the constant defaults) — statement ``main_part="args"``
    params: tuple[str, ...] = ()
    #: the call is ``sys.exit(main(...))`` (or ``exit``/``raise SystemExit``):
    #: the final ``return v`` becomes that exit with ``v`` (``main_part="exit"``)
    exit: bool = False


def _own_scope(body):
    """Nodes in one scope: not the bodies of nested functions and lambdas
    (their decorators and defaults run in this scope; class bodies are walked)."""
    stack = list(body)
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(getattr(n, "decorator_list", []))
            stack.extend(n.args.defaults)
            stack.extend(d for d in n.args.kw_defaults if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(n))


def _call_of(stmt) -> tuple[ast.Call, str] | None:
    """(call, how) for ``f(...)``, ``sys.exit(f(...))``, ``raise SystemExit(f(...))``."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        c = stmt.value
        if isinstance(c.func, ast.Name):
            if c.func.id in EXIT_CALLS or c.func.id == "quit":
                return (c.args[0], "exit") if len(c.args) == 1 and isinstance(c.args[0], ast.Call) \
                    else None
            return c, "call"
        if isinstance(c.func, ast.Attribute) and c.func.attr == "exit" and len(c.args) == 1 \
                and isinstance(c.args[0], ast.Call):
            return c.args[0], "exit"
    if isinstance(stmt, ast.Raise) and isinstance(stmt.exc, ast.Call) and \
            isinstance(stmt.exc.func, ast.Name) and stmt.exc.func.id == "SystemExit" and \
            len(stmt.exc.args) == 1 and isinstance(stmt.exc.args[0], ast.Call):
        return stmt.exc.args[0], "exit"
    return None


def find_main(tree: ast.Module, is_main_guard) -> tuple[MainCall | None, str | None]:
    """The flattenable main() call, or None with a one-line note (None if no pattern)."""
    body = tree.body
    if not body:
        return None, None
    k_call = len(body) - 1
    last = body[-1]
    guard = False
    if is_main_guard(last) and last.body:
        guard = True
        stmt = last.body[-1]
    else:
        stmt = last
    found = _call_of(stmt)
    if found is None:
        return None, None
    call, how = found
    if not isinstance(call.func, ast.Name):
        return None, None
    name = call.func.id
    defs = [k for k, n in enumerate(body)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not defs:
        return None, None  # not a script function (imported, a class, ...)
    k_def = defs[-1]
    fn = body[k_def]
    head = f"{name}() at line {call.lineno} runs as one statement"

    def note(why: str):
        return None, f"{head}: {why}"

    if isinstance(fn, ast.AsyncFunctionDef):
        return note(f"it is an async function (line {fn.lineno})")
    if fn.decorator_list:
        return note(f"it is decorated (line {fn.lineno})")
    a = fn.args
    if a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg:
        return note(f"it takes keyword-only, positional-only or variable parameters "
                    f"(line {fn.lineno})")
    if call.keywords or any(not _plain_argument(x) for x in call.args):
        return note("it is called with keyword arguments or arguments that are not "
                    "plain names or constants")
    if len(call.args) > len(a.args) or len(call.args) < len(a.args) - len(a.defaults):
        return note("it is called with another number of arguments than it takes")
    if any(not isinstance(d, ast.Constant) for d in a.defaults[len(a.defaults) - (
            len(a.args) - len(call.args)):] if len(a.args) > len(call.args)):
        return note(f"a default it uses is not a constant (line {fn.lineno})")
    if len(defs) > 1:
        return note(f"it is defined more than once (lines {', '.join(str(body[k].lineno) for k in defs)})")
    # every other mention of the name anywhere in the script
    for n in ast.walk(tree):
        if n is call.func:
            continue
        line = getattr(n, "lineno", None)
        if isinstance(n, ast.Name) and n.id == name:
            return note(f"'{name}' is also used at line {line}")
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == name \
                and n is not fn:
            return note(f"'{name}' is defined again at line {line}")
        if isinstance(n, ast.alias) and (n.asname or n.name.split(".")[0]) == name:
            return note(f"'{name}' is imported again at line {line}")
        if isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names:
            return note(f"'{name}' is declared global at line {line}")
        if isinstance(n, ast.ExceptHandler) and n.name == name:
            return note(f"'{name}' is bound again at line {line}")
    if k_def >= k_call and not guard:  # pragma: no cover - the call is last
        return None, None

    # its own scope
    fbody = list(fn.body)
    kept: list[tuple[int, ast.stmt]] = []
    for i, s in enumerate(fbody):
        if isinstance(s, ast.Global):
            continue
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
            continue  # docstring / bare string: would become __doc__ compiled as a module
        if i == len(fbody) - 1 and isinstance(s, ast.Return) and \
                (s.value is None or (isinstance(s.value, ast.Constant) and s.value.value is None)) \
                and how != "exit":
            continue
        kept.append((i, s))
    if len(kept) < 2:
        return None, None  # one statement either way: nothing to gain, nothing to say
    last_ret = fbody[-1] if isinstance(fbody[-1], ast.Return) else None
    for n in _own_scope(fbody):
        if isinstance(n, ast.Return) and n is not last_ret:
            if n.value is None or (isinstance(n.value, ast.Constant) and n.value.value is None):
                return note(f"it returns early at line {n.lineno}")
            return note(f"it returns a value at line {n.lineno}")
        if n is last_ret and n.value is not None and not (
                isinstance(n.value, ast.Constant) and n.value.value is None) and how != "exit":
            return note(f"it returns a value at line {n.lineno}")
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return note(f"it is a generator (yield at line {n.lineno})")
        if isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return note(f"it awaits at line {n.lineno}")
    for n in ast.walk(fn):
        if isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Name) and f.id in FRAME_FUNCTIONS and \
                    not (f.id in ("vars", "dir") and (n.args or n.keywords)):
                return note(f"it calls {f.id}() at line {n.lineno}")
            if isinstance(f, ast.Attribute) and (f.attr in FRAME_ATTRS or (
                    f.attr in ("stack", "getouterframes") and isinstance(f.value, ast.Name)
                    and f.value.id == "inspect")):
                return note(f"it inspects frames ({f.attr}) at line {n.lineno}")

    scopes = ScriptScopes(tree)
    info = scopes.by_node[id(fn)]
    mine = set(info.locals)

    def inside(fi) -> bool:
        p = fi
        while p is not None:
            if p is info:
                return True
            p = p.parent
        return False

    nested = [fi for fi in scopes.functions.values() if fi is not info and inside(fi)]
    for fi in nested:
        for nl in sorted(fi.nonlocals):
            p = fi.parent
            while p is not None and p is not info and nl not in p.locals:
                p = p.parent
            if p is info:
                return note(f"a nested function declares 'nonlocal {nl}' (line {fi.node.lineno})")
        for g in sorted(fi.globals & mine):
            return note(f"its local name '{g}' is declared global in a nested function "
                        f"(line {fi.node.lineno})")

    # names the rest of the module binds at module level
    rest = [n for k, n in enumerate(tree.body) if k != k_def]
    module_names = scope_bindings(rest).bound
    for x in sorted(mine):
        if x in module_names:
            return note(f"its local name '{x}' is also a top-level name")
    # globals read or written by other script functions (and their class bodies)
    for fi in scopes.functions.values():
        if fi is info or inside(fi):
            continue
        used = _names_in_scope(fi)
        for n in _frame_calls(fi):
            return note(f"the function '{fi.name}' calls {n.func.id}() at line {n.lineno}")
        for x in sorted(mine & used):
            if fi.resolve(x) == "global":
                where = f"'{fi.name}' (line {fi.node.lineno})"
                return note(f"its local name '{x}' is a global used by the function {where}")

    # annotations of simple names: evaluated at module level, not in a function
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    if not future:
        static = set()
        for top in rest:
            if isinstance(top, (ast.Import, ast.ImportFrom)):
                static |= {a.asname or a.name.split(".")[0] for a in top.names}
            elif isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                static.add(top.name)
        for n in _own_scope(fbody):
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.simple:
                if not _plain_annotation(n.annotation, static - mine):
                    return note(f"the annotation at line {n.lineno} would be evaluated at module level")

    if k_def > (k_call if not guard else len(tree.body) - 1):  # pragma: no cover
        return None, None
    if how == "exit" and last_ret is None:
        return note("its result is used (the call sits inside sys.exit(...)/SystemExit) "
                    "and it does not end with a return")
    return MainCall(name=name, k_def=k_def, k_call=k_call, guard=guard,
                    call_lineno=call.lineno, body=kept,
                    params=tuple(x.arg for x in a.args) if call.args or a.args else (),
                    exit=how == "exit"), None


def _plain_argument(node) -> bool:
    """An argument whose evaluation cannot fail or act: a name, a constant,
    or an attribute of a name (``sys.argv``)."""
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name)
    return isinstance(node, (ast.Name, ast.Constant))


def _plain_annotation(node, static: set[str]) -> bool:
    """True if evaluating the annotation at module level cannot fail or act."""
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            if n.id not in static and not hasattr(builtins, n.id):
                return False
        elif not isinstance(n, (ast.Attribute, ast.Subscript, ast.Constant, ast.Tuple,
                                ast.List, ast.BinOp, ast.BitOr, ast.Load)):
            return False
    return True


def _frame_calls(fi):
    """Calls in a function's own code that see module globals by name
    (``globals()``, ``eval``, ``exec``, ``vars()``/``dir()`` without arguments)."""
    node = fi.node
    roots = [node.body] if isinstance(node, ast.Lambda) else \
        [node] if isinstance(node, ast.GeneratorExp) else list(node.body)
    for n in _own_scope(roots):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and \
                n.func.id in ("globals", "eval", "exec", "vars", "dir") and \
                not (n.func.id in ("vars", "dir") and (n.args or n.keywords)):
            yield n


def _names_in_scope(fi) -> set[str]:
    """Every name mentioned in a function's own code (conservatively: class bodies too)."""
    node = fi.node
    if isinstance(node, ast.Lambda):
        roots = [node.body]
    elif isinstance(node, ast.GeneratorExp):
        roots = [node.elt] + [g.target for g in node.generators] + \
            [g.iter for g in node.generators[1:]] + [c for g in node.generators for c in g.ifs]
    else:
        roots = list(node.body)
    out: set[str] = set()
    stack = roots
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            out.update(n.names)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        for child in ast.iter_child_nodes(n):
            if isinstance(child, FUNCTION_NODES):
                # its defaults/decorators/first iterable belong to this scope
                if isinstance(child, ast.GeneratorExp):
                    stack.append(child.generators[0].iter)
                else:
                    stack.extend(child.args.defaults)
                    stack.extend(d for d in child.args.kw_defaults if d is not None)
                    stack.extend(getattr(child, "decorator_list", []))
                continue
            stack.append(child)
    return out


def flatten(tree: ast.Module, mc: MainCall, top_items) -> tuple[ast.Module, list]:
    """The module as analysed, and items (node, path, scope, call_lineno).

    ``top_items`` is ``effects.top_level_statements(tree)``. The returned
    module has the call replaced by the function's kept statements and the
    ``def`` replaced by a stub (same name and location, body ``pass``), so
    scopes of nested functions become top-level ones.
    """
    fn = tree.body[mc.k_def]
    stub = copy.copy(fn)
    p = ast.Pass()
    ast.copy_location(p, fn)
    stub.body = [p]
    items = []
    new_body = []
    call_path = main_call_path(tree, mc)
    for node, path in top_items:
        if path == call_path:
            if mc.params:
                s = main_part_node(tree, mc, "args")
                items.append((s, call_path, mc.name, mc.call_lineno))
                new_body.append(s)
            for i, s in mc.body:
                if mc.exit and i == len(fn.body) - 1:
                    s = main_part_node(tree, mc, "exit")
                items.append((s, (mc.k_def, i), mc.name, mc.call_lineno))
                new_body.append(s)
            continue
        if node is fn:
            items.append((stub, path, None, None))
            new_body.append(stub)
            continue
        items.append((node, path, None, None))
        new_body.append(node)
    return ast.Module(body=new_body, type_ignores=[]), items


def main_call_path(tree: ast.Module, mc: MainCall) -> tuple[int, ...]:
    """The path of the statement holding the call (``Statement.path``)."""
    return (mc.k_call, len(tree.body[mc.k_call].body) - 1) if mc.guard else (mc.k_call,)


def main_part(tree: ast.Module, mc: MainCall, path: tuple[int, ...]) -> str | None:
    """"args" / "exit" for the statements flattening adds (see ``MainCall``)."""
    if mc.params and path == main_call_path(tree, mc):
        return "args"
    if mc.exit and path == (mc.k_def, len(tree.body[mc.k_def].body) - 1):
        return "exit"
    return None


def main_part_node(tree: ast.Module, mc: MainCall, part: str) -> ast.stmt:
    """The statement flattening puts in place of the call's own work:

    "args" — ``p1, p2 = a1, a2`` (the parameters from the call's arguments
    and the defaults it leaves), at the call's position;
    "exit" — the exit statement (``sys.exit(<v>)``) with the function's
    final ``return v`` value in place of the call, at the return's position.
    """
    fn = tree.body[mc.k_def]
    holder = tree.body[mc.k_call]
    if mc.guard:
        holder = holder.body[-1]
    call = _call_of(holder)[0]
    if part == "args":
        a = fn.args
        values = list(call.args) + list(a.defaults[len(a.defaults) - (len(a.args) - len(call.args)):]
                                        if len(a.args) > len(call.args) else [])
        node = ast.Assign(targets=[ast.Tuple([ast.Name(p, ast.Store()) for p in mc.params],
                                             ast.Store())],
                          value=ast.Tuple([copy_tree(v) for v in values], ast.Load()))
        return ast.fix_missing_locations(ast.copy_location(node, holder))
    ret = fn.body[-1]
    stmt = copy_tree(holder)
    value = copy_tree(ret.value)
    mine = {id(m) for m in ast.walk(value)}
    for n in list(ast.walk(stmt)):
        for field_name, v in ast.iter_fields(n):
            if isinstance(v, list):
                for k, x in enumerate(v):
                    if isinstance(x, ast.Call) and _same_call(x, call):
                        v[k] = value
            elif isinstance(v, ast.Call) and _same_call(v, call):
                setattr(n, field_name, value)
    for n in ast.walk(stmt):  # the exit call itself stands where the return was
        if id(n) not in mine and "lineno" in n._attributes:
            ast.copy_location(n, ret)
    return stmt


def _same_call(a: ast.Call, b: ast.Call) -> bool:
    return (a.lineno, a.col_offset, a.end_lineno, a.end_col_offset) == (
        b.lineno, b.col_offset, b.end_lineno, b.end_col_offset)


# ---------------------------------------------------------------- compiling


class _StripAnn(ast.NodeTransformer):
    """``x: T = v`` -> ``x = v`` and ``x: T`` -> nothing, in the statement's own scope."""

    def visit_AnnAssign(self, node):
        if isinstance(node.target, ast.Name) and node.simple:
            if node.value is None:
                return ast.copy_location(ast.Pass(), node)
            return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)
        return node

    def _skip(self, node):
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _skip


def compile_in_scope(node: ast.stmt, scope: str, filename: str, flags: int = 0) -> types.CodeType:
    """Code for one statement taken from function ``scope``, to ``exec`` in the module namespace.

    The statement is compiled inside ``def scope():`` with every name it binds
    declared ``global``: reads and writes go to module globals, while the frame
    is called ``scope``, nested functions/classes/lambdas get the qualnames
    they have in the original (``main.<locals>.f``) and annotations of simple
    names are not evaluated, as in a function. The result has no free
    variables, so ``exec(code, namespace)`` runs it (it raises as the original
    did, its frame named ``scope``; the caller adds the ``<module>`` frame of
    ``call_lineno`` to a traceback). ``flags`` are compiler
    flags of the script's ``from __future__`` imports.
    """
    stmt = _StripAnn().visit(copy_tree(node))
    names = sorted(scope_bindings([stmt]).bound)
    body: list[ast.stmt] = []
    if names:
        body.append(ast.copy_location(ast.Global(names=names), node))
    body.append(stmt)
    fn = ast.FunctionDef(name=scope, args=ast.arguments(posonlyargs=[], args=[], vararg=None,
                                                        kwonlyargs=[], kw_defaults=[],
                                                        kwarg=None, defaults=[]),
                         body=body, decorator_list=[], returns=None, type_comment=None)
    ast.copy_location(fn, node)
    fn.end_lineno, fn.end_col_offset = node.end_lineno, node.end_col_offset
    mod = ast.Module(body=[fn], type_ignores=[])
    ast.fix_missing_locations(mod)
    code = compile(mod, filename, "exec", flags=flags, dont_inherit=True)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            if not hasattr(c, "co_qualname"):  # pragma: no cover - python < 3.11
                return c
            # a def/class whose name is declared global gets the bare name as
            # qualname: give it (and what it contains) the function's prefix
            prefix = scope + ".<locals>."
            return c.replace(co_consts=tuple(
                _requalify(x, prefix) if isinstance(x, types.CodeType) else x
                for x in c.co_consts))
    raise AssertionError("no function code")  # pragma: no cover


def _requalify(code: types.CodeType, prefix: str) -> types.CodeType:
    if code.co_qualname.startswith(prefix):
        return code
    consts = [_requalify(x, prefix) if isinstance(x, types.CodeType) else x
              for x in code.co_consts]
    old = code.co_qualname
    # a class body stores its __qualname__ from a constant
    loads = [ins for ins in dis.get_instructions(code) if ins.opname == "LOAD_CONST"]
    prev = None
    for ins in dis.get_instructions(code):
        if ins.opname == "STORE_NAME" and ins.argval == "__qualname__" and prev is not None \
                and prev.opname == "LOAD_CONST" and prev.argval == old:
            k = prev.arg
            if sum(1 for x in loads if x.arg == k) == 1:
                consts[k] = prefix + old
        prev = ins
    return code.replace(co_consts=tuple(consts), co_qualname=prefix + old)
