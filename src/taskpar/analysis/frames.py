"""Frames: where a name is looked up and bound while interpreting code.

Design note. The same abstract interpreter (``interp.Interp``) runs top-level
statements and function bodies; frames make the difference.

* ``TopFrame``   — module scope. Loads record a read (builtins only when the
  script binds that name); stores record a write and update the name's
  points-to set (a strong update in a simple statement, a weak one — union —
  in a compound statement, whose bindings may not happen).
* ``FnFrame``    — a function body being summarised. Parameters point to
  their syms, locals accumulate (flow-insensitive), globals become the sym
  ``("G", name)`` — or, for names bound only by ``import``/``def``/``class``,
  the module/function/class objects themselves — and closure cells the sym
  ``("C", f)``. ``global`` stores are recorded as global writes (and reads:
  the assignment may not happen); ``nonlocal`` stores mutate the closure.
* ``ClassFrame`` — a class body: names it binds are class attributes (the
  class object contains them); a load of such a name may still fall through
  to the global (``x = x`` in a class body), so it is also a global load.
* ``CompFrame``  — a list/set/dict comprehension: iteration variables are
  local; other names resolve in the enclosing frame, skipping class bodies;
  a walrus binds in the nearest enclosing non-comprehension frame.
"""

from __future__ import annotations

from .rules import BUILTIN_NAMES


class TopFrame:
    def __init__(self, interp) -> None:
        self.it = interp
        self.env: dict[str, set] = interp.env
        self.weak = False

    def load(self, name: str) -> set:
        it = self.it
        if name in BUILTIN_NAMES and name not in it.script_bound:
            return {it.objs.module("builtins." + name)}
        it.eff.reads.add(name)
        out = set(self.env.get(name, ()))
        if not out and it.unseen is not None:
            out.add(it.unseen)  # (unseen code may have bound it)
        elif it.namespace is not None and it.namespace in out:
            # a name holding ``globals()``: what the statement does through it
            # may read or bind any name
            it.eff.set_barrier(f"uses the module's namespace (`{name}` holds globals())")
        if name in BUILTIN_NAMES:
            out.add(it.objs.module("builtins." + name))
        return out

    def store(self, name: str, objs: set) -> None:
        it = self.it
        it.eff.writes.add(name)
        if self.weak:
            self.env.setdefault(name, set()).update(objs)
        else:
            self.env[name] = set(objs)
        for o in objs:
            it.first_name.setdefault(o, name)

    def delete(self, name: str) -> None:
        self.it.eff.reads.add(name)
        self.it.eff.writes.add(name)
        if not self.weak:
            self.env.pop(name, None)

    def global_store(self, name: str, objs: set) -> None:
        it = self.it
        it.eff.reads.add(name)
        it.eff.writes.add(name)
        self.env.setdefault(name, set()).update(objs)
        for o in objs:
            it.first_name.setdefault(o, name)

    def global_load(self, name: str) -> set:
        return set(self.env.get(name, ()))

    def root(self):
        return self

    def mutate_name(self, name: str) -> None:
        self.it.eff.mut_names.add(name)

    def first_param(self):
        return None


