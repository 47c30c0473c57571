"""The MPI ranks of the mpi backend (``rank``)."""
