# Sales report: build a table, clean it, group it, write CSVs to a scratch
# directory, read them back and check they round-trip.
import os
import shutil
import tempfile

import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
n = 3000
regions = ["north", "south", "east", "west"]
products = ["apple", "banana", "cherry"]

df = pd.DataFrame({
    "region": rng.choice(regions, size=n),
    "product": rng.choice(products, size=n),
    "units": rng.integers(1, 20, size=n),
    "price": np.round(rng.uniform(0.5, 3.0, size=n), 2),
    "junk": np.zeros(n),
})
df.drop(columns=["junk"], inplace=True)
df["revenue"] = df["units"] * df["price"]
print(df.shape)

by_region = df.groupby("region")["revenue"].sum().round(2)
by_product = df.groupby("product").agg(units=("units", "sum"), revenue=("revenue", "sum")).round(2)
pivot = df.pivot_table(index="region", columns="product", values="units", aggfunc="sum")
top = df.sort_values("revenue", ascending=False).head(5)[["region", "product", "revenue"]]

outdir = tempfile.mkdtemp(prefix="report_")
by_region.to_csv(os.path.join(outdir, "by_region.csv"))
by_product.to_csv(os.path.join(outdir, "by_product.csv"))
pivot.to_csv(os.path.join(outdir, "pivot.csv"))

print(by_region.to_string())
print(by_product.to_string())

back_region = pd.read_csv(os.path.join(outdir, "by_region.csv"), index_col=0)
back_pivot = pd.read_csv(os.path.join(outdir, "pivot.csv"), index_col=0)
print("region roundtrip ok:", np.allclose(back_region["revenue"].values, by_region.values))
print("pivot roundtrip ok:", (back_pivot.values == pivot.values).all())
print(sorted(os.listdir(outdir)))
print(top.reset_index(drop=True).to_string())

shutil.rmtree(outdir)
print("cleaned up:", not os.path.exists(outdir))
