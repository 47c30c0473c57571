"""The abstract interpreter: expressions and statements over abstract objects.

Design note. ``Interp`` walks Python code once (loops: until nothing new is
learnt) and records ``Effects``: names read and written, objects mutated,
hidden-state resources, barriers. It runs in two modes:

* top mode — one top-level statement at a time, against the script's
  points-to state (``env``: name -> objects, ``heap``: object -> contents),
  flow-sensitively in program order;
* summary mode — a function body, against syms (see ``objects``); the
  result is a ``Summary`` applied at every call (``calls.CallsMixin``).

Expressions evaluate to the set of objects the value may be. Rules:

* constants, comparisons, ``not``, f-strings: no object (immutable values);
* displays and comprehensions: a new ``container`` site holding the elements;
* ``a.attr`` / ``a[i]``: ``a`` itself *and* its contents (views: ``a.T``,
  ``a[1:]`` may share ``a``'s memory; and ``a[0]`` is an element);
* binary operators: a new site holding the operands' contents (``a + b``
  of lists shares elements; numbers and arrays are fresh), plus the result
  of any script-defined operator method;
* ``x += v``: mutates what ``x`` points to (lists and arrays change in place)
  and marks ``x`` mutated; assignments to ``a.b``/``a[k]``, ``del a[k]``
  mutate ``a`` and add the value to its contents;
* iteration (``for``, unpacking, comprehensions) yields the iterable's
  contents — and the iterable itself unless it is a display (rows of a
  numpy array are views of it).

Size (over 600 lines, on purpose): one visitor class, one method per kind
of expression and statement; its call cases are already apart
(``calls.CallsMixin``), and cutting the remaining cases over modules would
scatter rules that read against each other (aliasing, views, iteration).
"""

from __future__ import annotations

import ast

from .astwalk import children
from .calls import (APPLY_BUDGET, SCRIPT_WORK_BUDGET, WORK_BUDGET, AnalysisBudgetExceeded, CallArgs,
                    CallsMixin)
from .frames import ClassFrame, CompFrame, FnFrame, TopFrame
from .objects import Effects, Obj, ObjTable, inst_keys
from .scopes import ScriptScopes, scope_bindings, target_names

#: node class -> ``Interp.ev_*`` / ``Interp.ex_*`` for it (None: the generic case)
_EV: dict = {}
_EX: dict = {}
_UNSET = object()
_TUPLE_LIST = frozenset({ast.Tuple, ast.List})

BINOP_DUNDERS = {
    ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.MatMult: "__matmul__",
    ast.Div: "__truediv__", ast.FloorDiv: "__floordiv__", ast.Mod: "__mod__",
    ast.Pow: "__pow__", ast.LShift: "__lshift__", ast.RShift: "__rshift__",
    ast.BitOr: "__or__", ast.BitXor: "__xor__", ast.BitAnd: "__and__",
}


def _by_label(o) -> str:
    return o.label


#: the resource of the statements not analysed (``run_statement``): one process
STOPPED = "object:(not analysed)"


