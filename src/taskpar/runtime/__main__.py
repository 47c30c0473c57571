"""``python -m taskpar.runtime FD PID``: a worker process (see ``worker``)."""

from taskpar.runtime.worker import main

main()
