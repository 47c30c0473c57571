"""Small helper module imported by uses_helpers.py (not a corpus script)."""
import math

CALLS = {"normalize": 0}


def normalize(values):
    CALLS["normalize"] += 1
    total = sum(values)
    return [v / total for v in values]


def entropy(probs):
    return -sum(p * math.log2(p) for p in probs if p > 0)


class RunningStats:
    def __init__(self):
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def push(self, x):
        self.n += 1
        d = x - self.mean
        self.mean += d / self.n
        self.m2 += d * (x - self.mean)

    @property
    def variance(self):
        return self.m2 / (self.n - 1) if self.n > 1 else 0.0
