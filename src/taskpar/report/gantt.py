"""Gantt charts of a schedule: planned (and optionally actual) times per worker.

``gantt_figure(schedule, graph, actual=None)`` returns a
``matplotlib.figure.Figure``: one row per worker, a box per statement labelled
``L<line>``, planned transfers drawn as arrows from the sending row (at the
producer's finish) to the receiving row (at the planned arrival). With
``actual`` the measured times are drawn as a thinner hatched bar under each
planned box, so a reader sees where the plan was wrong.

``save_gantt(schedule, graph, path, actual=None)`` writes ``.png``, ``.svg`` or
``.html`` (a self-contained page with the SVG inline). ``gantt_svg`` returns
the SVG text, for embedding in a larger HTML report.

``actual`` is one of: a mapping ``{statement id: (worker, start, finish)}``
(0-based worker, seconds from the start of the run); a ``Schedule``, whose
times are used; or the run's timings (``RunResult.timings``, objects with
``stmt``, 1-based ``worker``, ``start``, ``end``), shifted so the earliest
start is 0.

matplotlib is imported lazily, with the Agg canvas and no ``pyplot`` (no
global state), so this is safe in a process that also runs user code.
"""

from __future__ import annotations

import html
import io
import os
from typing import Any, Mapping

from ..errors import BackendUnavailable, UsageError

__all__ = ["gantt_figure", "gantt_svg", "save_gantt", "GANTT_FORMATS"]

GANTT_FORMATS = (".png", ".svg", ".html")

_PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3",
            "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]


def _matplotlib():
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise BackendUnavailable(
            "Gantt charts need matplotlib; install with: pip install 'taskpar[plot]'"
        ) from None
    return matplotlib, Figure, FigureCanvasAgg


def _actual_times(actual: Any) -> dict[int, tuple[int, float, float]]:
    if actual is None:
        return {}
    if hasattr(actual, "assignment") and hasattr(actual, "start"):
        return {i: (actual.assignment[i], actual.start[i], actual.finish[i])
                for i in range(len(actual.assignment))}
    if isinstance(actual, Mapping):
        return {int(i): (int(w), float(s), float(f)) for i, (w, s, f) in actual.items()}
    # run timings (``taskpar.run.StatementTiming``: stmt, 1-based worker, start, end)
    rows = [(t.stmt, t.worker - 1, t.start, t.end) for t in actual]
    t0 = min((r[2] for r in rows), default=0.0)
    return {i: (w, s - t0, f - t0) for i, w, s, f in rows}


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.4g} s"


def _label(graph, i: int) -> str:
    if graph is None:
        return f"#{i}"
    return f"L{graph.statements[i].lineno}"


