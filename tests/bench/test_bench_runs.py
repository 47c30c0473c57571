"""bench/run.py still runs (figures are not judged here: benchmarks are not tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(300)
def test_bench_quick_startup_runs(tmp_path):
    subprocess.run([sys.executable, "bench/run.py", "--quick", "--only", "startup", "--out",
                    str(tmp_path)], cwd=ROOT, check=True, timeout=280, capture_output=True)
    text = (tmp_path / "RESULTS-only.md").read_text()
    assert "Start-up and shutdown" in text and "taskpar[local]" in text


@pytest.mark.timeout(300)
def test_bench_quick_analysis_runs_and_plots(tmp_path):
    subprocess.run([sys.executable, "bench/run.py", "--quick", "--only", "analysis", "--out",
                    str(tmp_path)], cwd=ROOT, check=True, timeout=280, capture_output=True)
    text = (tmp_path / "RESULTS-only.md").read_text()
    assert "Analysis time against statements" in text and "progen seed 1" in text
    assert "Errors in this run" not in text
    assert (tmp_path / "analysis-only.png").stat().st_size > 1000
