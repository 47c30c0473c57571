"""Function summaries, closed over the call graph by fixpoint iteration.

Design note. Each script function (``def``, method, ``lambda``, generator
expression) is interpreted once per round in summary mode (see ``interp``):
parameters, globals and closure cells are syms, so the result is a
``Summary`` valid for any call: the global names read at call time, the
globals written through ``global``, the objects mutated (parameters, their
contents, globals, the closure), the contents edges added (``reg.append(x)``
stores parameter ``x`` into global ``reg``), what may be returned, the
calls that could not be resolved (a parameter called as a function), the
hidden-state resources and barriers.

Calls between script functions use the callee's summary from the previous
round; rounds repeat until no summary changes (summaries only grow, over
finitely many syms and sites, so this terminates). Recursion is handled the
same way. If a script is so large that the iteration does not settle within
``MAX_ROUNDS``, every summary is made a barrier: right but serial.
"""

from __future__ import annotations

import ast

from .calls import AnalysisBudgetExceeded
from .frames import FnFrame
from .objects import Effects, Summary

MAX_ROUNDS = 25


def compute_summaries(interp) -> None:
    keys = list(interp.scopes.functions)
    for _ in range(MAX_ROUNDS):
        changed = False
        for k in keys:
            s = summarize(interp, k)
            old = interp.summaries.get(k)
            if old is None or old.signature() != s.signature():
                changed = True
            interp.summaries[k] = s
        if not changed:
            return
    for k, s in interp.summaries.items():  # pragma: no cover - safety net
        s.barrier, s.barrier_reason, s.unseen = True, "could not be summarised", True


def summarize(interp, key: str) -> Summary:
    info = interp.scopes.functions[key]
    saved = (interp.mode, interp.heap, interp.eff, interp.fkey, getattr(interp, "root_frame", None),
             interp._active, interp.budget, interp.implicit_done, interp.heap_edges,
             interp.work, interp._work_start)
    interp.mode, interp.heap, interp.eff, interp.fkey = "fn", {}, Effects(), key
    interp._active = set()
    interp.begin_work()
    interp.implicit_done = {}
    frame = FnFrame(interp, info)
    interp.root_frame = frame
    try:
        node = info.node
        if isinstance(node, ast.Lambda):
            interp.eff.ret |= interp.ev(node.body, frame)
        elif isinstance(node, ast.GeneratorExp):
            def run():
                src = frame.env[".0"]
                for i, g in enumerate(node.generators):
                    it = src if i == 0 else interp.ev(g.iter, frame)
                    interp.implicit_iter(it)
                    interp.assign(g.target, interp.elements(it), frame)
                    for c in g.ifs:
                        interp.ev(c, frame)
                interp.eff.ret |= interp.ev(node.elt, frame)
            interp._loop(run, frame)
        else:
            interp._loop(lambda: interp.exec_body(node.body, frame), frame)
    except AnalysisBudgetExceeded:
        # too intricate to summarise in bounded time: calling it is a barrier
        interp.eff.set_barrier("is too intricate to analyse in bounded time")
    interp.end_work()
    try:
        return _extract(interp, key)
    finally:
        (interp.mode, interp.heap, interp.eff, interp.fkey, interp.root_frame,
         interp._active, interp.budget, interp.implicit_done, interp.heap_edges,
         interp.work, interp._work_start) = saved


def _exported(o, key: str) -> bool:
    if o.kind == "sym":
        return True
    if o.kind == "site":
        return o.key[0] == "fsite" and o.key[1] == key
    return o.kind in ("fn", "class", "module")


def _extract(interp, key: str) -> Summary:
    eff = interp.eff
    heap = interp.heap
    sites = set()
    edges = []
    for o, targets in heap.items():
        if o.kind == "sym" or (o.kind in ("fn", "class")) or _exported(o, key):
            t = frozenset(x for x in targets if _exported(x, key))
            if t:
                edges.append((o, t))
    for o in list(heap) + [x for v in heap.values() for x in v] + list(eff.ret) \
            + list(eff.mut):
        if o.kind == "site" and _exported(o, key):
            sites.add(o)
    keep = lambda objs: frozenset(o for o in objs if _exported(o, key))  # noqa: E731
    return Summary(
        reads=frozenset(eff.reads),
        writes=frozenset(eff.writes),
        mut=keep(eff.mut),
        mut_force=keep(eff.mut_force),
        mut_names=frozenset(eff.mut_names),
        resources=frozenset(eff.resources),
        barrier=eff.barrier,
        barrier_reason=eff.barrier_reason,
        unseen=eff.unseen,
        gwrites=tuple((n, keep(v)) for n, v in sorted(eff.gwrites.items())),
        deferred=_merge_deferred(eff.deferred, keep),
        touched=keep(eff.touched),
        iterated=keep(eff.iterated),
        ret=keep(eff.ret),
        edges=tuple(edges),
        sites=frozenset(sites),
    )


def _merge_deferred(items, keep) -> tuple:
    by_origin: dict = {}
    for c, a, n in items:
        cc, aa = by_origin.setdefault(n, (set(), set()))
        cc |= keep(c)
        aa |= keep(a)
    return tuple((frozenset(c), frozenset(a), n) for n, (c, a) in sorted(by_origin.items()))
