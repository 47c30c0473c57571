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

    @property
    def ok(self) -> bool:
        """No missed interaction (the CLI exits 1 otherwise)."""
        return not self.missed
