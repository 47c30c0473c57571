"""The ``taskpar`` command ends without the interpreter's teardown
(``cli.exit_now``) only when the teardown has nothing left to do for the
user: its output, ``atexit`` functions and threads are as python's exit
would leave them."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.timeout(60)


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=50)


def test_output_and_atexit_functions_come_before_the_quick_exit():
    r = _run("""\
        import atexit, sys
        from taskpar.cli import exit_now
        atexit.register(lambda: print("atexit ran"))
        print("buffered", end=" ")
        sys.stderr.write("err")
        exit_now(4)
        print("never")
    """)
    assert (r.returncode, r.stdout, r.stderr) == (4, "buffered atexit ran\n", "err")


def test_a_thread_still_running_gets_pythons_own_exit():
    # python joins a non-daemon thread before it exits: the quick exit would
    # cut it off, so it is not taken
    r = _run("""\
        import threading, time
        from taskpar.cli import exit_now
        def late():
            time.sleep(0.3)
            print("thread done")
        threading.Thread(target=late).start()
        raise SystemExit(exit_now(3))
    """)
    assert (r.returncode, r.stdout) == (3, "thread done\n")
