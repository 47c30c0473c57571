"""3. Transfers worker to worker.

Latency: ``x = x + 1`` pinned alternately to workers 1 and 2 against the same
script pinned all to worker 1 (same worker count, same statements), through
the Python API in fresh processes. Latency = median gap between consecutive
statements (one's end to the next one's start, read from the run's
timings), alternating minus same; also (whole run alternating − same) /
worker changes, which start-up jitter makes noisy.

Bandwidth: a numpy array made on worker 1 and used on worker 2, against the
same statements all on worker 1. Transfer time = difference of the two runs
(whole-run, includes pickling, sending, unpickling); also the gap between the
producer's end and the consumer's start read from the timings, and the
runtime's own TransferReport when it carries a duration. Compared with
``numpy.copy`` of the same size (``probes/copy_bw.py``, into fresh memory)
and with Dask moving the same array between two of its workers
(``probes/dask_transfer.py``: consumer on the other worker minus consumer on
the producer's worker).
"""

from __future__ import annotations

import statistics

from . import contenders as C
from . import scripts
from .harness import BenchError, Ctx, paired, repeat, stat, walls
from .report import Section, Table, judge_all

MiB = 2**20
LATENCY_TARGET_US = 100.0
BW_TARGET_SIZE = 256 * MiB
BW_TARGET_RATIO = 0.5
WORKERS = 2


def _gap(sample: dict, before: int, after: int) -> float | None:
    t = {r["stmt"]: r for r in sample.get("timings", [])}
    if before in t and after in t:
        return t[after]["start"] - t[before]["end"]
    return None


def _legs(sample: dict, leg: int) -> float | None:
    """Median over the hops of one run of one leg of a transfer, in µs: 0 the
    producer's end to the send's start, 1 the send's start to its receipt,
    2 the receipt to the consumer's start (TransferReport and timings)."""
    t = {r["stmt"]: r for r in sample.get("timings", [])}
    out = []
    for tr in sample.get("transfers", []):
        prod, cons = t.get(tr.get("version")), t.get(tr.get("version", -2) + 1)
        if prod is None or cons is None or "start" not in tr or "end" not in tr:
            continue
        points = (prod["end"], tr["start"], tr["end"], cons["start"])
        out.append((points[leg + 1] - points[leg]) * 1e6)
    return statistics.median(out) if out else None


def _median_gap(sample: dict) -> float | None:
    t = sorted(sample.get("timings", []), key=lambda r: r["stmt"])
    gaps = [b["start"] - a["end"] for a, b in zip(t, t[1:])]
    return statistics.median(gaps) if gaps else None


def _reported_seconds(sample: dict, nbytes: int) -> float | None:
    """Duration of the biggest transfer as the runtime reported it, if it says."""
    best = None
    for tr in sample.get("transfers", []):
        size = next((tr[k] for k in ("nbytes", "size", "bytes") if isinstance(tr.get(k), (int, float))), 0)
        dur = None
        if isinstance(tr.get("seconds"), (int, float)):
            dur = tr["seconds"]
        else:
            pairs = [("start", "end"), ("sent", "received"), ("send_start", "recv_end"),
                     ("t_send", "t_recv")]
            for a, b in pairs:
                if isinstance(tr.get(a), (int, float)) and isinstance(tr.get(b), (int, float)):
                    dur = tr[b] - tr[a]
                    break
        if dur is not None and (best is None or size > best[0]):
            best = (size, dur)
    if best is None or best[0] < nbytes * 0.9:
        return None
    return best[1]


