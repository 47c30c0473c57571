"""numpy.copy bandwidth, the memory-copy reference for transfers.

    python copy_bw.py NBYTES REPEATS

Copies a freshly made array of NBYTES (uint8) REPEATS times into new memory
(page faults included, as a receiver's buffer would be) and reports
{"copy": [seconds...]} on stderr.
"""
import json
import sys
import time

import numpy as np

nbytes, repeats = int(sys.argv[1]), int(sys.argv[2])
a = np.ones(nbytes, dtype=np.uint8)
np.copy(a)  # warm-up
times = []
for _ in range(repeats):
    t = time.perf_counter()
    b = np.copy(a)
    times.append(time.perf_counter() - t)
    del b
sys.stderr.write("\n" + json.dumps({"copy": times}) + "\n")
