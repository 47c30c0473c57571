"""Python's scoping rules, as far as the analysis needs them.

Design note. Every function-like node (``def``, ``async def``, ``lambda``,
a generator expression — which runs lazily, like a function) gets a
``FunctionInfo``: its parameters, the names local to it, its ``global`` and
``nonlocal`` declarations, and a key unique in the script. Names are resolved
as CPython does at compile time:

* a name declared ``global`` is global; a name declared ``nonlocal``, or not
  bound in the function but bound in an enclosing *function*, is a closure
  cell (class bodies are skipped when looking outwards);
* a name bound anywhere in the function body (assignment, augmented
  assignment, ``for``/``with``/``except`` targets, imports, ``def``/``class``,
  ``del``, match captures, walrus — including walrus inside a comprehension)
  is local; everything else is global (or builtin).

Comprehensions (list/set/dict) are evaluated eagerly by the statement that
contains them: the interpreter gives them a nested frame whose iteration
variables are local, whose first iterable is evaluated in the enclosing frame,
and whose walrus targets bind in the nearest enclosing non-comprehension
scope. ``ClassInfo`` records a class's methods (with static/class/property
kinds), its bases, and which of its methods Python calls implicitly.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .astwalk import children, walk

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.GeneratorExp)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: methods never called implicitly by an operation on an instance
NOT_IMPLICIT = frozenset({"__init__", "__new__", "__init_subclass__", "__class_getitem__",
                          "__set_name__", "__post_init__", "__del__"})


def target_names(t: ast.AST) -> set[str]:
    """Names bound by an assignment target (not those inside subscripts)."""
    out: set[str] = set()
    if isinstance(t, ast.Name):
        out.add(t.id)
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            out |= target_names(e)
    elif isinstance(t, ast.Starred):
        out |= target_names(t.value)
    return out


class _Binder(ast.NodeVisitor):
    """Collect names bound directly in one scope (not inside nested scopes)."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def visit(self, node) -> None:
        # ``NodeVisitor.visit`` with the method looked up once per class
        # (``_BINDER_METHODS``) and children from ``astwalk``; names and
        # constants, most of the nodes, without a call
        cls = node.__class__
        if cls is ast.Name:
            if node.ctx.__class__ in _STORE_DEL:
                self.bound.add(node.id)
            return
        if cls is ast.Constant:
            return
        m = _BINDER_METHODS.get(cls, _UNKNOWN)
        if m is _UNKNOWN:
            m = _binder_method(cls)
        if m is None:
            for child in children(node):
                self.visit(child)
        else:
            m(self, node)

    def generic_visit(self, node) -> None:
        for child in children(node):
            self.visit(child)

    def _leaf(self, node) -> None:
        pass

    # the most frequent statements, their fields in order without ``children``
    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self.visit(t)
        self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.target)
        self.visit(node.value)

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bound.add(node.id)

    def visit_Global(self, node: ast.Global) -> None:
        self.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.nonlocals.update(node.names)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self.bound.add(a.asname or a.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for a in node.names:
            if a.name != "*":
                self.bound.add(a.asname or a.name)

    def _def(self, node) -> None:
        self.bound.add(node.name)
        for d in node.decorator_list:
            self.visit(d)
        if isinstance(node, ast.ClassDef):
            for b in node.bases:
                self.visit(b)
            for k in node.keywords:
                self.visit(k.value)
        else:
            self._args(node.args)
            if node.returns:
                self.visit(node.returns)

    def _args(self, args: ast.arguments) -> None:
        for d in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(d)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _def

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._args(node.args)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bound.add(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.bound.add(node.rest)
        self.generic_visit(node)

    def _comp(self, node) -> None:
        # only walrus targets inside a comprehension bind in this scope; the
        # first iterable is evaluated here
        self.visit(node.generators[0].iter)
        for sub in walk(node):
            if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                self.bound.add(sub.target.id)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.bound.add(node.target.id)
        self.visit(node.value)


_UNKNOWN = object()
_FUNCTION_CLASSES = frozenset(FUNCTION_NODES)
_STORE_DEL = frozenset({ast.Store, ast.Del})
#: nodes without a child node: nothing in them to visit
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Pass, ast.Break, ast.Continue, ast.Global,
                     ast.Nonlocal, ast.Import, ast.ImportFrom})
