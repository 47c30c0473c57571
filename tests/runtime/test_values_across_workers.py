"""Values across workers (taskpar.runtime.values, end to end): state that
lives in class attributes or unpicklable objects.

Found by the generated-program conformance test: a class sent as a value
(``K`` after ``K.count += 3``) arrived as the receiver's own, stale class;
and an open file used by two statements failed on the first run.
"""

from __future__ import annotations

import textwrap

import pytest

import taskpar
from taskpar.analysis import analyze_source
from taskpar.graph import build_graph


def run(tmp_path, text, workers=3):
    src = tmp_path / "s.py"
    src.write_text(textwrap.dedent(text))
    return taskpar.run_script(src, workers=workers, use_cache=False)


@pytest.mark.timeout(60)
def test_class_attributes_set_on_one_worker_are_seen_on_another(tmp_path):
    r = run(tmp_path, """\
        class K:
            count = 0
        K.count = K.count + 3          # taskpar: worker 1
        x = [11, K.count]              # taskpar: worker 2
        print(x)
        """)
    assert (r.exit_status, r.stdout, r.stderr) == (0, "[11, 3]\n", "")


@pytest.mark.timeout(60)
def test_instances_keep_their_class_after_the_class_is_updated(tmp_path):
    r = run(tmp_path, """\
        class K:
            count = 0
        k = K()
        K.count = 5
        z = sum(range(10))
        print(isinstance(k, K), type(k).count, z)
        """)
    assert (r.exit_status, r.stdout) == (0, "True 5 45\n")


@pytest.mark.timeout(60)
def test_open_file_and_generator_stay_with_their_users_on_a_first_run(tmp_path):
    r = run(tmp_path, f"""\
        import os
        path = os.path.join({str(tmp_path)!r}, "out.txt")
        fh = open(path, "w")
        g = (i * i for i in range(5))
        a = 1 + 1
        fh.write("one\\n")
        first = next(g)
        b = a * 3
        fh.write("two\\n")
        rest = list(g)
        fh.close()
        print(first, rest, b, open(path).read().split())
        """, workers=4)
    assert (r.exit_status, r.stderr) == (0, "")
    assert r.stdout == "0 [1, 4, 9, 16] 6 ['one', 'two']\n"


def test_unpicklable_values_give_their_statements_one_process():
    script = analyze_source(textwrap.dedent("""\
        import threading, sqlite3
        lock = threading.Lock()
        con = sqlite3.connect(":memory:")
        x = 1
        with lock:
            y = 2
        cur = con.cursor()
        """), "s.py")
    groups = build_graph(script).colocate
    assert any({1, 4} <= set(g) for g in groups)      # the lock and its user
    assert any({2, 5} <= set(g) for g in groups)      # the connection and its cursor
    assert not any(3 in g for g in groups)            # x is free


@pytest.mark.timeout(60)
def test_a_subclass_sent_on_does_not_reset_its_base_class_where_it_returns(tmp_path):
    # Base's state changes on worker 1 while Sub goes 1 -> 2 -> 1: worker 2
    # makes a stand-in Base (it binds none), and cloudpickle's class
    # tracking mapped that stand-in back to worker 1's Base and set its
    # attributes to the stand-in's (found by scriptgen seed 16062)
    r = run(tmp_path, """\
        import time
        class Base:
            count = 0
        class Sub(Base):                  # taskpar: worker 1
            pass
        b = Base()                        # taskpar: worker 1
        Sub.kind = 'sub'                  # taskpar: worker 2
        Base.count = Base.count + 2       # taskpar: worker 1
        time.sleep(0.1)                   # taskpar: worker 1
        print(Base.count, Sub.count, Sub.kind, type(b).count)   # taskpar: worker 1
        """)
    assert (r.exit_status, r.stdout, r.stderr) == (0, "2 2 sub 2\n", "")
