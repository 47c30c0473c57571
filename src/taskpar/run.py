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

import contextlib
import functools
import gc
import os
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

from .analysis import Script, analyze_script
from .errors import BackendUnavailable, UnpicklableValueError, UsageError, WorkerError
from .graph import TaskGraph, build_graph
from .plan import Plan, build_plan
from .replay import Replay

__all__ = ["RunResult", "StatementTiming", "Prepared", "run_script", "prepare", "execute",
           "record_run", "BACKENDS", "SCHEDULES", "DYNAMIC_BACKENDS"]

BACKENDS = ("local", "dask", "mpi")

#: cyclic-GC thresholds while a run goes on in this process (``execute``):
#: the statements, graph and plan live to its end, and python's default
#: (700, 10, 10) would traverse them again and again. The script itself
#: runs in the workers, whose collector is python's.
PIPELINE_GC = (10_000, 20, 50)


def _fewer_collections(fn):
    """Run ``fn`` with ``PIPELINE_GC`` thresholds, then restore the caller's."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        old = gc.get_threshold()
        if old[0] >= PIPELINE_GC[0]:  # already raised (a nested call, or the caller's own)
            return fn(*args, **kwargs)
        gc.set_threshold(*PIPELINE_GC)
        try:
            return fn(*args, **kwargs)
        finally:
            gc.set_threshold(*old)
    return wrapper


@contextlib.contextmanager
def _no_collections():
    """No cyclic collection in a bounded stage (``prepare``, and what
    ``execute`` does once the backend returned): its objects live on or are
    freed by their reference counts, and each collection would traverse the
    growing statements, graph and plan for nothing (a fifth of ``prepare``
    at 20 000 statements). Then the caller's collections, as before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


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
    #: one line per statement that changed hidden state the plan did not
    #: expect (``taskpar.learned``); the CLI prints them on stderr
    surprises: list[str] = field(default_factory=list)

    def worker_of(self, lineno: int) -> int | None:
        """1-based worker that ran the statement starting at ``lineno``."""
        for t in self.timings:
            if t.lineno == lineno:
                return t.worker
        return None


def _timings(reports: dict, statements) -> list[StatementTiming]:
    """A ``StatementTiming`` per report (``reports``: statement id -> report),
    by statement: built without the frozen dataclass's ``__init__``, which
    sets each field through ``object.__setattr__`` (three times slower, and
    a run has one per statement)."""
    new = object.__new__
    out = []
    append = out.append
    for i in sorted(reports):
        r = reports[i]
        t = new(StatementTiming)
        d = t.__dict__  # the fields in their order, as __init__ sets them
        d["stmt"] = r.stmt
        d["lineno"] = statements[r.stmt].lineno
        d["worker"] = r.worker + 1  # 1-based, as users count workers
        d["status"] = r.status
        d["start"] = r.start
        d["end"] = r.end
        append(t)
    return out


def default_workers() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Prepared:
    """Everything decided before a run: the pipeline's data up to the Plan."""

    script: Script
    graph: TaskGraph
    costs: object  # taskpar.costs.Costs
    schedule: object  # taskpar.schedule.Schedule
    plan: Plan
    #: one-line notes for the user (cache problems, honest advice)
    notes: tuple[str, ...] = ()


#: --schedule values -> scheduler policies (see taskpar.schedule). ``dynamic``
#: still makes the static plan on estimated costs (for ranks, `taskpar plan`
#: and the report), but the run assigns statements as it goes (taskpar.dynamic).
SCHEDULES = {"auto": "auto", "static": "heft", "list": "list", "dynamic": "auto"}

#: backends that can assign statements at run time
DYNAMIC_BACKENDS = ("local", "mpi")


def _wants_dynamic(policy: str, sched, backend: str, workers: int) -> bool:
    """``dynamic``: always. ``auto``: when some cost is only estimated (the plan
    would be guesswork) and there is more than one worker to choose from."""
    if policy == "dynamic":
        if backend not in DYNAMIC_BACKENDS:
            raise UsageError(
                f"--schedule dynamic runs on the {' and '.join(DYNAMIC_BACKENDS)} backends only "
                f"for now; with --backend {backend} use --schedule static (or auto, which plans "
                "from the costs measured by earlier runs)")
        return True
    return policy == "auto" and not sched.reliable and workers > 1 and backend in DYNAMIC_BACKENDS


