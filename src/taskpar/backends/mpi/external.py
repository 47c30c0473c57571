"""Mode (b): this process is a rank of the user's MPI job (``mpiexec -n K
python -m taskpar run --backend mpi``, or srun).

Ranks 1..K-1 serve rank 0 (``serve_worker_rank``) and print nothing; rank 0
is the driver: it counts the workers (``external_workers``) and, when it
exits, releases them (or, after a failed run, aborts the job) so that no
rank is left waiting.
"""

from __future__ import annotations

import atexit
import os
import sys

from ...errors import UsageError
from .discovery import require_mpi4py

__all__ = ["in_mpi_job", "is_worker_rank", "serve_worker_rank", "external_workers", "world",
           "ExternalState", "MPI_JOB_VARS"]

#: environment variables that say "this process is a rank of an MPI job"
MPI_JOB_VARS = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                "OMPI_COMM_WORLD_RANK", "MPI_LOCALNRANKS")


def in_mpi_job(environ=None) -> bool:
    """True when this process was started as a rank of an MPI job (mpiexec, srun)."""
    env = os.environ if environ is None else environ
    return any(v in env for v in MPI_JOB_VARS)


def world():
    require_mpi4py()
    from mpi4py import MPI

    return MPI.COMM_WORLD


def is_worker_rank() -> bool:
    """Inside an MPI job, on a rank other than 0."""
    return in_mpi_job() and world().Get_rank() != 0


def serve_worker_rank() -> None:
    """Ranks 1..K-1 of ``mpiexec -n K python -m taskpar run --backend mpi``:
    work for rank 0, print nothing, finalize MPI and exit 0. Never returns."""
    from ...runtime.mpi.rank import serve_worker

    serve_worker(world())


class ExternalState:
    """Rank 0 in mode (b): what to do with the workers when this process exits."""

    ran = False  # a run started: its end released the workers (or must abort)
    failed = False  # that run raised: abort the job at exit
    registered = False


def _at_exit() -> None:
    comm = world()
    if not ExternalState.ran:
        from .rank0 import release_workers

        release_workers(comm)  # e.g. the script did not parse: workers wait for nothing
    elif ExternalState.failed:
        sys.stdout.flush()
        sys.stderr.flush()
        comm.Abort(1)


def external_workers(requested: int | None = None) -> int:
    """Rank 0 of an MPI job: the number of workers (world size - 1).

    ``requested`` is the user's ``-w`` (None if not given); it must agree.
    Call it before anything can fail: from then on, leaving the process
    releases (or, after a failed run, aborts) the worker ranks.
    """
    comm = world()
    size = comm.Get_size()
    if not ExternalState.registered:
        ExternalState.registered = True
        atexit.register(_at_exit)
    if size < 2:
        raise UsageError("under mpiexec the mpi backend needs at least 2 ranks (rank 0 manages, "
                         "ranks 1.. are the workers): use mpiexec -n K with K >= 2")
    if requested is not None and requested != size - 1:
        raise UsageError(f"-w {requested} does not match the MPI job: with {size} ranks there are "
                         f"{size - 1} workers (rank 0 manages); drop -w or use mpiexec -n "
                         f"{requested + 1}")
    return size - 1
