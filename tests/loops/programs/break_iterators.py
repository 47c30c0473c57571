# Loops that can break, over iterators (not containers): the items are
# taken from a copy of the iterator, and the iterator itself moves one
# iteration at a time, so after the break it is where python leaves it.
import math


def heavy(x, n=30000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return s


configs = [{"name": f"run{i}", "x": 0.5 + i} for i in range(6)]
for i, cfg in enumerate(configs):
    cfg["value"] = round(heavy(cfg["x"]), 6)
    print(i, cfg["name"], cfg["value"])
    if cfg["value"] < 0:
        break
else:
    print("no break")

# the wrapped iterator is the script's own: python leaves it after the break
it = iter(range(10))
next(it)
for k, v in enumerate(it, 100):
    r = heavy(v / 3.0)
    print("k", k, v, round(r, 6))
    if v >= 4:
        break
print("left in it:", list(it))

pairs = zip(iter([1.0, 2.0, 3.0, 4.0]), "abcd")
for x, tag in pairs:
    w = heavy(x * 1.5)
    print(tag, round(w, 6))
    if tag == "c":
        break
print("rest of pairs:", list(pairs))

d = {"a": 0.25, "b": 0.5, "c": 0.75}
for key, val in iter(d.items()):
    h = heavy(val)
    if h > 1.0:
        print("break at", key)
        break
    print(key, round(h, 6))
