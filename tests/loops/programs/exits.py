# SystemExit raised in an iteration's private work: later iterations show
# nothing, the exit status is python's.
import math
import sys


def heavy(x, n=30000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    if x > 2:
        sys.exit(f"giving up at {x}")
    return s


for x in [0.5, 1.0, 1.5, 2.5, 3.0]:
    v = heavy(x)
    print("ok", x, round(v, 6))
print("never")