def gantt_figure(schedule, graph=None, actual: Mapping | Any = None, transfers: bool = True,
                 title: str | None = None):
    """A matplotlib ``Figure`` of ``schedule`` (see module docstring)."""
    _, Figure, FigureCanvasAgg = _matplotlib()
    from matplotlib.patches import Patch

    acts = _actual_times(actual)
    W = schedule.workers
    horizon = max([schedule.makespan] + [f for _, _, f in acts.values()] + [1e-9])
    width = min(18.0, 7.0 + 0.12 * len(schedule.assignment))
    fig = Figure(figsize=(width, 1.2 + 0.75 * W), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    planned_h = 0.5 if acts else 0.7
    min_label = horizon * 0.03
    for i, w in enumerate(schedule.assignment):
        s, f = schedule.start[i], schedule.finish[i]
        color = _PALETTE[w % len(_PALETTE)]
        y = w - (0.12 if acts else 0.0)
        ax.broken_barh([(s, max(f - s, horizon * 0.002))], (y - planned_h / 2, planned_h),
                       facecolors=color, edgecolors="white", linewidth=0.8,
                       alpha=0.55 if i in schedule.estimated else 0.95)
        if f - s >= min_label:
            ax.text((s + f) / 2, y, _label(graph, i), ha="center", va="center",
                    fontsize=8, color="white", clip_on=True)
    for i, (w, s, f) in acts.items():
        y = w + 0.3
        ax.broken_barh([(s, max(f - s, horizon * 0.002))], (y - 0.09, 0.18),
                       facecolors=_PALETTE[w % len(_PALETTE)], edgecolors="#333333",
                       linewidth=0.5, hatch="////", alpha=0.6)
        if w != schedule.assignment[i] and f - s >= min_label:
            # ran elsewhere than planned: say which statement it was
            ax.text((s + f) / 2, y, _label(graph, i), ha="center", va="center",
                    fontsize=6, color="#222222", clip_on=True)
    if transfers:
        for t in getattr(schedule, "transfers", ()):
            y0 = t.frm - (0.12 if acts else 0.0)
            y1 = t.to - (0.12 if acts else 0.0)
            ax.annotate(
                "", xy=(t.arrive, y1), xytext=(t.send, y0),
                arrowprops=dict(arrowstyle="->", color="#222222" if t.var else "#999999",
                                linestyle="-" if t.var else ":", lw=0.9, shrinkA=0, shrinkB=0),
            )
            if t.var:
                ax.text((t.send + t.arrive) / 2, (y0 + y1) / 2, t.var, fontsize=6,
                        ha="left", va="center", color="#222222")
    ax.set_yticks(range(W))
    ax.set_yticklabels([f"worker {w + 1}" for w in range(W)])
    ax.set_ylim(W - 0.4, -0.6)
    ax.set_xlim(0, horizon * 1.02)
    ax.set_xlabel("seconds")
    ax.grid(axis="x", linestyle=":", alpha=0.5)
    ax.axvline(schedule.makespan, color="#c44e52", lw=0.8, linestyle="--")
    lb = getattr(schedule, "lower_bound", 0.0)
    if lb:
        ax.axvline(lb, color="#55a868", lw=0.8, linestyle=":")
    from matplotlib.lines import Line2D

    handles = [Patch(facecolor=_PALETTE[0], label="planned")]
    if acts:
        handles.append(Patch(facecolor=_PALETTE[0], alpha=0.6, hatch="////", label="actual"))
    if any(i in schedule.estimated for i in range(len(schedule.assignment))):
        handles.append(Patch(facecolor=_PALETTE[0], alpha=0.55, label="estimated cost"))
    handles.append(Line2D([], [], color="#c44e52", lw=0.8, linestyle="--",
                          label=f"makespan {_fmt(schedule.makespan)}"))
    if lb:
        handles.append(Line2D([], [], color="#55a868", lw=0.8, linestyle=":",
                              label=f"lower bound {_fmt(lb)}"))
    if any(t.var for t in getattr(schedule, "transfers", ())) and transfers:
        handles.append(Line2D([], [], color="#222222", lw=0.9, marker=">", label="transfer"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              frameon=False)
    if title is None:
        title = f"{getattr(schedule, 'policy', '')} schedule on {W} worker{'s' if W != 1 else ''}".strip()
        if graph is not None:
            title = f"{os.path.basename(graph.script.filename)}: {title}"
    ax.set_title(title, fontsize=10)
    return fig


def gantt_svg(schedule, graph=None, actual=None, transfers: bool = True) -> str:
    """The Gantt chart as SVG text (no XML prolog), for embedding in HTML."""
    fig = gantt_figure(schedule, graph, actual, transfers)
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _check_path(path: str | os.PathLike) -> str:
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in GANTT_FORMATS:
        raise UsageError(
            f"{os.fspath(path)}: unknown Gantt chart format {ext or '(no extension)'!r}; "
            f"use a file name ending in {', '.join(GANTT_FORMATS)}")
    return ext


def _table(schedule, graph) -> str:
    """HTML table of the planned statements (line, worker, start, finish, source)."""
    rows = []
    for i in sorted(range(len(schedule.assignment)), key=lambda i: (schedule.start[i], i)):
        line = graph.statements[i].lineno if graph is not None else i
        src = graph.statements[i].label if graph is not None else ""
        est = " (estimated)" if i in schedule.estimated else ""
        rows.append(
            f"<tr><td>{line}</td><td>{schedule.assignment[i] + 1}</td>"
            f"<td>{schedule.start[i]:.4g}</td><td>{schedule.finish[i]:.4g}{est}</td>"
            f"<td><code>{html.escape(src)}</code></td></tr>")
    return ("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">"
            "<tr><th>line</th><th>worker</th><th>start (s)</th><th>finish (s)</th>"
            "<th>statement</th></tr>\n" + "\n".join(rows) + "</table>\n")


def save_gantt(schedule, graph, path: str | os.PathLike, actual=None, transfers: bool = True) -> None:
    """Write the Gantt chart to ``path`` (.png, .svg or .html).

    Raises UsageError for another extension (before touching matplotlib) and
    BackendUnavailable when matplotlib is missing.
    """
    ext = _check_path(path)
    _matplotlib()
    if ext == ".html":
        svg = gantt_svg(schedule, graph, actual, transfers)
        name = os.path.basename(graph.script.filename) if graph is not None else "schedule"
        page = (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>taskpar schedule: {html.escape(name)}</title>"
            "<style>body{font-family:sans-serif;margin:1em}svg{max-width:100%;height:auto}</style>"
            f"</head><body>\n<h1>{html.escape(name)}</h1>\n"
            f"<p>{schedule.workers} workers, predicted makespan {schedule.makespan:.4g} s, "
            f"lower bound {schedule.lower_bound:.4g} s.</p>\n{svg}\n"
            f"{_table(schedule, graph)}</body></html>\n"
        )
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        return
    fig = gantt_figure(schedule, graph, actual, transfers)
    fig.savefig(os.fspath(path), format=ext[1:], dpi=130 if ext == ".png" else None)
