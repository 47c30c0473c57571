"""``python -m taskpar.runtime.mpi``: every rank of a launched mpi run (see ``launched``)."""

# run the imported module's ``main``, nothing of ``__main__``: records pickled
# on rank 0 must name their modules (``taskpar.runtime.mpi.protocol``), and
# the script's ``__main__`` replaces this one on the workers
from taskpar.runtime.mpi.launched import main

main()
