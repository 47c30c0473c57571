"""Dask moving a numpy array between two of its workers.

    python dask_transfer.py REPEATS STEPS NBYTES [NBYTES ...]

One cluster for both measurements (its start-up is not measured here).

For each size and repetition: produce a fresh array on worker A
(``client.submit(..., workers=[A])``, waited for), then time a consumer on
worker B (moves the array) and, as the baseline, the same consumer on A
(no move). transfer = t(B) - t(A). Reports JSON on stderr:
{"sizes": {NBYTES: {"remote": [...], "local": [...]}}, "pingpong": {...}}.

Ping-pong: a chain of STEPS tasks ``x + 1`` alternating between A and B
against the same chain all on A; latency = (alt - same) / STEPS.
"""
import json
import sys
import time

import numpy as np
from distributed import Client, LocalCluster, wait


def make(n, tag):
    return np.ones(n, dtype=np.uint8)


def consume(a):
    return int(a.nbytes)


def inc(x):
    return x + 1


def main():
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    a, b = sorted(client.scheduler_info()["workers"])
    out = {}
    try:
        repeats, steps = int(sys.argv[1]), int(sys.argv[2])
        if True:
            res = {"alt": [], "same": []}
            for r in range(repeats):
                for mode in ("alt", "same"):
                    t = time.perf_counter()
                    f = client.submit(inc, 0, workers=[a], pure=False)
                    for i in range(steps):
                        w = b if (mode == "alt" and i % 2 == 0) else a
                        f = client.submit(inc, f, workers=[w], allow_other_workers=False, pure=False)
                    f.result()
                    res[mode].append(time.perf_counter() - t)
            out["pingpong"] = res
            sizes = {}
            for n in map(int, sys.argv[3:]):
                rec = {"remote": [], "local": []}
                for r in range(repeats):
                    for where, key in ((b, "remote"), (a, "local")):
                        src = client.submit(make, n, (r, key), workers=[a], allow_other_workers=False,
                                            pure=False)
                        wait(src)
                        t = time.perf_counter()
                        dst = client.submit(consume, src, workers=[where], allow_other_workers=False,
                                            pure=False)
                        assert dst.result() == n
                        rec[key].append(time.perf_counter() - t)
                        del src, dst
                sizes[str(n)] = rec
            out["sizes"] = sizes
    finally:
        client.close()
        cluster.close()
    sys.stderr.write("\n" + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
