"""Launched mode (``taskpar run --backend mpi`` starts mpiexec): ``main``,
every rank's entry point. Ranks 1..N serve (``rank.serve_worker``); rank 0
connects to the launcher, says ``Hello``, receives the job and the plan,
runs the manager loop (``taskpar.backends.mpi.rank0``) forwarding every
event to the launcher, and sends ``Done``; if the launcher goes away, it
aborts the job."""

from __future__ import annotations

import os
import select
import sys
import traceback

from ..messages import InternalError
from .connect import LIFELINES, connect_launcher, lifeline
from .protocol import CONTROL_ENV, Done, Hello, Ready, host
from .rank import INTERNAL_GRACE, serve_worker

__all__ = ["main"]


# -- launched mode: rank 0 talks to the taskpar process that started mpiexec ----

def _launched_manager(comm, directory: str, channel: list) -> None:
    from mpi4py import MPI

    from ...backends.mpi.rank0 import Manager  # rank 0 only: the workers never load it

    LIFELINES.append(lifeline(directory, 0))
    sock, ctl = connect_launcher(directory)
    channel[:] = [sock, ctl]
    ctl.send(Hello(comm.Get_size(), os.getpid(), host(), MPI.Get_library_version().splitlines()[0]))
    job, plan, threads = ctl.recv()

    def launcher_gone() -> None:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:  # the launcher sends nothing after the plan: EOF, it is gone
            comm.Abort(1)

    ready: set = set()

    def forward(msg) -> bool:
        ctl.send(msg)
        if isinstance(msg, Ready):
            ready.add(msg.worker)
            if len(ready) == plan.workers:  # every lifeline is connected: the secret can go
                import shutil

                shutil.rmtree(directory, ignore_errors=True)
        return True

    Manager(comm, job, plan, forward=forward, threads=threads, idle=launcher_gone).run()
    ctl.send(Done())


def main() -> None:
    """``python -m taskpar.runtime.mpi``, started by the mpi backend under mpiexec."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    if comm.Get_rank() != 0:
        serve_worker(comm)  # never returns
    directory = os.environ.pop(CONTROL_ENV, None)
    if directory is None:
        sys.stderr.write("taskpar.runtime.mpi: started without the mpi backend; run "
                         "`taskpar run --backend mpi SCRIPT` or `mpiexec -n K python -m "
                         "taskpar run --backend mpi SCRIPT`\n")
        comm.Abort(2)
    channel: list = []
    try:
        _launched_manager(comm, directory, channel)
    except BaseException:  # noqa: BLE001 - reported by the launcher, which then kills the job
        text = traceback.format_exc()
        sys.stderr.write(text)
        sys.stderr.flush()
        if channel:
            sock, ctl = channel
            try:
                # the launcher decides: often a worker died and MPI noticed here first
                ctl.send(InternalError(-1, text))
                sock.settimeout(INTERNAL_GRACE)
                sock.recv(1)  # returns at EOF: the launcher is gone
            except OSError:
                pass
        comm.Abort(70)
