# Comprehensions, generators fed to sum()/max(), map(): elements computed
# apart, collected in order; the variable does not leak; an empty one; a
# generator as the iterable (consumed in step); an error in an element
# (python 3.11 shows the <listcomp> frame).
import math
import sys


def slow(x, n=20000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return round(s, 6)


x = "kept"
squares = [slow(x) for x in range(5)]
print(squares, x)
print("s" in globals())
d = {str(k): slow(k / 3) for k in range(4)}
print(d)
st = {int(slow(k) * 1000) for k in range(4)}
print(sorted(st))
tot = sum(slow(v / 7) for v in range(6))
print(repr(tot))
tp = tuple(map(slow, [0.1, 0.2, 0.3]))
print(tp)
mx = max(slow(v) for v in [0.3, 0.2, 0.9])
print(mx)
empty = [slow(v) for v in []]
print(empty)
gen_src = (i for i in range(3))
lazy = [slow(i) for i in gen_src]
print(lazy)


def fails(v):
    if v == 3:
        raise ValueError(f"bad {v}")
    return slow(v)


out = [fails(v) for v in range(5)]
print("never", out)
