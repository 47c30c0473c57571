"""The paragraph under each benchmark saying what limits it.

Written from profiles (py-spy, see the Profiles section) and the breakdown
tables; the numbers quoted are taken from the section's own data, so the
paragraph stays true when the figures move. When the runtime changes, reread
the profiles and update the text here.
"""

from __future__ import annotations

from .harness import Stat


def _m(x, scale=1.0, fmt="{:.0f}") -> str:
    if isinstance(x, Stat) and x.samples:
        return fmt.format(x.median * scale)
    if isinstance(x, (int, float)):
        return fmt.format(x * scale)
    return "?"


def text(name: str, section, sections=()) -> str:
    """The paragraph for ``section``; ``sections``: all of the run (for profiles)."""
    f = globals().get(f"_{name}")
    if not f or not section.data:
        return ""
    prof = next((x.data for x in sections if x.key == "profiles"), {}) or {}
    return f(section.data, prof) if f.__code__.co_argcount == 2 else f(section.data)


def _top(prof: dict, key: str, role: str, k: int = 3) -> str:
    s = (prof.get(key) or {}).get(role) or {}
    frames = [f"`{fr}` {share:.0%}" for fr, share in s.get("self", [])[:k]]
    return ", ".join(frames) if frames else "(no profile in this run)"


def _overhead(d, prof) -> str:
    local = d.get("per_statement_chain", {}).get("local")
    ind = d.get("per_statement_independent", {}).get("local")
    api = d.get("api_chain_local") or {}
    st = api.get("stages") or {}
    n = d.get("statements", 0) or 1
    an = st.get("analyze_script")
    return (
        f"taskpar pays {_m(local)} µs per statement on the {n}-statement chain and {_m(ind)} µs on "
        "independent statements, against a few µs for python. In the breakdown run, analyze_script "
        f"(timed on its own just before the run) took {_m(an, fmt='{:.2f}')} s, i.e. "
        f"{_m(an, scale=1e6 / n)} µs per statement; build_graph, schedule and build_plan took "
        "milliseconds; the statements themselves ran back to back in "
        f"{_m(api.get('span'), fmt='{:.2f}')} s ({_m(api.get('median_exec_us'), fmt='{:.1f}')} µs "
        f"inside the worker, {_m(api.get('median_gap_us'))} µs between consecutive statements): the "
        "runtime's own per-statement cost is near the 20 µs target and the static analysis in the "
        "manager is what is left to cut. Manager's top frames in the profile `chain_2000_w2`: "
        f"{_top(prof, 'local:chain_2000_w2', 'manager')}. (Before commit 6b5d92b, which made the "
        "analysis linear after an earlier run of this benchmark, 2000 statements took 38 s of "
        "analysis: `ast.get_source_segment` per statement and a reach computation over the whole "
        "environment before and after every statement were both O(statements²).)")


def _startup(d, prof) -> str:
    w = d.get("workers", {})
    n = 4 if 4 in w else max(w, default=0)
    four = w.get(n) or {}
    local = (four.get("local") or {}).get("minus_python")
    dask = four.get("dask_minus_python")
    lo, hi = min(w, default=0), max(w, default=0)
    per = None
    if lo != hi and (w[lo].get("local") or {}).get("minus_python") and (w[hi].get("local") or {}).get("minus_python"):
        per = (w[hi]["local"]["minus_python"].median - w[lo]["local"]["minus_python"].median) / (hi - lo)
    return (
        f"With {n} workers taskpar adds {_m(local, fmt='{:.2f}')} s to python's own start-up, Dask "
        f"{_m(dask, fmt='{:.2f}')} s"
        + (f"; each extra worker costs about {per:.2f} s" if per is not None else "") + ". "
        "Workers are forked from the fork server, which `taskpar run` starts before it analyses "
        "the script: one interpreter start plus the runtime's imports (~60 ms here), overlapping "
        "the manager's own start and analysis, then a fork per worker (a few ms each; the table "
        "below compares spawning a fresh interpreter per worker in the same repetitions). What is "
        "left on an empty script is the critical path manager start → server start and imports → "
        "forks → rendezvous (listening sockets, address table, authenticated connections) and "
        "barriers → stop. The workers' profile for an empty script (`empty_w4`) is "
        f"dominated by {_top(prof, 'local:empty_w4', 'worker')}; the manager's (`empty_w4`) by "
        f"{_top(prof, 'local:empty_w4', 'manager')}. In the clean venv python itself starts in "
        "~15 ms (no site-packages `.pth` files), taskpar's two interpreter starts and the runtime's "
        "imports (dataclass-heavy message and model modules) stay, which is why its figure there "
        "is the larger. "
        "Dask starts a scheduler, a nanny and a spawned worker process per worker, hence its larger "
        "cost.")


