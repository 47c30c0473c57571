"""taskpar's benchmarks: the figures that show whether taskpar is fast and cheap.

    python bench/run.py [--quick] [--only NAME[,NAME]] [--backends local[,dask,mpi]] [-k K]

Writes bench/RESULTS.md, bench/results.json, bench/growth.png and
bench/analysis.png (with --only: RESULTS-only.md, results-only.json,
growth-only.png, analysis-only.png, so a partial run never replaces the full
results). Every figure
is a ratio or a difference of measurements taken in the same run, repeated k
times (5; 2 with --quick), interleaved across contenders, reported as min and
median. Benchmarks (issue 6): overhead, startup, transfers, makespan, cpu,
growth, analysis (issue 13); guard and blas (issue 14); loops (issue 15); plus profiles (py-spy, full runs only, when installed).

--quick shrinks every benchmark so the whole run takes under two minutes: it
proves the script still runs (CI), its figures mean little. Nothing here
asserts a timing: a missed target is a row in RESULTS.md, not a failure. The
exit status is 1 only when the harness itself breaks; a contender that fails
is reported in RESULTS.md under "Errors in this run".

Backends: each taskpar figure has one column per backend given with
--backends (default: local). A backend is whatever ``taskpar run --backend B``
accepts; adding dask or mpi needs no change here.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchlib import (analysis, blas, cpu, growth, guard, limits, loops, makespan,  # noqa: E402
                      overhead, profiling, startup, transfers)
from benchlib.harness import (Ctx, bench_env, compile_taskpar, load_now, machine_info,  # noqa: E402
                              versions)
from benchlib.report import Section, render_markdown, section_json  # noqa: E402

BENCHMARKS = {
    "overhead": overhead.run,
    "startup": startup.run,
    "transfers": transfers.run,
    "makespan": makespan.run,
    "cpu": cpu.run,
    "growth": growth.run,
    "analysis": analysis.run,
    "guard": guard.run,
    "blas": blas.run,
    "loops": loops.run,
    "profiles": profiling.run,
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, k=2: proves the script runs")
    ap.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    ap.add_argument("--backends", default="local", help="taskpar backends to measure, comma-separated")
    ap.add_argument("-k", type=int, default=None, help="repetitions (default 5, --quick 2)")
    ap.add_argument("--out", default=HERE, help="directory for RESULTS.md, results.json, growth.png")
    ap.add_argument("--no-profile", action="store_true", help="skip py-spy profiles")
    ap.add_argument("--keep", action="store_true", help="keep the generated scripts and profiles")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per command (default 300; 120 quick)")
    ap.add_argument("--unset-openblas-coretype", action="store_true",
                    help="unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for every contender")
    a = ap.parse_args(argv)

    only = [x for x in a.only.split(",") if x]
    unknown = [x for x in only if x not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    chosen = only or [n for n in BENCHMARKS if not (n == "profiles" and (a.quick or a.no_profile))]
    k = a.k or (2 if a.quick else 5)
    workdir = tempfile.mkdtemp(prefix="taskpar-bench-")
    env = bench_env(1, a.unset_openblas_coretype)
    bytecode_note = compile_taskpar()
    ctx = Ctx(k=k, quick=a.quick, backends=tuple(b for b in a.backends.split(",") if b), workdir=workdir,
              env=env, timeout=a.timeout or (120 if a.quick else 300),
              profile_dir=os.path.join(workdir, "profiles"))
    t_start = time.perf_counter()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": a.quick, "k": k, "only": only, "backends": list(ctx.backends),
        "machine": machine_info(), "versions": versions(env),
        "env": {v: env.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                       "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    }
    sections: list[Section] = []
    harness_broke = False
    for name in chosen:
        ctx.log(f"[{name}]")
        t0, la0 = time.perf_counter(), load_now()
        try:
            s = BENCHMARKS[name](ctx)
        except Exception:  # noqa: BLE001 - one broken benchmark must not lose the others' figures
            harness_broke = True
            s = Section(name, name, errors=[f"the benchmark itself failed:\n{traceback.format_exc()}"])
        s.seconds, s.load = time.perf_counter() - t0, (la0, load_now())
        sections.append(s)
        ctx.log(f"  {s.seconds:.0f} s" + (f", {len(s.errors)} error(s)" if s.errors else ""))
    for s in sections:  # after all: the paragraphs quote the profiles too
        try:
            s.limits = s.limits or limits.text(s.key, s, sections)
        except Exception:  # noqa: BLE001 - a paragraph must not lose the figures
            s.errors.append(f"limits paragraph failed:\n{traceback.format_exc()}")
    meta["seconds"] = time.perf_counter() - t_start
    meta["load_avg_at_end"] = load_now()

    os.makedirs(a.out, exist_ok=True)
    notes = [bytecode_note] if bytecode_note else []
    g = next((s for s in sections if s.key == "growth" and s.data.get("statements")), None)
    if g is not None:
        try:
            png = "growth-only.png" if only else "growth.png"
            growth.plot(g, os.path.join(a.out, png))
            notes.append(f"plot of benchmark 6: [{png}]({png})")
        except Exception:  # noqa: BLE001
            g.errors.append(f"plot failed:\n{traceback.format_exc()}")
    for key, module, number in (("analysis", analysis, 10),):
        sec = next((s for s in sections if s.key == key and s.data), None)
        if sec is None:
            continue
        try:
            png = f"{key}-only.png" if only else f"{key}.png"
            if module.plot(sec, os.path.join(a.out, png)):
                notes.append(f"plot of benchmark {number}: [{png}]({png})")
        except Exception:  # noqa: BLE001
            sec.errors.append(f"plot failed:\n{traceback.format_exc()}")
    if (meta["machine"].get("load_avg_at_start") or [0])[0] > 0.5 or (meta["load_avg_at_end"] or 0) > 1.0:
        notes.append("**the machine was not idle during this run** (see the load averages): "
                     "absolute times are inflated and ratios noisy")
    # a partial run (--only) must not replace the full results
    suffix = "-only" if only else ""
    with open(os.path.join(a.out, f"RESULTS{suffix}.md"), "w") as f:
        f.write(render_markdown(meta, sections, notes))
    with open(os.path.join(a.out, f"results{suffix}.json"), "w") as f:
        json.dump({"meta": meta, "benchmarks": {s.key: section_json(s) for s in sections}}, f, indent=1,
                  default=str)
    if a.keep:
        ctx.log(f"scripts and profiles kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    ctx.log(f"wrote {os.path.join(a.out, f'RESULTS{suffix}.md')} ({meta['seconds']:.0f} s)")
    return 1 if harness_broke else 0


if __name__ == "__main__":
    raise SystemExit(main())