#: node class -> its ``visit_`` method of ``_Binder``, None for the generic visit
_BINDER_METHODS: dict = {}


def _binder_method(cls):
    m = getattr(_Binder, "visit_" + cls.__name__, None)
    if m is ast.NodeVisitor.visit_Constant:  # (old node names only): a leaf
        m = _Binder._leaf
    _BINDER_METHODS[cls] = m
    return m


def scope_bindings(body) -> _Binder:
    b = _Binder()
    for n in body if isinstance(body, list) else [body]:
        b.visit(n)
    return b


@dataclass
class FunctionInfo:
    key: str
    node: ast.AST
    name: str
    #: positional parameter names in order (posonly + args), then kw-only
    positional: list[str] = field(default_factory=list)
    kwonly: list[str] = field(default_factory=list)
    vararg: str | None = None
    kwarg: str | None = None
    #: parameters that have a default value
    defaulted: set[str] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    #: enclosing function (for closure cells), or None
    parent: "FunctionInfo | None" = None
    #: "function", "staticmethod", "classmethod", "property" for methods
    method_kind: str | None = None
    #: class key when defined directly in a class body
    owner: str | None = None
    is_generator: bool = False
    top_level: bool = False

    @property
    def params(self) -> list[str]:
        out = list(self.positional)
        if self.vararg:
            out.append(self.vararg)
        out += self.kwonly
        if self.kwarg:
            out.append(self.kwarg)
        return out

    def resolve(self, name: str) -> str:
        """'local', 'global' or 'cell' for a name used in this function."""
        if name in self.globals:
            return "global"
        if name in self.nonlocals:
            return "cell"
        if name in self.locals:
            return "local"
        p = self.parent
        while p is not None:
            if name in p.locals and name not in p.globals:
                return "cell"
            if name in p.nonlocals:
                return "cell"
            p = p.parent
        return "global"


@dataclass
class ClassInfo:
    key: str
    node: ast.ClassDef
    name: str
    #: method name -> (function key, kind)
    methods: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: keys of script classes among the bases (statically resolved)
    bases: list[str] = field(default_factory=list)
    #: a base, decorator or metaclass the analysis does not know
    unknown_base: bool = False
    decorated: bool = False


def _has_yield(node) -> bool:
    stack = list(node.body) if isinstance(node.body, list) else [node.body]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(children(n))
    return False


def _method_kind(node) -> str:
    for d in node.decorator_list:
        name = d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
        if name in ("staticmethod", "classmethod", "property"):
            return name
        if name in ("setter", "getter", "deleter", "cached_property"):
            return "property"
    return "function"


