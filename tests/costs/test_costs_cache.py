"""The cost cache: round trip, edits, bad files, concurrent writers."""

import json
import multiprocessing
import os

import pytest

from taskpar.analysis import analyze_source
from taskpar.costs import (DEFAULT_BANDWIDTH, DEFAULT_LATENCY, Costs, cache_dir, cache_file,
                           load_colocation, load_costs, record_colocation, record_costs,
                           statement_keys)

SOURCE = """\
import time
a = 1
b = a + 1
a = 1
print(a, b)
"""


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("TASKPAR_CACHE_DIR", str(d))
    return d


def script(tmp_path, source=SOURCE, name="s.py"):
    return analyze_source(source, str(tmp_path / name))


def test_cache_dir_from_env(cache, tmp_path):
    assert cache_dir() == cache
    assert cache_file(script(tmp_path)).parent == cache / "costs"


def test_empty_when_missing(tmp_path):
    c = load_costs(script(tmp_path))
    assert c == Costs()
    assert (c.latency, c.bandwidth) == (DEFAULT_LATENCY, DEFAULT_BANDWIDTH)
    assert c.messages == ()
    assert load_colocation(script(tmp_path)) == []


def test_round_trip(tmp_path):
    s = script(tmp_path)
    msg = record_costs(s, {0: 0.5, 1: 0.001, 2: (0.2, 0.4)}, "local",
                       nbytes={(1, "a"): 28, (2, "b"): 1000}, latency=2e-4, bandwidth=5e8)
    assert msg is None
    c = load_costs(s)
    assert c.seconds == {0: 0.5, 1: 0.001, 2: (0.2, 0.4)}
    assert c.nbytes == {(1, "a"): 28, (2, "b"): 1000}
    assert (c.latency, c.bandwidth) == (2e-4, 5e8)
    assert c.messages == ()
    # other backends keep their own latency/bandwidth
    assert load_costs(s, "dask").latency == DEFAULT_LATENCY


def test_moving_average_and_runs(tmp_path):
    s = script(tmp_path)
    record_costs(s, {0: 1.0})
    record_costs(s, {0: 3.0})
    assert load_costs(s).seconds[0] == pytest.approx(2.0)
    data = json.loads(cache_file(s).read_text())
    assert data["statements"][statement_keys(s)[0]]["runs"] == 2


def test_duplicate_statements_keep_separate_costs(tmp_path):
    s = script(tmp_path)
    keys = statement_keys(s)
    assert keys[1] != keys[3] and keys[1].split(":")[0] == keys[3].split(":")[0]
    record_costs(s, {1: 0.1, 3: 0.3})
    assert load_costs(s).seconds == {1: 0.1, 3: 0.3}


def test_editing_one_statement_keeps_the_others(tmp_path):
    s = script(tmp_path)
    record_costs(s, {0: 0.01, 1: 0.02, 2: 0.03, 3: 0.04, 4: 0.05})
    edited = script(tmp_path, SOURCE.replace("b = a + 1", "b = a + 2\n# moved down a line"))
    c = load_costs(edited)
    assert c.seconds == {0: 0.01, 1: 0.02, 3: 0.04, 4: 0.05}
    inserted = script(tmp_path, "x = 0\n" + SOURCE)
    assert load_costs(inserted).seconds == {1: 0.01, 2: 0.02, 3: 0.03, 4: 0.04, 5: 0.05}


@pytest.mark.parametrize("content", [
    "{not json", "", "[]", '{"format": "something-else"}',
    '{"format": "taskpar-costs", "version": 99}',
    '{"format": "taskpar-costs", "version": 1, "script": "X", "statements": {"k": {"seconds": -1}},'
    ' "backends": {}, "colocate": []}',
])
def test_corrupt_file_is_ignored_with_a_message(tmp_path, content):
    s = script(tmp_path)
    f = cache_file(s)
    f.parent.mkdir(parents=True)
    f.write_text(content)
    c = load_costs(s)
    assert c.seconds == {} and c.nbytes == {}
    assert len(c.messages) == 1 and str(f) in c.messages[0] and "ignoring" in c.messages[0]
    assert load_colocation(s) == []
    msg = record_costs(s, {0: 1.0})
    assert msg and "replaced" in msg
    assert load_costs(s).seconds == {0: 1.0} and load_costs(s).messages == ()


def test_binary_garbage_is_ignored(tmp_path):
    s = script(tmp_path)
    f = cache_file(s)
    f.parent.mkdir(parents=True)
    f.write_bytes(b"\xff\xfe\x00garbage")
    assert load_costs(s).messages


def test_foreign_file_is_ignored(tmp_path):
    s = script(tmp_path)
    record_costs(s, {0: 1.0})
    other = script(tmp_path, name="other.py")
    os.replace(cache_file(s), cache_file(other))
    c = load_costs(other)
    assert c.seconds == {} and "belongs to" in c.messages[0]


