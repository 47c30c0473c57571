# Objects that cannot be pickled, used across several statements: an open
# file, a generator, a lock and a sqlite connection.
import itertools
import os
import sqlite3
import tempfile
import threading

tmpdir = tempfile.mkdtemp()
log_path = os.path.join(tmpdir, "events.log")
log_file = open(log_path, "w")
log_file.write("start\n")

lock = threading.Lock()
counter = {"n": 0}
with lock:
    counter["n"] += 1


def squares():
    for i in itertools.count(1):
        yield i * i


gen = squares()
first_three = [next(gen) for _ in range(3)]
print("first three squares:", first_three)
next_two = [next(gen), next(gen)]
print("next two:", next_two)
log_file.write(f"squares {first_three + next_two}\n")

conn = sqlite3.connect(":memory:")
cur = conn.cursor()
cur.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
cur.executemany("INSERT INTO runs (name, score) VALUES (?, ?)",
                [("a", 0.5), ("b", 0.75), ("c", 0.25), ("d", 1.0)])
conn.commit()
rows = cur.execute("SELECT name, score FROM runs ORDER BY score DESC").fetchall()
print("rows:", rows)
with lock:
    counter["n"] += 1
avg = conn.execute("SELECT AVG(score) FROM runs").fetchone()[0]
print("average score:", avg)
log_file.write(f"avg {avg}\n")
print("lock held now:", lock.locked(), "counter:", counter["n"])
conn.close()
log_file.close()
with open(log_path) as fh:
    print(fh.read().splitlines())
os.remove(log_path)
os.rmdir(tmpdir)
print("after cleanup, generator gives:", next(gen))
