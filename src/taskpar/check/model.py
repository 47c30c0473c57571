"""The data of ``taskpar check``: what a traced run saw and what the check found.

Pure dataclasses, no behaviour beyond derived figures: ``StatementTrace``
and ``Trace`` (filled by the tracing child, see ``tracer``), ``Interaction``,
``Parallelism`` and ``CheckReport`` (built by ``compare``, rendered by
``render``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StatementTrace:
    """What one statement was seen to touch when run serially."""

    id: int
    seconds: float
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    #: names read whose value cannot be fully fingerprinted (changes unseen)
    unverified: frozenset[str] = frozenset()
    #: a split loop's first iterations, body statement by body statement,
    #: and how many iterations it ran in all
    units: tuple[UnitTrace, ...] = ()
    iterations: int = 0


@dataclass(frozen=True)
class UnitTrace:
    """One body statement of a split loop in one iteration (``k`` from 0;
    ``j`` the body index, -1 binding the target, -2 the iterable)."""

    k: int
    j: int
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LoopCheck:
    """What the split of loop statement ``stmt`` claims (``analysis.loops``):
    the body statements run apart (``pieces``) and the names each gives the
    chain (``outputs``); the names hoisted calls load (``hoist_reads``, per
    body statement); every name the parts bind (``binds``); the global
    generators each iteration seeds (``fresh``); the body's lines."""

    stmt: int
    pieces: tuple[int, ...]
    outputs: dict
    hoist_reads: dict
    binds: frozenset[str]
    fresh: frozenset[str]
    lines: tuple[int, ...]
    #: two nested loops, traced as the one loop over pairs they run as
    nested: bool = False
    #: per ordered statement, the names it reads only in its hoisted calls
    only_hoisted: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LoopFinding:
    """A traced effect that the split of a loop does not allow for."""

    loop_line: int
    line: int  # the body statement
    iteration: int  # from 1
    what: str  # one line, without the location


@dataclass(frozen=True)
class Trace:
    """A serial run: per executed statement its trace, and how it ended."""

    statements: tuple[StatementTrace, ...]
    exit_status: int
    #: ``"ZeroDivisionError: division by zero"`` if a statement raised, else None
    error: str | None = None
    stdout: str = ""
    stderr: str = ""


@dataclass(frozen=True)
class Interaction:
    """A dependency ``src -> dst`` seen at run time, with what carried it."""

    src: int
    dst: int
    src_line: int
    dst_line: int
    src_source: str
    dst_source: str
    #: ``("RAW", "x")``, ``("WAW", "<file /tmp/a.txt>")``, ``("WAR", "<random>")`` ...
    via: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Parallelism:
    """Critical path of one graph against the serial run."""

    statements: int
    serial_seconds: float
    critical_statements: int
    critical_seconds: float

    @property
    def speedup_statements(self) -> float:
        return self.statements / self.critical_statements if self.critical_statements else 1.0

    @property
    def speedup_seconds(self) -> float:
        return self.serial_seconds / self.critical_seconds if self.critical_seconds > 0 else 1.0


@dataclass(frozen=True)
class CheckReport:
    """Everything ``taskpar check`` found; pure data (render with ``render_check``)."""

    script: str
    #: statements in the script / executed before it ended
    statements: int
    executed: int
    exit_status: int
    error: str | None
    #: traced dependencies with no path in the static graph: soundness bugs
    missed: tuple[Interaction, ...]
    #: possible dependencies through values that could not be fingerprinted,
    #: with no path in the static graph (to inspect; not counted as missed)
    unverified: tuple[Interaction, ...]
    #: every traced dependency (the traced graph's edges)
    traced: tuple[Interaction, ...]
    static: Parallelism
    dynamic: Parallelism
    trace: Trace = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    #: split loops whose traced iterations were checked (their lines)
    loops_checked: tuple[int, ...] = ()
    #: what those iterations did that their split does not allow for
    loop_missed: tuple[LoopFinding, ...] = ()

    @property
    def ok(self) -> bool:
        """No missed interaction (the CLI exits 1 otherwise)."""
        return not self.missed and not self.loop_missed