def _transfers(d) -> str:
    lat = (d.get("latency_local") or {}).get("by_timings")
    sizes = sorted(int(k[5:]) for k in d if k.startswith("size_"))
    big = d.get(f"size_{256 * 2**20}") or (d.get(f"size_{sizes[-1]}") if sizes else None) or {}
    loc = big.get("local") or {}
    return (
        f"A small value crosses workers in {_m(lat)} µs (median gap, alternating − same): the "
        "interpreter's thread pickles it and writes its frame to the loopback TCP socket itself when "
        "nothing is queued (no hop to a sender thread), the receiver thread reads it with one "
        "buffered `recv` and hands it to the worker's event queue, and the interpreter's thread "
        "wakes and runs the statement (the table splits a hop in these three legs; the last, a "
        "thread wake-up, is the largest); on a "
        "2-core machine also running the manager and, during this run, other jobs, each hop costs "
        "thread wake-ups and context switches, which is what the median measures. Large arrays go "
        "through shared memory (`runtime/transport.py`: the sender writes the buffer to a /dev/shm "
        "file, the receiver maps it copy-on-write), so a transfer is one copy, into tmpfs pages; "
        f"at 256 MiB that gives {_m(loc.get('MiBps'))} MiB/s against {_m(big.get('copy_MiBps'))} MiB/s "
        "for numpy.copy. Writing to tmpfs is slower than copying to anonymous memory (page allocation "
        "and shmem bookkeeping per 4 KiB page; a plain `os.write` of 1 GiB to /dev/shm runs at about "
        "0.5–0.9 GiB/s on this machine under load). The consumer here "
        "reads only `a.nbytes`, so the receiver's page faults on first touch are not counted (for "
        "either run). Allocating the destination with hugepages or `memfd_create` + `mmap` and copying "
        "with one `memcpy`, or letting the producer's array live in shared memory from the start, "
        "would close the gap. Dask's figure includes its scheduler's round trips.")


def _makespan(d) -> str:
    return (
        "Sleep statements use no CPU, so the gap to the lower bound is taskpar's. The second run's "
        "statement span is within a few per cent of the bound and the schedule's prediction is "
        "within a few per cent of the actual span: HEFT on measured costs places these DAGs well. "
        "What remains is outside the statements: run_script also analyses the script (benchmark 1) "
        "and starts and stops the workers, and the start-up subtracted here is that of an empty "
        "script, so analysis of the DAG's statements and the cost recording after the run count "
        "against taskpar. The first run has no costs: on backends that can, statements are assigned "
        "at run time (dynamic), which pays a round trip to the manager where a worker's queue runs "
        "dry and cannot see a long statement coming; elsewhere a static plan on estimated costs "
        "places them, which is good only when costs are alike. Both are why a first run is further "
        "from the bound than the second.")


def _cpu(d) -> str:
    return (
        "The four model fits take about 1.8 s each serially, so the best a 2-worker plan can do is "
        "two fits per worker, about 1.95× before start-up; taskpar then pays start-up (benchmark 2) "
        "and sends X and y (a few MB) to the second worker. Caution when reading the ratios: this "
        "workload is sensitive to glibc's malloc. Each fit allocates fresh multi-megabyte temporaries "
        "(`X[train]`), which glibc serves with mmap and returns at once, so a large share of python's "
        "time is kernel time (page faults and zeroing: see the CPU sys column, about 40% of python's CPU time; with "
        "`MALLOC_MMAP_THRESHOLD_=1000000000` python ran the same script about 2× faster in a spot "
        "check). Any difference in how a process's malloc has warmed up (glibc raises its mmap "
        "threshold after freeing a large block) moves a contender's time by tens of per cent, "
        "independently of parallelism; in an earlier run taskpar -w 1 was faster than python for "
        "that reason, in this one slower. On 2 cores, the two busy workers also compete with the "
        "manager and with anything else running, so this figure suffers most from a loaded machine. Dask pays its cluster start-up (the start / "
        "compute / close row) and its scheduler's round trips.")


