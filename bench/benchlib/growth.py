"""6. Growth: overhead as statements grow and as workers grow.

Statements: N = 100, 1 000, 10 000 trivial statements (independent; chain),
``-w 2``; overhead per statement = (taskpar − taskpar on an empty script) / N.
Workers: 1 … 8 on 1 000 independent statements; start-up (empty script −
python on an empty script) and per-statement overhead at each worker count.
Overhead that stays flat per statement is linear in statements.
"""

from __future__ import annotations

import statistics

from . import contenders as C
from . import scripts
from .harness import Ctx, paired, repeat, stat, walls
from .report import Section, Table

WORKERS = 2
#: seconds one (backend, kind, size) may take over all its repetitions
BUDGET = 600.0


def run(ctx: Ctx) -> Section:
    sizes = [50, 200] if ctx.quick else [100, 1000, 10000]
    worker_counts = [1, 2] if ctx.quick else [1, 2, 3, 4, 5, 6, 7, 8]
    n_w = 50 if ctx.quick else 1000
    empty = ctx.write("growth/empty.py", scripts.empty())
    files = {}
    for n in sizes:
        files[("independent", n)] = ctx.write(f"growth/independent_{n}.py", scripts.trivial_independent(n))
        files[("chain", n)] = ctx.write(f"growth/chain_{n}.py", scripts.trivial_chain(n))
    wfile = files.get(("independent", n_w)) or ctx.write(
        f"growth/independent_{n_w}.py", scripts.trivial_independent(n_w))
    expect = {k: C.python(ctx, f)["stdout"] for k, f in files.items()}
    # workers first (one interleaved block), then statement sizes in ascending
    # order, each its own block, so that a size whose predicted time exceeds
    # the per-command time-out is skipped with the reason instead of timing out.
    trials = {"python:empty": lambda: C.python(ctx, empty, expect="")}
    for b in ctx.backends:
        for w in worker_counts:
            trials[f"{b}:empty:w{w}"] = (lambda b=b, w=w: C.taskpar(ctx, b, w, empty, expect=""))
            trials[f"{b}:indep{n_w}:w{w}"] = (lambda b=b, w=w: C.taskpar(ctx, b, w, wfile, expect='ok\n'))
    ctx.log(f"  workers: {len(trials)} contenders x {ctx.k}")
    samples, errors = repeat(ctx.k, trials, warmup=[t for t in trials if not t.startswith("python")],
                             log=ctx.log, quick=ctx.quick)
    skipped: dict[tuple, str] = {}
    for i, n in enumerate(sizes):
        trials = {}
        for kind in ("independent", "chain"):
            f, e = files[(kind, n)], expect[(kind, n)]
            trials[f"python:{kind}:{n}"] = (lambda f=f, e=e: C.python(ctx, f, expect=e))
            for b in ctx.backends:
                guess = _predict(samples, b, kind, sizes[:i], n)
                if guess is not None and guess > min(ctx.timeout / 2, BUDGET / (ctx.k + 1)):
                    skipped[(b, kind, n)] = (f"skipped: predicted {guess:.0f} s per run from the smaller "
                                             f"sizes (budget {min(ctx.timeout / 2, BUDGET / (ctx.k + 1)):.0f} s)")
                    ctx.log(f"  {b} {kind} {n}: {skipped[(b, kind, n)]}")
                    continue
                trials[f"{b}:{kind}:{n}"] = (lambda b=b, f=f, e=e: C.taskpar(ctx, b, WORKERS, f, expect=e))
        ctx.log(f"  {n} statements: {len(trials)} contenders x {ctx.k}")
        s2, e2 = repeat(ctx.k, trials, warmup=[t for t in trials if not t.startswith("python")],
        log=ctx.log, quick=ctx.quick)
        samples.update(s2)
        errors.update(e2)
    data: dict = {"statements": {}, "workers": {}, "backends": list(ctx.backends), "n_for_workers": n_w}
    cols = ["statements", "kind"] + [f"{C.label(b)} overhead per statement (µs)" for b in ctx.backends] + [
        "python per statement (µs)"] + [f"{C.label(b)} total (s)" for b in ctx.backends]
    rows = []
    for n in sizes:
        for kind in ("independent", "chain"):
            per = []
            tot = []
            for b in ctx.backends:
                if (b, kind, n) in skipped:
                    per.append(skipped[(b, kind, n)])
                    tot.append("")
                    continue
                per.append(stat(paired(walls(samples, f"{b}:{kind}:{n}"), walls(samples, f"{b}:empty:w{WORKERS}"),
                                       lambda a, e: (a - e) / n * 1e6), "µs"))
                tot.append(stat(walls(samples, f"{b}:{kind}:{n}")))
            py = stat(paired(walls(samples, f"python:{kind}:{n}"), walls(samples, "python:empty"),
                             lambda a, e: (a - e) / n * 1e6), "µs")
            rows.append([n, kind, *per, py, *tot])
            data["statements"].setdefault(kind, {})[n] = {
                **{b: p for b, p in zip(ctx.backends, per) if not isinstance(p, str)}, "python": py}
    t1 = Table(f"Overhead per statement as statements grow (-w {WORKERS})", cols, rows)
    cols = ["workers"] + [f"{C.label(b)} start-up − python (s)" for b in ctx.backends] + [
        f"{C.label(b)} overhead per statement, {n_w} independent (µs)" for b in ctx.backends]
    rows = []
    py_empty = walls(samples, "python:empty")
    for w in worker_counts:
        st = [stat(paired(walls(samples, f"{b}:empty:w{w}"), py_empty, lambda a, p: a - p)) for b in ctx.backends]
        per = [stat(paired(walls(samples, f"{b}:indep{n_w}:w{w}"), walls(samples, f"{b}:empty:w{w}"),
                           lambda a, e: (a - e) / n_w * 1e6), "µs") for b in ctx.backends]
        rows.append([w, *st, *per])
        data["workers"][w] = {b: {"startup": s, "per_statement": p} for b, s, p in zip(ctx.backends, st, per)}
    t2 = Table("Start-up and per-statement overhead as workers grow", cols, rows,
               note="Plot: `bench/growth.png` (medians, with min as the lower end of each bar).")
    return Section("growth", "6. Growth", [t1, t2], data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])