def test_unwritable_cache_gives_a_message(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TASKPAR_CACHE_DIR", str(blocker))  # a file, not a directory
    msg = record_costs(script(tmp_path), {0: 1.0})
    assert msg and "could not write" in msg


def test_colocation_round_trip(tmp_path):
    s = script(tmp_path)
    assert record_colocation(s, [2, 4]) is None
    record_colocation(s, [4, 2])  # same group: not duplicated
    record_colocation(s, [0])  # a single statement is no group
    assert load_colocation(s) == [(2, 4)]
    # statement 2 edited: the group loses a member and disappears
    edited = script(tmp_path, SOURCE.replace("b = a + 1", "b = a + 3"))
    assert load_colocation(edited) == []
    record_colocation(s, [0, 1, 4])
    moved = script(tmp_path, "pass\n" + SOURCE)
    assert load_colocation(moved) == [(1, 2, 5), (3, 5)]


def _writer(args):
    cache, path, worker, rounds = args
    os.environ["TASKPAR_CACHE_DIR"] = cache
    src = "".join(f"x{k} = {k}\n" for k in range(8))
    s = analyze_source(src, path)
    for r in range(rounds):
        record_costs(s, {worker: float(worker + 1)}, nbytes={(worker, f"x{worker}"): r})
    return True


def test_concurrent_writers_do_not_corrupt(tmp_path, cache):
    path = str(tmp_path / "conc.py")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        assert all(pool.map(_writer, [(str(cache), path, w, 15) for w in range(8)]))
    s = analyze_source("".join(f"x{k} = {k}\n" for k in range(8)), path)
    c = load_costs(s)
    assert c.messages == ()
    assert c.seconds == {w: float(w + 1) for w in range(8)}  # no update lost
    assert c.nbytes == {(w, f"x{w}"): 14 for w in range(8)}
    leftovers = [p for p in (cache / "costs").iterdir() if p.suffix == ".tmp"]
    assert leftovers == []


def test_a_write_reuses_the_loaded_file_but_not_a_changed_one(tmp_path, monkeypatch):
    import taskpar.costs as costs

    s = script(tmp_path)
    record_costs(s, {0: 1.0, 1: 2.0})
    assert load_costs(s).seconds == {0: 1.0, 1: 2.0}
    parses = []
    real = costs._parse
    monkeypatch.setattr(costs, "_parse", lambda *a: parses.append(1) or real(*a))
    record_costs(s, {0: 3.0})                          # the file as load_costs read it
    assert parses == [] and load_costs(s).seconds == {0: 2.0, 1: 2.0}
    # another run rewrites the file in place: same size, inode and modification time
    f = cache_file(s)
    st = f.stat()
    text = f.read_text()
    assert '"runs": 1' in text
    with open(f, "r+") as out:
        out.write(text.replace('"runs": 1', '"runs": 7'))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (f.stat().st_size, f.stat().st_mtime_ns, f.stat().st_ino) == (
        st.st_size, st.st_mtime_ns, st.st_ino)
    record_costs(s, {0: 1.0})                          # merged into what the file holds now
    assert parses == [1]
    data = json.loads(f.read_text())
    assert data["statements"][statement_keys(s)[1]]["runs"] == 7
    assert data["statements"][statement_keys(s)[0]]["runs"] == 3


def test_what_a_run_wrote_is_checked_when_read_back(tmp_path):
    # a measurement that is no number of seconds (NaN) is written as before,
    # and the next read finds the file corrupt, as it did when it parsed it
    s = script(tmp_path)
    assert record_costs(s, {0: float("nan")}) is None
    c = load_costs(s)
    assert c.seconds == {} and "ignoring corrupt" in c.messages[0]
    assert "ignoring corrupt" in record_costs(s, {0: 1.0})
    assert load_costs(s).seconds == {0: 1.0}


def test_hidden_state_and_loop_modes_of_many_statements(tmp_path):
    from taskpar.costs import (load_hidden_state, load_loop_modes, record_hidden_state,
                               record_loop_modes)

    s = script(tmp_path, "".join(f"x{k} = {k}\n" for k in range(50)))
    record_costs(s, {k: 0.1 for k in range(50)})
    record_hidden_state(s, {7: ["random"], 3: ["cwd"]}, {40: ["numpy.random"]})
    record_loop_modes(s, {20: "why", 10: "because"})
    assert load_hidden_state(s) == {3: (frozenset({"cwd"}), frozenset()),
                                    7: (frozenset({"random"}), frozenset()),
                                    40: (frozenset(), frozenset({"numpy.random"}))}
    assert list(load_hidden_state(s)) == [3, 7, 40] and load_loop_modes(s) == {10: "because", 20: "why"}
    moved = script(tmp_path, "pass\n" + "".join(f"x{k} = {k}\n" for k in range(50)))
    assert list(load_hidden_state(moved)) == [4, 8, 41] and list(load_loop_modes(moved)) == [11, 21]


def test_statement_keys_are_the_sha256_of_the_source_and_its_occurrence(tmp_path):
    import hashlib

    s = script(tmp_path, "a = 1\nb = 'é'\na = 1\n")
    assert statement_keys(s) == [
        f"{hashlib.sha256(t.encode()).hexdigest()[:32]}:{k}"
        for t, k in (("a = 1", 0), ("b = 'é'", 0), ("a = 1", 1))]
