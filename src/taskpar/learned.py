"""What runs teach about hidden state: surprises, and assumptions that did not hold.

Input: the ``Script`` a run executed and its ``StatementReport`` records,
whose ``changed`` / ``unseen`` fields come from the workers' guard
(``runtime.guard``). Output: ``Observations`` — per statement, the guarded
states it changed although the plan did not expect it (*surprises*: of a
global generator, only once an earlier statement used it — before that its
state is random), and the *assumed* resources (``Statement.assumed``) it was seen to leave alone
— plus one line per surprising statement for the user.

The cost cache remembers both (``costs.record_hidden_state``), keyed by the
statement's source like its costs; ``with_learned`` applies them before the
graph is built, the one place that ``run``, ``plan``, ``generate``,
``graph`` and ``check`` go through::

    resources' = resources ∪ touches − (untouched ∩ assumed)
    assumed'   = assumed − untouched

A resource the analysis found (not in ``assumed``) is never dropped; a
state once seen changed stays (a later observation of it unchanged does not
drop it again), so learning converges.

An ``import`` is never a surprise: importing scikit-learn sets ``KMP_*``
environment variables and draws from ``random``'s global generator, and
every worker that imports the module does so alike (imports are replicated
where their names are needed). Not learned therefore: a script that seeds
a generator and then imports a module that draws from it at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from .analysis.model import Script, Statement
from .runtime.messages import GUARDED, LOOP_ALONE

__all__ = ["Observations", "observe", "surprise_notes", "apply_learned", "with_learned",
           "record_observations", "loop_modes", "loop_mode_notes", "record_loop_modes",
           "alone_statements"]

#: the guarded states that are random generators
GENERATORS = ("random", "numpy.random")

#: how a note names each guarded state
DESCRIPTION = {
    "random": "the random module's global generator",
    "numpy.random": "numpy's global random generator",
    "cwd": "the working directory",
    "environ": "os.environ",
}


@dataclass(frozen=True)
class Observations:
    #: statement id -> guarded states it changed that its resources lack
    surprises: dict[int, frozenset[str]] = field(default_factory=dict)
    #: statement id -> assumed resources it ran without changing
    untouched: dict[int, frozenset[str]] = field(default_factory=dict)


def _expected(stmt: Statement) -> frozenset[str]:
    if stmt.kind == "import":
        return stmt.resources | frozenset(GUARDED)
    return stmt.resources


def _first_uses(script: Script) -> dict[str, int | None]:
    """The first statement using each global generator (None: none does)."""
    return {g: min((s.id for s in script.statements if g in s.resources), default=None)
            for g in GENERATORS}


_GUARDED = frozenset(GUARDED)


def observe(script: Script, reports: Iterable) -> Observations:
    """Compare what each reported statement changed with what the plan let it touch."""
    surprises: dict[int, frozenset[str]] = {}
    untouched: dict[int, frozenset[str]] = {}
    # a global generator no earlier statement used is in an unseeded, random
    # state: where its draws happen cannot change what the script computes
    # (python's own output differs run to run), so drawing from it is no surprise
    first_use = None  # (found when a statement changed some state: rarely)
    statements = script.statements
    n = len(statements)
    nothing: frozenset[str] = frozenset()
    for r in reports:
        if r.status == "skipped" or not 0 <= r.stmt < n:
            continue
        stmt = statements[r.stmt]
        changed = getattr(r, "changed", ())
        if changed:
            changed = frozenset(changed)
            if first_use is None:
                first_use = _first_uses(script)
            extra = frozenset(x for x in changed - _expected(stmt)
                              if x not in first_use or (first_use[x] is not None
                                                        and first_use[x] < r.stmt))
            if extra:
                surprises[r.stmt] = extra
        else:
            changed = nothing
        # a failed statement may have stopped before drawing
        if r.status == "ok" and stmt.assumed:
            left = (stmt.assumed & _GUARDED) - changed - frozenset(getattr(r, "unseen", ()))
            if left:
                untouched[r.stmt] = left
    return Observations(surprises, untouched)


def surprise_notes(script: Script, obs: Observations, recorded: bool = True) -> list[str]:
    """One line per surprising statement, in program order."""
    out = []
    for i in sorted(obs.surprises):
        s = script.statements[i]
        what = " and ".join(DESCRIPTION.get(x, x) for x in sorted(obs.surprises[i]))
        tail = "the next run orders it" if recorded else "not recorded (--no-cache)"
        out.append(f"taskpar: line {s.lineno} ({s.label}) changed {what}, "
                   f"which the plan did not expect; {tail}.")
    return out


def record_observations(script: Script, obs: Observations) -> str | None:
    """Remember ``obs`` in the cost cache; a message for the user or None."""
    if not obs.surprises and not obs.untouched:
        return None
    from .costs import record_hidden_state

    return record_hidden_state(script, obs.surprises, obs.untouched)


def apply_learned(script: Script, learned: dict[int, tuple[frozenset, frozenset]]) -> Script:
    """``script`` with learned resources: ``learned[i] = (touches, untouched)``."""
    if not learned:
        return script
    stmts = list(script.statements)
    for i, (touches, untouched) in learned.items():
        if not 0 <= i < len(stmts):
            continue
        s = stmts[i]
        drop = (frozenset(untouched) & s.assumed) - frozenset(touches)
        resources = (s.resources | frozenset(touches)) - drop
        if resources != s.resources:
            stmts[i] = replace(s, resources=resources, assumed=s.assumed - drop)
    return replace(script, statements=tuple(stmts))


def with_learned(script: Script) -> Script:
    """``script`` with what earlier runs recorded in its cache applied (and
    a note for each split loop the last run ran as written)."""
    from .costs import load_hidden_state, load_loop_modes

    script = apply_learned(script, load_hidden_state(script))
    notes = loop_mode_notes(script, load_loop_modes(script), "the last run ran")
    return replace(script, notes=script.notes + tuple(notes)) if notes else script


def loop_modes(script: Script, reports: Iterable) -> dict[int, str]:
    """Items statement id -> why its loop ran as written ("": split, or as
    written only because the plan put all of it on one worker), from a
    run's ``StatementReport`` records."""
    items = {i for i, s in enumerate(script.statements)
             if s.loop is not None and s.loop[1:2] == ("items",)}
    if not items:
        return {}
    return {r.stmt: "" if r.note == LOOP_ALONE else r.note for r in reports if r.status == "ok"
            and r.stmt in items}


def alone_statements(script: Script, reports: Iterable) -> set[int]:
    """The statements of the split loops that ran as written because the
    plan put all of each on one worker: their seconds say nothing of what
    the loop's parts cost, and are not recorded."""
    loops = {script.statements[r.stmt].loop[0] for r in reports
             if r.note == LOOP_ALONE and script.statements[r.stmt].loop}
    if not loops:
        return set()
    return {s.id for s in script.statements if s.loop is not None and s.loop[0] in loops}


def loop_mode_notes(script: Script, modes: dict[int, str], who: str = "it ran") -> list[str]:
    """One line per split loop that ran as written: where, and why."""
    return [f"line {script.statements[i].lineno}: {who} the loop as written: {why}"
            for i, why in sorted(modes.items()) if why and 0 <= i < len(script.statements)]


def record_loop_modes(script: Script, modes: dict[int, str]) -> str | None:
    if not modes:
        return None
    from .costs import record_loop_modes as record

    return record(script, modes)
