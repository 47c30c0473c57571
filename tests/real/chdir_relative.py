# Change into a scratch directory and work with relative paths there.
import csv
import os
import shutil
import tempfile

start = os.getcwd()
scratch = tempfile.mkdtemp(prefix="chdir_")
os.chdir(scratch)
os.makedirs("data/raw", exist_ok=True)
os.makedirs("data/clean", exist_ok=True)

rows = [{"name": f"item{i}", "value": str(i * i % 17)} for i in range(30)]
with open("data/raw/items.csv", "w", newline="") as fh:
    writer = csv.DictWriter(fh, fieldnames=["name", "value"])
    writer.writeheader()
    writer.writerows(rows)

with open("data/raw/items.csv", newline="") as fh:
    loaded = list(csv.DictReader(fh))
print("loaded rows:", len(loaded))

clean = [r for r in loaded if int(r["value"]) > 5]
with open(os.path.join("data", "clean", "items.csv"), "w", newline="") as fh:
    writer = csv.DictWriter(fh, fieldnames=["name", "value"])
    writer.writeheader()
    writer.writerows(clean)
print("kept rows:", len(clean))
print("tree:", sorted(os.listdir("data")), sorted(os.listdir("data/clean")))
sizes = {p: os.path.getsize(os.path.join("data", p, "items.csv")) > 0 for p in ("raw", "clean")}
print("sizes non-zero:", sizes)
print("inside scratch:", os.path.basename(os.getcwd()).startswith("chdir_"))
os.chdir(start)
print("back home:", os.getcwd() == start)
print("relative file gone from here:", not os.path.exists("data/raw/items.csv"))
shutil.rmtree(scratch)
print("values:", sorted(int(r["value"]) for r in clean)[:10])