def run(ctx: Ctx) -> Section:
    steps = 20 if ctx.quick else 200
    sizes = [1 * MiB] if ctx.quick else [1 * MiB, 64 * MiB, 256 * MiB, 1024 * MiB]
    data: dict = {"pingpong_steps": steps, "sizes": sizes}
    errors: dict[str, str] = {}
    tables = []

    # -- latency -----------------------------------------------------------
    alt_src, changes = scripts.ping_pong(steps, True)
    same_src, _ = scripts.ping_pong(steps, False)
    alt = ctx.write("transfers/pingpong_alt.py", alt_src)
    same = ctx.write("transfers/pingpong_same.py", same_src)
    expect = f"{steps}\n"
    trials = {}
    for b in ctx.backends:
        trials[f"{b}:alt"] = (lambda b=b: C.api(ctx, b, WORKERS, alt, expect=expect, check_pins=True))
        trials[f"{b}:same"] = (lambda b=b: C.api(ctx, b, WORKERS, same, expect=expect, check_pins=True))
    ctx.log(f"  latency: {len(trials)} contenders x {ctx.k}")
    samples, errs = repeat(ctx.k, trials, warmup=True, log=ctx.log, quick=ctx.quick)
    errors.update(errs)
    dask_pp, dask_bw = None, {}
    try:
        d = C.probe(ctx, "dask_transfer", ctx.k, steps, *sizes)
        dask_pp, dask_bw = d["pingpong"], d["sizes"]
    except BenchError as e:
        errors["dask"] = str(e)
    rows = []
    lat_by_diff, lat_by_gap = [], []
    for b in ctx.backends:
        d = stat(paired(walls(samples, f"{b}:alt", "run"), walls(samples, f"{b}:same", "run"),
                        lambda a, s: (a - s) / changes * 1e6), "µs")
        g = stat(paired([_median_gap(s) for s in samples.get(f"{b}:alt", [])],
                        [_median_gap(s) for s in samples.get(f"{b}:same", [])],
                        lambda a, s: (a - s) * 1e6 if a is not None and s is not None else None), "µs")
        lat_by_diff.append(d)
        lat_by_gap.append(g)
        data[f"latency_{b}"] = {"by_difference": d, "by_timings": g,
                                "run_alt": stat(walls(samples, f"{b}:alt", "run")),
                                "run_same": stat(walls(samples, f"{b}:same", "run"))}
    dask_lat = stat(paired(dask_pp["alt"], dask_pp["same"], lambda a, s: (a - s) / steps * 1e6), "µs") \
        if dask_pp else stat([])
    data["latency_dask"] = dask_lat
    cols = ["figure"] + [C.label(b) for b in ctx.backends] + ["Dask (task on the other worker)",
                                                               "target", "result"]
    rows.append(["small-value latency: median gap between consecutive statements, alternating − same",
                 *lat_by_gap, dask_lat, f"≤ {LATENCY_TARGET_US:.0f} µs",
                 judge_all(ctx.backends, lat_by_gap, "<=", LATENCY_TARGET_US)])
    rows.append([f"small-value latency: whole runs, (alternating − same) / {changes} worker changes "
                 "(noisy: start-up jitter is of the same order)", *lat_by_diff, "", "", ""])
    rows.append(["run_script, alternating workers (s)",
                 *[stat(walls(samples, f"{b}:alt", "run")) for b in ctx.backends], "", "", ""])
    rows.append(["run_script, all on worker 1 (s)",
                 *[stat(walls(samples, f"{b}:same", "run")) for b in ctx.backends], "", "", ""])
    for label, leg in (("producer's end → send begins (guard, report, pickle)", 0),
                       ("send begins → received (loopback TCP, receiver thread)", 1),
                       ("received → consumer's start (to the interpreter's thread, next statement)", 2)):
        rows.append([f"  of a hop: {label}, median (µs)",
                     *[stat([x for x in (_legs(s, leg) for s in samples.get(f"{b}:alt", []))
                             if x is not None], "µs") for b in ctx.backends], "", "", ""])
    tables.append(Table("Latency (ping-pong of a small int between workers 1 and 2)", cols, rows))

    # -- bandwidth ---------------------------------------------------------
    trials = {}
    for n in sizes:
        a_path = ctx.write(f"transfers/payload_{n}_alt.py", scripts.payload(n, True))
        s_path = ctx.write(f"transfers/payload_{n}_same.py", scripts.payload(n, False))
        for b in ctx.backends:
            trials[f"{b}:{n}:alt"] = (lambda b=b, p=a_path, n=n: C.api(ctx, b, WORKERS, p, expect=f"{n}\n", check_pins=True))
            trials[f"{b}:{n}:same"] = (lambda b=b, p=s_path, n=n: C.api(ctx, b, WORKERS, p, expect=f"{n}\n", check_pins=True))
        trials[f"copy:{n}"] = (lambda n=n: C.probe(ctx, "copy_bw", n, 1))
    ctx.log(f"  bandwidth: {len(trials)} contenders x {ctx.k}")
    samples, errs = repeat(ctx.k, trials, warmup=[t for t in trials if not t.startswith("copy")],
                           log=ctx.log, quick=ctx.quick)
    errors.update(errs)

    cols = ["size", "contender", "transfer (s), by difference of runs",
            "transfer (s), producer end → consumer start", "transfer (s), as reported",
            "bandwidth (MiB/s)", "÷ numpy.copy bandwidth", "target", "result"]
    rows = []
    for n in sizes:
        size = f"{n // MiB} MiB"
        copy_t = [s["copy"][0] for s in samples.get(f"copy:{n}", [])]
        copy_bw = [n / MiB / t for t in copy_t]
        rec = {"copy_seconds": stat(copy_t), "copy_MiBps": stat(copy_bw, "MiB/s")}
        for b in ctx.backends:
            A, S = samples.get(f"{b}:{n}:alt", []), samples.get(f"{b}:{n}:same", [])
            diff = paired([s["run"] for s in A], [s["run"] for s in S], lambda a, s: a - s)
            gap = paired([_gap(s, 2, 3) for s in A], [_gap(s, 2, 3) for s in S],
                         lambda a, s: a - s if a is not None and s is not None else None)
            rep = [_reported_seconds(s, n) for s in A]
            # bandwidth from the most direct figure available
            basis = [g for g in gap if g is not None] or diff
            bw = [n / MiB / t if t is not None and t > 0 else None for t in basis]
            ratio = paired(bw, copy_bw, lambda x, c: x / c if x is not None else None)
            target, result = "", ""
            if n == BW_TARGET_SIZE:
                target = f"≥ {BW_TARGET_RATIO} × numpy.copy"
                result = judge_all([b], [stat(ratio)], ">=", BW_TARGET_RATIO)
            rows.append([size, C.label(b), stat(diff), stat(gap), stat(rep) if any(
                r is not None for r in rep) else "not reported", stat(bw, "MiB/s"), stat(ratio, "×"),
                target, result])
            rec[b] = {"by_difference": stat(diff), "by_timings": stat(gap), "reported": stat(rep),
                      "MiBps": stat(bw, "MiB/s"), "ratio_to_copy": stat(ratio, "×"),
                      "bandwidth_basis": "timings" if any(g is not None for g in gap) else "difference"}
        d = dask_bw.get(str(n))
        if d:
            dt = paired(d["remote"], d["local"], lambda r, l: r - l)
            dbw = [n / MiB / t if t > 0 else None for t in dt]
            rows.append([size, "Dask (consumer on other worker − on same worker)", stat(dt), "", "",
                         stat(dbw, "MiB/s"), stat(paired(dbw, copy_bw, lambda x, c: x / c if x else None), "×"),
                         "", ""])
            rec["dask"] = {"seconds": stat(dt), "MiBps": stat(dbw, "MiB/s")}
        rows.append([size, "numpy.copy (fresh destination)", stat(copy_t), "", "", stat(copy_bw, "MiB/s"),
                     "1", "", ""])
        data[f"size_{n}"] = rec
    tables.append(Table("Bandwidth (numpy uint8 array made on worker 1, used on worker 2)", cols, rows,
                        note="Bandwidth = size / (producer end → consumer start, alternating − same), the time "
                             "a user waits (pickle, send, receive, unpickle); from the difference of "
                             "whole runs when timings are missing (`bandwidth_basis` in the JSON). "
                             "\"As reported\" is the runtime's own TransferReport duration."))
    return Section("transfers", "3. Transfers worker to worker", tables, data=data,
                   errors=[f"{k}: {v}" for k, v in errors.items()])
