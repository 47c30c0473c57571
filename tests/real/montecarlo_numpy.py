# Monte-Carlo study with numpy's legacy global generator: coverage of the
# normal confidence interval for different sample sizes.
import numpy as np

np.random.seed(12345)

n_rep = 2000
sizes = [5, 10, 30, 100]
z = 1.959964


def coverage(n, reps):
    hits = 0
    for _ in range(reps):
        sample = np.random.normal(loc=1.0, scale=2.0, size=n)
        m = sample.mean()
        half = z * sample.std(ddof=1) / np.sqrt(n)
        hits += (m - half <= 1.0 <= m + half)
    return hits / reps


cov5 = coverage(5, n_rep)
cov10 = coverage(10, n_rep)
cov30 = coverage(30, n_rep)
cov100 = coverage(100, n_rep)
print("coverage n=5  :", round(cov5, 4))
print("coverage n=10 :", round(cov10, 4))
print("coverage n=30 :", round(cov30, 4))
print("coverage n=100:", round(cov100, 4))

pi_points = np.random.uniform(-1, 1, size=(200000, 2))
inside = (pi_points ** 2).sum(axis=1) <= 1
pi_hat = 4 * inside.mean()
print("pi estimate:", round(pi_hat, 4))

walks = np.random.choice([-1, 1], size=(500, 400)).cumsum(axis=1)
final = walks[:, -1]
print("random walk final mean/var:", round(final.mean(), 3), round(final.var(), 1))
print("max excursion:", int(np.abs(walks).max()))
trend = np.round(np.array([cov5, cov10, cov30, cov100]), 3)
print("coverage improves with n:", bool(trend[-1] >= trend[0]), trend.tolist())
