"""bench/run.py still runs (figures are not judged here: benchmarks are not tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("only,shows,plot", [
    ("startup", ["Start-up and shutdown", "taskpar[local]"], None),
    ("analysis", ["Analysis time against statements", "progen seed 1"], "analysis-only.png"),
])
def test_bench_quick_runs(only, shows, plot, tmp_path):
    subprocess.run([sys.executable, "bench/run.py", "--quick", "--only", only, "--out",
                    str(tmp_path)], cwd=ROOT, check=True, timeout=280, capture_output=True)
    text = (tmp_path / "RESULTS-only.md").read_text()
    assert all(s in text for s in shows)
    if plot:  # (the analysis needs nothing the machine may lack: no error either)
        assert "Errors in this run" not in text
        assert (tmp_path / plot).read_bytes().startswith(b"\x89PNG")
