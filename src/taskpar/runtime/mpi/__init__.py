"""The MPI ranks of the mpi backend: rank 0 manages, ranks 1..N work.

``python -m taskpar.runtime.mpi`` (``__main__``, then ``launched.main``) is
what the mpi backend gives mpiexec in launched mode; under the user's own
mpiexec the CLI sends ranks 1..K-1 to ``rank.serve_worker``. Rank 0's
manager loop is ``taskpar.backends.mpi.rank0`` (manager code, which rank 0
runs in either mode). See the diagram in ``taskpar.backends.mpi``.

The modules::

    protocol   what the ranks send each other: tags, records, values on the wire
    rank       a worker rank (ranks 1..N): a shell around the interpreter
    connect    a rank's connections to the launching taskpar process
    launched   launched mode: every rank's entry point, rank 0's link to the launcher
    __main__   ``python -m taskpar.runtime.mpi``
"""
