"""Issue 14's findings end to end: ``taskpar run`` prints what python prints.

Each program in ``programs/`` once gave other output under taskpar than
under python (a statement turned barrier lost its values; ``globals()`` saw
one worker's names; scikit-learn and statsmodels drew from numpy's global
generator unseen; formula strings named script functions; sets of strings
were rebuilt in another worker's hash order). Each runs with ``-w 2`` and
``-w 3`` on a fresh cache and again on the warm one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import python, taskpar

PROGRAMS = Path(__file__).resolve().parent / "programs"
NEEDS = {"arma_samples.py": "statsmodels", "formula_names.py": "statsmodels",
         "forest_seeded.py": "sklearn", "environ_after_import.py": "sklearn",
         "networkx_drawing.py": "networkx"}


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


#: every program with 3 workers; those that import no heavy library with 2 too
#: (scikit-learn and statsmodels take seconds to import in every worker)
CASES = [(p.name, w) for p in sorted(PROGRAMS.glob("*.py"))
         for w in ((3,) if p.name in NEEDS else (2, 3))]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name,workers", CASES)
def test_program_identical_to_python(name, workers, tmp_path):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    env = dict(os.environ, TASKPAR_CACHE_DIR=str(tmp_path / "cache"), PYTHONHASHSEED="7")
    if name == "hash_across_workers.py":  # python's own random seed, one per run
        del env["PYTHONHASHSEED"]
    (tmp_path / "python").mkdir()
    expected = python(PROGRAMS / name, cwd=tmp_path / "python", env=env)
    # (a program that ends in a traceback on purpose says so in its name)
    assert expected.returncode == 0 or "traceback" in name, expected.stderr
    for attempt in ("fresh cache", "warm cache"):
        cwd = tmp_path / attempt.split()[0]
        cwd.mkdir()
        # warm: the plan from measured costs on every worker (auto could choose
        # one worker for a program this short)
        warm = ("--schedule", "static") if attempt == "warm cache" else ()
        got = taskpar("run", PROGRAMS / name, "-w", workers, *warm, cwd=cwd, env=env)
        assert (got.returncode, got.stdout, got.stderr) == (
            expected.returncode, expected.stdout, expected.stderr), attempt
        assert files(cwd) == files(tmp_path / "python"), attempt
