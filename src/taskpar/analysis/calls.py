"""Calls: script functions (through summaries), classes, methods, library code.

Design note. A call ``f(args)`` evaluates ``f`` to objects and handles each:

* a script function (tag ``fn:KEY``): apply KEY's summary, parameters bound
  to the argument objects by position/keyword when the callee is a plain
  ``def``/``lambda`` object, otherwise (closures, ``partial``, decorated
  functions, callbacks) *havoc*: every parameter may be any argument. A call
  of anything but a plain top-level function also mutates the callable (a
  closure or callable object may carry state);
* a script class: a new instance (tag ``inst:KEY``: its class is that tag,
  not one of its contents, see ``Interp.classes_of``), then
  ``__new__``/``__init__``/``__post_init__`` summaries; with an unknown
  base or a decorator (``@dataclass``) the instance may also store its
  arguments;
* an instance: its ``__call__``;
* a module entity (``numpy.zeros``): a library function, by ``rules``;
* a sym while summarising: unresolvable now — recorded in the summary and
  resolved when the summary is applied (its result is the sym ``D``);
* anything else: a library callable — mutates itself, result may alias.

Method calls ``r.m(args)`` dispatch on the receiver objects: module ->
library function ``qual.m``; instance/class of a script class -> the method
found in the class hierarchy (plus library rules when the hierarchy has
unknown bases); receivers of unknown type -> the union of every script
method named ``m`` *and* the library method rule.

Library code may call back into script code: every script function, and
every implicit method (operators, ``__repr__``, ``__iter__``, properties...)
of every script instance, reachable from a library call's arguments is
applied with havoc parameters (``implicit``).

Size (over 600 lines, on purpose): one mixin holding every kind of call
listed above; the per-library knowledge it consults is apart
(``analysis.rules``). Its cases share the argument binding and the havoc
rule, which is why they stay together.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from . import estimators, rules
from .frames import FnFrame
from .astwalk import walk
from .objects import EMPTY_SUMMARY, class_keys, fn_keys, inst_keys


#: how many summary applications one top-level statement (or one function
#: summary) may make. Implicit calls (library code calling back into script
#: callables) can nest deeply on scripts with many mutually reachable
#: callables; past this budget the statement is made a barrier: right but
#: serial, and the analysis stays fast.
APPLY_BUDGET = 5000
#: how many objects the points-to walks of one statement (or one summary)
#: may look at (``Interp.charge``): dense aliasing (library callbacks that
#: get every object for every parameter) made the heap a clique, and every
#: walk as long as it, cubic in the script's length
WORK_BUDGET = 3_000_000
#: how deeply summary applications may nest: implicit calls inside implicit
#: calls, each with a larger argument set, recursed past python's stack
MAX_NESTING = 60
#: the work (as ``WORK_BUDGET``) of the whole script's analysis: past it the
#: statements left are not analysed (``Interp.run_statement``). Real scripts
#: use up to ~1.3 M (about 0.2 s); densely aliased generated ones hundreds of
#: millions
SCRIPT_WORK_BUDGET = 6_000_000


class AnalysisBudgetExceeded(Exception):
    """The statement being analysed needs more work than ``APPLY_BUDGET``."""


@dataclass
class CallArgs:
    pos: list          # list of sets of objects
    kw: dict           # name -> set of objects
    star: bool = False  # *args / **kwargs present: positions unknown
    const_kw: dict = None  # keyword -> python constant (inplace=True...)

    def all(self) -> set:
        out: set = set()
        for p in self.pos:
            out |= p
        for v in self.kw.values():
            out |= v
        return out


def _root(t):
    while isinstance(t, (ast.Attribute, ast.Subscript)):
        t = t.value
    return t.id if isinstance(t, ast.Name) else None


class CallsMixin:
    # ------------------------------------------------------------ entry

    def call(self, node: ast.Call, frame) -> set:
        pos, kw, star, const_kw = [], {}, False, {}
        for a in node.args:
            if isinstance(a, ast.Starred):
                v = self.ev(a.value, frame)
                self.implicit_iter(v)
                pos.append(self.elements(v))
                star = True
            else:
                pos.append(self.ev(a, frame))
        for k in node.keywords:
            v = self.ev(k.value, frame)
            if k.arg is None:
                star = True
                # the callee gets a new dict of the mapping's values (and
                # a mapping that is no container may hand out itself)
                kw["**"] = self.elements(v)
            else:
                kw[k.arg] = v
                if isinstance(k.value, ast.Constant):
                    const_kw[k.arg] = k.value.value
        args = CallArgs(pos, kw, star, const_kw)
        f = node.func
        if isinstance(f, ast.Attribute):
            recv = self.ev(f.value, frame)
            # ``a.items.append(v)`` stores v in the attribute, not in ``a``
            store = recv
            if isinstance(f.value, (ast.Attribute, ast.Subscript)):
                store = (recv - self._bases.get(id(f.value), set())) or recv
            out = self.call_method(recv, f.attr, args, node, frame, store)
            root = _root(f.value)
            if root is not None and (
                    (recv & (self.eff.mut | self.eff.mut_force))
                    or (not recv and rules.method_rule(f.attr)[0])):
                frame.mutate_name(root)
            return out
        callee = self.ev(f, frame)
        if not callee and isinstance(f, ast.Name):
            frame.mutate_name(f.id)  # an unknown callable may carry state
        return self.call_objects(callee, args, node, frame=frame)

    # ------------------------------------------------------------ objects

    def call_objects(self, callee: set, args: CallArgs, node, frame=None, origin=None) -> set:
        out: set = set()
        for o in callee:
            fks, cks, iks = fn_keys(o), class_keys(o), inst_keys(o)
            handled = False
            if o.kind == "module":
                out |= self.lib_function(o.label, args, node, frame)
                continue
            for k in fks:
                handled = True
                out |= self.call_function(k, o, args, node, plain=(o.kind == "fn"))
            for k in cks:
                handled = True
                out |= self.instantiate(k, o, args, node)
            for k in iks:
                handled = True
                m = self.scopes.lookup(k, "__call__")
                if m is not None:
                    out |= self.apply(m[0], self.bind(m[0], args, self_objs={o}),
                                      {self.fn_object(m[0])}, node)
                self.mutate({o})
                if m is None or self.scopes.open_hierarchy(k):
                    out |= self.lib_call_generic({o}, args, node)
            if o.kind == "sym" and not handled:
                self.mutate({o})
                origin_id = origin if origin is not None else id(node)
                self.eff.deferred.append(({o}, args.all(), origin_id))
                out.add(self.objs.sym("D", self.fkey, origin_id))
            elif not handled or (o.kind == "site" and "lib" in o.tags):
                if o.kind != "sym":
                    out |= self.lib_call_generic({o}, args, node)
        return out

    def call_function(self, key, o, args: CallArgs, node, plain: bool) -> set:
        info = self.scopes.functions.get(key)
        if info is None:
            return set()
        if not plain:
            self.mutate({o})
        pmap = self.bind(key, args) if plain else self.havoc(key, args.all() | self.contents({o}))
        res = self.apply(key, pmap, {o}, node)
        if info.is_generator or isinstance(info.node, ast.GeneratorExp):
            g = self.site(node, "gen", tags=("fn:" + key, "iterator", "unpicklable"))
            self.add_contents({g}, args.all() | {o})
            return {g}
        return res

    def lib_call_generic(self, callee: set, args: CallArgs, node) -> set:
        """A callable the analysis does not know: it may change itself."""
        self.eff.resources.add(rules.LIBRARY_RNG)
        self.mutate(callee)
        base = callee | args.all()
        self.implicit(self.reach(base, stop_classes=True))
        return self.make_result(rules.ALIAS, base, node)

    # ------------------------------------------------------------ binding

    def bind(self, key: str, args: CallArgs, self_objs: set | None = None) -> dict:
        info = self.scopes.functions[key]
        if args.star:
            return self.havoc(key, args.all() | (self_objs or set()))
        pmap: dict = {}
        pos = list(args.pos)
        if self_objs is not None:
            pos = [self_objs] + pos
        names = info.positional
        for i, v in enumerate(pos):
            if i < len(names):
                pmap[names[i]] = set(v)
            elif info.vararg:
                pmap.setdefault(info.vararg, set()).update(v)
        for k, v in args.kw.items():
            if k in info.positional or k in info.kwonly:
                pmap.setdefault(k, set()).update(v)
            elif info.kwarg:
                pmap.setdefault(info.kwarg, set()).update(v)
        # *args / **kwargs parameters are fresh containers of what was passed
        for p in (info.vararg, info.kwarg):
            if p is not None:
                pmap[p] = {"container", frozenset(pmap.get(p, set()))}
        return pmap

    def havoc(self, key: str, objs: set) -> dict:
        info = self.scopes.functions[key]
        pmap = {p: set(objs) for p in info.params}
        pmap[".0"] = set(objs)
        return pmap

    # ------------------------------------------------------------ summaries

    def apply(self, key: str, pmap: dict, callee: set, node) -> set:
        """Apply the summary of ``key`` at a call site, in the current mode."""
        s = self.summaries.get(key, EMPTY_SUMMARY)
        guard = (key, id(node), frozenset((k, frozenset(v)) for k, v in pmap.items()),
                 frozenset(callee))
        if guard in self._active:
            return set()
        self.budget -= 1
        if self.budget < 0 or self.depth >= MAX_NESTING:
            raise AnalysisBudgetExceeded(key)
        self._active.add(guard)
        self.depth += 1
        try:
            return self._apply(key, s, pmap, callee, node)
        finally:
            self.depth -= 1
            self._active.discard(guard)

    def _apply(self, key, s, pmap, callee, node) -> set:
        objs = self.objs
        info = self.scopes.functions[key]
        callsite = self.site(node, "call", key)
        for o in s.sites:
            callsite.tags |= o.tags - {"container"}
            if "container" in o.tags:
                callsite.tags.add("container")
        # parameters declared *args/**kwargs arrive as ("container", items)
        pm: dict = {}
        for p, v in pmap.items():
            if isinstance(v, set) and "container" in v:
                items = set()
                for x in v:
                    if isinstance(x, frozenset):
                        items |= x
                c = self.site(node, "varargs", key, p, tags=("container",))
                self.add_contents({c}, items)
                pm[p] = {c}
            else:
                pm[p] = v
        # default values live in the function object
        defaults = self.contents({o for o in callee if o.kind in ("fn", "site")})
        for p in info.params:
            if p in info.defaulted:
                pm[p] = pm.get(p, set()) | defaults
        dmap: dict = {}
        memo: dict = {}

        def m1(o):
            if o in memo:
                return memo[o]
            k = o.key
            if o.kind == "sym":
                if k[0] == "1":
                    b = m1(objs.get(k[1:], "sym"))
                    r = self.contents(b) | self.class_contents(b)
                elif k[0] == "K":
                    r = self.classes_of(m1(objs.get(k[1:], "sym")))
                elif k[0] == "*":
                    b = m1(objs.get(("1",) + k[1:], "sym"))
                    # (the classes of the level-1 objects are deeper too)
                    r = self.reach(self.contents(b) | self.class_contents(b)
                                   | self.classes_of(b, levels=False))
                elif k[0] == "P":
                    r = set(pm.get(k[2], ())) if k[1] == key else {o}
                elif k[0] == "G":
                    r = self._map_global(k[1])
                elif k[0] == "C":
                    r = self.reach(callee) if k[1] == key else {o}
                elif k[0] == "SELF":
                    r = set(callee) if k[1] == key else {o}
                elif k[0] == "D":
                    r = set(dmap.get(k, ())) if k[1] == key else {o}
                else:
                    r = {o}
            elif o.kind == "site" and o.key[0] == "fsite" and o.key[1] == key:
                r = {callsite}
            else:
                r = {o}
            memo[o] = r
            return r

        def M(os):
            out: set = set()
            for o in os:
                out |= m1(o)
            return out

        eff = self.eff
        eff.reads |= s.reads
        eff.resources |= s.resources
        if s.barrier:
            eff.set_barrier(f"calls {info.name}(), which {s.barrier_reason}"
                            if s.barrier_reason.startswith(("calls ", "reads ", "binds "))
                            else f"calls {info.name}(): {s.barrier_reason}", unseen=s.unseen)
        for _ in range(2 if s.deferred else 1):
            for callee_syms, argobjs, origin in s.deferred:
                res = self.call_objects(M(callee_syms), CallArgs([M(argobjs)], {}, star=True),
                                        node, origin=origin)
                dmap.setdefault(("D", key, origin), set()).update(res)
            memo.clear()
        frame = self.root_frame
        for name, v in s.gwrites:
            frame.global_store(name, M(v))
        memo.clear()
        for o, targets in s.edges:
            self.add_contents(M({o}), M(targets))
        memo.clear()
        self.mutate(M(s.mut))
        self.mutate(M(s.mut_force), force=True)
        eff.mut_names |= s.mut_names
        if s.iterated:
            self.consume(M(s.iterated))
        if s.touched:
            self.implicit(self.reach(M(s.touched), stop_classes=True))
        return M(s.ret)

    def _map_global(self, name: str) -> set:
        if self.mode == "top":
            out = set(self.env.get(name, ()))
            if not out and self.unseen is not None:
                out.add(self.unseen)  # (unseen code may have bound it)
            if name in rules.BUILTIN_NAMES:
                out.add(self.objs.module("builtins." + name))
            return out
        return {self.objs.sym("G", name)}

    # ------------------------------------------------------------ classes

    def instantiate(self, key: str, cobj, args: CallArgs, node) -> set:
        # (its class is its tag, not its contents: ``Interp.classes_of``)
        inst = self.site(node, "inst", key, tags=("inst:" + key,))
        out = {inst}
        sc = self.scopes
        new = sc.lookup(key, "__new__")
        if new is not None:
            out |= self.apply(new[0], self.bind(new[0], args, self_objs={cobj}),
                              {self.fn_object(new[0])}, node)
        for name in ("__init__", "__post_init__"):
            m = sc.lookup(key, name)
            if m is not None:
                self.apply(m[0], self.bind(m[0], args, self_objs={inst}),
                           {self.fn_object(m[0])}, node)
        if sc.open_hierarchy(key) or sc.lookup(key, "__init__") is None:
            self.add_contents({inst}, args.all())
            if sc.open_hierarchy(key):
                self.implicit(self.reach(args.all(), stop_classes=True))
        return out

    # ------------------------------------------------------------ methods

    def call_method(self, recv: set, name: str, args: CallArgs, node, frame, store=None) -> set:
        out: set = set()
        unknown: set = set()
        sc = self.scopes
        for o in recv:
            if o.kind == "module":
                out |= self.lib_function(o.label + "." + name, args, node, frame)
                continue
            iks, cks = inst_keys(o), class_keys(o)
            if not iks and not cks:
                unknown.add(o)
                continue
            for k in iks:
                m = sc.lookup(k, name)
                if m is not None:
                    out |= self.call_method_fn(m, {o}, {o}, args, node)
                if m is None or sc.open_hierarchy(k):
                    out |= self.lib_method({o}, name, args, node, store, frame)
            for k in cks:
                m = sc.lookup(k, name)
                if m is not None:
                    fk, kind = m
                    if kind == "classmethod":
                        out |= self.call_method_fn(m, {o}, {o}, args, node)
                    elif kind != "property":
                        out |= self.apply(fk, self.bind(fk, args), {self.fn_object(fk)}, node)
                if m is None or sc.open_hierarchy(k):
                    out |= self.lib_method({o}, name, args, node, frame=frame)
        if unknown:
            for ck, fk, kind in sc.methods_by_name.get(name, ()):
                if kind == "property":
                    continue
                out |= self.call_method_fn((fk, kind), unknown, unknown, args, node)
            out |= self.lib_method(unknown, name, args, node, store, frame)
        return out

    def call_method_fn(self, m, self_objs, callee, args, node) -> set:
        fk, kind = m
        if kind == "staticmethod":
            pmap = self.bind(fk, args)
        elif kind == "classmethod":
            cls = set()
            for o in self_objs:
                if o.kind == "class" or class_keys(o):
                    cls.add(o)
                cls |= self.classes_of((o,))
                cls |= {c for c in self.contents({o}) if c.kind == "class" or class_keys(c)}
                if o.kind == "sym":
                    cls.add(o)
            pmap = self.bind(fk, args, self_objs=cls)
        else:
            pmap = self.bind(fk, args, self_objs=self_objs)
        return self.apply(fk, pmap, {self.fn_object(fk)}, node)

    # ------------------------------------------------------------ library

    def lib_resources(self, qual: str, call: bool) -> set:
        res = rules.resources_of_qualname(qual, call=call)
        if "fs" in res and self.facts.changes_cwd:
            res.add("cwd")
        if qual in ("os.path.abspath", "os.path.realpath", "os.path.relpath") \
                and self.facts.changes_cwd:
            res.add("cwd")
        root = rules.root_module(qual)
        if root in self.facts.stateful_modules:
            res.add("module:" + root)
        return res

    def string_names(self, node, frame, what: str) -> None:
        """Names a formula/expression string argument reads (``rules.evaluates_string``).

        They are loaded in ``frame`` (the caller's namespace, as the library
        does) and passed on as arguments, so script functions a formula
        calls are applied like callbacks.
        """
        if not isinstance(node, ast.Call) or frame is None:
            return None
        arg = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        for k in node.keywords:
            if k.arg in rules.STRING_EVAL_KEYWORDS:
                arg = k.value
        if arg is None:
            return None
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            self.eff.set_barrier(f"evaluates a computed string ({what}), which may name anything")
            return None
        objs: set = set()
        for name in sorted(rules.names_in_string(arg.value)):
            if name in self.script_bound or (isinstance(frame, FnFrame)
                                             and frame.info.resolve(name) != "global"):
                objs |= frame.load(name)
        return objs

    def lib_function(self, qual: str, args: CallArgs, node, frame) -> set:
        eff = self.eff
        if rules.evaluates_string(qual):
            named = self.string_names(node, frame, qual)
            if named:
                args.kw["<formula>"] = named
        if qual.startswith("builtins."):
            qual = qual  # builtins resolved by name
        eff.resources |= self.lib_resources(qual, call=True)
        if not rules.rng_free_function(qual):
            eff.resources.add(rules.LIBRARY_RNG)
        reason = rules.barrier_reason(qual, nargs=len(args.pos) + len(args.kw))
        namespace = (qual in rules.NAMESPACE_FUNCTIONS and not args.pos and not args.kw
                     and self.mode == "top" and not _reads_names_only(self.statement, node))
        if reason:
            eff.set_barrier(reason, unseen=rules.runs_unseen_code(qual) and (
                namespace or qual not in rules.NAMESPACE_FUNCTIONS or self.mode != "top"))
        if qual in ("builtins.setattr", "builtins.delattr") and args.pos:
            mods = {o for o in args.pos[0] if o.kind == "module"}
            for m in mods:
                eff.set_barrier(f"sets an attribute of module {m.label} by name", unseen=False)
                self.module_store(m.label)
            self.mutate(args.pos[0] - mods, force=True)
            if len(args.pos) > 2:
                self.add_contents(args.pos[0] - mods, args.pos[2])
        if namespace:
            return {self.namespace_object()}  # using it later is a barrier
        if qual == "builtins.super":
            if frame is not None:
                fp = frame.first_param()
                if fp:
                    return set(fp)
            return set()
        for i in rules.mutated_positions(qual):
            if i < len(args.pos):
                self.mutate(args.pos[i])
                self.add_contents(args.pos[i], args.all() - args.pos[i])
            elif args.star:
                self.mutate(args.all())
        for k in rules.MUTATED_KEYWORDS:
            if k in args.kw:
                self.mutate(args.kw[k])
        all_args = args.all()
        if qual == "builtins.next" and args.pos:
            self.mutate(args.pos[0])  # only an iterator can be next()-ed
        if qual in rules.CONSUMING_FUNCTIONS:
            self.consume(all_args)
        touched = self.reach(all_args, stop_classes=True)
        self.implicit(touched)
        kind = rules.function_result(qual)
        if qual == "copy.deepcopy":
            n = self.site(node, tags=("lib",))
            for o in touched:
                n.tags |= {t for t in o.tags if t.startswith("inst:")}
            self.add_contents({n}, {o for o in touched if o.kind in ("class", "fn", "module")})
            return {n}
        if qual == "copy.copy":
            n = self.site(node, tags=("lib",))
            for o in all_args:
                n.tags |= {t for t in o.tags if t.startswith("inst:")}
        tags: tuple = ()
        if rules.uses_pyplot(qual):
            tags = ("pyplot",)
        elif qual.startswith("logging."):
            tags = ("logging",)
        if qual in rules.ITERATOR_RESULTS or qual.startswith("itertools."):
            tags += ("iterator",)
        if qual in rules.UNPICKLABLE_RESULTS:
            tags += ("unpicklable",)
        if qual == "builtins.range":
            # a range holds nothing that can change: its items are new ints
            # (a loop target over it is no object, changing it changes nothing)
            return {self.site(node, tags=("lib", "container"))}
        parts = estimators.cloning_parts(qual, args) if self.mode == "top" else None
        if parts is not None:
            # a new object holding its arguments; what its fit changes is known
            # (a function's summary keeps the default: it is mapped to its callers)
            out = self.make_result(rules.SHALLOW, all_args, node, tags)
            for n in out:
                self.refit_parts[n] = frozenset(parts)
            return out
        if kind == rules.COPY:
            return self._copy_result(qual, args, node, tags)
        return self.make_result(kind, all_args, node, tags)

    def _copy_result(self, qual: str, args: CallArgs, node, tags) -> set:
        """``list(x)``, ``dict(x, k=v)``, ``sorted(x)``...: a new builtin
        container holding x's elements (for ``dict``, also what each element
        holds: ``dict([(k, v)])`` holds k and v) and the keyword values."""
        n = self.site(node, tags=("lib", "container") + tuple(tags))
        self.add_contents({n}, self._added_elements(args, pairs=qual == "builtins.dict"))
        return {n}

    def _added_elements(self, args: CallArgs, pairs: bool) -> set:
        """What a container made or updated from ``args`` holds: the positional
        arguments' elements (``pairs``: and their elements, a mapping made
        from key-value pairs), the keyword arguments' values themselves."""
        held = self.elements(set().union(*args.pos)) if args.pos else set()
        if pairs:
            held |= self.elements(held)
        for v in args.kw.values():  # (``dict(k=v)``: v itself; ``**m``: m's values)
            held |= v
        return held

    def lib_method(self, recv: set, name: str, args: CallArgs, node, store=None,
                   frame=None) -> set:
        eff = self.eff
        if rules.evaluates_string(method=name):
            named = self.string_names(node, frame, "." + name + "()")
            if named:
                args.kw["<formula>"] = named
        mutates, kind = rules.method_rule(name)
        if not rules.rng_free_method(name) and not (recv and all("pyplot" in o.tags for o in recv)):
            eff.resources.add(rules.LIBRARY_RNG)
        if args.const_kw and args.const_kw.get(rules.INPLACE_KEYWORD) is True:
            mutates = True
        if "inplace" in args.kw and not (args.const_kw and "inplace" in args.const_kw):
            mutates = True
        all_args = args.all()
        if mutates:
            self.mutate(recv)
            held = [self.refit_parts[o] for o in recv if o in self.refit_parts]
            if held:
                # a cloning meta-estimator: fit changes it and its cv /
                # random_state; another changing method anything it holds
                self.mutate(self.reach(set().union(*held)) if name in estimators.REFITTING
                            else self.reach(recv))
            if name not in rules.RNG_METHODS:
                added = all_args
                if name in rules.ELEMENT_ADDING_METHODS and recv and all(
                        "container" in o.tags for o in recv):
                    added = self._added_elements(args, pairs=name == "update")
                self.add_contents(recv if store is None else (store & recv) or recv, added)
        if name in rules.ARG_MUTATING_METHODS and args.pos:
            self.mutate(args.pos[0])
        for k in rules.MUTATED_KEYWORDS:
            if k in args.kw:
                self.mutate(args.kw[k])
        if name in rules.FS_METHODS:
            eff.resources.add("fs")
            if self.facts.changes_cwd:
                eff.resources.add("cwd")
        if name in rules.CONSUMING_METHODS:
            self.consume(all_args)
        tags = set()
        if name in rules.ITERATOR_METHODS:
            tags.add("iterator")
        if name in rules.UNPICKLABLE_METHODS:
            tags.add("unpicklable")
        for o in recv:
            for t in ("pyplot", "logging"):
                if t in o.tags:
                    tags.add(t)
                    eff.resources.add(t)
        if name in rules.PYPLOT_METHODS and not any(o.kind == "module" for o in recv):
            tags.add("pyplot")
            eff.resources.add("pyplot")
        self.implicit(self.reach(recv | all_args, stop_classes=True))
        return self.make_result(kind, recv | all_args, node, tuple(tags))

    def make_result(self, kind: str, base: set, node, tags=()) -> set:
        n = self.site(node, tags=("lib",) + tuple(tags))
        if kind == rules.FRESH:
            return {n}
        c = self.contents(base)
        if kind == rules.SHALLOW:
            self.add_contents({n}, base | c)
            return {n}
        if kind == rules.ELEM:
            self.add_contents({n}, c)
            return {n} | c
        self.add_contents({n}, base | c)
        # (a library may also return an argument's class: ``type(x)``, ``getattr(x, "__class__")``)
        return {n} | base | c | self.classes_of(base, levels=False)

    # ------------------------------------------------------------ implicit calls

    def implicit(self, objs: set) -> None:
        """Library code may call any script callable / implicit method in ``objs``.

        Each such call gets every object in ``objs`` for every parameter
        (havoc), so one call with the union of all the sets seen covers
        every smaller one: ``implicit_done`` remembers, per (callable,
        function) within the current statement or summary, the objects it
        was applied with, and a call with no new object is skipped. Without
        this, an implicit call whose summary touches its own callable again
        (a generator expression given to ``sum``; ``__repr__`` of an instance
        that reaches itself) nested once per object in reach: exponential.
        Applications only add effects, so skipping a covered one loses
        nothing; each (callable, function) is re-applied only when its set
        grows, which bounds the work by callables x objects.
        """
        done = self.implicit_done
        for o in list(objs):
            if o.kind == "sym":
                if self.mode != "top":
                    self.eff.touched.add(o)
                continue
            if not o.tags:  # (no fn: or inst: tag: nothing to call)
                continue
            for k in fn_keys(o):
                args = self._implicit_args(done, (o, k), objs)
                if args is not None:
                    self.apply(k, self.havoc(k, args), {o}, o)
            for k in inst_keys(o):
                for fk, kind in self.scopes.implicit_methods(k):
                    args = self._implicit_args(done, (o, fk), objs)
                    if args is None:
                        continue
                    pm = self.havoc(fk, args)
                    info = self.scopes.functions[fk]
                    if info.positional and kind != "staticmethod":
                        pm[info.positional[0]] = {o}
                    self.apply(fk, pm, {self.fn_object(fk)}, o)

    @staticmethod
    def _implicit_args(done: dict, key, objs) -> set | None:
        """The objects to apply an implicit call with, or None if covered."""
        seen = done.get(key)
        if seen is None:
            done[key] = seen = set(objs)
            return set(seen)
        if seen.issuperset(objs):
            return None
        seen |= objs
        return set(seen)

    def is_iterator(self, o) -> bool:
        """May ``o`` be an iterator (something iterating it changes)?

        Generator objects, generator expressions and results of the library
        calls in ``rules.ITERATOR_RESULTS`` / ``ITERATOR_METHODS`` (tagged
        "iterator"): ``iter``, ``map``, ``zip``, files, ``csv.reader``...
        """
        if o.kind != "site":
            return False
        if "iterator" in o.tags:
            return True
        fns = self.scopes.functions
        return any(k in fns and (fns[k].is_generator or isinstance(fns[k].node, ast.GeneratorExp))
                   for k in fn_keys(o))

    def consume(self, objs: set) -> None:
        """Iterating ``objs`` changes the iterators among them (and the
        iterators they wrap: consuming ``map(f, g)`` consumes ``g``)."""
        todo, seen = list(objs), set()
        while todo:
            o = todo.pop()
            if o in seen:
                continue
            seen.add(o)
            if o.kind == "sym":
                if self.mode != "top":
                    self.eff.iterated.add(o)
                continue
            if self.is_iterator(o):
                self.mutate({o})
                todo.extend(self.contents({o}))

    def implicit_iter(self, objs: set) -> None:
        """Iterating ``objs`` consumes iterators and runs generators and
        ``__iter__``/``__next__``."""
        self.consume(objs)
        fns = self.scopes.functions
        todo = {o for o in objs if o.kind == "sym" or inst_keys(o)
                or any(fns[k].is_generator for k in fn_keys(o) if k in fns)}
        if todo:
            self.implicit(todo)

    def implicit_ops(self, objs: set) -> None:
        """An operator applied to ``objs`` may run their implicit methods."""
        todo = {o for o in objs if o.kind == "sym" or inst_keys(o)} if objs else None
        if todo:
            self.implicit(todo)

    def dunder_results(self, objs: set, node) -> set:
        """Objects a script-defined operator/``__enter__`` may return."""
        out: set = set()
        for o in objs:
            if o.kind == "sym":
                continue
            for k in inst_keys(o):
                for fk, kind in self.scopes.implicit_methods(k):
                    s = self.summaries.get(fk)
                    if s is not None and s.ret:
                        pm = self.havoc(fk, objs)
                        out |= self.apply(fk, pm, {self.fn_object(fk)}, node)
        return out

    def property_get(self, objs: set, attr: str, node) -> None:
        self._property(objs, attr, node)

    def property_set(self, objs: set, attr: str, node) -> None:
        self._property(objs, attr, node)

    def _property(self, objs, attr, node) -> None:
        sc = self.scopes
        cands = [(fk, kind) for _, fk, kind in sc.methods_by_name.get(attr, ()) if kind == "property"]
        if not cands:
            return
        for o in objs:
            if o.kind == "sym" or inst_keys(o) or "lib" in o.tags:
                for fk, kind in cands:
                    info = sc.functions[fk]
                    pm = self.havoc(fk, objs)
                    if info.positional:
                        pm[info.positional[0]] = {o}
                    self.apply(fk, pm, {self.fn_object(fk)}, node)

    def bound_methods(self, objs: set, attr: str, node, out: set) -> None:
        """``obj.method`` as a value: a callable bound to ``obj``."""
        sc = self.scopes
        cands = sc.methods_by_name.get(attr)
        if not cands:
            return
        for o in objs:
            if o.kind == "sym" or inst_keys(o) or class_keys(o) or "lib" in o.tags or o.kind == "site":
                for _, fk, kind in cands:
                    if kind == "property":
                        continue
                    b = self.site(node, "bound", fk, tags=("fn:" + fk,))
                    self.add_contents({b}, objs)
                    out.add(b)


#: calls that, given the namespace dict, read only its keys (strings: no
#: script code runs; ``print``/``repr`` would format the values, which may)
_KEY_READERS = frozenset({"sorted", "len", "list", "set", "tuple", "any", "all"})


def _reads_names_only(stmt, call) -> bool:
    """Whether ``call`` (``globals()`` in top-level statement ``stmt``) is
    only looked into for names: ``"x" in globals()``, ``sorted(globals())``.
    Then no object escapes and nothing is bound: the
    statement reads every name (a barrier) and the state stays precise."""
    if stmt is None:
        return False
    for n in walk(stmt):
        if n.__class__ is ast.Compare:
            if any(c is call for c in n.comparators):
                return all(op.__class__ in (ast.In, ast.NotIn) for op in n.ops)
        elif n.__class__ is ast.Call and any(a is call for a in n.args):
            return n.func.__class__ is ast.Name and n.func.id in _KEY_READERS
    return False

