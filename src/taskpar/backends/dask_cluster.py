"""Reaching a Dask cluster for the Dask backend: starting a LocalCluster,
connecting to a scheduler, finding the workers that play the plan's.

Separate from the backend's run (``taskpar.backends.dask``) because it is
about Dask deployment, not about running a plan: the configuration a
LocalCluster gets (``LOCAL_CONFIG``), the errors a user sees when a
scheduler is unreachable or has too few workers, and the SIGINT handling of
the worker processes it starts.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from contextlib import contextmanager

from ..errors import BackendUnavailable, NetworkError, UsageError, WorkerStartError
from ..runtime.messages import Job

__all__ = ["CONNECT_TIMEOUT", "START_TIMEOUT", "LOCAL_CONFIG", "require_distributed",
           "address_key", "workers_ignore_sigint", "start_local_cluster", "connect",
           "plan_workers"]

#: how long to wait for a scheduler given by address (and for its workers)
CONNECT_TIMEOUT = 5.0
#: how long a LocalCluster may take to start
START_TIMEOUT = 60.0
#: Dask configuration for a LocalCluster taskpar starts
LOCAL_CONFIG = {
    # a statement whose worker died must not run again elsewhere
    "distributed.scheduler.allowed-failures": 0,
    # the script's os.environ is the driver's (Dask sets OMP_NUM_THREADS=1 &c.)
    "distributed.nanny.pre-spawn-environ": {},
    "distributed.nanny.environ": {},
    # scripts may start processes (multiprocessing refuses in daemonic ones)
    "distributed.worker.daemon": False,
}


def require_distributed():
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise BackendUnavailable(
            "the dask backend needs Dask distributed: pip install 'taskpar[dask]'") from None
    return distributed


def address_key(address: str):
    """Sort key for worker addresses: host, then the port as a number."""
    head, _, port = address.rpartition(":")
    return (head, int(port)) if port.isdigit() else (address, 0)


@contextmanager
def workers_ignore_sigint():
    """Processes started meanwhile ignore SIGINT (the disposition survives exec).

    A terminal's Ctrl-C goes to the whole process group: the driver stops
    the run and closes the cluster; Dask's worker processes must not die
    first, printing their own tracebacks. (A Ctrl-C while the cluster
    starts is lost: the driver ignores SIGINT for that second too.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def start_local_cluster(workers: int, job: Job, start_timeout: float):
    """A LocalCluster of ``workers`` one-thread worker processes (see ``LOCAL_CONFIG``)."""
    import dask
    from distributed import LocalCluster

    kwargs = {}
    if job.env is not None:
        kwargs["env"] = dict(job.env)
    try:
        with dask.config.set(LOCAL_CONFIG), workers_ignore_sigint():
            return LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                scheduler_port=0, dashboard_address=None, worker_dashboard_address=None,
                # no dashboard; the scheduler's HTTP server (health checks) would
                # otherwise try port 8787 first
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.CRITICAL, memory_limit=0,
                timeout=start_timeout, **kwargs)
    except Exception as e:  # noqa: BLE001 - Dask raises many kinds here
        raise WorkerStartError(
            f"could not start a Dask LocalCluster of {workers} workers: "
            f"{type(e).__name__}: {e} (a program that calls taskpar's API needs an "
            f"`if __name__ == \"__main__\":` guard: Dask spawns its workers)") from None

def connect(target, where: str, connect_timeout: float):
    """A Client of ``target`` (a cluster or a scheduler address), or the error saying why not."""
    from distributed import Client

    try:
        return Client(target, set_as_default=False, timeout=connect_timeout)
    except ValueError as e:
        raise UsageError(f"--address {target!r} is not a Dask scheduler address "
                         f"(tcp://HOST:PORT): {e}") from None
    except (OSError, TimeoutError) as e:
        raise NetworkError(
            f"could not reach the Dask scheduler at {where} within "
            f"{connect_timeout:g} s ({e}); check that the scheduler is running "
            f"(`dask scheduler` prints its address), that the host and port are right "
            f"(the default port is 8786) and that no firewall blocks them") from None

def plan_workers(client, n: int, own: bool, address: str | None, start_timeout: float,
                 connect_timeout: float) -> list[str]:
    """The addresses of the ``n`` Dask workers that play plan workers 0..n-1 (sorted by
    address), waiting for them up to the timeout; ``own``: a LocalCluster taskpar started."""
    deadline = time.monotonic() + (start_timeout if own else connect_timeout)
    while True:
        try:
            found = list(client.scheduler_info(n_workers=-1)["workers"])
        except Exception as e:  # noqa: BLE001
            raise NetworkError(f"lost the Dask scheduler at {address}: {e}") from None
        if len(found) >= n or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if len(found) < n:
        where = address or "the LocalCluster"
        if own:
            raise WorkerStartError(f"only {len(found)} of {n} Dask workers of {where} started")
        if not found:
            raise UsageError(f"the plan needs {n} workers, the cluster at {where} has none; "
                             f"start some (`dask worker {where} --nthreads 1`)")
        raise UsageError(f"the plan needs {n} workers, the cluster at {where} has "
                         f"{len(found)}; use -w {len(found)}")
    return sorted(found, key=address_key)[:n]
