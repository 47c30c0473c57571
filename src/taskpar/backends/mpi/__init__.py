"""The mpi backend (``backend``)."""

from .backend import (INSTALL_HINT, MPIBackend, external_workers, find_mpiexec, in_mpi_job,
                      is_worker_rank, serve_worker_rank)

__all__ = ["MPIBackend", "find_mpiexec", "in_mpi_job", "is_worker_rank", "serve_worker_rank",
           "external_workers", "INSTALL_HINT"]