class ScriptScopes:
    """All functions and classes of a script, keyed, with their scope facts."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions: dict[str, FunctionInfo] = {}
        self.by_node: dict[int, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.class_by_node: dict[int, ClassInfo] = {}
        #: method name -> list of (class key, function key, kind)
        self.methods_by_name: dict[str, list[tuple[str, str, str]]] = {}
        self._walk(tree.body, parent=None, owner=None, prefix="")

    def _key(self, name: str, node: ast.AST) -> str:
        return f"{name}@{node.lineno}:{node.col_offset}"

    def _walk(self, body, parent: FunctionInfo | None, owner: ClassInfo | None, prefix: str):
        nodes = body if isinstance(body, list) else [body]
        for top in nodes:
            self._visit(top, parent, owner, prefix)

    def _visit(self, node, parent, owner, prefix):
        cls = node.__class__  # (a class compared: isinstance over a tuple costs per class)
        if cls in _FUNCTION_CLASSES:
            self._function(node, parent, owner, prefix)
            return
        if cls is ast.ClassDef:
            self._class(node, parent, prefix)
            return
        for child in children(node):
            if child.__class__ not in _LEAVES:
                self._visit(child, parent, None, prefix)

    def _function(self, node, parent, owner, prefix):
        if isinstance(node, ast.Lambda):
            name = "<lambda>"
        elif isinstance(node, ast.GeneratorExp):
            name = "<genexpr>"
        else:
            name = node.name
        info = FunctionInfo(key=self._key(prefix + name, node), node=node, name=name,
                            parent=parent, top_level=parent is None and owner is None)
        if isinstance(node, ast.GeneratorExp):
            info.is_generator = True
            for g in node.generators:  # walrus targets bind in the enclosing scope
                info.locals |= target_names(g.target)
        else:
            a = node.args
            info.positional = [x.arg for x in a.posonlyargs + a.args]
            info.kwonly = [x.arg for x in a.kwonlyargs]
            info.vararg = a.vararg.arg if a.vararg else None
            info.kwarg = a.kwarg.arg if a.kwarg else None
            pos = a.posonlyargs + a.args
            for x in pos[len(pos) - len(a.defaults):] if a.defaults else []:
                info.defaulted.add(x.arg)
            for x, d in zip(a.kwonlyargs, a.kw_defaults):
                if d is not None:
                    info.defaulted.add(x.arg)
            b = scope_bindings(node.body)
            info.locals = set(info.params) | b.bound
            info.globals = b.globals
            info.nonlocals = b.nonlocals
            info.locals -= b.globals | b.nonlocals
            info.is_generator = _has_yield(node)
            if owner is not None:
                info.owner = owner.key
                info.method_kind = _method_kind(node)
                kind = info.method_kind
                prev = owner.methods.get(node.name)
                if prev is None or kind != "property":
                    owner.methods[node.name] = (info.key, kind)
                else:  # property setter: keep every accessor reachable
                    owner.methods[node.name + "#" + info.key] = (info.key, kind)
                self.methods_by_name.setdefault(node.name, []).append((owner.key, info.key, kind))
        self.functions[info.key] = info
        self.by_node[id(node)] = info
        # decorators, defaults, annotations belong to the enclosing scope
        if not isinstance(node, (ast.Lambda, ast.GeneratorExp)):
            for d in node.decorator_list:
                self._visit(d, parent, None, prefix)
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d]:
                self._visit(d, parent, None, prefix)
            for sub in node.body:
                self._visit(sub, info, None, prefix + name + ".")
        elif isinstance(node, ast.Lambda):
            for d in node.args.defaults + [d for d in node.args.kw_defaults if d]:
                self._visit(d, parent, None, prefix)
            self._visit(node.body, info, None, prefix + name + ".")
        else:
            self._visit(node.generators[0].iter, parent, None, prefix)
            rest = [node.elt] + [g.target for g in node.generators]
            rest += [g.iter for g in node.generators[1:]]
            rest += [c for g in node.generators for c in g.ifs]
            for sub in rest:
                self._visit(sub, info, None, prefix + name + ".")

    def _class(self, node: ast.ClassDef, parent, prefix):
        info = ClassInfo(key=self._key(prefix + node.name, node), node=node, name=node.name)
        info.decorated = bool(node.decorator_list)
        if any(k.arg == "metaclass" for k in node.keywords):
            info.unknown_base = True
        self.classes[info.key] = info
        self.class_by_node[id(node)] = info
        for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self._visit(d, parent, None, prefix)
        for sub in node.body:
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(sub, parent, info, prefix + node.name + ".")
            else:
                self._visit(sub, parent, None, prefix + node.name + ".")

    # -- class hierarchy ---------------------------------------------------

    def mro(self, class_key: str) -> list[str]:
        out: list[str] = []
        stack = [class_key]
        while stack:
            k = stack.pop(0)
            if k in out or k not in self.classes:
                continue
            out.append(k)
            stack.extend(self.classes[k].bases)
        return out

    def lookup(self, class_key: str, name: str) -> tuple[str, str] | None:
        for k in self.mro(class_key):
            m = self.classes[k].methods.get(name)
            if m is not None:
                return m
        return None

    def open_hierarchy(self, class_key: str) -> bool:
        """True if some class in the MRO has a base/decorator the analysis does not know."""
        return any(self.classes[k].unknown_base or self.classes[k].decorated
                   for k in self.mro(class_key))

    def implicit_methods(self, class_key: str) -> list[tuple[str, str]]:
        """(function key, kind) of methods Python may call on an instance implicitly."""
        out = []
        for k in self.mro(class_key):
            for name, (fk, kind) in self.classes[k].methods.items():
                base = name.split("#")[0]
                if kind == "property" or (base.startswith("__") and base.endswith("__")
                                          and base not in NOT_IMPLICIT):
                    out.append((fk, kind))
        return out
