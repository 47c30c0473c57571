# Two nested loops run as one loop over pairs: a triangular inner range, an
# empty inner iterable (the loops then run as written), continue, an outer
# else, a body that grows the outer list, outer items shared by their inner
# iterations, refitted scikit-learn estimators, names after the loops, and
# an inner iterable that raises (python's traceback, nothing printed after).
import math

from sklearn.linear_model import Ridge, Lasso
from sklearn.model_selection import cross_val_score


def heavy(x, n=20000):
    s = 0.0
    for k in range(1, n):
        s += math.sin(x * k) / k
    return round(s, 6)


for i in range(4):
    for j in range(i + 1):
        v = heavy(i + j / 10)
        print("tri", i, j, v)
print("after", i, j, v)

for i in range(3):
    for j in range(i):  # empty for i == 0
        w = heavy(i * j + 0.5)
        print("lower", i, j, w)
print("after", i, j, w)

for a in "xy":
    for n in range(3):
        if n == 1:
            continue
        print("cont", a, n, heavy(n + 0.25))
else:
    print("else", a, n)

outer = [1, 2]
for a in outer:
    for b in range(2):
        r = heavy(a + b / 3)
        print("grow", a, b, r)
        if a == 1 and b == 1:
            outer.append(3)
print(outer)

grids = [[0.1, 0.2], [0.3]]
for g in grids:
    for m in (1.0, 2.0):
        s = heavy(sum(g) * m)
        print("grid", g, m, s)

X = [[float(i), float(i % 3)] for i in range(40)]
y = [2.0 * i + (i % 3) for i in range(40)]
models = [Ridge(alpha=1.0), Lasso(alpha=0.1)]
scores = []
for cols in ([0], [1], [0, 1]):
    for model in models:
        Xc = [[row[c] for c in cols] for row in X]
        score = cross_val_score(model, Xc, y, cv=3).mean()
        model.fit(Xc, y)
        scores.append(round(score, 6))
        print(type(model).__name__, cols, round(score, 6), round(float(model.coef_[0]), 6))
print([round(float(m.coef_[-1]), 6) for m in models], len(scores))

table = {0: [0.5, 1.5], 1: [2.5]}
for k in [0, 1, 2]:
    for t in table[k]:
        print("table", k, t, heavy(t))
print("never")
