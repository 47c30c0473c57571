"""A ``CheckReport`` as terminal text.

Library code never prints: ``render_check`` returns the text (one block per
missed or unverified interaction, both lines with their source, then the
parallelism figures); the CLI writes it.
"""

from __future__ import annotations

import os

from .model import CheckReport, Interaction


def _excerpt(source: str, width: int = 60) -> str:
    first = source.splitlines()[0] if source else ""
    return first if len(first) <= width else first[: width - 3] + "..."


def render_check(report: CheckReport) -> str:
    """The report as terminal text (one block per missed interaction, then figures)."""
    name = os.path.basename(report.script)
    lines = []
    if report.error or report.exit_status:
        lines.append(f"{name}: the script stopped after {report.executed} of {report.statements} "
                     f"statements (exit status {report.exit_status}"
                     + (f", {report.error})" if report.error else ")")
                     + "; only those were checked")
    if report.missed:
        lines.append(f"{name}: {len(report.missed)} interaction(s) the static graph misses "
                     "(statements that may run in the wrong order):")
        for m in report.missed:
            lines.extend(_render_interaction(name, m))
    else:
        lines.append(f"{name}: no missed interaction ({len(report.traced)} traced dependencies, "
                     "all ordered by the static graph)")
    if report.loop_missed:
        lines.append(f"{name}: {len(report.loop_missed)} effect(s) of loop iterations that "
                     "their split does not allow for (iterations that may interfere):")
        for f in report.loop_missed:
            lines.append(f"  {name}:{f.line}: in the loop of line {f.loop_line}, iteration "
                         f"{f.iteration}: {f.what}")
    elif report.loops_checked:
        lines.append(f"{name}: the traced iterations of the split loop(s) at line(s) "
                     f"{', '.join(map(str, report.loops_checked))} are independent as split")
    if report.unverified:
        lines.append(f"{name}: {len(report.unverified)} possible interaction(s) through values "
                     "whose changes cannot be observed (not counted as missed):")
        for m in report.unverified:
            lines.extend(_render_interaction(name, m))
    s, t = report.static, report.dynamic
    lines.append(
        f"parallelism: static graph allows {s.speedup_statements:.1f}x "
        f"(critical path {s.critical_statements} of {s.statements} statements; "
        f"{s.critical_seconds:.2f} s of {s.serial_seconds:.2f} s = {s.speedup_seconds:.1f}x), "
        f"traced {t.speedup_statements:.1f}x "
        f"(critical path {t.critical_statements}; {t.critical_seconds:.2f} s = {t.speedup_seconds:.1f}x)")
    return "\n".join(lines) + "\n"


def _render_interaction(name: str, m: Interaction) -> list[str]:
    via = ", ".join(f"{kind} {key}" for kind, key in m.via)
    return [f"  {name}:{m.src_line}: {_excerpt(m.src_source)}",
            f"  {name}:{m.dst_line}: {_excerpt(m.dst_source)}",
            f"    line {m.dst_line} depends on line {m.src_line} through {via}"]
