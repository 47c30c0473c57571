# Items of the iterable that are one object, or share a mutable part: each
# iteration must see what the earlier ones did to it, as in python, so these
# loops run serially although their private work is heavy.
import math

import numpy as np


def heavy(x, n=30000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return s


class Acc:
    def __init__(self):
        self.n = 0


m = Acc()
out = []
for a in [m, m, m, Acc()]:          # the same object three times
    r = heavy(a.n + 1.0)
    a.n += 1
    out.append(round(r, 6))
print(out, m.n)

shared = {"seen": 0}
pipelines = [{"name": "p1", "state": shared}, {"name": "p2", "state": shared},
             {"name": "p3", "state": {"seen": 0}}]
for p in pipelines:                 # two items hold one dict
    v = heavy(p["state"]["seen"] + 0.5)
    p["state"]["seen"] += 1
    print(p["name"], round(v, 6), p["state"]["seen"])

X = np.arange(12.0).reshape(4, 3)
for row in X:                        # rows are views of one array, apart
    w = heavy(float(row.sum()) / 10)
    print("row", round(w, 6))

arr = np.zeros(3)
for b in [arr, arr]:                 # one array twice
    z = heavy(float(b.sum()) + 0.25)
    b += 1.0
    print("arr", round(z, 6), b.tolist())
