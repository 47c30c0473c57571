# All the work sits inside main(), called at the bottom.
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, asdict

import numpy as np

SEED = 99
N_POINTS = 400
DEGREES = (1, 2, 3, 5)
OUT_NAME = "fits.json"
__version__ = "0.3"


@dataclass
class Fit:
    degree: int
    rmse: float
    coef0: float


def make_data(seed, n):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n))
    y = 0.5 * x ** 3 - x + rng.normal(scale=0.3, size=n)
    return x, y


def fit_poly(x, y, degree):
    coef = np.polyfit(x, y, degree)
    resid = y - np.polyval(coef, x)
    return Fit(degree, round(float(np.sqrt(np.mean(resid ** 2))), 4), round(float(coef[0]), 4))


def main():
    x, y = make_data(SEED, N_POINTS)
    print("points:", len(x))
    fits = [fit_poly(x, y, d) for d in DEGREES]
    for f in fits:
        print(f)
    best = min(fits, key=lambda f: (f.rmse, f.degree))
    print("best degree:", best.degree)
    out = tempfile.mkdtemp()
    path = os.path.join(out, OUT_NAME)
    with open(path, "w") as fh:
        json.dump([asdict(f) for f in fits], fh)
    with open(path) as fh:
        loaded = json.load(fh)
    print("reloaded:", len(loaded), loaded[0]["degree"], loaded[-1]["degree"])
    shutil.rmtree(out)
    mean_y = round(float(y.mean()), 4)
    print("mean y:", mean_y, "version", __version__)


main()
