"""A manager in its own process (for tests that kill it or feed it stdin).

usage: python manager_main.py SCRIPT WORKERS PIDFILE [ARGS...]
Writes the worker pids (and the fork server's) to PIDFILE once the first statement started, prints
the run's stdout (as the driver shows it) when it ends.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/

from rt_helpers import make_plan, simple_script  # noqa: E402
from support import run_on  # noqa: E402

from taskpar.backends.local import LocalBackend  # noqa: E402
from taskpar.runtime.messages import StatementStarted  # noqa: E402


def main():
    path, workers, pidfile, *args = sys.argv[1:]
    script = simple_script(open(path).read(), os.path.abspath(path))
    plan = make_plan(script, int(workers))
    backend = LocalBackend()
    written = []

    def on_event(e):
        if isinstance(e, StatementStarted) and not written:
            with open(pidfile + ".tmp", "w") as f:
                json.dump(backend.pids + [backend.server_pid] * bool(backend.server_pid), f)
            os.rename(pidfile + ".tmp", pidfile)
            written.append(1)
        return True

    result = run_on(backend, plan, cwd=os.getcwd(), args=args, on_event=on_event, to_end=True)
    sys.stdout.write(result.stdout)


main()
