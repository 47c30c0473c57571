"""Gantt charts (taskpar.report.gantt): files for png/svg/html, clear errors otherwise."""

import sys

import pytest

from taskpar.errors import BackendUnavailable, UsageError
from taskpar.report.gantt import gantt_figure, gantt_svg, save_gantt
from taskpar.schedule import schedule

from sched_helpers import THREE_CHAINS, make_graph, three_chains_costs


@pytest.fixture(scope="module")
def planned():
    graph = make_graph(THREE_CHAINS)
    return schedule(graph, 3, three_chains_costs()), graph


def test_figure_is_not_pyplot(planned):
    sched, graph = planned
    fig = gantt_figure(sched, graph)
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["worker 1", "worker 2", "worker 3"]
    texts = {t.get_text() for t in ax.texts}
    assert {"L3", "L14"} <= texts  # statement boxes labelled by line number
    assert "a" in texts or "b" in texts or "c" in texts  # transfer labels


@pytest.mark.parametrize("ext, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                        (".html", b"<!DOCTYPE html>")])
def test_files(tmp_path, planned, ext, magic):
    sched, graph = planned
    path = tmp_path / f"gantt{ext}"
    save_gantt(sched, graph, path)
    data = path.read_bytes()
    assert data.startswith(magic) and len(data) > 1000
    if ext == ".html":
        text = data.decode()
        assert "<svg" in text and "</html>" in text and "src=\"http" not in text


def test_planned_vs_actual(tmp_path, planned):
    sched, graph = planned
    actual = {i: (sched.assignment[i], sched.start[i] * 1.1, sched.finish[i] * 1.1 + 0.01)
              for i in range(len(graph))}
    save_gantt(sched, graph, tmp_path / "both.png", actual=actual)
    assert (tmp_path / "both.png").stat().st_size > 1000
    svg = gantt_svg(sched, graph, actual=sched)  # a Schedule works as "actual" too
    assert svg.startswith("<svg")


@pytest.mark.parametrize("name", ["gantt.pdf", "gantt", "gantt.PNGX"])
def test_unknown_extension(tmp_path, planned, name):
    sched, graph = planned
    with pytest.raises(UsageError, match=r"unknown Gantt chart format.*\.png, \.svg, \.html"):
        save_gantt(sched, graph, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_matplotlib_missing(tmp_path, planned, monkeypatch):
    sched, graph = planned
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(BackendUnavailable, match=r"pip install 'taskpar\[plot\]'"):
        save_gantt(sched, graph, tmp_path / "g.png")
    with pytest.raises(BackendUnavailable):
        gantt_figure(sched, graph)


def test_actual_from_run_timings(planned):
    from types import SimpleNamespace

    sched, graph = planned
    timings = [SimpleNamespace(stmt=i, worker=sched.assignment[i] + 1, start=100 + sched.start[i],
                               end=100 + sched.finish[i]) for i in range(len(graph))]
    fig = gantt_figure(sched, graph, actual=timings)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] < 2  # shifted to start at 0
