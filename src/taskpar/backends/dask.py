"""The Dask backend: the plan's statements as Dask tasks pinned to Dask workers.

``DaskBackend(address=None)`` runs a ``Plan`` on a Dask cluster:

* without an address it starts a ``distributed.LocalCluster`` (one process
  per plan worker, one thread each, scheduler on port 0, no dashboard, no
  memory limit, non-daemonic workers so that scripts may start processes)
  and always closes it, however the run ends;
* with an address (``tcp://HOST:PORT``) it connects to that cluster and
  leaves it running. The cluster needs at least as many workers as the
  plan; plan worker ``k`` is the ``k``-th Dask worker in sorted address
  order. taskpar (the same version) must be installed on the workers.

How the plan becomes tasks (``dask_worker`` holds the worker side)::

    plan worker k's program:  [Recv.. replica.. Exec(s) Send..] [Recv.. Exec(t) Send..] ...
                               \\______ segment 0 ___________/  \\____ segment 1 ______/
    task  seg(k,0) ──► take(k,0,to=j) ──► seg(k,1) ──► take(k,1,to=j) ──► ...
                            └───────────────► seg(j, i)  (a segment of worker j that receives)

Each segment is one task restricted to its Dask worker (``workers=[addr]``,
``allow_other_workers=False``, ``pure=False``, ``retries=0``) and chained on
the previous task of that worker, so a worker's statements run in plan
order. The worker keeps the run's ``__main__`` namespace between tasks (a
registry in ``dask_worker``, set up once per run with ``Client.run``), so
in-place mutation works as in the script. A segment that sends values
leaves *snapshots* of them (serialized with ``runtime.values`` when the
statement finished) for a small ``take`` task per receiver; the receiving
segment has that task as a dependency, so Dask moves the bytes worker to
worker and the driver only ever fetches statement reports. Ordering tokens
are the same thing with no value: a plain dependency.

Events: a started statement is announced on a Dask event topic (shown as
``StatementStarted`` when it arrives; a statement whose report comes first
gets its ``StatementStarted`` just before the report); reports and
transfer sizes arrive with each finished segment. Failure rule as in the
local backend: the first failed statement F is pushed to every worker
(``Client.run``), which skip later statements and report them "skipped";
statements before F run and report normally.

Faults: a Dask worker that disappears from the scheduler (checked every
``poll`` seconds) or a task that ends with ``KilledWorker`` (the LocalCluster
sets ``allowed-failures`` to 0, so Dask never retries a statement elsewhere)
ends the run with ``WorkerDied`` naming the statement; an unreachable
address is a ``NetworkError`` after ``connect_timeout`` seconds; a cluster
with fewer workers than the plan is a ``UsageError``.

Using a real cluster: start it with the deployer of your platform
(dask-jobqueue, dask-kubernetes, dask-cloudprovider, or `dask scheduler` and
`dask worker` by hand) and pass its scheduler address; the README's
"Backends" section shows each. The workers need taskpar and the script's
imports installed, and, for relative paths, the same directories.

Use one thread per Dask worker (``--nthreads 1``): a worker runs one
statement at a time anyway, and the capture of output is per process.

Limits (see also ``dask_worker``):

* Live output travels on a second path: a statement's ``StatementOutput``
  events are Dask events (``dask_worker.output_topic``), its report comes
  with the segment's result, and either may arrive first. The replay holds
  a report until the live output it counts (``streamed``) is there; the run
  waits up to ``OUTPUT_GRACE`` s after the last task for such output. If the
  driver cannot subscribe to the topic, output is not live (everything
  comes with the reports).
* stdin is not forwarded: a statement that reads stdin sees the Dask
  worker's stdin (usually empty).
* The current directory, ``sys.argv``, ``sys.path`` and
  ``sys.modules["__main__"]`` are process-wide; they are the script's only
  while one of its tasks runs, so Dask's threads may see them meanwhile.
  On a remote host where the driver's directory does not exist, statements
  run in the worker's own directory.
* On a shared, long-lived cluster the worker processes outlive the run:
  imported modules, logging configuration and other module state persist
  from one run to the next (a LocalCluster is fresh every run). Two runs
  should not share a worker at the same time (output capture is per
  process).
* A worker lost through a network partition is noticed only when the
  scheduler drops it (``distributed.scheduler.worker-ttl``).
* With an external cluster, Dask may retry a task whose worker died
  (``allowed-failures``); the task is pinned to the dead address, so it
  never runs again and taskpar reports the lost worker instead.
* The LocalCluster's workers are spawned with multiprocessing: a program
  calling ``run_script(..., backend="dask")`` needs the usual
  ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
import traceback
import warnings
from contextlib import ExitStack
from dataclasses import replace

from ..errors import NetworkError, WorkerDied, WorkerStartError
from ..manager import Broadcast, ManagerCore, Report
from ..plan import Exec, Plan, Recv, Send, worker_program
from ..runtime.messages import (Failed, Job, LoopBlock, StatementOutput, StatementReport,
                                StatementStarted, TransferFailed)
from .base import unpicklable_error
from .dask_cluster import (CONNECT_TIMEOUT, START_TIMEOUT, connect, plan_workers,
                           require_distributed, start_local_cluster)

__all__ = ["DaskBackend"]

#: seconds between checks that the run's Dask workers are still there
POLL = 0.5
#: a lost worker: how long the events already on their way may take to
#: arrive (they tell which statement it was running)
SETTLE = 1.0
#: after the last task, how long live output a report counts may take to arrive
OUTPUT_GRACE = 30.0


def segments(program: tuple) -> list[tuple[int, int]]:
    """Split a program into ``[start, end)`` segments: the receives and
    replicas before an Exec, the Exec, the sends after it (trailing ops
    without an Exec form a last segment)."""
    out, i, n = [], 0, len(program)
    while i < n:
        j = i
        while j < n and not (isinstance(program[j], Exec) and not program[j].replica):
            j += 1
        if j < n:
            j += 1
            while j < n and isinstance(program[j], Send):
                j += 1
        out.append((i, j))
        i = j
    return out


def _started(item) -> StatementStarted | LoopBlock:
    """An event of the started topic (``dask_worker``): ``[stmt, worker,
    time]`` or ``[stmt, worker, first, last, total]``."""
    if len(item) == 5:
        return LoopBlock(*map(int, item))
    stmt, w, t = item
    return StatementStarted(int(stmt), int(w), float(t))

class DaskBackend:
    """Runs a plan on a Dask cluster (see module docstring).

    ``address``: a scheduler address (``tcp://HOST:PORT``) or None for a
    LocalCluster started and closed by the run. ``connect_timeout``: seconds
    to reach that scheduler and find enough workers there. ``start_timeout``:
    seconds a LocalCluster may take to start. ``poll``: seconds between
    checks that the workers are alive.
    """

    name = "dask"

    def __init__(self, address: str | None = None, *, connect_timeout: float = CONNECT_TIMEOUT,
                 start_timeout: float = START_TIMEOUT, poll: float = POLL):
        self.address = address or None
        self.connect_timeout = connect_timeout
        self.start_timeout = start_timeout
        self.poll = poll
        #: the last run's id, Dask worker addresses (plan order) and, when
        #: taskpar started one, its LocalCluster (closed by then)
        self.run_id: str | None = None
        self.addresses: list[str] = []
        self.cluster = None

    # -- the run -----------------------------------------------------------------
    def run(self, job: Job, plan: Plan, on_event) -> None:
        require_distributed()
        if plan.dynamic:  # no ops are streamed here: the plan's static schedule runs
            plan = replace(plan, dynamic=False)
        # When a worker dies, gathers still pending inside the client end as
        # asyncio tasks whose exception nobody retrieves; asyncio would log
        # them on stderr when they are collected, after our own message.
        # This process only drives Dask (the script runs in the workers).
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        run_id = secrets.token_hex(8)
        self.run_id = run_id
        self.addresses = []
        self.cluster = None
        cluster = client = run = None
        with ExitStack() as quiet:
            quiet.enter_context(warnings.catch_warnings())
            for module in (r"distributed(\..*)?$", r"dask(\..*)?$", r"tornado(\..*)?$"):
                warnings.filterwarnings("ignore", module=module)
            try:
                from distributed.utils import silence_logging_cmgr
                quiet.enter_context(silence_logging_cmgr(logging.CRITICAL))
            except ImportError:  # pragma: no cover - older distributed
                pass
            try:
                if self.address is None:
                    cluster = start_local_cluster(plan.workers, job, self.start_timeout)
                    self.cluster = cluster
                    client = connect(cluster, "the LocalCluster taskpar started",
                                     self.connect_timeout)
                else:
                    client = connect(self.address, self.address, self.connect_timeout)
                self.addresses = plan_workers(client, plan.workers, cluster is not None,
                                              self.address, self.start_timeout,
                                              self.connect_timeout)
                threads = job.threads_per_worker  # resolved by each worker (blas_threads)
                run = _Run(client, run_id, job, plan, self.addresses, on_event, self.poll,
                           self.address or "the LocalCluster")
                run.setup(threads)
                run.submit()
                run.loop()
            finally:
                if run is not None:
                    run.stop(forget=cluster is None)
                if client is not None:
                    try:
                        client.close(timeout=5)
                    except BaseException:  # noqa: BLE001 - closing; the cluster goes next
                        pass
                if cluster is not None:
                    cluster.close(timeout=10)


class _Run:
    """The driver's state for one run; raises the errors of ``DaskBackend.run``."""

    def __init__(self, client, run_id: str, job: Job, plan: Plan, addresses: list[str],
                 on_event, poll: float, where: str):
        self.client = client
        self.run_id = run_id
        self.job = job
        self.plan = plan
        self.addresses = addresses
        self.on_event = on_event
        self.poll = poll
        self.where = where
        self.segments = [segments(p) for p in plan.programs]
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.futures: dict = {}  # key -> future, segments not yet handled
        self.segment_futures: dict = {}  # (worker, segment) -> its future
        self.finished_keys: set = set()  # keys of tasks seen finished
        self.keys: dict = {}  # key -> (worker, segment)
        self.core = ManagerCore(job, plan)
        self.started: set[int] = set()
        self.reported: set[int] = set()
        self.subscribed = False
        self.output_subscribed = False
        #: live output: StatementOutput events seen per statement, and those a
        #: report counts (``streamed``) that have not arrived yet
        self.outputs: dict[int, int] = {}
        self.awaited: dict[int, int] = {}

    # -- setting up ----------------------------------------------------------------
    def setup(self, threads) -> None:
        from . import dask_worker

        per = {}
        for w in range(self.plan.workers):
            part = worker_program(self.plan, w)
            per[self.addresses[w]] = (w, part.program, part.preds, self.segments[w])
        job = self.job
        if job.buffering is not None:
            try:
                self.client.subscribe_topic(dask_worker.output_topic(self.run_id), self._on_output)
                self.output_subscribed = True
            except Exception:  # noqa: BLE001 - then output comes with the reports only
                job = replace(job, buffering=None)
        try:
            got = self.client.run(dask_worker.setup, self.run_id, job, per, threads,
                                  workers=self.addresses, on_error="return")
        except Exception as e:  # noqa: BLE001
            raise WorkerStartError(f"could not set up the run on the Dask workers: "
                                   f"{type(e).__name__}: {e}") from None
        for address in self.addresses:
            r = got.get(address)
            if isinstance(r, BaseException) or r is None:
                hint = ""
                if isinstance(r, ImportError) or "taskpar" in str(r):
                    hint = " (install taskpar, the same version, on the Dask workers)"
                raise WorkerStartError(f"the Dask worker at {address} could not set up the run: "
                                       f"{type(r).__name__}: {r}{hint}")
        try:
            self.client.subscribe_topic(dask_worker.topic(self.run_id), self._on_topic)
            self.subscribed = True
        except Exception:  # noqa: BLE001 - StatementStarted then comes with the report
            pass

    def _on_topic(self, event) -> None:
        self.events.put(("started", event[1]))

    def _on_output(self, event) -> None:
        self.events.put(("output", event[1]))

    def submit(self) -> None:
        from . import dask_worker

        client, rid, plan = self.client, self.run_id, self.plan
        programs = plan.programs
        # (producer worker, var, version, receiver) -> producer's segment
        made_in = {}
        for w, program in enumerate(programs):
            for si, (a, b) in enumerate(self.segments[w]):
                for op in program[a:b]:
                    if isinstance(op, Send):
                        made_in[(w, op.var, op.version, op.to)] = si
        takes: dict = {}  # (frm, segment, to) -> future
        chain: dict[int, list] = {w: [] for w in range(plan.workers)}
        nxt = [0] * plan.workers
        while True:
            progressed = False
            for w, program in enumerate(programs):
                while nxt[w] < len(self.segments[w]):
                    si = nxt[w]
                    a, b = self.segments[w][si]
                    needs = sorted({(op.frm, made_in[(op.frm, op.var, op.version, w)], w)
                                    for op in program[a:b] if isinstance(op, Recv)})
                    if any(n not in takes for n in needs):
                        break
                    addr = [self.addresses[w]]
                    key = self._key(w, si)
                    fut = client.submit(dask_worker.run_segment, rid, w, si, chain[w],
                                        *[takes[n] for n in needs], key=key, workers=addr,
                                        allow_other_workers=False, pure=False, retries=0)
                    self.futures[key] = fut
                    self.segment_futures[(w, si)] = fut
                    self.keys[key] = (w, si)
                    chain[w] = [fut]
                    for to in sorted({op.to for op in program[a:b] if isinstance(op, Send)}):
                        tkey = f"{key}-to-w{to + 1}"
                        t = client.submit(dask_worker.take, rid, w, si, to, fut, key=tkey,
                                          workers=addr, allow_other_workers=False, pure=False,
                                          retries=0, priority=1)
                        self.keys[tkey] = (w, si)
                        takes[(w, si, to)] = t
                        chain[w].append(t)  # the worker's next task runs after its takes
                    nxt[w] += 1
                    progressed = True
            if all(nxt[w] == len(self.segments[w]) for w in range(plan.workers)):
                break
            if not progressed:  # pragma: no cover - plans are acyclic
                raise RuntimeError("the plan's receives wait on each other (a cycle)")
        for fut in self.futures.values():
            fut.add_done_callback(self._on_done)

    def _on_done(self, fut) -> None:
        # remembered now: a finished task's status changes again if its
        # worker dies later (its result is lost with it)
        if fut.status == "finished":
            self.finished_keys.add(fut.key)
        self.events.put(("done", fut))

    def _key(self, w: int, si: int) -> str:
        a, b = self.segments[w][si]
        from .dask_worker import exec_stmt

        s = exec_stmt(self.plan.programs[w], a, b)
        what = f"line{self.plan.graph.statements[s].lineno}" if s is not None else f"ops{a}"
        return f"taskpar-{self.run_id}-w{w + 1}-s{si}-{what}"

    # -- running -----------------------------------------------------------------------
    def loop(self) -> None:
        from .dask_worker import unpack_output

        next_check = time.monotonic() + self.poll
        last_task = None
        while self.futures or self.awaited:
            if not self.futures:  # only live output is missing
                last_task = last_task or time.monotonic()
                if time.monotonic() - last_task > OUTPUT_GRACE:
                    stmt = min(self.awaited)
                    raise NetworkError(
                        f"the live output of {self.job.script.filename}:"
                        f"{self.plan.graph.statements[stmt].lineno} never reached the driver "
                        f"(Dask events from {self.where} were lost); the run was stopped")
            try:
                kind, item = self.events.get(timeout=max(0.0, next_check - time.monotonic()))
            except queue.Empty:
                kind = item = None
            if kind == "done":
                if self._done(item) is False:
                    return
            elif kind == "output":
                if self._dispatch(unpack_output(item)) is False:
                    return
            elif kind == "started":
                ev = _started(item)
                if isinstance(ev, LoopBlock) or (ev.stmt not in self.started
                                                 and ev.stmt not in self.reported):
                    if self._dispatch(ev) is False:
                        return
            if time.monotonic() >= next_check:
                self._check_workers()
                next_check = time.monotonic() + self.poll

    def _done(self, fut):
        if self.futures.pop(fut.key, None) is None:
            return None
        w, si = self.keys[fut.key]
        if fut.status == "finished":
            try:
                events = self._result(fut)
            except TimeoutError:
                self._check_workers()
                raise WorkerDied(f"could not fetch the results of Dask worker {w + 1} "
                                 f"({self.addresses[w]}) {self._where(w, si)}") from None
            except Exception:  # noqa: BLE001 - it erred after all (e.g. lost data)
                return self._failed_task(fut, w, si)
            for ev in events:
                if self._dispatch(ev, w) is False:
                    return False
            return None
        return self._failed_task(fut, w, si)

    def _result(self, fut):
        """A finished task's events. Its worker may have died since (the
        result is then lost and the future waits for a recomputation that
        never comes): wait a poll at a time, checking the workers between."""
        deadline = time.monotonic() + max(10.0, 4 * self.poll)
        while True:
            try:
                return fut.result(timeout=self.poll)
            except TimeoutError:
                self._check_workers()  # WorkerDied when it was lost
                if time.monotonic() >= deadline:
                    raise

    def _dispatch(self, ev, w: int | None = None):
        """One event (from a task of worker ``w``, or carrying its worker)
        through the core; False once the driver said stop."""
        if isinstance(ev, TransferFailed):
            raise unpicklable_error(self.job, self.plan, ev)
        if isinstance(ev, StatementStarted):
            if ev.stmt in self.started or ev.stmt in self.reported:
                return None
            self.started.add(ev.stmt)
        elif isinstance(ev, StatementOutput):
            n = self.outputs[ev.stmt] = self.outputs.get(ev.stmt, 0) + 1
            if ev.stmt in self.awaited and n >= self.awaited[ev.stmt]:
                del self.awaited[ev.stmt]
        elif isinstance(ev, StatementReport):
            self.reported.add(ev.stmt)
            if ev.streamed > self.outputs.get(ev.stmt, 0):
                self.awaited[ev.stmt] = ev.streamed
        for ins in self.core.event(ev.worker if w is None else w, ev):
            if isinstance(ins, Report):
                if self.on_event(ins.event) is False:
                    return False
            elif isinstance(ins, Broadcast) and isinstance(ins.message, Failed):
                self._broadcast_failed(ins.message.stmt)
        return None

    def _broadcast_failed(self, stmt: int) -> None:
        from . import dask_worker

        def push():
            try:
                self.client.run(dask_worker.set_failed, self.run_id, stmt,
                                workers=self.addresses, on_error="ignore")
            except BaseException:  # noqa: BLE001 - the run may be over already
                pass

        threading.Thread(target=push, name="taskpar-dask-failed", daemon=True).start()

    # -- faults ----------------------------------------------------------------------------
    def _check_workers(self) -> None:
        client = self.client
        if client.status not in ("running", "connecting"):
            raise NetworkError(f"lost the connection to the Dask scheduler at {self.where} "
                               f"(client {client.status}); the run was stopped")
        try:
            info = client.sync(client.scheduler.identity, n_workers=-1,
                               callback_timeout=max(5.0, 4 * self.poll))
        except Exception as e:  # noqa: BLE001
            raise NetworkError(f"lost the connection to the Dask scheduler at {self.where} "
                               f"({type(e).__name__}: {e}); the run was stopped") from None
        alive = set(info.get("workers", ()))
        for w, address in enumerate(self.addresses):
            if address not in alive:
                # reports and announcements already on their way tell which
                # statement it was in (its finished tasks' callbacks may lag)
                self._drain(settle=SETTLE)
                raise WorkerDied(f"Dask worker {w + 1} ({address}) was lost "
                                 f"{self._where(w)}; the run was stopped")

    def _drain(self, settle: float = 0.0) -> None:
        """Take the reports and announcements that have arrived, for the
        running table; with ``settle``, until none came for a fifth of it (at
        most ``settle`` seconds in all)."""
        deadline = time.monotonic() + settle
        while True:
            try:
                kind, item = self.events.get(timeout=settle / 5) if settle else \
                    self.events.get_nowait()
            except queue.Empty:
                return
            if kind == "done" and item.status == "finished":
                self._done(item)
            elif kind == "started":
                ev = _started(item)
                if isinstance(ev, LoopBlock):
                    self.core.running.block(ev)
                elif ev.stmt not in self.reported:
                    self.core.running.started(ev.worker, ev.stmt)
            if time.monotonic() > deadline:
                return

    def _where(self, w: int, si: int | None = None) -> str:
        from .dask_worker import exec_stmt

        # A worker runs its segments in order, so the first one whose task
        # has not finished is the one it was in. (Its StatementStarted may
        # not have left the worker, and the reports of finished segments may
        # have died with it before we fetched them.)
        stmt = None
        for k, (a, b) in enumerate(self.segments[w]):
            fut = self.segment_futures.get((w, k))
            if fut is not None and fut.key not in self.finished_keys:
                stmt = exec_stmt(self.plan.programs[w], a, b)
                if stmt is not None:
                    break
        if stmt is None:
            stmt = self.core.running.get(w)
        how = "while running"
        if stmt is None and si is not None:
            from .dask_worker import exec_stmt

            a, b = self.segments[w][si]
            stmt = exec_stmt(self.plan.programs[w], a, b)
            how = "at"
        return self.core.running.where(w, stmt, how)

    def _failed_task(self, fut, w: int, si: int):
        from distributed.scheduler import KilledWorker

        try:
            exc = fut.exception(timeout=5)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 - FutureCancelledError, TimeoutError, ...
            exc = None if "Cancelled" in type(e).__name__ else e
        if isinstance(exc, TimeoutError):
            # the task's data could not be fetched: most likely its worker died
            self._drain()
            self._check_workers()
        if fut.status == "cancelled" or exc is None:
            # Dask cancels a task whose worker died; say which worker and where
            self._check_workers()
            raise WorkerDied(f"Dask cancelled the task of worker {w + 1} "
                             f"({self.addresses[w]}) {self._where(w, si)}; the run was stopped")
        if isinstance(exc, KilledWorker):
            key = exc.task
            if key in self.keys:
                w, si = self.keys[key]
            raise WorkerDied(f"Dask worker {w + 1} ({self.addresses[w]}) died "
                             f"{self._where(w, si)}; the run was stopped")
        try:
            tb = fut.traceback(timeout=5)
        except Exception:  # noqa: BLE001
            tb = None
        text = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()
        raise WorkerDied(f"Dask worker {w + 1} ({self.addresses[w]}) failed "
                         f"{self._where(w, si)} (an internal error, not your script's):\n{text}")

    # -- the end -----------------------------------------------------------------------------
    def stop(self, forget: bool) -> None:
        from . import dask_worker

        client = self.client
        for name, subscribed in ((dask_worker.topic(self.run_id), self.subscribed),
                                 (dask_worker.output_topic(self.run_id), self.output_subscribed)):
            if subscribed:
                try:
                    client.unsubscribe_topic(name)
                except BaseException:  # noqa: BLE001
                    pass
        pending = list(self.futures.values())
        self.futures.clear()
        if pending:
            try:
                client.cancel(pending, force=True)
            except BaseException:  # noqa: BLE001
                pass
        if forget:  # a cluster that lives on: drop the run's namespaces there
            def drop():
                try:
                    client.run(dask_worker.forget, self.run_id, workers=self.addresses,
                               on_error="ignore")
                except BaseException:  # noqa: BLE001
                    pass

            t = threading.Thread(target=drop, name="taskpar-dask-forget", daemon=True)
            t.start()
            t.join(timeout=10)
