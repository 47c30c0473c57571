"""The conformance examples on the oldest and newest supported interpreters.

``requires-python = ">=3.10"`` is a promise: the examples run under
``taskpar run`` on python 3.10 and 3.13 exactly as under that python. Each
interpreter gets a fresh venv with taskpar's required dependencies (and
numpy, which two examples import), taskpar itself from this checkout's
``src`` (the tree under test). Skipped, with the reason, where the
interpreter is not on the machine (CI machines have both under pyenv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml with tomllib (python >= 3.11)")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
#: the examples, the heavy one as its stand-in (test_conformance.HEAVY: the
#: same statements with fewer repeats); not three_chains.py, whose statements
#: are ``time.sleep`` (five of its seconds per interpreter) and prints that
#: the other examples have too
SCRIPTS = sorted([p for p in EXAMPLES.glob("*.py")
                  if p.name not in ("model_comparison.py", "three_chains.py")]
                 + [ROOT / "tests" / "standins" / "model_comparison_small.py"])
VERSIONS = ("3.10", "3.13")


def find_python(version: str) -> str | None:
    """pyenv's newest X.Y.*, else ``pythonX.Y`` on PATH; only one that runs
    (a pyenv shim of a version not selected does not)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = [str(d / "bin" / "python") for d in sorted(root.glob(f"{version}.*"), reverse=True)]
    found += [p for p in [shutil.which(f"python{version}")] if p]
    for exe in found:
        try:
            ok = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"],
                                capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if ok.returncode == 0 and ok.stdout.strip() == str(tuple(map(int, version.split(".")))):
            return exe
    return None


def required_dependencies() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


@pytest.fixture(scope="module", params=VERSIONS)
def venv_python(request, tmp_path_factory):
    version = request.param
    base = find_python(version)
    if base is None:
        pytest.skip(f"python {version} is not installed here (pyenv install {version})")
    venv = tmp_path_factory.mktemp(f"py{version}")
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=120)
    exe = str(venv / "bin" / "python")
    pip = subprocess.run([exe, "-m", "pip", "install", "-q", *required_dependencies(), "numpy"],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, f"pip install for python {version} failed:\n{pip.stderr[-3000:]}"
    return version, exe


@pytest.mark.timeout(1200)
def test_examples_match_python_on_the_oldest_and_newest_interpreters(venv_python, tmp_path):
    version, exe = venv_python
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=str(ROOT / "src"), TASKPAR_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPYCACHEPREFIX=str(tmp_path / "pycache"),  # nothing written into src/
               PYTHONUNBUFFERED=os.environ.get("PYTHONUNBUFFERED", ""))
    if not env["PYTHONUNBUFFERED"]:
        del env["PYTHONUNBUFFERED"]
    for path in SCRIPTS:
        script = str(path)
        want = subprocess.run([exe, script], cwd=path.parent, env=env, capture_output=True,
                              text=True, timeout=120)
        # a first run: dynamic assignment (the plan from measured costs is
        # the same code on every interpreter once the run itself works)
        got = subprocess.run([exe, "-m", "taskpar", "run", script, "-w", "2"], cwd=path.parent,
                             env=env, capture_output=True, text=True, timeout=300)
        assert (got.returncode, got.stdout, got.stderr) == (
            want.returncode, want.stdout, want.stderr), f"{path.name}, python {version}"


def test_this_interpreter_is_in_the_supported_range():
    with open(ROOT / "pyproject.toml", "rb") as f:
        spec = tomllib.load(f)["project"]["requires-python"]
    assert spec == f">={VERSIONS[0]}"
    assert sys.version_info[:2] >= tuple(int(x) for x in VERSIONS[0].split("."))