class Interp(CallsMixin):
    def __init__(self, scopes: ScriptScopes, facts) -> None:
        self.scopes = scopes
        self.facts = facts
        self.script_bound = facts.script_bound
        self.objs = ObjTable()
        self.summaries: dict = {}
        # top-mode state
        self.env: dict[str, set] = {}
        self.heap: dict[Obj, set] = {}
        #: ``sum(map(len, heap.values()))``, kept as the heap grows (it never shrinks)
        self.heap_edges = 0
        #: the object standing for "anything", once unseen code ran at top level
        self.unseen: Obj | None = None
        #: the module's namespace as ``globals()`` returns it, once it did
        self.namespace: Obj | None = None
        #: the top-level statement being analysed (top mode)
        self.statement = None
        self.first_name: dict[Obj, str] = {}
        self.eff = Effects()
        self.mode = "top"
        self.fkey: str | None = None
        self._active: set = set()
        #: objects whose contents grew since the caller last cleared this
        self.grown: set = set()
        #: ``inst:KEY`` tag -> the class objects of KEY's method resolution order
        self._mros: dict = {}
        #: summary applications left for the current statement (see calls.APPLY_BUDGET)
        self.budget = APPLY_BUDGET
        #: objects the current statement / summary may still look at (``charge``)
        self.work = self._work_start = WORK_BUDGET
        #: summary applications in progress, nested (``calls.MAX_NESTING``)
        self.depth = 0
        #: work the rest of the script's analysis may do (``calls.SCRIPT_WORK_BUDGET``)
        self.script_work = SCRIPT_WORK_BUDGET
        #: line of the statement where the analysis stopped (``run_statement``)
        self.stopped_at: int | None = None
        #: implicit calls made in the current statement / summary (calls.implicit)
        self.implicit_done: dict = {}
        #: objects of ``a`` in the last evaluation of ``a.b`` / ``a[k]``
        self._bases: dict = {}
        #: a cloning meta-estimator made at top level -> the objects its
        #: ``fit`` may change besides itself (``estimators.CLONING_ESTIMATORS``)
        self.refit_parts: dict = {}
        self.future_annotations = facts.future_annotations

    # ------------------------------------------------------------------ heap

    def site(self, node, *extra, tags=()) -> Obj:
        if self.mode == "top":
            o = self.objs.get(("site", id(node)) + extra, "site", f"L{getattr(node, 'lineno', '?')}")
        else:
            o = self.objs.get(("fsite", self.fkey, id(node)) + extra, "site",
                              f"{self.fkey}:L{getattr(node, 'lineno', '?')}")
        if tags:
            o.tags.update(tags)
        return o

    def begin_work(self) -> None:
        """A statement or a summary starts: its budgets."""
        self.budget = APPLY_BUDGET
        self.work = self._work_start = min(WORK_BUDGET, max(self.script_work, 0))

    def end_work(self) -> None:
        self.script_work -= self._work_start - self.work
        self.work = float("inf")  # (the bookkeeping after it is bounded: no budget)

    def run_statement(self, node, frame) -> bool:
        """Analyse top-level statement ``node``; True if the script's budget
        ran out in it (the statements after it are not analysed).

        A statement past its budgets (``calls``) is a barrier after which
        unseen code ran: right but serial. Once the whole script's budget is
        spent, the statements left are barriers without being analysed (what
        they bind is read from their syntax): they run in order in one
        process, joined to every object made before; the analysis stays
        linear in the script's length however densely its objects alias."""
        eff = self.eff
        if self.stopped_at is not None:
            eff.set_barrier(f"follows line {self.stopped_at}, where the analysis stopped (too "
                            "intricate to analyse in bounded time): runs in order", unseen=False)
            eff.writes |= scope_bindings([node]).bound
            eff.resources.add(STOPPED)
            return False
        self.begin_work()
        self.implicit_done = {}
        self.statement = node
        try:
            self.exec(node, frame)
        except AnalysisBudgetExceeded:
            eff.set_barrier("is too intricate to analyse in bounded time")
        self.end_work()
        if eff.unseen:
            self.unseen_code_ran()
        if self.script_work <= 0:
            self.stopped_at = node.lineno
            eff.resources.add(STOPPED)
            return True
        return False

    def unseen_code_ran(self) -> None:
        """Code the analysis could not see ran at top level (``exec``, a
        statement too intricate to analyse): it may have bound any name to
        any object and stored any object into any other. One object, ``U``,
        stands for that: every object made so far holds U and U holds every
        one of them, every name may be U, and a name no statement was seen to
        bind loads U (``TopFrame.load``). Reaching any old object then
        reaches all of them, and changing one changes every name that may
        reach one: right, and serial only where old objects are involved."""
        u = self.unseen_object()
        old = set(self.heap)
        for v in self.heap.values():
            old |= v
        for v in self.env.values():
            old |= v
        old.add(u)
        self.add_contents(old, {u})
        self.add_contents({u}, old)
        for name, v in self.env.items():
            if u not in v:
                self.env[name] = v | {u}

    def unseen_object(self) -> Obj:
        """``U`` of ``unseen_code_ran``, made on first use."""
        if self.unseen is None:
            self.unseen = self.objs.get(("unseen",), "site", "unseen code")
            self.unseen.tags.add("lib")  # (calling it is calling unknown code)
        return self.unseen

    def namespace_object(self) -> Obj:
        """What ``globals()`` returns at top level: changing it is a barrier
        (``globals()['x'] = v`` binds ``x``) after which unseen code ran;
        reading it reaches every object (it holds U, and the call is itself
        a barrier after which unseen code ran)."""
        if self.namespace is None:
            self.namespace = self.objs.get(("namespace",), "site", "globals()")
            self.namespace.tags.add("lib")
            self.add_contents({self.namespace}, {self.unseen_object()})
        return self.namespace

    def contents(self, objs) -> set:
        out: set = set()
        heap = self.heap
        work = 0
        for o in objs:
            c = heap.get(o)
            if c:
                out |= c
                work += len(c)
            if o.kind == "sym" or (self.mode != "top" and o.kind in ("fn", "class")):
                out.add(self.objs.level1(o))
        self.charge(work + len(objs))
        return out

    def charge(self, work: int) -> None:
        """Count ``work`` (objects looked at, and their contents) against ``calls.WORK_BUDGET``."""
        self.work -= work
        if self.work < 0:
            raise AnalysisBudgetExceeded("work")

    def add_contents(self, targets, objs, modules: bool = False) -> None:
        if not objs:
            return
        for t in targets:
            if (t.kind == "module" and not modules) or t.is_star:
                continue
            held = self.heap.setdefault(t, set())
            n = len(held)
            held.update(objs)
            if len(held) != n:
                self.heap_edges += len(held) - n
                # reach of names holding t may have grown (see effects: the
                # reach of each name is recomputed only when it may change)
                self.grown.add(t)

    def reach(self, objs, stop_classes: bool = False) -> set:
        seen = set(objs)
        stack = list(seen)
        heap = self.heap
        top = self.mode == "top"
        work = 0
        while stack:
            o = stack.pop()
            kind = o.kind
            if stop_classes and kind == "class":
                continue
            # ``self.contents((o,))``, inline and by set difference (the
            # hottest loop of real scripts: library calls reach their arguments)
            c = heap.get(o)
            if c:
                work += len(c)
                new = c - seen
                if new:
                    seen |= new
                    stack.extend(new)
            if kind == "sym" or (not top and kind in ("fn", "class")):
                x = self.objs.level1(o)
                if x not in seen:
                    seen.add(x)
                    stack.append(x)
            elif o.tags and kind == "site":
                for t in o.tags:  # an instance reaches its class and the class's bases
                    if t[:5] == "inst:":
                        for x in self._mro_objects(t):
                            if x not in seen:
                                seen.add(x)
                                stack.append(x)
        self.charge(work + len(seen))
        return seen

    def _mro_objects(self, tag: str) -> tuple:
        """The class objects of instance tag ``inst:KEY``'s class and its bases."""
        got = self._mros.get(tag)
        if got is None:
            got = self._mros[tag] = tuple(self.class_object(k) for k in self.scopes.mro(tag[5:]))
        return got

    def classes_of(self, objs, levels: bool = True) -> set:
        """The classes of ``objs`` (``type(o)``, ``o.__class__``): an
        instance's class is its ``inst:`` tag, not one of its contents, so
        that what a method stores into its instance's attributes is not
        stored into the class, which every instance shares (``self.history
        .append(self.pos)`` made every instance alias every other's
        history, and every call looked like a change of the class). A sym stands for
        the classes of what it stands for (``("K",) + key``, mapped at a
        call site). For a level sym, its star (``levels``; a caller that
        also takes the objects' contents has it already): the classes of what
        it stands for are among what the star maps to, since reach follows
        instances to their classes. A class's class is a library one. So the
        syms stay few. Library objects' classes are library classes: none."""
        out: set = set()
        if not self.scopes.classes:  # (no script class: no class to find)
            return out
        for o in objs:
            if o.kind == "sym":
                head = o.key[0]
                if head in ("1", "*"):
                    if levels:
                        out.add(self.objs.star(o))
                elif head != "K":
                    out.add(self.objs.get(("K",) + o.key, "sym", "class of " + o.label))
            elif o.tags and o.kind == "site":
                for t in o.tags:
                    if t[:5] == "inst:":
                        out.add(self.class_object(t[5:]))
        return out

    def mutate(self, objs, force: bool = False) -> None:
        for o in objs:
            if o.kind == "module":
                continue
            if o is self.namespace and o is not None:
                self.eff.set_barrier("changes the module's namespace (globals()), which may bind "
                                     "any name")
            if o.kind in ("fn", "class") and not force:
                continue
            (self.eff.mut_force if force else self.eff.mut).add(o)

    def constant_global(self, name: str):
        """Objects a global name always denotes (imports, undecorated defs), or None."""
        f = self.facts
        if name in f.import_only:
            return {self.objs.module(q) for q in f.import_only[name]}
        if name in f.static_fns or name in f.static_classes:
            out = {self.fn_object(k) for k in f.static_fns.get(name, ())}
            out |= {self.class_object(k) for k in f.static_classes.get(name, ())}
            return out
        return None

    def fn_object(self, key: str) -> Obj:
        o = self.objs.get(("fn", key), "fn", key)
        o.tags.add("fn:" + key)
        return o

    def class_object(self, key: str) -> Obj:
        o = self.objs.get(("class", key), "class", key)
        o.tags.add("class:" + key)
        return o

    # ------------------------------------------------------------ expressions

    def ev(self, node, frame) -> set:
        cls = node.__class__
        if cls is ast.Name:  # (``ev_Name``, ``ev_Constant``: the most frequent, without a call)
            return frame.load(node.id)
        if cls is ast.Constant:
            return set()
        m = _EV.get(cls, _UNSET)
        if m is _UNSET:  # the method for this kind of node, looked up once
            m = _EV[cls] = getattr(Interp, "ev_" + cls.__name__, None)
        if m is None:
            for child in children(node):
                if isinstance(child, ast.expr):
                    self.ev(child, frame)
            return set()
        return m(self, node, frame)

    def ev_Constant(self, node, frame):
        return set()

    def ev_Name(self, node, frame):
        return frame.load(node.id)

    def ev_NamedExpr(self, node, frame):
        v = self.ev(node.value, frame)
        if isinstance(frame, CompFrame):
            frame.walrus_store(node.target.id, v)
        else:
            frame.store(node.target.id, v)
        return v

    def ev_Starred(self, node, frame):
        return self.ev(node.value, frame)

    def ev_JoinedStr(self, node, frame):
        for v in node.values:
            self.ev(v, frame)
        return set()

    def ev_FormattedValue(self, node, frame):
        v = self.ev(node.value, frame)
        self.implicit(self.reach(v, stop_classes=True))
        if node.format_spec:
            self.ev(node.format_spec, frame)
        return set()

    def _display(self, node, elts, frame):
        items: set = set()
        for e in elts:
            if isinstance(e, ast.Starred):
                v = self.ev(e.value, frame)
                items |= self.elements(v)
                self.implicit_iter(v)
            else:
                items |= self.ev(e, frame)
        o = self.site(node, tags=("container",))
        self.add_contents({o}, items)
        return {o}

    def ev_List(self, node, frame):
        return self._display(node, node.elts, frame)

    ev_Tuple = ev_Set = ev_List

    def ev_Dict(self, node, frame):
        items: set = set()
        for k, v in zip(node.keys, node.values):
            if k is None:
                items |= self.contents(self.ev(v, frame))
            else:
                items |= self.ev(k, frame) | self.ev(v, frame)
        o = self.site(node, tags=("container",))
        self.add_contents({o}, items)
        return {o}

    def ev_BoolOp(self, node, frame):
        out: set = set()
        for v in node.values:
            out |= self.ev(v, frame)
        return out

    def ev_IfExp(self, node, frame):
        self.ev(node.test, frame)
        return self.ev(node.body, frame) | self.ev(node.orelse, frame)

    def ev_Compare(self, node, frame):
        vals = self.ev(node.left, frame)
        for c in node.comparators:
            vals |= self.ev(c, frame)
        self.implicit_ops(vals)
        return set()

    def ev_UnaryOp(self, node, frame):
        v = self.ev(node.operand, frame)
        self.implicit_ops(v)
        if isinstance(node.op, ast.Not):
            return set()
        return self.dunder_results(v, node) | {self.site(node)}

    def ev_BinOp(self, node, frame):
        left = self.ev(node.left, frame)
        right = self.ev(node.right, frame)
        both = left | right
        o = self.site(node)
        c = self.contents(both)
        if c:
            self.add_contents({o}, c)
        for x in both:  # (implicit_ops, dunder_results: nothing without a sym or a tag)
            if x.kind == "sym" or x.tags:
                self.implicit_ops(both)
                return {o} | self.dunder_results(both, node)
        return {o}

    def ev_Attribute(self, node, frame):
        base = self.ev(node.value, frame)
        self._bases[id(node)] = base
        return self.load_attr(base, node.attr, node)

    def load_attr(self, base: set, attr: str, node) -> set:
        out: set = set()
        rest = set()
        for o in base:
            if o.kind == "module":
                q = o.label + "." + attr
                self.eff.resources |= self.lib_resources(q, call=False)
                mo = self.objs.module(q)
                out.add(mo)
                held = self.heap.get(mo)
                if held:  # (what the script stored there: ``mod.attr = obj``)
                    out |= held
            else:
                rest.add(o)
        if rest:
            out |= rest | self.contents(rest) | self.class_contents(rest)
            if attr == "__class__":
                out |= self.classes_of(rest, levels=False)  # (their stars are in the contents)
            self.property_get(rest, attr, node)
            self.bound_methods(rest, attr, node, out)
        return out

    def class_contents(self, objs) -> set:
        out: set = set()
        for o in objs:
            for k in inst_keys(o):
                for ck in self.scopes.mro(k):
                    c = self.class_object(ck)
                    out |= {x for x in self.heap.get(c, ()) if x.kind != "fn"}
        return out

    def ev_Subscript(self, node, frame):
        base = self.ev(node.value, frame)
        self._bases[id(node)] = base
        self.ev(node.slice, frame)
        self.implicit_ops(base)
        mods = {o for o in base if o.kind == "module"}
        for o in mods:
            self.eff.resources |= self.lib_resources(o.label, call=False)
        rest = base - mods
        return rest | self.contents(rest) | self.class_contents(rest)

    def ev_Slice(self, node, frame):
        for p in (node.lower, node.upper, node.step):
            if p is not None:
                self.ev(p, frame)
        return set()

    def ev_Await(self, node, frame):
        v = self.ev(node.value, frame)
        self.implicit(self.reach(v, stop_classes=True))
        return v | self.contents(v)

    def ev_Yield(self, node, frame):
        if node.value is not None:
            self.eff.ret |= self.ev(node.value, frame)
        return set()

    def ev_YieldFrom(self, node, frame):
        v = self.ev(node.value, frame)
        self.implicit_iter(v)
        self.eff.ret |= self.elements(v)
        return set()

    def ev_Lambda(self, node, frame):
        return self.make_function(node, frame, decorators=False)

    def ev_GeneratorExp(self, node, frame):
        first = self.ev(node.generators[0].iter, frame)
        self.implicit_iter(first)
        objs = self.make_function(node, frame, decorators=False)
        self.add_contents(objs, first)
        # the value is a generator object (an iterator that runs the body),
        # not the function-like body itself
        fn_tags = tuple(t for o in objs for t in o.tags if t.startswith("fn:"))
        g = self.site(node, "gen", tags=("iterator", "unpicklable") + fn_tags)
        self.add_contents({g}, objs | first)
        return {g}

    def _comprehension(self, node, frame, elts):
        names: set[str] = set()
        for g in node.generators:
            names |= target_names(g.target)
        inner = CompFrame(self, frame, names)
        for _ in range(2):
            for i, g in enumerate(node.generators):
                it = self.ev(g.iter, frame if i == 0 else inner)
                self.implicit_iter(it)
                self.assign(g.target, self.elements(it), inner)
                for c in g.ifs:
                    self.ev(c, inner)
            items: set = set()
            for e in elts:
                items |= self.ev(e, inner)
        o = self.site(node, tags=("container",))
        self.add_contents({o}, items)
        return {o}

    def ev_ListComp(self, node, frame):
        return self._comprehension(node, frame, [node.elt])

    ev_SetComp = ev_ListComp

    def ev_DictComp(self, node, frame):
        return self._comprehension(node, frame, [node.key, node.value])

    def ev_Call(self, node, frame):
        return self.call(node, frame)

    # ------------------------------------------------------------- iteration

    def elements(self, objs) -> set:
        """What iterating over / unpacking ``objs`` may yield."""
        out = self.contents(objs)
        for o in objs:
            if "container" not in o.tags and o.kind != "module":
                out.add(o)
        return out

    # ----------------------------------------------------------- assignments

    def assign(self, target, objs: set, frame) -> None:
        if target.__class__ is ast.Name:  # (the most frequent: without isinstance's cost)
            frame.store(target.id, objs)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elems = self.elements(objs)
            for e in target.elts:
                if isinstance(e, ast.Starred):
                    o = self.site(e, tags=("container",))
                    self.add_contents({o}, elems)
                    self.assign(e.value, {o}, frame)
                else:
                    self.assign(e, elems, frame)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, objs, frame)
        elif isinstance(target, ast.Attribute):
            base = self.ev(target.value, frame)
            self.store_into(base, objs, target, frame, attr=target.attr)
        elif isinstance(target, ast.Subscript):
            base = self.ev(target.value, frame)
            self.ev(target.slice, frame)
            self.store_into(base, objs, target, frame)

    def store_into(self, base: set, objs: set, target, frame, attr: str | None = None) -> None:
        """``base.attr = objs`` / ``base[k] = objs``: mutate base, module state."""
        mods = {o for o in base if o.kind == "module"}
        for m in sorted(mods, key=_by_label) if len(mods) > 1 else mods:  # (the barrier's reason: the first)
            q = m.label + ("." + attr if attr else "")
            self.module_store(q)
            if attr:  # (``mod.attr`` now holds them: a later ``mod.attr.append`` changes them)
                self.add_contents({self.objs.module(q)}, objs, modules=True)
        rest = base - mods
        self.mutate(rest, force=True)
        self.add_contents(rest, objs)
        root = _root_name(target)
        if root is not None and (rest or not mods):
            frame.mutate_name(root)
        if attr is not None:
            self.property_set(rest, attr, target)
        else:
            self.implicit_ops(rest)

    def module_store(self, qual: str) -> None:
        from .rules import resources_of_qualname, root_module
        eff = self.eff
        eff.resources.add("module:" + root_module(qual))
        eff.resources |= resources_of_qualname(qual, call=False)
        if qual in ("sys.stdout", "sys.stderr", "sys.stdin", "sys.__stdout__"):
            eff.resources.add("stdout")
        if qual.startswith("sys.modules") or qual.startswith("builtins"):
            eff.set_barrier(f"changes {qual}, which every later statement may see", unseen=False)

    # ------------------------------------------------------------ statements

    def exec_body(self, body, frame) -> None:
        for s in body:
            self.exec(s, frame)

    def exec(self, node, frame) -> None:
        m = _EX.get(node.__class__, _UNSET)
        if m is _UNSET:
            m = _EX[node.__class__] = getattr(Interp, "ex_" + node.__class__.__name__, None)
        if m is None:
            for child in children(node):
                if isinstance(child, ast.expr):
                    self.ev(child, frame)
                elif isinstance(child, ast.stmt):
                    self.exec(child, frame)
            return
        m(self, node, frame)

    def ex_Expr(self, node, frame):
        self.ev(node.value, frame)

    def ex_Assign(self, node, frame):
        val = node.value
        if (len(node.targets) == 1 and node.targets[0].__class__ in _TUPLE_LIST
                and isinstance(val, (ast.Tuple, ast.List))
                and len(val.elts) == len(node.targets[0].elts)
                and not any(isinstance(e, ast.Starred) for e in val.elts + node.targets[0].elts)):
            # ``a, b = x, y``: element by element
            parts = [self.ev(e, frame) for e in val.elts]
            for t, p in zip(node.targets[0].elts, parts):
                self.assign(t, p, frame)
            return
        v = self.ev(val, frame)
        for t in node.targets:
            if t.__class__ is ast.Name:  # (``assign``'s first case, without the call)
                frame.store(t.id, v)
            else:
                self.assign(t, v, frame)

    def ex_AnnAssign(self, node, frame):
        if not self.future_annotations and not isinstance(frame, FnFrame):
            self.ev(node.annotation, frame)
        if node.value is not None:
            self.assign(node.target, self.ev(node.value, frame), frame)
        elif not isinstance(node.target, ast.Name):
            self.ev(node.target.value, frame)

    def ex_AugAssign(self, node, frame):
        v = self.ev(node.value, frame)
        t = node.target
        if isinstance(t, ast.Name):
            old = frame.load(t.id)
            self.mutate(old)
            self.add_contents(old, self.contents(v))
            self.implicit_ops(old | v)
            frame.mutate_name(t.id)
            frame.store(t.id, old | {self.site(node)} | self.dunder_results(old, node))
        else:
            base = self.ev(t.value, frame)
            if isinstance(t, ast.Subscript):
                self.ev(t.slice, frame)
                cur = base | self.contents(base)
            else:
                cur = self.load_attr(base, t.attr, t)
            self.mutate(cur - base)
            self.add_contents(cur - base, self.contents(v))
            self.implicit_ops(cur | v)
            self.store_into(base, {self.site(node)} | (cur - base) | v, t, frame,
                            attr=t.attr if isinstance(t, ast.Attribute) else None)

    def ex_Delete(self, node, frame):
        for t in node.targets:
            self._delete(t, frame)

    def _delete(self, t, frame):
        if isinstance(t, ast.Name):
            frame.delete(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self._delete(e, frame)
        elif isinstance(t, ast.Attribute):
            self.store_into(self.ev(t.value, frame), set(), t, frame, attr=t.attr)
        elif isinstance(t, ast.Subscript):
            base = self.ev(t.value, frame)
            self.ev(t.slice, frame)
            self.store_into(base, set(), t, frame)

    def _loop(self, run, frame) -> None:
        """Run a loop body until the points-to state stops growing."""
        for _ in range(4):
            before = self._size(frame)
            run()
            if self._size(frame) == before:
                break

    def _size(self, frame):
        # (``map(len, ...)``: at top level the heap and the names are the
        # whole script's, counted per loop round)
        n = self.heap_edges
        f = frame
        while f is not None:
            n += sum(map(len, getattr(f, "env", {}).values()))
            f = getattr(f, "parent", None)
        return (n, len(self.eff.reads), len(self.eff.mut), len(self.eff.ret))

    def ex_For(self, node, frame):
        it = self.ev(node.iter, frame)
        self.implicit_iter(it)

        def run():
            self.assign(node.target, self.elements(it), frame)
            self.exec_body(node.body, frame)
        self._loop(run, frame)
        self.exec_body(node.orelse, frame)

    ex_AsyncFor = ex_For

    def ex_While(self, node, frame):
        def run():
            self.ev(node.test, frame)
            self.exec_body(node.body, frame)
        self._loop(run, frame)
        self.exec_body(node.orelse, frame)

    def ex_If(self, node, frame):
        self.ev(node.test, frame)
        self.exec_body(node.body, frame)
        self.exec_body(node.orelse, frame)

    def ex_With(self, node, frame):
        for item in node.items:
            v = self.ev(item.context_expr, frame)
            entered = v | self.dunder_results(v, item.context_expr)
            self.implicit(self.reach(v, stop_classes=True))
            if item.optional_vars is not None:
                self.assign(item.optional_vars, entered, frame)
        self.exec_body(node.body, frame)

    ex_AsyncWith = ex_With

    def ex_Try(self, node, frame):
        def run():
            self.exec_body(node.body, frame)
            for h in node.handlers:
                if h.type is not None:
                    self.ev(h.type, frame)
                if h.name:
                    frame.store(h.name, {self.site(h)})
                self.exec_body(h.body, frame)
                if h.name:
                    frame.delete(h.name)
            self.exec_body(node.orelse, frame)
            self.exec_body(node.finalbody, frame)
        self._loop(run, frame)

    ex_TryStar = ex_Try

    def ex_Raise(self, node, frame):
        for p in (node.exc, node.cause):
            if p is not None:
                self.implicit(self.reach(self.ev(p, frame), stop_classes=True))

    def ex_Assert(self, node, frame):
        self.ev(node.test, frame)
        if node.msg is not None:
            self.ev(node.msg, frame)

    def ex_Return(self, node, frame):
        if node.value is not None:
            self.eff.ret |= self.ev(node.value, frame)

    def ex_Global(self, node, frame):
        pass

    ex_Nonlocal = ex_Pass = ex_Break = ex_Continue = ex_Global

    def ex_Import(self, node, frame):
        for a in node.names:
            if a.asname:
                frame.store(a.asname, {self.objs.module(a.name)})
            else:
                top = a.name.split(".")[0]
                frame.store(top, {self.objs.module(top)})
            if a.name.split(".")[0] in ("importlib",):
                pass
        if self.facts.touches_sys_path:
            self.eff.resources.add("sys.path")

    def ex_ImportFrom(self, node, frame):
        mod = ("." * (node.level or 0)) + (node.module or "")
        for a in node.names:
            if a.name == "*":
                self.eff.set_barrier(f"from {mod} import * binds names the analysis cannot see",
                                     unseen=False)
                continue
            q = f"{mod}.{a.name}" if mod else a.name
            frame.store(a.asname or a.name, {self.objs.module(q)})
            self.eff.resources |= self.lib_resources(q, call=False) - {"stdin"}
        if self.facts.touches_sys_path or node.level:
            self.eff.resources.add("sys.path")

    def ex_FunctionDef(self, node, frame):
        objs = self.make_function(node, frame, decorators=True)
        if isinstance(frame, ClassFrame):
            # methods are found by lookup in the class hierarchy, not as data
            frame.env.setdefault(node.name, set()).update(objs)
            if frame.straight:
                frame.definite.add(node.name)
        else:
            frame.store(node.name, objs)

    ex_AsyncFunctionDef = ex_FunctionDef

    def make_function(self, node, frame, decorators: bool) -> set:
        info = self.scopes.by_node[id(node)]
        defaults: set = set()
        if not isinstance(node, ast.GeneratorExp):
            a = node.args
            for d in a.defaults + [d for d in a.kw_defaults if d is not None]:
                defaults |= self.ev(d, frame)
            if not isinstance(node, ast.Lambda) and not self.future_annotations:
                for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
                    if x is not None and x.annotation is not None:
                        self.ev(x.annotation, frame)
                if node.returns is not None:
                    self.ev(node.returns, frame)
        if self.mode == "top" and isinstance(frame, (TopFrame, ClassFrame)) and not isinstance(
                frame, CompFrame):
            o = self.fn_object(info.key)
        else:
            o = self.site(node, tags=("fn:" + info.key,))
            # a closure holds its cells: whatever the enclosing scope binds
            if isinstance(frame, (FnFrame, CompFrame)) or self.mode != "top":
                self.add_contents({o}, self._cells(frame))
        self.add_contents({o}, defaults)
        objs = {o}
        if decorators:
            for d in reversed(node.decorator_list):
                dec = self.ev(d, frame)
                objs = self.call_objects(dec, CallArgs([objs], {}), d)
        return objs

    def _cells(self, frame) -> set:
        out: set = set()
        f = frame
        while f is not None and not isinstance(f, TopFrame):
            for v in getattr(f, "env", {}).values():
                out |= v
            if isinstance(f, FnFrame):
                out.add(self.objs.sym("C", f.info.key))
            f = getattr(f, "parent", None)
        return out

    def ex_ClassDef(self, node, frame):
        info = self.scopes.class_by_node[id(node)]
        for e in node.bases + [k.value for k in node.keywords]:
            self.ev(e, frame)
        if self.mode == "top" and isinstance(frame, TopFrame):
            cobj = self.class_object(info.key)
        else:
            cobj = self.site(node, tags=("class:" + info.key,))
        b = scope_bindings(node.body)
        inner = ClassFrame(self, frame, {cobj}, b.bound)
        for sub in node.body:
            inner.straight = isinstance(sub, (ast.Assign, ast.AnnAssign, ast.FunctionDef,
                                              ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
                                              ast.ImportFrom, ast.Expr, ast.Pass))
            self.exec(sub, inner)
        objs = {cobj}
        for d in reversed(node.decorator_list):
            dec = self.ev(d, frame)
            objs = self.call_objects(dec, CallArgs([objs], {}), d) | {cobj}
        frame.store(node.name, objs)

    def ex_Match(self, node, frame):
        subject = self.ev(node.subject, frame)
        parts = subject | self.reach(subject)
        for case in node.cases:
            self._pattern(case.pattern, parts, frame)
            if case.guard is not None:
                self.ev(case.guard, frame)
            self.exec_body(case.body, frame)

    def _pattern(self, p, objs, frame):
        if isinstance(p, ast.MatchValue):
            self.ev(p.value, frame)
        elif isinstance(p, ast.MatchAs):
            if p.pattern is not None:
                self._pattern(p.pattern, objs, frame)
            if p.name:
                frame.store(p.name, objs)
        elif isinstance(p, ast.MatchStar):
            if p.name:
                o = self.site(p, tags=("container",))
                self.add_contents({o}, objs)
                frame.store(p.name, {o})
        elif isinstance(p, ast.MatchMapping):
            for k in p.keys:
                self.ev(k, frame)
            for sub in p.patterns:
                self._pattern(sub, objs, frame)
            if p.rest:
                o = self.site(p, tags=("container",))
                self.add_contents({o}, objs)
                frame.store(p.rest, {o})
        elif isinstance(p, ast.MatchClass):
            self.implicit(self.reach(objs, stop_classes=True))
            self.ev(p.cls, frame)
            for sub in p.patterns + p.kwd_patterns:
                self._pattern(sub, objs, frame)
        elif isinstance(p, (ast.MatchSequence, ast.MatchOr)):
            for sub in p.patterns:
                self._pattern(sub, objs, frame)


def _root_name(t) -> str | None:
    while isinstance(t, (ast.Attribute, ast.Subscript, ast.Starred)):
        t = t.value
    while isinstance(t, ast.Call) and isinstance(t.func, ast.Attribute):
        t = t.func.value
        while isinstance(t, (ast.Attribute, ast.Subscript)):
            t = t.value
    return t.id if isinstance(t, ast.Name) else None
