"""The corpus of realistic scripts: ``taskpar run`` must be python.

Every ``*.py`` here is a script users might write (scikit-learn, pandas,
scipy, matplotlib, the random module, files, logging...), except modules
another corpus file imports (``helpers_mod.py``). Each is run with python and
with ``taskpar run -w 2`` and ``-w 4`` (cwd = this directory); stdout, stderr
and the exit status must be identical.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _imported_modules(paths):
    names = set()
    for p in paths:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def corpus_scripts() -> list[Path]:
    """Corpus scripts, sorted: every .py here but tests and imported modules."""
    files = [p for p in HERE.glob("*.py") if not p.name.startswith(("test_", "conftest"))]
    imported = _imported_modules(files)
    return sorted(p for p in files if p.stem not in imported)


SCRIPTS = corpus_scripts()


def _run(argv, timeout):
    r = subprocess.run(argv, cwd=HERE, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


@functools.lru_cache(maxsize=None)
def python_run(name: str):
    return _run([sys.executable, name], timeout=60)


def test_corpus_is_large_enough():
    assert len(SCRIPTS) >= 12
    assert "helpers_mod.py" not in {p.name for p in SCRIPTS}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", [p.name for p in SCRIPTS])
def test_script_runs_under_python(name):
    status, out, err = python_run(name)
    assert status == 0, err
    assert out


@pytest.mark.timeout(180)
@pytest.mark.parametrize("workers", [2, 4])
@pytest.mark.parametrize("name", [p.name for p in SCRIPTS])
def test_identical_to_python(name, workers):
    expected = python_run(name)
    got = _run([sys.executable, "-m", "taskpar", "run", name, "-w", str(workers)], timeout=150)
    assert got == expected
