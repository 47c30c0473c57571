"""The environment the workers start with (decided by the manager, read by the worker)."""

from __future__ import annotations

import os

__all__ = ["HASHSEED_ENV", "worker_environment", "THREAD_ENV_VARS", "BLAS_CHOICES", "cores",
           "blas_threads"]

#: set beside PYTHONHASHSEED when taskpar chose the seed (not the user)
HASHSEED_ENV = "TASKPAR_HASHSEED"


def worker_environment(environ) -> dict[str, str] | None:
    """The workers' environment: the manager's, with one string hash seed.

    python hashes strings with a seed chosen at start-up, and the order of a
    set of strings follows it. Workers with different seeds would rebuild a
    set sent from another worker in an order python's one process never
    shows; with one seed per run (random, as python's, unless the user fixed
    ``PYTHONHASHSEED``) every worker iterates it alike. ``make_main_module``
    removes the variable again, so the script's ``os.environ`` is python's.
    None: inherit the environment as it is.
    """
    if environ.get("PYTHONHASHSEED", "random") != "random":
        return None
    seed = int.from_bytes(os.urandom(4), "little")  # as random as python's own (``secrets`` costs an import)
    return dict(environ, PYTHONHASHSEED=str(seed), **{HASHSEED_ENV: "1"})


#: variables that, when the user set them, mean "leave my thread pools alone"
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                   "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


#: ``--blas-threads`` choices besides a number (see ``blas_threads``)
BLAS_CHOICES = ("python", "auto")


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def blas_threads(setting, workers_here: int) -> int | None:
    """Threads per BLAS/OpenMP pool in a worker, from the ``--blas-threads``
    setting; the one place this is decided (local, MPI and Dask workers call
    it on their own node). ``workers_here``: workers of the run on this node.

    * ``None`` or ``"python"`` (the default): no limit — each pool has the
      size python gives it on this machine (its environment variables, all
      cores), so a multithreaded BLAS/LAPACK result has python's last digits;
      statements that overlap then share the cores (oversubscription);
    * ``"auto"``: cores ÷ workers here (at least 1), unless the user set one
      of ``THREAD_ENV_VARS``: faster when statements overlap, but the last
      digits of multithreaded BLAS/LAPACK results may differ from python's;
    * an int ``N``: N threads per pool.

    Returns the thread count to impose, or None to leave the pools alone.
    """
    if setting is None or setting == "python":
        return None
    if setting == "auto":
        if any(v in os.environ for v in THREAD_ENV_VARS):
            return None  # the user chose: respect it
        return max(1, cores() // max(1, workers_here))
    return max(1, int(setting))