@_no_collections()
def prepare(path: str | os.PathLike, workers: int, *, schedule_policy: str = "auto",
            use_cache: bool = True, backend: str = "local", loops: bool = True) -> Prepared:
    """Analyse, build the graph, load costs, schedule and plan.

    ``loops``: split loops whose iterations run apart (``analysis.loops``);
    ``generate`` keeps them whole (its programs have no loop runtime).

    With ``use_cache`` the costs measured by earlier runs of this script
    (and co-location learned from values that could not be sent) shape the
    plan; without it every cost is estimated.
    """
    from .costs import Costs, load_colocation, load_costs
    from .schedule import advice, one_worker_reason, schedule, too_short_for_workers

    if workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {workers})")
    if schedule_policy not in SCHEDULES:
        raise UsageError(f"unknown --schedule {schedule_policy!r}; choose one of: {', '.join(SCHEDULES)}")
    if use_cache:  # an unchanged script is not analysed again
        from .analysis.cache import analyze_script_cached
        from .costs import cache_dir
        from .learned import with_learned

        # what earlier runs' guards learned (taskpar.learned)
        script = with_learned(analyze_script_cached(path, cache_dir(), loops=loops))
    else:
        script = analyze_script(path, loops=loops)
    costs = load_costs(script, backend) if use_cache else Costs()
    colocate = load_colocation(script) if use_cache else []
    graph = build_graph(script, extra_colocate=colocate)
    notes = list(script.notes) + list(costs.messages)
    pinned = any(st.pin is not None for st in graph.statements)  # the user placed them
    auto = schedule_policy == "auto" and not pinned
    why = too_short_for_workers(graph, costs, workers) if auto else None
    if why:
        hint = None  # (``advice`` says why several workers cannot help: so does ``why``)
    else:
        sched = schedule(graph, workers, costs, policy=SCHEDULES[schedule_policy])
        hint = advice(sched, graph)
        why = one_worker_reason(sched) if auto else None
    if why:  # never much slower than python: python's order, one worker, no transfers
        sched = schedule(graph, 1, costs, policy=SCHEDULES[schedule_policy])
        notes.append(f"runs on one worker instead of {workers}: {why} (--schedule static "
                     f"keeps {workers})")
    plan = build_plan(graph, sched)
    if _wants_dynamic(schedule_policy, sched, backend, workers):
        plan = replace(plan, dynamic=True)
        if schedule_policy == "auto":
            unknown = len(sched.estimated)
            notes.append(
                f"{unknown} of {len(graph)} statements have no measured cost yet: statements "
                "are assigned to workers as the run goes (dynamic); later runs are planned "
                "from this run's measurements")
        else:
            notes.append("--schedule dynamic: statements are assigned to workers as the run "
                         "goes; a plan shown is only what the costs known now would give")
    if hint:
        notes.append(hint)
    return Prepared(script, graph, costs, sched, plan, tuple(notes))


def record_run(prepared: Prepared, result: "RunResult", backend: str,
               unmeasured: frozenset | set = frozenset()) -> str | None:
    """Remember this run's measured seconds and sizes for the next plan
    (not the seconds of statements ``unmeasured``)."""
    from .costs import record_costs

    seconds = {t.stmt: t.end - t.start for t in result.timings if t.status == "ok"
               and t.stmt not in unmeasured}  # (t.seconds, without the property's call)
    nbytes = {(t.version, t.var): t.nbytes for t in result.transfers}
    latency = bandwidth = None
    timed = [(t.nbytes, t.end - t.start) for t in result.transfers if t.end > t.start]
    small = [sec for nb, sec in timed if nb < 64 * 1024]
    large = [nb / sec for nb, sec in timed if nb >= 1 << 20]
    if small:
        latency = min(small)
    if large:
        bandwidth = max(large)
    return record_costs(prepared.script, seconds, backend, nbytes=nbytes,
                        latency=latency, bandwidth=bandwidth)


def check_blas_threads(value) -> int | str | None:
    """A ``--blas-threads`` value as the workers take it ("python", "auto" or
    a positive int); UsageError otherwise. See ``runtime.environ.blas_threads``."""
    from .runtime.environ import BLAS_CHOICES

    if value is None or value in BLAS_CHOICES:
        return value
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if isinstance(value, bool) or n < 1 or str(n) != str(value).strip():
        raise UsageError(f"--blas-threads takes python, auto or a number of threads (got {value!r})")
    return n


def _backend(name: str, workers: int, **options):
    """The backend object for ``--backend name`` (imported only when used)."""
    if name not in BACKENDS:
        raise UsageError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    if name != "dask" and options.get("address"):
        raise UsageError("--address is for --backend dask (the scheduler to connect to)")
    try:
        if name == "local":
            from .backends.local import LocalBackend

            return LocalBackend(**options)
        if name == "dask":
            from .backends.dask import DaskBackend

            return DaskBackend(**options)
        from .backends.mpi import MPIBackend

        return MPIBackend(**options)
    except ImportError as e:
        raise BackendUnavailable(
            f"the {name} backend needs packages that are not installed ({e.name or e}); "
            f"install them with: pip install 'taskpar[{name}]'"
        ) from None


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
    buffering=None,
    blas_threads: int | str | None = None,
) -> RunResult:
    """Run the script at ``path`` in parallel, as ``python path *args`` would.

    ``blas_threads`` (``--blas-threads``): None or "python" (the default)
    leaves each worker's BLAS/OpenMP pools as python sizes them, so results
    are python's to the last digit; "auto" limits them to cores ÷ workers
    (faster when statements overlap; the last digits of multithreaded
    BLAS/LAPACK results may differ from python's); an int N to N threads.

    Returns a RunResult (exit status, per-statement timings and workers). With
    ``write=None`` the output is collected in ``result.stdout``/``stderr``;
    otherwise ``write(stream, text)`` receives it progressively in program
    order (stream 1 = stdout, 2 = stderr), live: a long statement's output
    as it flushes it, by python's buffering rules for ``buffering`` (a
    ``runtime.messages.Buffering``; default: those of a pipe, see
    ``runtime.messages.buffering_for``).

    Raises ``TaskparError`` subclasses for problems that are not the
    script's own exceptions (bad path, syntax error, dead worker...).
    """
    workers = default_workers() if workers is None else workers
    prepared = prepare(path, workers, schedule_policy=schedule_policy, use_cache=use_cache,
                       backend=backend)
    return execute(prepared, path, args, backend=backend, write=write, on_progress=on_progress,
                   use_cache=use_cache, backend_options=backend_options, buffering=buffering,
                   blas_threads=blas_threads)


