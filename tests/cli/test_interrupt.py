"""Ctrl-C: every process stops, exit status 130."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest


@pytest.mark.timeout(60)
def test_sigint_stops_everything_with_status_130(tmp_path):
    src = tmp_path / "slow.py"
    src.write_text(textwrap.dedent("""\
        import time
        print("started", flush=True)
        a = time.sleep(30)
        b = time.sleep(30)
        print("never")
        """))
    proc = subprocess.Popen([sys.executable, "-m", "taskpar", "run", str(src), "-w", "2", "--no-cache"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "started\n"
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) >= 2
        time.sleep(0.5)  # both sleeps are running
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "never" not in out
    assert "KeyboardInterrupt" in err
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert not alive, f"left running: {alive}"
