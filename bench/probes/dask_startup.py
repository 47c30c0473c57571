"""Start and close a Dask LocalCluster of N single-threaded worker processes
plus a Client, as a fresh process would (import included in the parent's
wall time). Reports {"inproc": seconds from LocalCluster() to closed,
"import": seconds to import distributed} as JSON on stderr.

    python dask_startup.py N
"""
import json
import sys
import time


def main():
    t0 = time.perf_counter()
    from distributed import Client, LocalCluster

    t1 = time.perf_counter()
    n = int(sys.argv[1])
    # dashboard off: taskpar has none either, and it would only add bokeh's import
    cluster = LocalCluster(n_workers=n, processes=True, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    t2 = time.perf_counter()
    client.close()
    cluster.close()
    t3 = time.perf_counter()
    sys.stderr.write("\n" + json.dumps({"import": t1 - t0, "start": t2 - t1, "stop": t3 - t2,
                                        "inproc": t3 - t1}) + "\n")


if __name__ == "__main__":
    main()