def _predict(samples, backend, kind, smaller, n) -> float | None:
    """Wall seconds predicted for ``n`` statements: start-up (empty script)
    plus the cost above it extrapolated by a power law through the two largest
    smaller sizes (exponent at least 1), or None when there is too little data."""
    import math

    empty = walls(samples, f"{backend}:empty:w{WORKERS}")
    base = statistics.median(empty) if empty else 0.0
    pts = [(m, statistics.median(walls(samples, f"{backend}:{kind}:{m}")) - base)
           for m in smaller[-2:] if walls(samples, f"{backend}:{kind}:{m}")]
    if len(pts) < 2:
        return None
    (n1, w1), (n2, w2) = pts
    e = max(1.0, math.log(max(w2, 1e-3) / max(w1, 1e-3)) / math.log(n2 / n1))
    return base + max(w2, 0.0) * (n / n2) ** e


def plot(section: Section, path: str) -> str | None:
    """growth.png: per-statement overhead vs statements, and start-up and
    per-statement overhead vs workers. Returns None when there is nothing to plot."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = section.data
    if not d.get("statements"):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    for kind, marker in (("independent", "o"), ("chain", "s")):
        byn = d["statements"].get(kind, {})
        ns = sorted(byn)
        for who in list(d["backends"]) + ["python"]:
            med = [byn[n][who].median if byn[n].get(who) and byn[n][who].samples else float("nan") for n in ns]
            lo = [byn[n][who].min if byn[n].get(who) and byn[n][who].samples else float("nan") for n in ns]
            if all(math.isnan(m) for m in med):
                continue
            lab = ("python" if who == "python" else C.label(who)) + f", {kind}"
            ax.errorbar(ns, med, yerr=[[max(m - l, 0) for m, l in zip(med, lo)], [0] * len(med)],
                        marker=marker, linestyle="--" if who == "python" else "-", label=lab, capsize=3)
    ax.axhline(20, color="grey", linewidth=0.8, linestyle=":")
    ax.text(100, 21, "target 20 µs", color="grey", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=10)
    ax.set_xlabel("statements in the script")
    ax.set_ylabel("overhead per statement (µs)")
    ax.set_title(f"Per-statement overhead vs statements (-w {WORKERS}); bars down to min", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[1]
    ax2 = ax.twinx()
    ws = sorted(d["workers"])
    for i, b in enumerate(d["backends"]):
        st = [d["workers"][w][b]["startup"] for w in ws]
        per = [d["workers"][w][b]["per_statement"] for w in ws]
        ax.plot(ws, [s.median for s in st], marker="o", color=f"C{2 * i}",
                label=f"{C.label(b)} start-up − python (s, left)")
        ax2.plot(ws, [p.median for p in per], marker="s", linestyle="--", color=f"C{2 * i + 1}",
                 label=f"{C.label(b)} per statement (µs, right)")
    ax2.set_ylabel("overhead per statement (µs)")
    ax.set_xlabel("workers")
    ax.set_ylabel("start-up + shutdown − python (s)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Start-up and per-statement overhead vs workers ({d['n_for_workers']} statements)",
                 fontsize=10)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
