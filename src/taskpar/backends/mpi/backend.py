"""The mpi backend: the plan's workers are MPI ranks; values move with mpi4py.

Rank 0 is the manager (it runs no statement); ranks 1..N are the plan's
workers 0..N-1, so ``-w N`` means N+1 ranks and ``mpiexec -n K`` gives K-1
workers. A dedicated manager rank keeps the failure rule, the replay and the
terminal off the ranks that run the user's statements, and lets it poll the
workers' events without ever waiting on a statement. The per-rank program is
``taskpar.runtime.mpi.rank`` (a thin shell around the sans-I/O interpreter,
like ``runtime/worker.py`` is for sockets).

Two ways to run, one protocol between the ranks::

  (a) taskpar run --backend mpi -w N script.py            ("launched" mode)

      taskpar run (this process: the driver, replays and prints)
        │  mkdtemp 0700: secret (0600) + Unix socket; env TASKPAR_MPI_CONTROL=dir
        │  spawns, in its own session, stdin /dev/null, output to a temp file:
        │    mpiexec -n N+1 python -P -m taskpar.runtime.mpi.rank
        │  ◄── Unix socket, HMAC handshake (runtime.auth) ── rank 0 connects
        │  ── (job, plan) ──►                 ◄── Hello / Ready / events / Done
        ▼
      rank 0 (manager) ──RankInit / Failed(F) / Shutdown──► ranks 1..N (workers)
                      ◄──Ready / StatementStarted / StatementReport /
                         TransferReport / TransferFailed / Finished──
                        ranks k ◄──Isend/Irecv, a tag per value──► rank j

  (b) mpiexec -n K python -m taskpar run --backend mpi script.py   (or srun)

      every rank runs the CLI; rank 0 *is* the driver (it analyses, plans,
      runs the manager loop in process and prints); ranks 1..K-1 go straight
      to ``serve_worker`` (see ``serve_worker_rank``) and print nothing.

The secret never appears on a command line or in the script's environment:
it is in a file only this user can read; the directory's path is the only
thing passed (and every rank removes it from ``os.environ`` at once).
Rank 0 must run on this host in launched mode (true for ``mpiexec`` without
a host file, and for the first node of a batch allocation); across nodes use
mode (b).

Faults. Hydra (MPICH's ``mpiexec``) ends the whole job when a rank dies and
prints ``BAD TERMINATION ... PID p ... EXIT CODE: c`` (no rank number); every
rank reports its pid (``Ready``), so the launcher, which watches both
mpiexec (every ``POLL`` s) and rank 0's socket, names the worker, its exit
code or signal and the statement it was running (``WorkerDied``) within a
second or so. However a launched run ends, the launcher SIGKILLs every rank
(each is a session leader under Hydra, so its process group takes the
script's children with it), then Hydra's proxies, then mpiexec's group, and
removes its directory. If the launcher dies, rank 0 sees its socket close
and aborts the job. In mode (b) the external launcher does all that: a dead
rank ends the job with that launcher's own message; an error in rank 0
(``WorkerDied`` for an internal error, an unpicklable value, Ctrl-C) is
printed, then rank 0 calls ``MPI_Abort`` at exit so no rank is left waiting.

Limits: the script's stdin is /dev/null on the workers (mpiexec forwards
stdin to rank 0 only, and launched mode does not give it the terminal);
mpiexec adds about half a second of start-up; ``Job.env`` is honoured in
launched mode only (in mode (b) the ranks have the launcher's environment).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import queue
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ...errors import BackendUnavailable, UsageError, WorkerDied, WorkerStartError
from ...plan import Plan
from ..base import SIGNAL_HINTS, unpicklable_error
from ...runtime.messages import (InternalError, Job, StatementReport, StatementStarted,
                                 TransferFailed)
from ...runtime.mpi.rank import CONTROL_ENV, Done, Hello, Lifeline, Manager, Ready

__all__ = ["MPIBackend", "find_mpiexec", "in_mpi_job", "is_worker_rank", "serve_worker_rank",
           "external_workers", "INSTALL_HINT"]

INSTALL_HINT = "install the mpi extra: pip install 'taskpar[mpi]'"
#: seconds between checks of mpiexec
POLL = 0.2
#: rank 0 must have connected by then
START_TIMEOUT = 60.0
#: after Done, how long mpiexec gets to exit before being killed
EXIT_GRACE = 5.0
#: after rank 0's socket closed, how long to wait for mpiexec's verdict
DEATH_GRACE = 3.0

#: environment variables that say "this process is a rank of an MPI job"
MPI_JOB_VARS = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                "OMPI_COMM_WORLD_RANK", "MPI_LOCALNRANKS")

_EOF = object()



# -- finding MPI ------------------------------------------------------------------

def find_mpiexec(path: str | None = None, prefix: str | None = None) -> str:
    """``mpiexec`` on ``path`` (default $PATH), else in ``prefix``/bin (default
    this Python's prefix, where the ``mpich`` wheel puts it)."""
    found = shutil.which("mpiexec", path=path)
    if found:
        return found
    prefix = sys.prefix if prefix is None else prefix
    for name in ("mpiexec", "mpiexec.hydra"):
        candidate = os.path.join(prefix, "bin", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise BackendUnavailable(f"the mpi backend needs mpiexec, which is neither on PATH nor in "
                             f"{os.path.join(prefix, 'bin')}; {INSTALL_HINT}")


def _require_mpi4py() -> None:
    if importlib.util.find_spec("mpi4py") is None:
        raise BackendUnavailable(f"the mpi backend needs mpi4py, which is not installed; "
                                 f"{INSTALL_HINT}")


def in_mpi_job(environ=None) -> bool:
    """True when this process was started as a rank of an MPI job (mpiexec, srun)."""
    env = os.environ if environ is None else environ
    return any(v in env for v in MPI_JOB_VARS)


def _world():
    _require_mpi4py()
    from mpi4py import MPI

    return MPI.COMM_WORLD


def is_worker_rank() -> bool:
    """Inside an MPI job, on a rank other than 0."""
    return in_mpi_job() and _world().Get_rank() != 0


def serve_worker_rank() -> None:
    """Ranks 1..K-1 of ``mpiexec -n K python -m taskpar run --backend mpi``:
    work for rank 0, print nothing, finalize MPI and exit 0. Never returns."""
    from ...runtime.mpi.rank import serve_worker

    serve_worker(_world())


class _ExternalState:
    """Rank 0 in mode (b): what to do with the workers when this process exits."""

    ran = False  # a run started: its end released the workers (or must abort)
    failed = False  # that run raised: abort the job at exit
    registered = False


def _at_exit() -> None:
    comm = _world()
    if not _ExternalState.ran:
        from ...runtime.mpi.rank import release_workers

        release_workers(comm)  # e.g. the script did not parse: workers wait for nothing
    elif _ExternalState.failed:
        sys.stdout.flush()
        sys.stderr.flush()
        comm.Abort(1)


def external_workers(requested: int | None = None) -> int:
    """Rank 0 of an MPI job: the number of workers (world size - 1).

    ``requested`` is the user's ``-w`` (None if not given); it must agree.
    Call it before anything can fail: from then on, leaving the process
    releases (or, after a failed run, aborts) the worker ranks.
    """
    comm = _world()
    size = comm.Get_size()
    if not _ExternalState.registered:
        _ExternalState.registered = True
        atexit.register(_at_exit)
    if size < 2:
        raise UsageError("under mpiexec the mpi backend needs at least 2 ranks (rank 0 manages, "
                         "ranks 1.. are the workers): use mpiexec -n K with K >= 2")
    if requested is not None and requested != size - 1:
        raise UsageError(f"-w {requested} does not match the MPI job: with {size} ranks there are "
                         f"{size - 1} workers (rank 0 manages); drop -w or use mpiexec -n "
                         f"{requested + 1}")
    return size - 1


# -- events shared by both modes -------------------------------------------------------

class _Events:
    """Turns rank 0's records into ``on_event`` calls and errors; remembers who runs what."""

    def __init__(self, job: Job, plan: Plan, on_event):
        self.job = job
        self.plan = plan
        self.on_event = on_event
        self.running: dict[int, int] = {}
        #: pid -> worker index (None: rank 0)
        self.pids: dict[int, int | None] = {}
        self.hosts: dict[int | None, str] = {}

    def __call__(self, msg) -> bool:
        if isinstance(msg, Ready):
            self.pids[msg.pid] = msg.worker
            self.hosts[msg.worker] = msg.host
            return True
        if isinstance(msg, StatementStarted):
            self.running[msg.worker] = msg.stmt
        elif isinstance(msg, StatementReport):
            self.running.pop(msg.worker, None)
        elif isinstance(msg, TransferFailed):
            raise unpicklable_error(self.job, self.plan, msg)
        elif isinstance(msg, InternalError):
            if msg.worker < 0:
                raise WorkerDied(f"the MPI manager (rank 0) failed (an internal error, not your "
                                 f"script's):\n{msg.traceback.rstrip()}")
            raise WorkerDied(f"worker {msg.worker + 1} failed {self.where(msg.worker)} (an "
                             f"internal error, not your script's):\n{msg.traceback.rstrip()}")
        return self.on_event(msg)

    def where(self, worker: int | None) -> str:
        if worker is None or worker not in self.running:
            return "between statements"
        s = self.plan.graph.statements[self.running[worker]]
        return f"while running {self.job.script.filename}:{s.lineno} (`{s.label}`)"


# -- the backend ---------------------------------------------------------------------

class MPIBackend:
    """Runs a plan on MPI ranks (see the module docstring)."""

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
        comm = _world()
        workers = external_workers(None)
        if plan.workers != workers:
            raise UsageError(f"the plan has {plan.workers} workers but the MPI job has {workers} "
                             f"(mpiexec -n {workers + 1}); plan for {workers}")
        _ExternalState.ran = True
        _ExternalState.failed = True  # until the run returns
        events = _Events(job, plan, on_event)
        from mpi4py import MPI

        try:
            Manager(comm, job, plan, forward=events, threads=job.threads_per_worker).run()
        except MPI.Exception as e:  # a rank died and MPI noticed before the launcher did
            raise WorkerDied(f"the MPI job failed ({e.Get_error_string().strip()}); the run was "
                             f"stopped") from None
        self.worker_pids = {w: pid for pid, w in events.pids.items() if w is not None}
        self.pids = [self.worker_pids[w] for w in sorted(self.worker_pids)]
        _ExternalState.failed = False

    # -- (a) launch mpiexec -----------------------------------------------------------------
    def _run_launched(self, job: Job, plan: Plan, on_event) -> None:
        self.worker_pids, self.pids = {}, []
        mpiexec = self.mpiexec or find_mpiexec(prefix=self.prefix)
        _require_mpi4py()
        directory = tempfile.mkdtemp(prefix="taskpar-mpi-")
        secret = secrets.token_bytes(32)
        out = tempfile.TemporaryFile()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        proc = None
        events = _Events(job, plan, on_event)
        sock = None
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        watch = _DeathWatch(inbox)
        stop = threading.Event()
        try:
            fd = os.open(os.path.join(directory, "secret"), os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(secret)
            listener.bind(os.path.join(directory, "sock"))
            # every rank connects a lifeline at once: a short backlog would
            # refuse some (EAGAIN on a Unix socket)
            listener.listen(max(64, 2 * (plan.workers + 1)))
            env = dict(os.environ if job.env is None else job.env)
            env[CONTROL_ENV] = directory
            flags = ["-P"] if sys.version_info >= (3, 11) else []
            argv = [mpiexec, "-n", str(plan.workers + 1), *self.mpiexec_args, self.python, *flags,
                    "-m", "taskpar.runtime.mpi.rank"]
            try:
                proc = subprocess.Popen(argv, cwd=job.cwd, env=env, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=out, start_new_session=True,
                                        close_fds=True)
            except OSError as e:
                raise WorkerStartError(f"could not start {mpiexec}: {e}") from None
            self.mpiexec_pid = proc.pid
            hellos: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=_accept_loop, args=(listener, secret, hellos, watch, stop),
                             daemon=True, name="taskpar-mpi-accept").start()
            sock, ctl, hello = self._wait_hello(hellos, proc, out)
            if hello.size != plan.workers + 1:
                raise WorkerStartError(
                    f"{mpiexec} -n {plan.workers + 1} started ranks that see an MPI world of "
                    f"{hello.size}: that mpiexec does not belong to the MPI library mpi4py uses "
                    f"({hello.mpi}); put the matching mpiexec first on PATH, or {INSTALL_HINT}")
            here = socket.gethostname()
            events.pids[hello.pid] = None
            ctl.send((job, plan, job.threads_per_worker))
            threading.Thread(target=_read, args=(ctl, inbox), daemon=True,
                             name="taskpar-mpi-rank0").start()
            check_at = time.monotonic() + POLL
            while True:
                try:
                    msg = inbox.get(timeout=max(0.0, check_at - time.monotonic()))
                except queue.Empty:
                    msg = None
                if isinstance(msg, _Dead):  # the first rank to die: the others follow
                    # ... unless the job simply ended: ranks exit right after rank 0
                    # sent Done, and the watch may see that before we read Done
                    finished = self._finished_anyway(inbox, events)
                    if finished is None:
                        return  # the driver stopped the run
                    if finished:
                        break
                    raise self._died(events, proc, out, (msg.pid, msg.how))
                if msg is _EOF or isinstance(msg, InternalError) or time.monotonic() >= check_at:
                    # every POLL s, and before blaming rank 0 or a worker's own error:
                    # a dead rank explains those (MPI reports it on its peers)
                    check_at = time.monotonic() + POLL
                    dead = None
                    if msg is not None or proc.poll() is not None:
                        dead = self._first_death(events, inbox, here)
                    if dead is not None or proc.poll() is not None or msg is _EOF:
                        # ranks exit as soon as rank 0 has sent Done, often before we
                        # have read everything it sent: an end is a death only if
                        # Done is not among what is already queued
                        if isinstance(msg, Done):
                            break
                        if msg is not None and msg is not _EOF and not isinstance(msg, _Dead):
                            if events(msg) is False:  # this event first, then the rest
                                return
                        finished = self._finished_anyway(inbox, events)
                        if finished is None:
                            return
                        if finished:
                            break
                        raise self._died(events, proc, out, dead)
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
                _kill_job(proc, list(events.pids))
            out.close()
            shutil.rmtree(directory, ignore_errors=True)

    def _wait_hello(self, hellos: queue.SimpleQueue, proc: subprocess.Popen, out):
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                return hellos.get(timeout=POLL)
            except queue.Empty:
                pass
            if proc.poll() is not None:
                raise WorkerStartError(
                    f"the MPI job could not start (mpiexec exited with status {proc.returncode})"
                    + _tail(out))
            if time.monotonic() > deadline:
                raise WorkerStartError(f"the MPI job did not start within "
                                       f"{self.start_timeout:.0f} s" + _tail(out))

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
            if isinstance(item, _Dead):
                found = (item.pid, item.how)
            else:
                kept.append(item)
        for item in kept:  # not lost: the caller reports from the first death anyway
            inbox.put(item)
        if found is not None:
            return found
        for pid, w in sorted(events.pids.items(), key=lambda kv: -1 if kv[1] is None else kv[1]):
            if events.hosts.get(w, here) == here:
                how = _pid_status(pid)
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
            if msg is _EOF:
                return False
            if isinstance(msg, (_Dead, InternalError)):
                continue
            if isinstance(msg, Done):
                return True
            if events(msg) is False:
                return None

    def _died(self, events: _Events, proc: subprocess.Popen, out, seen=None) -> WorkerDied:
        if seen is not None:  # we saw it die first (Hydra kills the others right after)
            who, how = seen
        else:  # rank 0's socket closed, or mpiexec ended: mpiexec's verdict
            try:
                proc.wait(DEATH_GRACE)
            except subprocess.TimeoutExpired:
                pass
            who, how = _bad_termination(_read_all(out))
        if who is None:  # no verdict: look at the ranks themselves
            for pid in self.worker_pids.values():
                status = _pid_status(pid)
                if status is not None:
                    who, how = pid, status
                    break
        hint = ""
        if how is not None and how.startswith("was killed by "):
            hint = SIGNAL_HINTS.get(how.rsplit(" ", 1)[-1], "")
            hint = f"; likely cause: {hint}" if hint else ""
        if who is not None and who in events.pids:
            w = events.pids[who]
            if w is None:
                return WorkerDied(f"the MPI manager (rank 0, pid {who}) {how}; the run was stopped"
                                  + hint)
            return WorkerDied(f"worker {w + 1} (MPI rank {w + 1}, pid {who}) {how} "
                              f"{events.where(w)}{hint}; the run was stopped")
        status = proc.returncode
        said = _tail(out, "mpiexec said")
        if who is not None:
            return WorkerDied(f"an MPI rank (pid {who}) {how}; the run was stopped" + said)
        if status is None:
            return WorkerDied("the MPI manager (rank 0) closed its connection; the run was "
                              "stopped" + said)
        return WorkerDied(f"the MPI job ended early (mpiexec exited with status {status}); the "
                          f"run was stopped" + said)


class _Dead:
    __slots__ = ("pid", "how")

    def __init__(self, pid: int, how: str):
        self.pid, self.how = pid, how


class _DeathWatch:
    """Reports the first rank to die, as ``_Dead`` in ``inbox``.

    Hydra kills every other rank within a millisecond of the first death and
    then names any one of them (its "BAD TERMINATION" block), so each rank
    keeps a lifeline connection to the launcher (``rank.Lifeline``) that
    closes when its process ends — the same moment Hydra notices, since it
    watches the rank's own descriptors; the ranks Hydra then kills close
    theirs only after that. A thread blocked in ``select`` on the lifelines
    reports the first to close, with the exit status read from /proc while
    the rank is a zombie (Hydra reaps it a moment later: then "died").
    """

    def __init__(self, inbox: queue.SimpleQueue):
        self.inbox = inbox
        self.socks: dict[int, tuple] = {}  # fd -> (socket, pid)
        self.lock = threading.Lock()
        self.wake_r, self.wake_w = os.pipe()
        self.reported = False
        self.thread = threading.Thread(target=self._loop, daemon=True, name="taskpar-mpi-watch")
        self.thread.start()

    def add(self, sock: socket.socket, pid: int) -> None:
        with self.lock:
            self.socks[sock.fileno()] = (sock, pid)
        os.write(self.wake_w, b"+")

    def _loop(self) -> None:
        while True:
            with self.lock:
                fds = list(self.socks)
            try:
                readable, _, _ = select.select([self.wake_r, *fds], [], [])
            except (OSError, ValueError):
                return
            if self.wake_r in readable and b"q" in os.read(self.wake_r, 4096):
                return
            dead = []
            for fd in readable:
                if fd != self.wake_r:
                    with self.lock:
                        sock, pid = self.socks.pop(fd)
                    sock.close()
                    dead.append(pid)
            if dead and not self.reported:
                self.reported = True
                # several at once (this thread was late): rank 0 last, it runs no user code
                dead.sort(key=lambda pid: pid == self.manager_pid)
                pid = dead[0]
                how = None
                deadline = time.monotonic() + 0.05
                while how is None and time.monotonic() < deadline:
                    how = _pid_status(pid)  # a zombie for a moment: catch it
                self.inbox.put(_Dead(pid, how or "died"))

    manager_pid = None

    def close(self) -> None:
        os.write(self.wake_w, b"q")
        self.thread.join(5)
        with self.lock:
            for sock, _ in self.socks.values():
                sock.close()
            self.socks.clear()
        os.close(self.wake_r)
        os.close(self.wake_w)


def _accept_loop(listener: socket.socket, secret: bytes, hellos: queue.SimpleQueue,
                 watch: _DeathWatch, stop: threading.Event) -> None:
    """Admit rank 0's control connection (-> ``hellos``) and every rank's lifeline."""
    from ...runtime.auth import AuthenticationError, server_handshake
    from ...runtime.transport import ControlChannel

    listener.settimeout(POLL)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except (socket.timeout, BlockingIOError):
            continue
        except OSError:
            return
        try:
            conn.setblocking(True)
            server_handshake(conn, secret)
            conn.settimeout(30)
            ctl = ControlChannel(conn)
            first = ctl.recv()
            conn.settimeout(None)
        except (AuthenticationError, OSError, EOFError):
            conn.close()
            continue
        if isinstance(first, Hello):
            watch.manager_pid = first.pid
            hellos.put((conn, ctl, first))
        elif isinstance(first, Lifeline):
            watch.add(conn, first.pid)
        else:  # pragma: no cover - protocol bug
            conn.close()


#: the name run.py imports


def _read(ctl, inbox: queue.SimpleQueue) -> None:
    while True:
        try:
            msg = ctl.recv()
        except Exception:  # noqa: BLE001 - EOF or a broken record: rank 0 is gone
            inbox.put(_EOF)
            return
        inbox.put(msg)


# -- mpiexec's output and processes -------------------------------------------------------

_BAD = re.compile(r"PID (\d+) RUNNING AT \S+\s*\n=\s*EXIT CODE: (-?\d+)")
_EXIT_STRING = re.compile(r"EXIT STRING: .*\(signal (\d+)\)")


_OMPI = re.compile(r"process rank \d+ with PID (\d+) on node \S+ exited on signal (\d+)")


def _bad_termination(text: str) -> tuple[int | None, str | None]:
    """(pid, "was killed by SIGKILL" | "exited with code 3") from mpiexec's report
    (Hydra's, or Open MPI's "process rank K with PID P ... exited on signal S")."""
    m = _BAD.search(text)
    if m is None:
        o = _OMPI.search(text)
        if o is None:
            return None, None
        try:
            return int(o.group(1)), f"was killed by {signal.Signals(int(o.group(2))).name}"
        except ValueError:
            return int(o.group(1)), f"was killed by signal {o.group(2)}"
    pid, code = int(m.group(1)), int(m.group(2))
    sig = _EXIT_STRING.search(text)
    number = int(sig.group(1)) if sig else None
    if number is not None:
        try:
            return pid, f"was killed by {signal.Signals(number).name}"
        except ValueError:
            return pid, f"was killed by signal {number}"
    return pid, f"exited with code {code}"


def _pid_status(pid: int) -> str | None:
    """None while ``pid`` runs; else how it ended ("was killed by SIGKILL",
    "exited with code 3", "has exited") — read from /proc, where a zombie
    (not yet reaped by Hydra) still shows its exit status."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:  # already reaped by Hydra: its status is gone with it
        return "died"
    if fields[0] not in (b"Z", b"X"):
        return None
    try:
        status = int(fields[49])  # field 52: exit_code, as waitpid reports it
    except (IndexError, ValueError):  # pragma: no cover - Linux < 3.5
        return "died"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            return f"was killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"was killed by signal {sig}"
    return f"exited with code {os.WEXITSTATUS(status)}"


def _read_all(out, limit: int = 20000) -> str:
    try:
        out.seek(0)
        return out.read()[-limit:].decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _tail(out, label: str = "its output") -> str:
    text = _read_all(out).strip()
    return f"; {label}:\n{text}" if text else ""


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _descendants(pid: int) -> list[int]:
    if not os.path.isdir("/proc"):  # pragma: no cover - not Linux
        return []
    kids = _children()
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), ()):
            out.append(k)
            todo.append(k)
    return out


def _is_rank(pid: int) -> bool:
    """Still one of our ranks (not a recycled pid): its command line says so."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"taskpar.runtime.mpi" in f.read()
    except OSError:
        return False


def _kill_job(proc: subprocess.Popen, rank_pids: list[int]) -> None:
    """SIGKILL the ranks (their groups), Hydra's proxies, then mpiexec's group; reap it."""
    for _ in range(2):  # a second sweep for anything forked meanwhile
        tree = _descendants(proc.pid) if proc.poll() is None else []
        victims = list(dict.fromkeys(reversed(tree)))  # deepest (ranks) first
        ours = [pid for pid in rank_pids if pid not in victims and _is_rank(pid)]
        for pid in [*ours, *victims]:
            try:
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)  # a rank and the script's children
                else:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if proc.poll() is None:
            try:
                proc.wait(0.5)  # Hydra usually exits by itself once its ranks are gone
            except subprocess.TimeoutExpired:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass
