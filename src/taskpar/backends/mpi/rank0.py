"""Rank 0 of the mpi backend: the manager. It runs no user code.

Rank 0 sends each worker its program, applies the failure rule
(broadcasts the first failed statement) and hands every event to
``forward`` — in "taskpar launches mpiexec" mode a socket to the launching
``taskpar run`` process (``taskpar.runtime.mpi.launched``), in "external
mpiexec" mode the driver's ``on_event`` (``backend``). See the diagram in
``taskpar.backends.mpi``; what the ranks send each other is
``taskpar.runtime.mpi.protocol``; stopping early (``Failed(-1)``) is
described in ``taskpar.runtime.mpi.rank``.
"""

from __future__ import annotations

import time

from ...plan import Plan, Send
from ...runtime.messages import End, Failed, Finished, Job, Shutdown, StatementReport
from ...runtime.mpi.protocol import (CTL, DYNAMIC_POLL, EVT, FIRST_TAG, Backoff, RankOps,
                                     tags_for, worker_init)

__all__ = ["Manager", "release_workers"]


class Manager:
    """Rank 0's loop: programs out, events in, failure rule, release.

    ``forward(msg)`` receives ``Ready`` / ``StatementStarted`` /
    ``StatementReport`` / ``TransferReport`` / ``TransferFailed`` /
    ``InternalError``; it returns False to stop (the workers then skip what
    is left and drain; nothing more is forwarded) and may raise (the caller
    then aborts the job). ``idle()`` is called now and then while waiting.
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
        self.failed: int | None = None
        self.stopping = False
        #: dynamic assignment: the run-time scheduler, and the next free tag
        self.assigner = None
        self.ended = False
        self.next_tag = 0
        if plan.dynamic:
            from ...dynamic import Assigner

            # no Keep: an MPI rank makes progress only between statements
            self.assigner = Assigner(plan, keep=False)

    def _send_all(self, msg) -> None:
        for w in range(self.plan.workers):
            self.requests.append(self.comm.isend(msg, dest=w + 1, tag=CTL))

    def run(self) -> None:
        MPI, comm, plan = self.MPI, self.comm, self.plan
        tag_ub = comm.Get_attr(MPI.TAG_UB) or 32767
        self.tag_span = max(1, tag_ub - FIRST_TAG)
        tags = {} if self.assigner is not None else tags_for(plan, tag_ub)
        for w in range(plan.workers):
            init = worker_init(plan, self.job, w, tags, self.threads)
            self.requests.append(comm.isend(init, dest=w + 1, tag=CTL))
        if self.assigner is not None:
            self._stream(self.assigner.start())
        finished: set[int] = set()
        status = MPI.Status()
        backoff = Backoff(DYNAMIC_POLL if self.assigner is not None else Backoff.LONGEST)
        last_idle = 0.0
        while len(finished) < plan.workers:
            if comm.Iprobe(source=MPI.ANY_SOURCE, tag=EVT, status=status):
                backoff.reset()
                msg = comm.recv(source=status.Get_source(), tag=EVT)
                if isinstance(msg, Finished):
                    finished.add(msg.worker)
                else:
                    self._handle(msg)
                continue
            self._reap()
            now = time.monotonic()
            if self.idle_hook is not None and now - last_idle > 0.05:
                last_idle = now
                self.idle_hook()
            backoff.idle()
        self._send_all(Shutdown())
        while not MPI.Request.Testall(self.requests):
            backoff.idle()
        self.requests.clear()

    def _reap(self) -> None:
        if len(self.requests) > 64:
            self.requests = [r for r in self.requests if not r.Test()]

    def _stream(self, ops: dict) -> None:
        """Dynamic assignment: each worker's new ops with the tags of their
        messages (numbered as ``tags_for`` numbers a static plan's); End once
        nothing more will be assigned."""
        tags: dict = {}
        for w, more in ops.items():
            for op in more:
                if isinstance(op, Send):
                    key = (op.var, op.version, w, op.to)
                    tags[key] = FIRST_TAG + self.next_tag % self.tag_span
                    self.next_tag += 1
        for w, more in ops.items():
            mine = {k: t for k, t in tags.items() if k[2] == w or k[3] == w}
            self.requests.append(self.comm.isend(RankOps(tuple(more), mine), dest=w + 1, tag=CTL))
        if not self.ended and (self.assigner.exhausted or self.stopping):
            self.ended = True
            self._send_all(End())

    def _handle(self, msg) -> None:
        if isinstance(msg, StatementReport) and msg.status in ("error", "exit"):
            if self.failed is None or msg.stmt < self.failed:
                self.failed = msg.stmt
                if not self.stopping:
                    self._send_all(Failed(msg.stmt))
        if self.assigner is not None and isinstance(msg, StatementReport) and not self.ended:
            self._stream(self.assigner.finished(msg.stmt, msg.status))
        if self.stopping:
            return
        if self.forward(msg) is False:
            self.stopping = True
            self._send_all(Failed(-1))
            if self.assigner is not None and not self.ended:
                self._stream({})  # no more ops: every stream ends

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