def _growth(d) -> str:
    st = d.get("statements", {})
    out = ["At 100 statements the difference from the empty script is within start-up jitter "
           "(negative values are noise)."]
    for kind in ("independent", "chain"):
        byn = st.get(kind, {})
        sizes = sorted(n for n in byn if (byn[n].get("local") is not None))
        if len(sizes) >= 2:
            a, b = sizes[-2], sizes[-1]
            ra, rb = byn[a]["local"].median, byn[b]["local"].median
            if ra and ra > 0:
                ratio = rb / ra
                verdict = "flat: linear in statements" if ratio <= 1.5 else "rising: super-linear"
                out.append(f"{kind.capitalize()}: {ra:.0f} µs per statement at {a} statements, "
                           f"{rb:.0f} µs at {b} ({verdict}).")
    out.append("Start-up grows with the worker count by about one interpreter start per worker "
               "(benchmark 2), while the per-statement overhead at a fixed script size hardly depends "
               "on the worker count. A size whose predicted time exceeded the budget would be skipped "
               "with the prediction shown.")
    return " ".join(out)


def _analysis(d) -> str:
    out = []
    for kind, byn in d.get("kinds", {}).items():
        ns = sorted(byn)
        pers = [(n, byn[n]["per_statement"]) for n in ns if isinstance(byn[n]["per_statement"], Stat)
                and byn[n]["per_statement"].samples]
        if len(pers) >= 2:
            (a, pa), (b, pb) = pers[0], pers[-1]
            left = byn[b].get("stopped") or 0
            out.append(f"{kind}: {pa.median:.0f} µs per statement at {a}, {pb.median:.0f} µs at {b}"
                       + (f" ({left} statements left unanalysed)" if left else "") + ".")
    out.append("What is left per statement is the walk of the statement's syntax and of the alias "
               "sets it touches (profile: `Interp.reach`, `Interp.contents`, the summaries applied "
               "at calls); on a densely aliased script those sets hold most objects, which the "
               "script's work budget bounds: past it the statements left run in order unanalysed.")
    return " ".join(out)


def _guard(d) -> str:
    no, yes = d.get("no numpy", {}), d.get("numpy loaded", {})
    return (
        f"The guard adds {_m(no.get('cost'), fmt='{:.1f}')} µs per statement without numpy and "
        f"{_m(yes.get('cost'), fmt='{:.1f}')} µs with numpy's global generator loaded (medians of "
        "a difference of two ~12 µs figures, so noisy on a loaded machine; "
        f"`StateGuard.check()` alone costs {_m(no.get('check'), fmt='{:.1f}')} / "
        f"{_m(yes.get('check'), fmt='{:.1f}')} µs of CPU). One check per statement, not two: the "
        "fingerprints taken after a statement are the next one's \"before\" unless something else ran "
        "in between (a replica, an unpickled value). The generators' 2500-byte MT19937 states are "
        "copied from their own memory (a memoryview over addresses checked once against "
        "`getstate()`): `random.getstate()` (a 625-int tuple) costs ~20 µs and numpy's "
        "`get_state()` ~100 µs. `os.getcwd()` (a system call, 1–2 µs here) and the comparison of "
        "`os.environ` with its copy run only after an `os.chdir` / `os.putenv` / `os.unsetenv` "
        "audit event, counted by an audit hook. What is left is python-level work: two 2500-byte "
        "copies and comparisons and a few look-ups.")


def _blas(d) -> str:
    ratio = d.get("default_over_auto")
    same = d.get("auto_identical") or []
    return (
        f"With the default, both workers' OpenBLAS pools have {d.get('cores', '?')} threads, as "
        "python's has, so while the two eigvals overlap the 2 workers run twice as many threads as "
        f"there are cores: the default takes {_m(ratio, fmt='{:.2f}')}× the time of "
        "`--blas-threads auto` (median), which gives each worker cores ÷ 2 threads. That is the "
        "price of python's last digits: with auto they matched python's in "
        f"{sum(1 for x in same if x)} of {len(same)} runs (LAPACK's blocked reductions sum in "
        "an order that depends on the thread count). A statement that runs alone has python's "
        "pools, and python's speed, in the default.")
