"""Iteration independence from a trace: does a split loop's traced run
allow the split the analysis made?

Pure functions over ``model``'s data. The tracer runs each split loop unit
by unit (``UnitTrace``: one body statement in one iteration) for its first
iterations; ``loop_findings`` walks those units in the order they ran and
reports, for the work the split runs apart (a body statement in
``LoopCheck.pieces``, a call hoisted out of an ordered one):

=======================  ==================================================
carried read             it reads what a unit of an *earlier iteration*
                         wrote last (a name, a generator's state, a file):
                         run apart, it would not see that
ordered write            it writes hidden state or a file another
                         iteration also wrote (they must keep their order)
change outside           it changes a name it does not bind (an object
                         made before the loop): the change stays on the
                         worker that ran it
not taken                an ordered statement (or a statement after the
                         loop) reads a name a private statement bound that
                         the chain does not take from it
=======================  ==================================================

Reads of a generator every iteration seeds first (``LoopCheck.fresh``) are
the iteration's own chain of draws, as the split assumes.
"""

from __future__ import annotations

from .model import LoopCheck, LoopFinding, StatementTrace, UnitTrace

__all__ = ["loop_findings"]


def _fresh_keys(check: LoopCheck) -> frozenset[str]:
    return frozenset(f"<{g}>" for g in check.fresh)


def _line(check: LoopCheck, j: int) -> int:
    return check.lines[j] if 0 <= j < len(check.lines) else check.lines[0]


def loop_findings(check: LoopCheck, loop_line: int, st: StatementTrace,
                  after: list[tuple[int, StatementTrace]]) -> list[LoopFinding]:
    """What ``st`` (the loop statement's trace) did that ``check`` does not
    allow for; ``after``: ``(line, trace)`` of the statements traced after it."""
    fresh = _fresh_keys(check)
    last: dict[str, UnitTrace] = {}  # key -> the unit that wrote it last
    out: list[LoopFinding] = []
    seen: set = set()

    def find(u: UnitTrace, what: str, key: str = "") -> None:
        if (u.j, key) not in seen:  # one line per statement and key: its first time
            seen.add((u.j, key))
            out.append(LoopFinding(loop_line, _line(check, u.j), u.k + 1, what))

    def carried(u: UnitTrace, keys) -> None:
        for key in sorted(keys):
            w = last.get(key)
            if w is not None and w.k < u.k and w.j >= 0 and key not in fresh:
                find(u, f"reads {_name(key)}, which line {_line(check, w.j)} wrote in "
                        f"iteration {w.k + 1}, but runs apart from it", key)

    for u in st.units:
        if u.j in check.pieces:
            carried(u, u.reads)
            for key in sorted(u.writes):
                w = last.get(key)
                if key.startswith("<") and key not in fresh and key not in u.reads:
                    if w is not None and w.k < u.k and w.j >= 0:
                        find(u, f"writes {_name(key)}, which line {_line(check, w.j)} also "
                                f"wrote in iteration {w.k + 1}, but runs apart from it", key)
                elif not key.startswith("<") and key not in check.binds:
                    find(u, f"changes `{key}`, made before the loop, in work run apart "
                            "(the change would stay on the worker that ran it)", key)
        elif u.j >= 0:
            carried(u, u.reads & check.hoist_reads.get(u.j, frozenset()))
            _not_taken(check, u, last, find)
        for key in u.writes:
            last[key] = u
    if st.units and st.units[-1].k + 1 == st.iterations:
        # every iteration traced: what a statement after the loop reads of
        # the last iteration's private names must have been taken
        for line, later in after:
            for key in sorted(later.reads):
                w = last.get(key)
                if w is not None and not key.startswith("<") and w.j in check.pieces and (
                        key not in check.outputs.get(w.j, frozenset())):
                    out.append(LoopFinding(loop_line, line, st.iterations,
                                           f"reads `{key}`, which line {_line(check, w.j)} "
                                           "bound apart in the last iteration, but the chain "
                                           "does not take it from there"))
            for key in later.writes:
                last.pop(key, None)
    return out


def _not_taken(check: LoopCheck, u: UnitTrace, last: dict, find) -> None:
    for key in sorted(u.reads - check.only_hoisted.get(u.j, frozenset())):
        w = last.get(key)
        if w is None or key.startswith("<") or w.j not in check.pieces:
            continue
        if key not in check.outputs.get(w.j, frozenset()):
            find(u, f"reads `{key}`, which line {_line(check, w.j)} bound in iteration "
                    f"{w.k + 1} apart, but the chain does not take it from there", key)


def _name(key: str) -> str:
    if key.startswith("<file "):
        return f"the file {key[6:-1]}"
    if key.startswith("<"):
        return key[1:-1]
    return f"`{key}`"
