"""``taskpar plan``: the schedule as tables a person reads at a glance.

Input: ``Prepared`` (graph, schedule, notes). Output: rich renderables —
the statements (line, worker, planned start and finish, estimated or
measured), the transfers (variable, from, to, bytes, seconds) and a summary
(predicted makespan, lower bound, predicted speedup over serial).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from ..analysis.loops import display_name

__all__ = ["plan_renderables"]


def _sec(x: float) -> str:
    return f"{x:.3f}"


def plan_renderables(prepared) -> list:
    graph, sched = prepared.graph, prepared.schedule
    stmts = Table(title="Statements", title_justify="left")
    for col, just in (("line", "right"), ("statement", "left"), ("worker", "right"),
                      ("start s", "right"), ("finish s", "right"), ("cost", "left")):
        stmts.add_column(col, justify=just)
    for i in sorted(range(len(graph)), key=lambda i: (sched.start[i], i)):
        s = graph.statements[i]
        stmts.add_row(str(s.lineno), Text(s.label), str(sched.assignment[i] + 1), _sec(sched.start[i]),
                      _sec(sched.finish[i]), "estimated" if i in sched.estimated else "measured")
    out: list = [stmts]
    values = [t for t in sched.transfers if t.var is not None]
    if values:
        tr = Table(title="Transfers", title_justify="left")
        for col in ("variable", "made at line", "from", "to", "bytes", "seconds"):
            tr.add_column(col, justify="left" if col == "variable" else "right")
        for t in values:
            tr.add_row(Text(display_name(t.var)), str(graph.statements[t.src].lineno), str(t.frm + 1), str(t.to + 1),
                       f"{t.nbytes:,}", f"{t.seconds:.6f}")
        out.append(tr)
    else:
        out.append(Text("Transfers: none"))
    summary = (f"{sched.workers} worker{'s' if sched.workers != 1 else ''}: predicted makespan {_sec(sched.makespan)} s, "
               f"lower bound {_sec(sched.lower_bound)} s, serial {_sec(sched.serial)} s, "
               f"predicted speedup {sched.speedup:.2f}×")
    if sched.estimated:
        summary += (f" ({len(sched.estimated)} of {len(graph)} statement costs estimated: "
                    "run the script once, or `taskpar profile` it, to measure them)")
    out.append(Text(summary))
    for note in prepared.notes:
        out.append(Text(f"note: {note}"))
    return out
