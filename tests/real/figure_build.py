# Build one figure over many statements, save it, check the file.
import os
import tempfile

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(0, 2 * np.pi, 200)
fig, ax = plt.subplots(figsize=(6, 4), dpi=80)
ax.plot(x, np.sin(x), label="sin")
ax.plot(x, np.cos(x), label="cos", linestyle="--")
ax.plot(x, np.sin(2 * x) / 2, label="sin 2x / 2")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title("Some curves")
ax.legend(loc="upper right")
ax.grid(True)
print("lines on axes:", len(ax.get_lines()))
print("labels:", [l.get_label() for l in ax.get_lines()])

plt.figure(figsize=(3, 3), dpi=50)
plt.hist(np.sin(x), bins=10)
plt.title("histogram")
hist_fig = plt.gcf()

tmp = tempfile.mkdtemp()
path = os.path.join(tmp, "curves.png")
fig.savefig(path)
hist_path = os.path.join(tmp, "hist.png")
plt.savefig(hist_path)
print("curves file non-empty:", os.path.getsize(path) > 0)
img = plt.imread(path)
print("image shape:", img.shape)
print("hist shape:", plt.imread(hist_path).shape)
plt.close("all")
os.remove(path)
os.remove(hist_path)
os.rmdir(tmp)
print("figures open:", len(plt.get_fignums()))
