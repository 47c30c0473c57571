"""examples/model_comparison.py written by hand with dask.delayed, run on a
LocalCluster of 2 single-threaded worker processes: what a user would write
instead of using taskpar.

    python dask_model_comparison.py [N]        (N rows; the example uses 4000)

Prints exactly what the example prints. Reports on stderr as JSON:
{"start": cluster start-up, "compute": graph built to results, "stop": close}.
"""
import json
import sys
import time

import numpy as np
from dask import delayed
from distributed import Client, LocalCluster


def simulate(n, p):
    rng = np.random.default_rng(2018)
    X = rng.normal(size=(n, p))
    beta = rng.normal(size=p) * (rng.random(p) < 0.3)
    y = X @ beta + rng.normal(scale=2.0, size=n)
    folds = np.arange(n) % 5
    return X, y, folds


def ridge_cv(X, y, alpha, folds, repeats=150):
    errors = []
    for _ in range(repeats):
        for k in range(5):
            train, test = folds != k, folds == k
            A = X[train].T @ X[train] + alpha * np.eye(X.shape[1])
            coef = np.linalg.solve(A, X[train].T @ y[train])
            errors.append(np.mean((X[test] @ coef - y[test]) ** 2))
    return float(np.mean(errors))


def poly_features(X, degree):
    return np.hstack([X ** d for d in range(1, degree + 1)])


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    t1 = time.perf_counter()
    X, y, folds = delayed(simulate, nout=3)(n, 60)
    errs = [
        delayed(ridge_cv)(X, y, 0.1, folds),
        delayed(ridge_cv)(X, y, 100.0, folds),
        delayed(ridge_cv)(delayed(poly_features)(X, 2), y, 1.0, folds, repeats=60),
        delayed(ridge_cv)(delayed(poly_features)(X, 3), y, 1.0, folds, repeats=30),
    ]
    err_ridge_small, err_ridge_large, err_poly2, err_poly3 = client.compute(errs, sync=True)
    t2 = time.perf_counter()
    best = min([("ridge 0.1", err_ridge_small), ("ridge 100", err_ridge_large),
                ("poly 2", err_poly2), ("poly 3", err_poly3)], key=lambda t: t[1])
    print(f"ridge 0.1: {err_ridge_small:.4f}")
    print(f"ridge 100: {err_ridge_large:.4f}")
    print(f"poly 2:    {err_poly2:.4f}")
    print(f"poly 3:    {err_poly3:.4f}")
    print("best:", best[0])
    client.close()
    cluster.close()
    t3 = time.perf_counter()
    sys.stderr.write("\n" + json.dumps({"start": t1 - t0, "compute": t2 - t1, "stop": t3 - t2}) + "\n")


if __name__ == "__main__":
    main()
