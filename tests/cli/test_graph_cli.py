"""`taskpar graph`: formats, the JSON interface, and bad input."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from support import EXAMPLES, python, taskpar

pytestmark = pytest.mark.timeout(60)

STATEMENT_KEYS = {"id", "lineno", "col_offset", "end_lineno", "source", "reads", "writes",
                  "mutates", "resources", "barrier", "barrier_reason", "assumed", "pin", "loop"}


def test_dot_is_default_and_names_lines():
    r = taskpar("graph", EXAMPLES / "three_chains.py")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("digraph taskpar {")
    assert '"11: a = step(0)"' in r.stdout  # line number and source excerpt


def test_json_interface_is_exact(tmp_path):
    src = tmp_path / "s.py"
    src.write_text("a = 1; b = 2\nc = a + b\n")
    r = taskpar("graph", src, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"script", "statements", "edges", "colocate"}
    assert data["script"] == str(src)
    ids = [s["id"] for s in data["statements"]]
    assert ids == [0, 1, 2]
    for s in data["statements"]:
        assert set(s) == STATEMENT_KEYS
    # two statements on one line separated by ';' are two statements
    assert [(s["lineno"], s["col_offset"]) for s in data["statements"]] == [(1, 0), (1, 7), (2, 0)]
    for e in data["edges"]:
        assert set(e) == {"src", "dst", "kind", "vars"}
        assert e["kind"] in ("RAW", "WAR", "WAW", "ORDER")


def test_output_file_format_from_extension(tmp_path):
    out = tmp_path / "g.json"
    r = taskpar("graph", EXAMPLES / "fan_in.py", "-o", out)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["statements"]


@pytest.mark.needs_dot
@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_pictures(tmp_path, fmt, magic):
    if shutil.which("dot") is None and not os.environ.get("CI"):
        pytest.skip("Graphviz's dot program is not installed (CI installs it)")
    out = tmp_path / f"g.{fmt}"
    r = taskpar("graph", EXAMPLES / "three_chains.py", "--format", fmt, "-o", out)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(magic)


def test_empty_script_is_empty_graph(tmp_path):
    src = tmp_path / "empty.py"
    src.write_text("")
    r = taskpar("graph", src, "-f", "json")
    assert r.returncode == 0
    assert json.loads(r.stdout) == {"script": str(src), "statements": [], "edges": [], "colocate": []}


def test_syntax_error_printed_as_python_prints_it(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text("x = 1\ny = (\n")
    r = taskpar("graph", src)
    p = python(src)
    assert r.returncode == 1 == p.returncode
    assert r.stderr == p.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("make,needle", [
    (lambda d: d / "missing.py", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: (d / "bin.py").write_bytes(b"x = 1\x00\x01") and d / "bin.py", "binary"),
    (lambda d: (d / "latin.py").write_bytes(b"s = '\xe9'\n") and d / "latin.py", "UTF-8"),
])
def test_unreadable_scripts_get_one_clear_line(tmp_path, make, needle):
    path = make(tmp_path)
    r = taskpar("graph", path)
    assert r.returncode == 2
    assert needle in r.stderr
    assert str(path) in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("pin", ["0", "-1", "two", "1.5"])
def test_bad_pin_names_file_and_line(tmp_path, pin):
    src = tmp_path / "pins.py"
    src.write_text(f"a = 1\nb = 2  # taskpar: worker {pin}\n")
    r = taskpar("graph", src)
    assert r.returncode == 2, r.stdout
    assert f"{src}:2" in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
