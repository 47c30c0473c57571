# Test-only stand-in for examples/model_comparison.py (see tests/standins/README.md):
# the same statements, data and relative costs; every fit repeats 30 times less.
import numpy as np

rng = np.random.default_rng(2018)
n, p = 4000, 60
X = rng.normal(size=(n, p))
beta = rng.normal(size=p) * (rng.random(p) < 0.3)
y = X @ beta + rng.normal(scale=2.0, size=n)
folds = np.arange(n) % 5


def ridge_cv(X, y, alpha, folds, repeats=5):
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


err_ridge_small = ridge_cv(X, y, 0.1, folds)
err_ridge_large = ridge_cv(X, y, 100.0, folds)
err_poly2 = ridge_cv(poly_features(X, 2), y, 1.0, folds, repeats=2)
err_poly3 = ridge_cv(poly_features(X, 3), y, 1.0, folds, repeats=1)
best = min([("ridge 0.1", err_ridge_small), ("ridge 100", err_ridge_large),
            ("poly 2", err_poly2), ("poly 3", err_poly3)], key=lambda t: t[1])
print(f"ridge 0.1: {err_ridge_small:.4f}")
print(f"ridge 100: {err_ridge_large:.4f}")
print(f"poly 2:    {err_poly2:.4f}")
print(f"poly 3:    {err_poly3:.4f}")
print("best:", best[0])
