"""Helpers shared by the test suites: example paths, running the CLI and python,
running a plan on a backend object (``run_on``)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: test-only stand-ins for heavy examples (same statements, less work; see each header)
STANDINS = ROOT / "tests" / "standins"


def run_cmd(argv, *, cwd=None, timeout=120, input=None, env=None):
    """Run a command, return CompletedProcess with text stdout/stderr."""
    return subprocess.run(argv, cwd=cwd, timeout=timeout, input=input, env=env,
                          capture_output=True, text=True)


def taskpar(*args, **kw):
    return run_cmd([sys.executable, "-m", "taskpar", *map(str, args)], **kw)


def python(*args, **kw):
    return run_cmd([sys.executable, *map(str, args)], **kw)


def triple(p) -> tuple:
    """What a user sees of a run: (exit status, stdout, stderr)."""
    return (p.returncode, p.stdout, p.stderr)


def generated_program_run(base, seed: int, source: str):
    """A generated program in its own directory ``base/seed<seed>`` (its
    ``prog.py``, a ``cache`` for taskpar, python's run in ``py``): returns
    ``(directory, script path, env with that cache, python's triple)``."""
    d = base / f"seed{seed}"
    d.mkdir()
    path = d / "prog.py"
    path.write_text(source)
    (d / "cache").mkdir()
    env = dict(os.environ, TASKPAR_CACHE_DIR=str(d / "cache"))
    (d / "py").mkdir()
    return d, path, env, triple(python(path, cwd=d / "py", timeout=60))


def _backend_available(name: str) -> str | None:
    """None if usable, else the reason it is not."""
    import importlib.util

    if name == "dask" and importlib.util.find_spec("distributed") is None:
        return "dask backend needs: pip install 'taskpar[dask]'"
    if name == "mpi":
        if importlib.util.find_spec("mpi4py") is None:
            return "mpi backend needs: pip install 'taskpar[mpi]'"
        from taskpar.backends.mpi import find_mpiexec

        try:
            find_mpiexec()
        except Exception as e:  # noqa: BLE001 - the reason is the message
            return str(e)
    return None


# Backends the conformance suite runs on. Extended as backends land.
CONFORMANCE_BACKENDS = ["local", "dask", "mpi"]


def require_backend(name: str) -> str:
    """Skip (outside CI) or fail (in CI) when backend ``name`` cannot run here."""
    reason = _backend_available(name)
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"backend {name} missing in CI: {reason}")
        pytest.skip(reason)
    return name


def backend_matrix(local, other):
    """(backend, value) pairs: ``local`` values for the local backend, the
    (fewer) ``other`` values for engines that take seconds to start."""
    return [("local", v) for v in local] + [(b, v) for b in CONFORMANCE_BACKENDS[1:] for v in other]



def assert_gone(pids, within: float = 5.0):
    """Fail unless every process in ``pids`` has exited within ``within`` seconds."""
    import time

    import psutil

    deadline = time.monotonic() + within
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.05)
    assert not alive, f"processes still alive: {alive}"



def assert_dask_cluster_left_as_it_was(cluster, within: float = 10.0):
    """After taskpar ran on ``cluster`` (given by its address): it still runs
    and takes work, and nothing of taskpar's runs is left on its workers (no
    run state; fds 1/2 are the workers' own again). A task the run cancelled
    may still be closing its run: waits up to ``within`` seconds for that."""
    import time

    from distributed import Client

    assert cluster.status.name == "running"
    with Client(cluster.scheduler_address, set_as_default=False) as c:
        assert c.submit(sum, [1, 2]).result(timeout=10) == 3
        from taskpar.backends import dask_worker

        deadline = time.monotonic() + within
        while True:
            left = c.run(lambda: len(dask_worker._RUNS))
            own_fds = c.run(lambda: dask_worker._Fds.capture is None)
            if (set(left.values()) == {0} and all(own_fds.values())) \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert set(left.values()) == {0}
        # fds 1/2 are the workers' own again
        assert all(own_fds.values())

# -- a plan on a backend object, through the run driver ---------------------------

