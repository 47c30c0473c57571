# Loops that must run as python runs them although their bodies have work:
# a generator consumed in step with the body, items that cannot be sent to
# another worker, a result that is an object made before the loop.
import math
import threading
import warnings


def heavy(x, n=30000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return s


def gen():
    for i in range(4):
        print("gen gives", i)
        yield i * 0.5


for x in gen():
    r = heavy(x)
    print("body", round(r, 6))

locks = [threading.Lock() for _ in range(3)]
for lk in locks:
    v = heavy(2.0 if lk.locked() else 1.0)
    print("lock loop", round(v, 6))

cfgs = [{"a": 1}, {"a": 2}, {"a": 3}]
for i in range(3):
    c = cfgs[i]
    v = heavy(c["a"])
    c["v"] = round(v, 6)
print(cfgs)


def noisy(x):
    warnings.warn("noisy is deprecated", DeprecationWarning, stacklevel=1)
    warnings.warn("watch out", UserWarning)
    return heavy(x)


warnings.simplefilter("default")
for x in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]:
    y = noisy(x)
    print("warned", round(y, 6))
