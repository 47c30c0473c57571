# Minimise the Rosenbrock and Himmelblau functions from several starting
# points and compare the methods.
import numpy as np
from scipy import optimize


def rosen(p):
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def himmelblau(p):
    x, y = p
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


starts = [np.array([-1.5, 2.0]), np.array([0.0, 0.0]), np.array([2.0, -1.0]), np.array([-3.0, -3.0])]
print("number of starts:", len(starts))

res_nm = [optimize.minimize(rosen, s, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000}) for s in starts]
res_bfgs = [optimize.minimize(rosen, s, method="BFGS", jac=optimize.rosen_der) for s in starts]
res_powell = [optimize.minimize(rosen, s, method="Powell", options={"xtol": 1e-10, "ftol": 1e-12}) for s in starts]
res_himmel = [optimize.minimize(himmelblau, s, method="L-BFGS-B") for s in starts]


def show(label, results):
    for r in results:
        print(f"{label:8s} x={np.round(r.x, 4).tolist()} success={bool(r.success)}")


show("NM", res_nm)
show("BFGS", res_bfgs)
show("Powell", res_powell)
show("himmel", res_himmel)

best_nm = min(res_nm, key=lambda r: r.fun)
best_bfgs = min(res_bfgs, key=lambda r: r.fun)
minima = sorted({tuple(np.round(r.x, 3)) for r in res_himmel})
print("Himmelblau minima found:", len(minima))
for m in minima:
    print("  ", [float(v) for v in m])
root = optimize.brentq(lambda t: np.cos(t) - t, 0, 1)
print("cos(t) = t at", round(root, 6))
print("rosen minimum near (1, 1):", np.allclose(best_nm.x, [1, 1], atol=1e-3), np.allclose(best_bfgs.x, [1, 1], atol=1e-3))