@dataclass
class Outcome:
    """What ``run_on`` saw: every event the backend reported (in order) and
    what ``taskpar.run.execute`` returned (``result``: a ``RunResult``; None
    when ``on_event`` stopped the run before its output was complete)."""

    events: list = field(default_factory=list)
    result: object = None

    def _finished(self):
        assert self.result is not None, "on_event stopped this run: it has no output"
        return self.result

    @property
    def status(self) -> int:
        """The exit status the CLI would give (python's)."""
        return self._finished().exit_status

    @property
    def stdout(self) -> str:
        """stdout as the driver shows it: program order, up to the first failure."""
        return self._finished().stdout

    @property
    def stderr(self) -> str:
        return self._finished().stderr

    @property
    def reports(self) -> dict:
        """``{stmt: StatementReport}`` of every report the backend sent."""
        from taskpar.runtime.messages import StatementReport

        return {e.stmt: e for e in self.events if isinstance(e, StatementReport)}

    @property
    def transfers(self) -> list:
        from taskpar.runtime.messages import TransferReport

        return [e for e in self.events if isinstance(e, TransferReport)]


class _Tap:
    """A backend as ``execute`` sees it: the test's backend object, with every
    event recorded and the test's ``on_event`` asked after the driver's own."""

    def __init__(self, backend, events: list, on_event, to_end: bool):
        self.backend = backend
        self.events = events
        self.hook = on_event
        self.to_end = to_end
        self.stopped = self.returned = False

    @property
    def name(self) -> str:
        return self.backend.name

    def __getattr__(self, attr):  # e.g. ``realized`` after a dynamic run
        return getattr(self.backend, attr)

    def run(self, job, plan, driver) -> None:
        def on_event(event):
            self.events.append(event)
            more = driver(event)  # the driver's replay: False once the output is complete
            if self.hook is not None and self.hook(event) is False:
                self.stopped = True
                return False
            return True if self.to_end else more

        self.backend.run(job, plan, on_event)
        self.returned = True


@contextmanager
def _in(cwd):
    """In ``cwd``: the job's working directory is the driver's."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)


def run_on(backend, what, *, workers: int | None = None, cwd=None, args=(), on_event=None,
           to_end: bool = False, blas_threads=1) -> Outcome:
    """Run ``what`` on the backend object ``backend`` (``LocalBackend()``,
    ``DaskBackend(address)``, ``MPIBackend()``...) through the run driver,
    ``taskpar.run.execute``: its job (argv, environment, one hash seed), its
    replay of the output and its errors, as ``taskpar run`` has them.

    ``what``: a ``Plan`` (e.g. ``rt_helpers.make_plan``), a ``run.Prepared``,
    or a script path, planned here for ``workers`` by ``run.prepare``
    without the cost cache. ``cwd``: the job's working directory (default:
    the script's folder); ``args``: the script's ``sys.argv[1:]``;
    ``blas_threads``: ``--blas-threads`` (one thread per worker by default:
    a loaded 2-core machine).

    ``on_event(event)`` sees every event after the driver did; returning
    False stops the run there (the outcome then has events but no
    ``result``). ``to_end``: the backend runs every statement to the end
    instead of stopping once the driver has the output (for tests that look
    at reports or transfers after the one that completed the output).

    Errors are execute's: ``WorkerDied``, ``UnpicklableValueError``...
    """
    from taskpar.costs import Costs
    from taskpar.errors import WorkerError
    from taskpar.plan import Plan
    from taskpar.run import Prepared, execute, prepare

    path = None
    if isinstance(what, Plan):
        plan = what
        what = Prepared(plan.graph.script, plan.graph, Costs(), plan.schedule, plan)
    elif not isinstance(what, Prepared):
        assert workers is not None, "a script path needs workers"
        path = os.fspath(what)
        what = prepare(path, workers, use_cache=False, backend=backend.name)
    script = what.plan.graph.script
    path = path or script.filename  # sys.argv[0], as the user typed it
    outcome = Outcome()
    tap = _Tap(backend, outcome.events, on_event, to_end)
    with _in(cwd or os.path.dirname(script.filename)):
        try:
            outcome.result = execute(what, path, args, backend=tap, use_cache=False,
                                     blas_threads=blas_threads)
        except WorkerError:
            # the test's on_event stopped the run: execute says statements did not report
            if not (tap.stopped and tap.returned):
                raise
    return outcome
