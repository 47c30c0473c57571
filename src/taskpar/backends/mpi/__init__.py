"""The mpi backend: the plan's workers are MPI ranks; values move with mpi4py.

Rank 0 is the manager (it runs no statement); ranks 1..N are the plan's
workers 0..N-1, so ``-w N`` means N+1 ranks and ``mpiexec -n K`` gives K-1
workers. A dedicated manager rank keeps the failure rule, the replay and the
terminal off the ranks that run the user's statements, and lets it poll the
workers' events without ever waiting on a statement. The per-rank program is
``taskpar.runtime.mpi`` (a thin shell around the sans-I/O interpreter,
like ``runtime/worker.py`` is for sockets); rank 0's loop is ``rank0`` here.

Two ways to run, one protocol between the ranks::

  (a) taskpar run --backend mpi -w N script.py            ("launched" mode)

      taskpar run (this process: the driver, replays and prints)
        │  mkdtemp 0700: secret (0600) + Unix socket; env TASKPAR_MPI_CONTROL=dir
        │  spawns, in its own session, stdin /dev/null, output to a temp file:
        │    mpiexec -n N+1 python -P -m taskpar.runtime.mpi
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

Faults (a dead rank, a dead launcher, an error in rank 0): see ``supervise``.

Limits: the script's stdin is /dev/null on the workers (mpiexec forwards
stdin to rank 0 only, and launched mode does not give it the terminal);
mpiexec adds about half a second of start-up; ``Job.env`` is honoured in
launched mode only (in mode (b) the ranks have the launcher's environment).

The modules, one responsibility each (the ranks' side is
``taskpar.runtime.mpi``)::

    backend         MPIBackend: runs a plan in either mode; rank 0's records
                    turned into the driver's events
    rank0           rank 0's manager loop (``Manager``), in either mode
    external        mode (b): this process is a rank of the user's MPI job
    discovery       finding mpiexec and mpi4py
    supervise       launched mode: watching mpiexec and the ranks, ending the job
    mpiexec_output  what mpiexec prints: who died and how, its output's tail
    procfs          /proc: how a process ended, its descendants, our ranks
"""

from .backend import MPIBackend
from .discovery import INSTALL_HINT, find_mpiexec
from .external import external_workers, in_mpi_job, is_worker_rank, serve_worker_rank

__all__ = ["MPIBackend", "find_mpiexec", "in_mpi_job", "is_worker_rank", "serve_worker_rank",
           "external_workers", "INSTALL_HINT"]
