# Write a few text files into a scratch directory, count words, read back.
import collections
import glob
import os
import re
import shutil
import tempfile

texts = {
    "a.txt": "the quick brown fox jumps over the lazy dog\nthe end\n",
    "b.txt": "to be or not to be that is the question\n" * 3,
    "c.txt": "it was the best of times it was the worst of times\n",
    "d.txt": "all happy families are alike each unhappy family is unhappy in its own way\n",
}
workdir = tempfile.mkdtemp(prefix="words_")
for name, body in texts.items():
    with open(os.path.join(workdir, name), "w") as fh:
        fh.write(body)

files = sorted(glob.glob(os.path.join(workdir, "*.txt")))
print("files:", [os.path.basename(f) for f in files])


def words_in(path):
    with open(path) as fh:
        return re.findall(r"[a-z]+", fh.read().lower())


counts = {os.path.basename(f): collections.Counter(words_in(f)) for f in files}
total = sum(counts.values(), collections.Counter())
print("distinct words:", len(total))
print("most common:", total.most_common(5))
lengths = {name: sum(c.values()) for name, c in counts.items()}
print("words per file:", lengths)

summary_path = os.path.join(workdir, "summary.tsv")
with open(summary_path, "w") as fh:
    for word, n in sorted(total.items()):
        fh.write(f"{word}\t{n}\n")

with open(summary_path) as fh:
    rows = [line.rstrip("\n").split("\t") for line in fh]
print("summary rows:", len(rows), "first:", rows[0], "last:", rows[-1])
assert sum(int(n) for _, n in rows) == sum(lengths.values())

with open(os.path.join(workdir, "a.txt"), "a") as fh:
    fh.write("one more line for a\n")
print("a.txt now has", len(words_in(os.path.join(workdir, "a.txt"))), "words")
longest = max(total, key=lambda w: (len(w), w))
print("longest word:", longest)
shutil.rmtree(workdir)
print("done")
