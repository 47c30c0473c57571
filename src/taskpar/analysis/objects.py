"""Abstract objects, the heap of "may contain" edges, and function summaries.

Design note. The aliasing model is a points-to graph over *abstract objects*:

* ``site``   — everything allocated by one expression (a list display, a
  library call result, an instance ``K(...)``, a call of a script function
  seen from its caller); one object per syntax node, so loops reuse it;
* ``fn`` / ``class`` — a function or class defined at top level (one per
  ``def``/``class`` node), ``module`` — an imported module or a library entity
  (``numpy.zeros``), named by its qualified name;
* ``sym`` — placeholders used while summarising a function: its parameters
  ``("P", f, name)``, a global name ``("G", name)``, its closure cells
  ``("C", f)``, the function object itself ``("SELF", f)``, the result of a
  call the summary could not resolve ``("D", f, node)``; and for every sym
  ``s`` its *contents* ``("1",) + s`` (attributes and elements: ``self.items``)
  and a *star* ``("*",) + s`` standing for everything reachable deeper.
  Two levels keep ``self.items.append(v)`` from mutating ``v``.

Each object has a set of *contents* (objects it may reference: elements,
attributes, captured cells). Names point to sets of objects; a name *reaches*
the objects reachable from them. A mutation marks objects; every top-level
name that reaches a marked object is mutated.

Tags on objects: ``fn:KEY`` (a callable running script function KEY),
``class:KEY``, ``inst:KEY`` (an instance of script class KEY), ``lib`` (made
by library code), ``container`` (a tuple/list/dict/set display: unpacking it
yields its contents exactly), ``pyplot``/``logging`` (belongs to that hidden
state: touching it touches the resource).

A ``Summary`` is what a function may do when called, expressed in syms: the
globals it reads and writes, the objects it mutates, the contents edges it
adds, what it returns, the calls it could not resolve, and its resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Obj:
    __slots__ = ("key", "kind", "tags", "label")

    def __init__(self, key, kind: str, label: str = "") -> None:
        self.key = key
        self.kind = kind
        self.tags: set[str] = set()
        self.label = label

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<{self.kind} {self.label or self.key} {sorted(self.tags)}>"

    @property
    def is_star(self) -> bool:
        return self.kind == "sym" and self.key[0] == "*"

    @property
    def is_level(self) -> bool:
        return self.kind == "sym" and self.key[0] in ("*", "1")


class ObjTable:
    """Interns abstract objects by key so one syntax node gives one object."""

    def __init__(self) -> None:
        self._objs: dict = {}

    def get(self, key, kind: str, label: str = "") -> Obj:
        o = self._objs.get(key)
        if o is None:
            o = self._objs[key] = Obj(key, kind, label)
        return o

    def sym(self, *key) -> Obj:
        return self.get(key, "sym", "/".join(map(str, key)))

    def star(self, o: Obj) -> Obj:
        if o.is_star:
            return o
        if o.kind == "sym" and o.key[0] == "1":
            return self.get(("*",) + o.key[1:], "sym", "*" + o.label[2:])
        k = ("*",) + (o.key if isinstance(o.key, tuple) else (o.key,))
        return self.get(k, "sym", "*" + o.label)

    def level1(self, o: Obj) -> Obj:
        """The sym for the contents of ``o`` (or the star below it)."""
        if o.is_level:
            return self.star(o)
        k = ("1",) + (o.key if isinstance(o.key, tuple) else (o.key,))
        return self.get(k, "sym", "1." + o.label)

    def module(self, qual: str) -> Obj:
        o = self.get(("mod", qual), "module", qual)
        return o


def fn_keys(o: Obj) -> list[str]:
    return [t[3:] for t in o.tags if t.startswith("fn:")] if o.tags else []


def class_keys(o: Obj) -> list[str]:
    return [t[6:] for t in o.tags if t.startswith("class:")] if o.tags else []


def inst_keys(o: Obj) -> list[str]:
    return [t[5:] for t in o.tags if t.startswith("inst:")] if o.tags else []


@dataclass
class Effects:
    """What one statement (or one function body) may do."""

    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    #: objects changed in place; ``mut_force`` also holds function/class
    #: objects changed through an attribute store
    mut: set[Obj] = field(default_factory=set)
    mut_force: set[Obj] = field(default_factory=set)
    #: global names changed in place directly (``x += 1``, ``x.a = 1``)
    mut_names: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    barrier: bool = False
    #: why (the first reason found), for ``taskpar graph``
    barrier_reason: str = ""
    #: the barrier runs code the analysis cannot see (``exec``, a budget
    #: abort...), which may bind any name and alias any objects: the
    #: points-to state after it is widened (``Interp.unseen_code_ran``)
    unseen: bool = False
    #: global name -> objects it may be bound to by a ``global`` assignment
    gwrites: dict = field(default_factory=dict)
    #: unresolved calls: (callee objects, argument objects, origin node id)
    deferred: list = field(default_factory=list)
    #: objects whose implicit methods / callbacks a library may run
    touched: set[Obj] = field(default_factory=set)
    ret: set[Obj] = field(default_factory=set)

    def set_barrier(self, reason: str, unseen: bool = True) -> None:
        if not self.barrier:
            self.barrier, self.barrier_reason = True, reason
        self.unseen = self.unseen or unseen

    #: (summary mode) syms iterated over: iterators among their objects at a
    #: call site are consumed, i.e. changed
    iterated: set[Obj] = field(default_factory=set)


@dataclass
class Summary:
    reads: frozenset = frozenset()
    writes: frozenset = frozenset()
    mut: frozenset = frozenset()
    mut_force: frozenset = frozenset()
    mut_names: frozenset = frozenset()
    resources: frozenset = frozenset()
    barrier: bool = False
    barrier_reason: str = ""
    unseen: bool = False
    gwrites: tuple = ()
    deferred: tuple = ()
    touched: frozenset = frozenset()
    ret: frozenset = frozenset()
    #: contents edges from syms and local sites: ((obj, frozenset), ...)
    edges: tuple = ()
    #: local sites (all mapped to one object at a call site) and their tags
    sites: frozenset = frozenset()
    iterated: frozenset = frozenset()

    def signature(self):
        def keys(s):
            return frozenset(o.key for o in s)
        return (self.reads, self.writes, keys(self.mut), keys(self.mut_force),
                self.mut_names, self.resources, self.barrier, self.unseen,
                frozenset((n, keys(v)) for n, v in self.gwrites),
                frozenset((keys(c), keys(a), n) for c, a, n in self.deferred),
                keys(self.touched), keys(self.ret),
                frozenset((o.key, keys(v)) for o, v in self.edges),
                frozenset((o.key, frozenset(o.tags)) for o in self.sites),
                keys(self.iterated))


EMPTY_SUMMARY = Summary()
