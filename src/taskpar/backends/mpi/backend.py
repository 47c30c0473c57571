"""``MPIBackend``: runs a plan on MPI ranks, in either mode of the package
docstring (``taskpar.backends.mpi``).

In mode (b) this process is rank 0 and runs the manager loop
(``rank0.Manager``) itself. In launched mode (a) it starts mpiexec, admits
rank 0's control connection and every rank's lifeline (``supervise``),
sends rank 0 the job and the plan, and passes on what rank 0 sends until
``Done``; when a rank dies it names the worker, how it ended and the
statement it was running (its slot of ``runtime.mpi.beacon``: its last records
may die with rank 0), and however the run ends it kills the job.
``_Events`` turns rank 0's records into the driver's events and errors, in
both modes, and remembers which worker runs what.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ...errors import UsageError, WorkerDied, WorkerStartError
from ...manager import Running, texts
from ...plan import Plan
from ..base import unpicklable_error
from ...runtime.messages import (InternalError, Job, LoopBlock, StatementReport, StatementStarted,
                                 TransferFailed)
from ...runtime.mpi.beacon import Beacons
from ...runtime.mpi.protocol import CONTROL_ENV, Done, Ready
from .discovery import INSTALL_HINT, find_mpiexec, require_mpi4py
from .external import ExternalState, external_workers, in_mpi_job, world
from .mpiexec_output import bad_termination, read_all, tail
from .procfs import pid_status
from .rank0 import Manager
from .supervise import (EOF, POLL, Dead, DeathWatch, accept_loop, kill_job, read_rank0,
                        wait_hello)

__all__ = ["MPIBackend"]

#: rank 0 must have connected by then
START_TIMEOUT = 60.0
#: after Done, how long mpiexec gets to exit before being killed
EXIT_GRACE = 5.0
#: after rank 0's socket closed, how long to wait for mpiexec's verdict
DEATH_GRACE = 3.0


# -- events shared by both modes -------------------------------------------------------

class _Events:
    """Turns rank 0's records into ``on_event`` calls and errors; remembers who runs what."""

    def __init__(self, job: Job, plan: Plan, on_event):
        self.job = job
        self.plan = plan
        self.on_event = on_event
        self.running = Running(job, plan)
        #: pid -> worker index (None: rank 0)
        self.pids: dict[int, int | None] = {}
        self.hosts: dict[int | None, str] = {}

    def __call__(self, msg) -> bool:
        if isinstance(msg, Ready):
            self.pids[msg.pid] = msg.worker
            self.hosts[msg.worker] = msg.host
            return True
        if isinstance(msg, StatementStarted):
            self.running.started(msg.worker, msg.stmt)
        elif isinstance(msg, LoopBlock):
            self.running.block(msg)
            return True
        elif isinstance(msg, StatementReport):
            self.running.reported(msg.worker, msg.stmt)
        elif isinstance(msg, TransferFailed):
            raise unpicklable_error(self.job, self.plan, msg)
        elif isinstance(msg, InternalError):
            if msg.worker < 0:
                raise WorkerDied(texts.internal("the MPI manager (rank 0)", "", msg.traceback))
            raise WorkerDied(texts.internal(f"worker {msg.worker + 1}", self.where(msg.worker),
                                            msg.traceback))
        return self.on_event(msg)

    def where(self, worker: int | None) -> str:
        return self.running.where(worker)


# -- the backend ---------------------------------------------------------------------

