# The warnings filters a script sets hold for what library code warns on
# every worker: before, a leading warnings.filterwarnings("ignore") hid
# nothing that ran on another worker (numpy's RuntimeWarning was printed).
import math
import time
import warnings

import numpy as np


def heavy(x, n=20000):
    s = 0.0
    for k in range(n):
        s += math.sin(x * k)
    return s + (float(np.log(np.array([3.0 - x]))[0]) if x > 3 else 0.0)


before = np.log(np.array([-0.5]))  # shown: the filters are python's defaults here
warnings.filterwarnings("ignore")
a = np.log(np.array([-1.0, 2.0]))
time.sleep(0.05)
b = np.log(np.array([-3.0, 4.0]))
time.sleep(0.05)
print(a[1], b[1])
warnings.resetwarnings()
warnings.simplefilter("ignore", RuntimeWarning)
out = []
for x in range(6):
    v = heavy(x)
    out.append(round(v, 6))
print(out)
warnings.resetwarnings()
c = np.log(np.array([-2.0]))  # shown again
time.sleep(0.05)
with warnings.catch_warnings():
    warnings.simplefilter("error")
    try:
        np.log(np.array([-1.0]))
    except RuntimeWarning as e:
        print("raised", e)
d = np.log(np.array([-5.0]))
print(c[0], d[0])
