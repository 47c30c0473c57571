# Loops over instances of the script's own classes: a fresh object per
# iteration, distinct objects made before the loop, one object shared by every
# iteration, and a class attribute every iteration changes (a carried state).
import math


def work(x, n=20000):
    s = 0.0
    for k in range(n):
        s += math.sin(x * k)
    return s


class Walker:
    made = 0

    def __init__(self, seed):
        self.pos = float(seed)
        self.history = []

    def step(self):
        self.pos += work(self.pos) % 1.0
        self.history.append(round(self.pos, 6))

    @classmethod
    def count(cls):
        cls.made += 1
        return cls.made


fresh = {}
for seed in range(5):
    w = Walker(seed)
    for _ in range(3):
        w.step()
    fresh[seed] = w.history
print("fresh", fresh)
print("w after the loop", w.pos == fresh[4][-1], len(w.history))

walkers = [Walker(10 * s) for s in range(4)]
for walker in walkers:
    walker.step()
    walker.step()
print("distinct", [wk.history for wk in walkers])

shared = Walker(100)
for k in range(4):
    shared.step()
    print("shared", k, len(shared.history), shared.history[-1])

for k in range(4):
    n = Walker(k).count()
    print("carried", k, n, work(n, 5000) > -1e9)
print("made", Walker.made)