class MPIBackend:
    """Runs a plan on MPI ranks (see the package docstring, ``taskpar.backends.mpi``)."""

    name = "mpi"

    def __init__(self, mpiexec: str | None = None, prefix: str | None = None,
                 mpiexec_args: tuple[str, ...] = (), python: str | None = None,
                 start_timeout: float = START_TIMEOUT):
        self.mpiexec = mpiexec
        self.prefix = prefix
        self.mpiexec_args = tuple(mpiexec_args)
        self.python = python or sys.executable
        self.start_timeout = start_timeout
        #: the last run's worker ranks: worker index -> pid, and the pids in worker order
        self.worker_pids: dict[int, int] = {}
        self.pids: list[int] = []
        #: pid of the last launched mpiexec
        self.mpiexec_pid: int | None = None

    def run(self, job: Job, plan: Plan, on_event) -> None:
        if in_mpi_job():
            self._run_external(job, plan, on_event)
        else:
            self._run_launched(job, plan, on_event)

    # -- (b) inside an MPI job: this process is rank 0 ---------------------------------
    def _run_external(self, job: Job, plan: Plan, on_event) -> None:
        comm = world()
        workers = external_workers(None)
        if plan.workers != workers:
            raise UsageError(f"the plan has {plan.workers} workers but the MPI job has {workers} "
                             f"(mpiexec -n {workers + 1}); plan for {workers}")
        ExternalState.ran = True
        ExternalState.failed = True  # until the run returns
        events = _Events(job, plan, on_event)
        from mpi4py import MPI

        try:
            Manager(comm, job, plan, forward=events, threads=job.threads_per_worker).run()
        except MPI.Exception as e:  # a rank died and MPI noticed before the launcher did
            raise WorkerDied(f"the MPI job failed ({e.Get_error_string().strip()}); the run was "
                             f"stopped") from None
        self.worker_pids = {w: pid for pid, w in events.pids.items() if w is not None}
        self.pids = [self.worker_pids[w] for w in sorted(self.worker_pids)]
        ExternalState.failed = False

    # -- (a) launch mpiexec -----------------------------------------------------------------
    def _run_launched(self, job: Job, plan: Plan, on_event) -> None:
        self.worker_pids, self.pids = {}, []
        mpiexec = self.mpiexec or find_mpiexec(prefix=self.prefix)
        require_mpi4py()
        directory = tempfile.mkdtemp(prefix="taskpar-mpi-")
        secret = secrets.token_bytes(32)
        out = tempfile.TemporaryFile()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        proc = None
        events = _Events(job, plan, on_event)
        sock = None
        beacons = None
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        watch = DeathWatch(inbox)
        stop = threading.Event()
        try:
            fd = os.open(os.path.join(directory, "secret"), os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secret)
            beacons = Beacons.create(directory, plan.workers + 1)
            listener.bind(os.path.join(directory, "sock"))
            # every rank connects a lifeline at once: a short backlog would
            # refuse some (EAGAIN on a Unix socket)
            listener.listen(max(64, 2 * (plan.workers + 1)))
            env = dict(os.environ if job.env is None else job.env)
            env[CONTROL_ENV] = directory
            flags = ["-P"] if sys.version_info >= (3, 11) else []
            argv = [mpiexec, "-n", str(plan.workers + 1), *self.mpiexec_args, self.python, *flags,
                    "-m", "taskpar.runtime.mpi"]
            try:
                proc = subprocess.Popen(argv, cwd=job.cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=out, start_new_session=True,
                                        close_fds=True)
            except OSError as e:
                raise WorkerStartError(f"could not start {mpiexec}: {e}") from None
            self.mpiexec_pid = proc.pid
            hellos: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=accept_loop, args=(listener, secret, hellos, watch, stop),
                             daemon=True, name="taskpar-mpi-accept").start()
            sock, ctl, hello = wait_hello(hellos, proc, out, self.start_timeout)
            if hello.size != plan.workers + 1:
                raise WorkerStartError(
                    f"{mpiexec} -n {plan.workers + 1} started ranks that see an MPI world of "
                    f"{hello.size}: that mpiexec does not belong to the MPI library mpi4py uses "
                    f"({hello.mpi}); put the matching mpiexec first on PATH, or {INSTALL_HINT}")
            here = socket.gethostname()
            events.pids[hello.pid] = None
            ctl.send((job, plan, job.threads_per_worker))
            threading.Thread(target=read_rank0, args=(ctl, inbox), daemon=True,
                             name="taskpar-mpi-rank0").start()
            check_at = time.monotonic() + POLL
            while True:
                try:
                    msg = inbox.get(timeout=max(0.0, check_at - time.monotonic()))
                except queue.Empty:
                    msg = None
                if isinstance(msg, Dead):  # the first rank to die: the others follow
                    # ... unless the job simply ended: ranks exit right after rank 0
                    # sent Done, and the watch may see that before we read Done
                    finished = self._finished_anyway(inbox, events)
                    if finished is None:
                        return  # the driver stopped the run
                    if finished:
                        break
                    raise self._died(events, proc, out, (msg.pid, msg.how), watch, beacons)
                if msg is EOF or isinstance(msg, InternalError) or time.monotonic() >= check_at:
                    # every POLL s, and before blaming rank 0 or a worker's own error:
                    # a dead rank explains those (MPI reports it on its peers)
                    check_at = time.monotonic() + POLL
                    dead = None
                    if msg is not None or proc.poll() is not None:
                        dead = self._first_death(events, inbox, here)
                    if dead is not None or proc.poll() is not None or msg is EOF:
                        # ranks exit as soon as rank 0 has sent Done, often before we
                        # have read everything it sent: an end is a death only if
                        # Done is not among what is already queued
                        if isinstance(msg, Done):
                            break
                        if msg is not None and msg is not EOF and not isinstance(msg, Dead):
                            if events(msg) is False:  # this event first, then the rest
                                return
                        finished = self._finished_anyway(inbox, events)
                        if finished is None:
                            return
                        if finished:
                            break
                        raise self._died(events, proc, out, dead, watch, beacons)
                if msg is None:
                    continue
                if isinstance(msg, Done):
                    break
                if events(msg) is False:
                    return  # the driver has what it needs: the cleanup kills the job
                if isinstance(msg, Ready) and msg.worker is not None:
                    self.worker_pids[msg.worker] = msg.pid
                    self.pids = [self.worker_pids[w] for w in sorted(self.worker_pids)]
            try:
                proc.wait(EXIT_GRACE)
            except subprocess.TimeoutExpired:
                pass
        finally:
            stop.set()
            watch.close()
            if sock is not None:
                sock.close()
            listener.close()
            if proc is not None:
                kill_job(proc, list(events.pids))
            if beacons is not None:
                beacons.close()
            out.close()
            shutil.rmtree(directory, ignore_errors=True)

    def _first_death(self, events: _Events, inbox, here: str):
        """(pid, how) of the first rank of this host that died, or None.

        Something went wrong: the watcher's record if it comes within a
        moment, else a look at /proc (which cannot tell who died first)."""
        deadline = time.monotonic() + 0.5
        kept = []
        found = None
        while found is None:
            try:
                item = inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(item, Dead):
                found = (item.pid, item.how)
            else:
                kept.append(item)
        for item in kept:  # not lost: the caller reports from the first death anyway
            inbox.put(item)
        if found is not None:
            return found
        for pid, w in sorted(events.pids.items(), key=lambda kv: -1 if kv[1] is None else kv[1]):
            if events.hosts.get(w, here) == here:
                how = pid_status(pid)
                if how is not None:
                    return pid, how
        return None

    def _finished_anyway(self, inbox, events) -> bool | None:
        """After a rank's exit: read what rank 0 had already sent.

        True if that included ``Done`` (a normal end), False if not, None if
        the driver asked to stop while we passed events on.
        """
        while True:
            try:
                msg = inbox.get(timeout=DEATH_GRACE)
            except queue.Empty:
                return False
            if msg is EOF:
                return False
            if isinstance(msg, (Dead, InternalError)):
                continue
            if isinstance(msg, Done):
                return True
            if events(msg) is False:
                return None

    def _died(self, events: _Events, proc: subprocess.Popen, out, seen=None,
              watch: DeathWatch | None = None, beacons: Beacons | None = None) -> WorkerDied:
        if seen is not None:  # we saw it die first (Hydra kills the others right after)
            who, how = seen
        else:  # rank 0's socket closed, or mpiexec ended: mpiexec's verdict
            try:
                proc.wait(DEATH_GRACE)
            except subprocess.TimeoutExpired:
                pass
            who, how = bad_termination(read_all(out))
        if who is None:  # no verdict: look at the ranks themselves
            for pid in self.worker_pids.values():
                status = pid_status(pid)
                if status is not None:
                    who, how = pid, status
                    break
        if who is not None and who not in events.pids and watch is not None:
            rank = watch.ranks.get(who)  # its Ready was not forwarded yet
            if rank is not None:
                events.pids[who] = None if rank == 0 else rank - 1
        if who is not None and who in events.pids:
            w = events.pids[who]
            if w is None:
                return WorkerDied(f"the MPI manager (rank 0, pid {who}) {how}; {texts.STOPPED}"
                                  + texts.signal_hint(how))
            if beacons is not None:  # its last records may have died with rank 0
                events.running.restore(w, *beacons.read(w + 1))
            return WorkerDied(texts.died(f"worker {w + 1} (MPI rank {w + 1}, pid {who})", how,
                                         events.where(w)))
        status = proc.returncode
        said = tail(out, "mpiexec said")
        if who is not None:
            return WorkerDied(f"an MPI rank (pid {who}) {how}; the run was stopped" + said)
        if status is None:
            return WorkerDied("the MPI manager (rank 0) closed its connection; the run was "
                              "stopped" + said)
        return WorkerDied(f"the MPI job ended early (mpiexec exited with status {status}); the "
                          f"run was stopped" + said)
