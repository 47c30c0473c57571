# Everything happens under the __main__ guard, as many scripts do.
import math
import sys

import numpy as np


def trapezoid(f, a, b, n):
    xs = np.linspace(a, b, n + 1)
    ys = f(xs)
    return float((b - a) / n * (ys[0] / 2 + ys[1:-1].sum() + ys[-1] / 2))


def simpson(f, a, b, n):
    xs = np.linspace(a, b, n + 1)
    ys = f(xs)
    return float((b - a) / (3 * n) * (ys[0] + 4 * ys[1:-1:2].sum() + 2 * ys[2:-1:2].sum() + ys[-1]))


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("panels:", n)
    exact_sin = 2.0
    exact_exp = math.e - 1
    t_sin = trapezoid(np.sin, 0, math.pi, n)
    s_sin = simpson(np.sin, 0, math.pi, n)
    t_exp = trapezoid(np.exp, 0, 1, n)
    s_exp = simpson(np.exp, 0, 1, n)
    t_gauss = trapezoid(lambda x: np.exp(-x * x), -6, 6, n)
    print("sin trapezoid error < 1e-5:", abs(t_sin - exact_sin) < 1e-5)
    print("sin simpson error < 1e-9:", abs(s_sin - exact_sin) < 1e-9)
    print("exp trapezoid:", round(t_exp, 6), "exact:", round(exact_exp, 6))
    print("exp simpson:", round(s_exp, 8))
    print("gauss integral / sqrt(pi):", round(t_gauss / math.sqrt(math.pi), 8))
    errors = [abs(trapezoid(np.sin, 0, math.pi, k) - 2) for k in (10, 20, 40, 80)]
    ratios = [round(errors[i] / errors[i + 1], 2) for i in range(len(errors) - 1)]
    print("trapezoid convergence ratios:", ratios)
