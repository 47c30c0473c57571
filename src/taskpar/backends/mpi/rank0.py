"""Rank 0 of the mpi backend: the manager. It runs no user code.

Rank 0 sends each worker its program, carries out what the manager core
(``taskpar.manager``: the failure rule, dynamic streaming, stopping) decides,
as MPI sends, and hands every event to
``forward`` — in "taskpar launches mpiexec" mode a socket to the launching
``taskpar run`` process (``taskpar.runtime.mpi.launched``), in "external
mpiexec" mode the driver's ``on_event`` (``backend``). See the diagram in
``taskpar.backends.mpi``; what the ranks send each other is
``taskpar.runtime.mpi.protocol``; stopping early (``Failed(-1)``) is
described in ``taskpar.runtime.mpi.rank``.
"""

from __future__ import annotations

import time

from ...manager import Assign, Broadcast, ManagerCore, Report
from ...plan import Plan, Send
from ...runtime.messages import (Finished, Job, Shutdown, StatementOutput, StatementReport,
                                 StatementStarted, TransferReport)
from ...runtime.mpi.protocol import (CTL, DYNAMIC_POLL, EVT, FIRST_TAG, Backoff, RankOps,
                                     tags_for, worker_init)

__all__ = ["Manager", "release_workers"]


class Manager:
    """Rank 0's loop, a shell over ``ManagerCore``: programs out, events in,
    the core's instructions carried out as MPI sends, release.

    ``forward(msg)`` receives ``Ready`` / ``StatementStarted`` /
    ``StatementOutput`` / ``StatementReport`` / ``TransferReport`` /
    ``TransferFailed`` / ``InternalError``; it returns False to stop (the
    workers then skip what is left and drain; nothing more is forwarded) and
    may raise (the caller then aborts the job). ``idle()`` is called now and
    then while waiting.
    """

    def __init__(self, comm, job: Job, plan: Plan, forward, threads: int | None = None,
                 idle=None):
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = comm
        self.job = job
        self.plan = plan
        self.forward = forward
        self.threads = threads
        self.idle_hook = idle
        self.requests: list = []
        # no Keep: an MPI rank makes progress only between statements
        self.core = ManagerCore(job, plan, keep=False)
        #: dynamic assignment: the next free tag
        self.next_tag = 0

    def _send(self, w: int, msg) -> None:
        self.requests.append(self.comm.isend(msg, dest=w + 1, tag=CTL))

    def _send_all(self, msg) -> None:
        for w in range(self.plan.workers):
            self._send(w, msg)

    def run(self) -> None:
        MPI, comm, plan = self.MPI, self.comm, self.plan
        tag_ub = comm.Get_attr(MPI.TAG_UB) or 32767
        self.tag_span = max(1, tag_ub - FIRST_TAG)
        tags = {} if plan.dynamic else tags_for(plan, tag_ub)
        for w in range(plan.workers):
            self._send(w, worker_init(plan, self.job, w, tags, self.threads))
        self._carry_out(self.core.start())
        status = MPI.Status()
        backoff = Backoff(DYNAMIC_POLL if plan.dynamic else Backoff.LONGEST)
        last_idle = 0.0
        while not self.core.done:
            if comm.Iprobe(source=MPI.ANY_SOURCE, tag=EVT, status=status):
                backoff.reset()
                self._handle(comm.recv(source=status.Get_source(), tag=EVT))
                continue
            self._reap()
            now = time.monotonic()
            if self.idle_hook is not None and now - last_idle > 0.05:
                last_idle = now
                self.idle_hook()
            backoff.idle()
        while not MPI.Request.Testall(self.requests):  # Shutdown reached every worker
            backoff.idle()
        self.requests.clear()

    def _reap(self) -> None:
        if len(self.requests) > 64:
            self.requests = [r for r in self.requests if not r.Test()]

    def _handle(self, msg) -> None:
        if isinstance(msg, (StatementStarted, StatementOutput, StatementReport, Finished)):
            self._carry_out(self.core.event(msg.worker, msg))
        elif isinstance(msg, TransferReport):
            self._carry_out(self.core.event(msg.to, msg))
        elif not self.core.stopping:  # Ready and faults: the driver's to judge
            self._carry_out([Report(msg)])

    def _carry_out(self, instructions) -> None:
        assigned = {i.worker: i.ops for i in instructions if isinstance(i, Assign)}
        if assigned:
            self._assign(assigned)
        for ins in instructions:
            if isinstance(ins, Broadcast):
                self._send_all(ins.message)
            elif isinstance(ins, Report) and self.forward(ins.event) is False:
                self._carry_out(self.core.stop())  # every worker skips what is left
                return

    def _assign(self, ops: dict) -> None:
        """Dynamic assignment: each worker's new ops with the tags of their
        messages (numbered as ``tags_for`` numbers a static plan's)."""
        tags: dict = {}
        for w, more in ops.items():
            for op in more:
                if isinstance(op, Send):
                    key = (op.var, op.version, w, op.to)
                    tags[key] = FIRST_TAG + self.next_tag % self.tag_span
                    self.next_tag += 1
        for w, more in ops.items():
            mine = {k: t for k, t in tags.items() if k[2] == w or k[3] == w}
            self._send(w, RankOps(tuple(more), mine))

    def release_unused(self) -> None:
        """Tell workers still waiting for a program that there is none."""
        self._send_all(Shutdown())
        backoff = Backoff()
        while not self.MPI.Request.Testall(self.requests):
            backoff.idle()


def release_workers(comm) -> None:
    """Rank 0 ran no plan (an error before the run): let every worker rank exit."""
    from mpi4py import MPI

    reqs = [comm.isend(Shutdown(), dest=k, tag=CTL) for k in range(1, comm.Get_size())]
    backoff = Backoff()
    deadline = time.monotonic() + 10
    while not MPI.Request.Testall(reqs) and time.monotonic() < deadline:
        backoff.idle()
