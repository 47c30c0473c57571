"""The run report: one self-contained HTML page a person reads at a glance.

Input: the ``Prepared`` pipeline data (graph, schedule) and the ``RunResult``
(measured times, transfers). Output: an HTML file with

1. a summary line: workers, measured makespan, predicted makespan, lower
   bound, serial time (sum of measured statement times), speedup;
2. the task graph picture (Graphviz SVG inline, when Graphviz is installed;
   otherwise a note saying what to install);
3. the Gantt chart of planned against actual times (matplotlib SVG inline);
4. per-statement table: line, worker, planned and actual start/finish,
   status; and the transfers: variable, from, to, bytes, seconds.
"""

from __future__ import annotations

import html
import os

from ..analysis.loops import display_name
from ..errors import TaskparError, UsageError

__all__ = ["write_report", "report_html"]


def _graph_svg(graph) -> str:
    from ..graph import to_dot
    from .pictures import render_dot

    try:
        svg = render_dot(to_dot(graph), "svg").decode("utf-8")
    except TaskparError as e:
        return f"<p><em>Task graph picture not drawn: {html.escape(str(e))}</em></p>"
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _fmt(x: float) -> str:
    return f"{x:.3f}"


def report_html(prepared, result) -> str:
    """The report page as text."""
    from .gantt import gantt_svg

    graph, sched = prepared.graph, prepared.schedule
    name = os.path.basename(graph.script.filename)
    t0 = min((t.start for t in result.timings), default=0.0)
    t1 = max((t.end for t in result.timings), default=0.0)
    measured = t1 - t0
    serial = sum(t.seconds for t in result.timings)
    speedup = serial / measured if measured > 0 else 1.0
    by_stmt = {t.stmt: t for t in result.timings}
    rows = []
    for s in graph.statements:
        t = by_stmt.get(s.id)
        actual = (f"<td>{t.worker}</td><td>{_fmt(t.start - t0)}</td><td>{_fmt(t.end - t0)}</td>"
                  f"<td>{html.escape(t.status)}</td>") if t else "<td></td><td></td><td></td><td>not run</td>"
        est = " (estimated)" if s.id in sched.estimated else ""
        rows.append(
            f"<tr><td>{s.lineno}</td><td><code>{html.escape(s.label)}</code></td>"
            f"<td>{sched.assignment[s.id] + 1}</td><td>{_fmt(sched.start[s.id])}</td>"
            f"<td>{_fmt(sched.finish[s.id])}{est}</td>{actual}</tr>")
    transfers = [
        f"<tr><td>{html.escape(display_name(tr.var))}</td><td>{graph.statements[tr.version].lineno}</td>"
        f"<td>{tr.frm + 1}</td><td>{tr.to + 1}</td><td>{tr.nbytes:,}</td>"
        f"<td>{tr.end - tr.start:.6f}</td></tr>"
        for tr in result.transfers
    ]
    try:
        gantt = gantt_svg(sched, graph, actual=result.timings)
    except TaskparError as e:
        gantt = f"<p><em>Gantt chart not drawn: {html.escape(str(e))}</em></p>"
    notes = "".join(f"<p class=note>{html.escape(n)}</p>" for n in result.advice)
    if getattr(result.plan, "dynamic", False):
        notes += ("<p class=note>Statements were assigned to workers at run time (dynamic "
                  "assignment): the planned bars and columns are the static plan that the "
                  "estimated costs gave, for comparison; the hatched bars and the worker "
                  "column are where and when each statement actually ran.</p>")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>taskpar report: {html.escape(name)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
svg {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #bbb; padding: 2px 6px; text-align: right; }}
td:nth-child(2) {{ text-align: left; }}
.note {{ background: #fff4d6; padding: 0.4em; }}
</style></head><body>
<h1>taskpar run of {html.escape(name)}</h1>
<p>{sched.workers} workers · exit status {result.exit_status} · measured {_fmt(measured)} s ·
predicted {_fmt(sched.makespan)} s · lower bound {_fmt(sched.lower_bound)} s ·
statements' total {_fmt(serial)} s · speedup {speedup:.2f}×</p>
{notes}
<h2>Task graph</h2>
{_graph_svg(graph)}
<h2>Planned against actual times</h2>
{gantt}
<h2>Statements</h2>
<table><tr><th>line</th><th>statement</th><th>planned worker</th><th>planned start</th>
<th>planned finish</th><th>worker</th><th>start</th><th>finish</th><th>status</th></tr>
{''.join(rows)}</table>
<h2>Transfers</h2>
<table><tr><th>variable</th><th>made at line</th><th>from</th><th>to</th><th>bytes</th><th>seconds</th></tr>
{''.join(transfers) or '<tr><td colspan=6>none</td></tr>'}</table>
</body></html>
"""


def write_report(path: str | os.PathLike, prepared, result) -> None:
    """Write the report to ``path`` (must end in .html)."""
    if not os.fspath(path).lower().endswith((".html", ".htm")):
        raise UsageError(f"{os.fspath(path)}: the report is an HTML page; name it FILE.html")
    text = report_html(prepared, result)
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"{os.fspath(path)}: cannot write the report ({e.strerror})") from None
