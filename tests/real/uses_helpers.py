# A script that imports a sibling module sitting next to it.
import helpers_mod
from helpers_mod import RunningStats, entropy, normalize

counts_a = [10, 20, 30, 40]
counts_b = [1, 1, 1, 1, 1, 1, 1, 1]
counts_c = [97, 1, 1, 1]

pa = normalize(counts_a)
pb = normalize(counts_b)
pc = normalize(counts_c)
print("entropy a:", round(entropy(pa), 6))
print("entropy b:", round(entropy(pb), 6))
print("entropy c:", round(entropy(pc), 6))

stats = RunningStats()
for v in range(1, 101):
    stats.push(v * 0.5)
other = RunningStats()
for v in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]:
    other.push(v)
print("stats:", stats.n, round(stats.mean, 6), round(stats.variance, 6))
print("other:", other.n, round(other.mean, 6), round(other.variance, 6))
print("normalize was called", helpers_mod.CALLS["normalize"], "times")
helpers_mod.CALLS["normalize"] = 0
pd_ = normalize([5, 5])
print("after reset:", helpers_mod.CALLS["normalize"], pd_)
