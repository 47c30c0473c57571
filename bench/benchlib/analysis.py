"""10. Analysis time against statements: near-linear, however the script looks.

Generated scripts of 100, 1 000 and 10 000 statements, each analysed alone in
a fresh process (``probes/analysis_time.py``: ``analyze_source`` only, not
python's start or taskpar's import), k times, interleaved:

* ``chain`` / ``independent`` — trivial statements (bench 1's scripts);
* ``progen seed 2`` — tests/progen.py's random programs: aliasing, mutation,
  functions, classes, closures, comprehensions, loops, files;
* ``progen seed 1`` — the same generator where library callbacks get every
  object, so the heap becomes a clique near statement 300: the analysis
  stops there (its budget for the script spent) and the rest runs in order.

Per statement = analysis time / statements; growth = how much the
per-statement time grows from one size to the next (1.0: linear).
"""

from __future__ import annotations

import os
import random
import sys

from . import contenders as C
from . import scripts
from .harness import Ctx, repeat, stat, walls
from .report import Section, Table

TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                     "tests")


def _progen(seed: int, n: int) -> str:
    if TESTS not in sys.path:
        sys.path.insert(0, TESTS)
    from progen import generate_program

    return generate_program(random.Random(seed), n)


KINDS = {
    "chain": scripts.trivial_chain,
    "independent": scripts.trivial_independent,
    "progen seed 2": lambda n: _progen(2, n),
    "progen seed 1 (dense aliasing)": lambda n: _progen(1, n),
}


def run(ctx: Ctx) -> Section:
    sizes = [50, 200] if ctx.quick else [100, 1000, 10000]
    files = {}
    for kind, make in KINDS.items():
        for n in sizes:
            files[(kind, n)] = ctx.write(f"analysis/{kind.split(' (')[0].replace(' ', '_')}_{n}.py", make(n))
    trials = {f"{kind}:{n}": (lambda f=f: C.probe(ctx, "analysis_time", f)) for (kind, n), f in files.items()}
    ctx.log(f"  {len(trials)} scripts x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, log=ctx.log, quick=ctx.quick)
    data: dict = {"sizes": sizes, "kinds": {}}
    rows = []
    for kind in KINDS:
        prev = None
        for n in sizes:
            name = f"{kind}:{n}"
            s = samples.get(name) or [{}]
            st = stat(walls(samples, name))
            count = s[0].get("statements")
            per = stat([w / count * 1e6 for w in walls(samples, name)], "µs") if count else stat([])
            growth = (f"{per.median / prev.median:.2f}" if prev is not None and prev.samples and per.samples
                      else "")
            stopped = s[0].get("stopped")
            rows.append([kind, n, count if count is not None else "—", st, per, growth,
                         stopped if stopped is not None else "—"])
            data["kinds"].setdefault(kind, {})[n] = {"seconds": st, "per_statement": per,
                                                     "statements": count, "stopped": stopped}
            prev = per
    cols = ["script", "generated statements", "statements (with loop bodies)", "analysis (s)",
            "per statement (µs)", "per-statement growth from the previous size",
            "statements left unanalysed"]
    t = Table("Analysis time against statements (each analysis alone, in a fresh process)", cols, rows,
              note="Plot: `bench/analysis.png` (medians, bars down to min). Growth 1.0 is linear; "
                   "the analysis of each statement costs in the size of that statement and of the "
                   "alias sets it touches, so a script whose objects alias more densely costs more "
                   "per statement until the script's budget stops it.")
    return Section("analysis", "10. Analysis time against statements", [t], data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])


def plot(section: Section, path: str) -> str | None:
    """analysis.png: analysis seconds against statements, log-log, with a linear guide."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = section.data
    if not d.get("kinds"):
        return None
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for i, (kind, byn) in enumerate(d["kinds"].items()):
        ns = sorted(byn)
        med = [byn[n]["seconds"].median for n in ns]
        lo = [byn[n]["seconds"].min for n in ns]
        if all(math.isnan(m) for m in med):
            continue
        ax.errorbar(ns, med, yerr=[[max(m - l, 0) for m, l in zip(med, lo)], [0] * len(med)],
                    marker="os^v"[i % 4], label=kind, capsize=3)
    ns = d["sizes"]
    ref = [d["kinds"]["independent"][ns[0]]["seconds"].median * n / ns[0] for n in ns]
    ax.plot(ns, ref, color="grey", linestyle=":", label="linear (from independent at the smallest size)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("statements generated")
    ax.set_ylabel("analysis time (s)")
    ax.set_title("Analysis time against statements; bars down to min", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