class FnFrame:
    def __init__(self, interp, info) -> None:
        self.it = interp
        self.info = info
        self.env: dict[str, set] = {}
        objs = interp.objs
        for p in info.params:
            self.env[p] = {objs.sym("P", info.key, p)}
        if info.node.__class__.__name__ == "GeneratorExp":
            self.env[".0"] = {objs.sym("P", info.key, ".0")}

    def _global(self, name: str) -> set:
        it = self.it
        if name in BUILTIN_NAMES and name not in it.script_bound:
            return {it.objs.module("builtins." + name)}
        it.eff.reads.add(name)
        const = it.constant_global(name)
        if const is not None:
            return set(const)
        out = {it.objs.sym("G", name)}
        if name in BUILTIN_NAMES:
            out.add(it.objs.module("builtins." + name))
        return out

    def load(self, name: str) -> set:
        kind = self.info.resolve(name)
        if kind == "local":
            return set(self.env.get(name, ()))
        if kind == "cell":
            return {self.it.objs.sym("C", self.info.key)}
        return self._global(name)

    def store(self, name: str, objs: set) -> None:
        kind = self.info.resolve(name)
        if kind == "local":
            self.env.setdefault(name, set()).update(objs)
        elif kind == "cell":
            cell = self.it.objs.sym("C", self.info.key)
            self.it.mutate({cell}, force=True)
            self.it.add_contents({cell}, objs)
        else:
            self.global_store(name, objs)

    def delete(self, name: str) -> None:
        kind = self.info.resolve(name)
        if kind == "global":
            self.it.eff.reads.add(name)
            self.it.eff.writes.add(name)
        elif kind == "cell":
            self.it.mutate({self.it.objs.sym("C", self.info.key)}, force=True)

    def global_store(self, name: str, objs: set) -> None:
        eff = self.it.eff
        eff.reads.add(name)
        eff.writes.add(name)
        eff.gwrites.setdefault(name, set()).update(objs)

    def global_load(self, name: str) -> set:
        return {self.it.objs.sym("G", name)}

    def root(self):
        return self

    def mutate_name(self, name: str) -> None:
        if self.info.resolve(name) == "global":
            self.it.eff.mut_names.add(name)

    def first_param(self):
        if self.info.positional:
            return set(self.env.get(self.info.positional[0], ()))
        return None


class _NestedFrame:
    """Global names of a class body or comprehension live in the enclosing root."""

    parent: object

    def global_store(self, name, objs):
        self.parent.root().global_store(name, objs)

    def global_load(self, name):
        return self.parent.root().global_load(name)

    def root(self):
        return self.parent.root()


class ClassFrame(_NestedFrame):
    def __init__(self, interp, parent, class_objs: set, bound: set[str]) -> None:
        self.it = interp
        self.parent = parent
        self.class_objs = class_objs
        self.bound = bound
        self.env: dict[str, set] = {}
        #: names surely bound already (straight-line class-body statements)
        self.definite: set[str] = set()
        self.straight = True

    def load(self, name: str) -> set:
        if name in self.definite:
            return set(self.env.get(name, ()))
        if name in self.bound:
            return set(self.env.get(name, ())) | self.parent.load(name)
        return self.parent.load(name)

    def store(self, name: str, objs: set) -> None:
        self.env.setdefault(name, set()).update(objs)
        self.it.add_contents(self.class_objs, objs)
        if self.straight:
            self.definite.add(name)

    def delete(self, name: str) -> None:
        self.env.pop(name, None)
        self.definite.discard(name)

    def mutate_name(self, name: str) -> None:
        if name not in self.bound:
            self.parent.mutate_name(name)

    def first_param(self):
        return None


class CompFrame(_NestedFrame):
    def __init__(self, interp, parent, local_names: set[str]) -> None:
        self.it = interp
        self.parent = parent
        self.locals = local_names
        self.env: dict[str, set] = {}

    def _outer(self):
        p = self.parent
        while isinstance(p, ClassFrame):
            p = p.parent
        return p

    def load(self, name: str) -> set:
        if name in self.locals:
            return set(self.env.get(name, ()))
        return self._outer().load(name)

    def store(self, name: str, objs: set) -> None:
        if name in self.locals:
            self.env.setdefault(name, set()).update(objs)
        else:
            self.walrus_store(name, objs)

    def walrus_store(self, name: str, objs: set) -> None:
        p = self.parent
        while isinstance(p, CompFrame):
            p = p.parent
        p.store(name, objs)

    def delete(self, name: str) -> None:
        pass

    def mutate_name(self, name: str) -> None:
        if name not in self.locals:
            self._outer().mutate_name(name)

    def first_param(self):
        return self._outer().first_param()
