# Large arrays and frames (tens of MB) read by several independent steps.
import numpy as np
import pandas as pd

rng = np.random.default_rng(314)
matrix = rng.standard_normal((2000, 2000))          # 32 MB
frame = pd.DataFrame({
    "a": rng.standard_normal(1_000_000),
    "b": rng.integers(0, 100, 1_000_000),
    "c": rng.uniform(0, 1, 1_000_000),
})                                                   # ~24 MB
print("matrix MB:", matrix.nbytes // 2**20, "frame MB:", int(frame.memory_usage(index=False).sum()) // 2**20)

col_means = matrix.mean(axis=0)
row_norms = np.sqrt((matrix ** 2).sum(axis=1))
upper = np.triu(matrix).sum()
abs_max = np.abs(matrix).max()
print("col means mean:", round(float(col_means.mean()), 6))
print("row norms mean:", round(float(row_norms.mean()), 4))
print("upper triangle sum:", round(float(upper), 4))
print("abs max:", round(float(abs_max), 6))

group_means = frame.groupby("b")["a"].mean()
quantiles = frame["c"].quantile([0.1, 0.5, 0.9]).round(6)
filtered = frame[frame["c"] > 0.99]
print("groups:", len(group_means), "group mean range:", round(float(group_means.max() - group_means.min()), 6))
print("quantiles:", quantiles.tolist())
print("filtered rows:", len(filtered))
doubled = matrix * 2
print("doubled trace:", round(float(np.trace(doubled)), 4))
frame["d"] = frame["a"] * frame["c"]
print("d sum:", round(float(frame["d"].sum()), 4))
