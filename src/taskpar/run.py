"""The run driver: the whole pipeline for one ``taskpar run``.

::

    path ──analyze──▶ Script ──build_graph──▶ TaskGraph ──schedule──▶ Schedule
         ──build_plan──▶ Plan ──backend.run──▶ events ──Replay──▶ write(stream, text)
                                                   └──▶ RunResult (timings, workers)

The driver owns the failure policy (python's: the first failing statement in
program order ends the run; see ``replay``) and tells the backend to stop as
soon as the output is complete. Library code never prints: output goes
through the ``write`` callable the caller passes (the CLI writes to the
terminal; the API collects it).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .analysis import Script, analyze_script
from .errors import UsageError, WorkerError
from .graph import TaskGraph, build_graph
from .plan import Plan, build_plan
from .replay import Replay

__all__ = ["RunResult", "StatementTiming", "run_script", "prepare", "execute", "BACKENDS"]

BACKENDS = ("local", "dask", "mpi")


@dataclass(frozen=True)
class StatementTiming:
    stmt: int
    lineno: int
    worker: int  # 1-based, as users count workers
    status: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class RunResult:
    """What a run did. ``stdout``/``stderr`` hold the replayed output when no
    ``write`` callable was given to ``run_script``."""

    exit_status: int
    plan: Plan
    timings: list[StatementTiming] = field(default_factory=list)
    transfers: list = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    advice: list[str] = field(default_factory=list)

    def worker_of(self, lineno: int) -> int | None:
        """1-based worker that ran the statement starting at ``lineno``."""
        for t in self.timings:
            if t.lineno == lineno:
                return t.worker
        return None


def default_workers() -> int:
    return os.cpu_count() or 1


def prepare(path: str | os.PathLike, workers: int, *, schedule_policy: str = "auto",
            costs=None, colocate: Sequence[Sequence[int]] = ()) -> tuple[Script, TaskGraph, Plan]:
    """Analyse, build the graph, schedule and plan: everything before a run."""
    from .schedule import schedule

    if workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {workers})")
    script = analyze_script(path)
    graph = build_graph(script, extra_colocate=colocate)
    sched = schedule(graph, workers, costs) if costs is not None else schedule(graph, workers)
    plan = build_plan(graph, sched)
    return script, graph, plan


def _backend(name: str, workers: int, **options):
    if name == "local":
        from .backends.local import LocalBackend

        return LocalBackend(**options)
    if name not in BACKENDS:
        raise UsageError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    raise UsageError(f"backend {name!r} is not available in this version; use --backend local")


def run_script(
    path: str | os.PathLike,
    workers: int | None = None,
    args: Sequence[str] = (),
    *,
    backend: str = "local",
    write: Callable[[int, str], None] | None = None,
    on_progress: Callable[[object], None] | None = None,
    schedule_policy: str = "auto",
    use_cache: bool = True,
    backend_options: dict | None = None,
) -> RunResult:
    """Run the script at ``path`` in parallel, as ``python path *args`` would.

    Returns a RunResult (exit status, per-statement timings and workers). With
    ``write=None`` the output is collected in ``result.stdout``/``stderr``;
    otherwise ``write(stream, text)`` receives it progressively in program
    order (stream 1 = stdout, 2 = stderr).

    Raises ``TaskparError`` subclasses for problems that are not the
    script's own exceptions (bad path, syntax error, dead worker...).
    """
    workers = default_workers() if workers is None else workers
    _, _, plan = prepare(path, workers, schedule_policy=schedule_policy)
    return execute(plan, path, args, backend=backend, write=write, on_progress=on_progress,
                   backend_options=backend_options)


def execute(
    plan: Plan,
    path: str | os.PathLike,
    args: Sequence[str] = (),
    *,
    backend: str = "local",
    write: Callable[[int, str], None] | None = None,
    on_progress: Callable[[object], None] | None = None,
    backend_options: dict | None = None,
) -> RunResult:
    """Carry out a prepared plan on ``backend`` and replay its output."""
    from .runtime.messages import Job, StatementReport, StatementStarted, TransferReport

    script = plan.graph.script
    collected: dict[int, list[str]] = {1: [], 2: []}
    sink = write if write is not None else (lambda stream, text: collected[stream].append(text))
    replay = Replay(total=len(script.statements), write=sink)
    reports: dict[int, StatementReport] = {}
    transfers: list = []

    def on_event(event) -> bool:
        if isinstance(event, StatementReport):
            reports[event.stmt] = event
            replay.add(event)
        elif isinstance(event, TransferReport):
            transfers.append(event)
        if on_progress is not None and isinstance(event, (StatementStarted, StatementReport)):
            on_progress(event)
        return not replay.finished

    job = Job(
        script=script,
        argv=(os.fspath(path), *args),
        cwd=os.getcwd(),
        sys_path0=os.path.dirname(script.filename),
        env=None,
    )
    runner = _backend(backend, plan.workers, **(backend_options or {}))
    runner.run(job, plan, on_event)
    if not replay.finished:
        missing = [s.lineno for s in script.statements if s.id >= replay.next and s.id not in reports]
        raise WorkerError(
            f"the {runner.name} backend ended the run before statements at lines "
            f"{', '.join(map(str, missing[:5]))} reported; this is a taskpar bug, please report it"
        )

    timings = [
        StatementTiming(stmt=r.stmt, lineno=script.statements[r.stmt].lineno, worker=r.worker + 1,
                        status=r.status, start=r.start, end=r.end)
        for r in sorted(reports.values(), key=lambda r: r.stmt)
    ]
    return RunResult(
        exit_status=replay.exit_status,
        plan=plan,
        timings=timings,
        transfers=transfers,
        stdout="".join(collected[1]),
        stderr="".join(collected[2]),
    )
