# numpy arrays made by the work apart and then changed by the statements
# that run in iteration order (a loop inside the body that prints): the
# array the chain gets must be writable, as python's is, small (pickled in
# band) or large (out-of-band buffers); items that are arrays too.
import math

import numpy as np


def heavy(x, n=40000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return s


rows = [np.full(3, float(i)) for i in range(4)]
for i, row in enumerate(rows):
    h = heavy(1.0 + i)
    small = np.zeros(8)
    big = np.zeros(200_000)
    mine = row * 2.0
    for j in range(3):
        small[j] = h + j
        big[-j - 1] = h
        mine[j] += 1.0
        print("iteration", i, "step", j)
    np.add(big[:4], 1.0, out=big[:4])
    print(small.flags.writeable, big.flags.writeable, mine.flags.writeable,
          round(small[:3].sum(), 6), round(big[-3:].sum() + big[:4].sum(), 6), mine.tolist())
print([r.tolist() for r in rows])