@_fewer_collections
def execute(
    prepared: Prepared,
    path: str | os.PathLike,
    args: Sequence[str] = (),
    *,
    backend="local",
    write: Callable[[int, str], None] | None = None,
    on_progress: Callable[[object], None] | None = None,
    use_cache: bool = True,
    backend_options: dict | None = None,
    buffering=None,
    blas_threads: int | str | None = None,
) -> RunResult:
    """Carry out a prepared plan on ``backend`` and replay its output.

    ``backend``: a name of ``BACKENDS`` (made with ``backend_options``) or a
    backend object (``taskpar.backends.base.Backend``).

    ``write``: as in ``run_script``; with a ``write`` the output is live
    (``buffering`` as there), without one it is only collected.

    With ``use_cache`` the run's measurements are recorded for the next
    plan, and a value that could not be sent between two statements makes
    the next run put them on one worker.
    """
    from .runtime.messages import (Job, StatementOutput, StatementReport, StatementStarted,
                                   TransferReport)

    plan = prepared.plan
    script = plan.graph.script
    if write is not None and buffering is None:
        from .runtime.messages import buffering_for

        buffering = buffering_for(False, False)
    elif write is None:
        buffering = None  # collected, nobody watches: no live output
    collected: dict[int, list[str]] = {1: [], 2: []}
    sink = write if write is not None else (lambda stream, text: collected[stream].append(text))
    replay = Replay(total=len(script.statements), write=sink)
    reports: dict[int, StatementReport] = {}
    transfers: list = []

    def on_event(event) -> bool:
        if isinstance(event, StatementReport):
            reports[event.stmt] = event
            replay.add(event)
        elif isinstance(event, StatementOutput):
            replay.add_output(event)
        elif isinstance(event, TransferReport):
            transfers.append(event)
        if on_progress is not None and isinstance(event, (StatementStarted, StatementReport)):
            on_progress(event)
        return not replay.finished

    from .runtime.environ import worker_environment

    job = Job(
        script=script,
        argv=(os.fspath(path), *args),
        cwd=os.getcwd(),
        sys_path0=os.path.dirname(script.filename),
        env=worker_environment(os.environ),
        buffering=buffering,
        threads_per_worker=check_blas_threads(blas_threads),
    )
    runner = (_backend(backend, plan.workers, **(backend_options or {}))
              if isinstance(backend, str) else backend)
    try:
        runner.run(job, plan, on_event)
    except UnpicklableValueError as e:
        if use_cache and e.producer is not None and e.consumer is not None:
            from .costs import record_colocation

            record_colocation(script, (e.producer, e.consumer))
            e.args = (f"{e.args[0]}; the next run puts both lines on one worker by itself",)
        raise
    if plan.dynamic:  # what was assigned, where the backend knows it (not MPI's launcher)
        plan = getattr(runner, "realized", None) or replace(
            plan, schedule=replace(plan.schedule, policy="dynamic"))
    if not replay.finished:
        missing = [s.lineno for s in script.statements if s.id >= replay.next and s.id not in reports]
        raise WorkerError(
            f"the {runner.name} backend ended the run before statements at lines "
            f"{', '.join(map(str, missing[:5]))} reported; this is a taskpar bug, please report it"
        )

    with _no_collections():  # the run is over: what follows is bounded
        timings = _timings(reports, script.statements)
        result = RunResult(
            exit_status=replay.exit_status,
            plan=plan,
            timings=timings,
            transfers=transfers,
            stdout="".join(collected[1]),
            stderr="".join(collected[2]),
            advice=list(prepared.notes),
        )
        from .learned import (alone_statements, loop_mode_notes, loop_modes, observe,
                              record_loop_modes, record_observations, surprise_notes)

        observed = observe(script, reports.values())
        result.surprises = surprise_notes(script, observed, recorded=use_cache)
        result.advice.extend(result.surprises)
        modes = loop_modes(script, reports.values())
        result.advice.extend(loop_mode_notes(script, modes))
        if use_cache:
            for note in (record_run(prepared, result, runner.name,
                                    alone_statements(script, reports.values())),
                         record_observations(script, observed), record_loop_modes(script, modes)):
                if note:
                    result.advice.append(note)
        return result
