"""Time the third-party corpus (tests/thirdparty) with python and taskpar.

    python bench/thirdparty.py --out bench/THIRDPARTY.md [--scripts lib/a.py,lib/b.py] [--jobs N]

Each script runs once with python, then with ``taskpar run -w 2`` and
``-w 3``, each twice on its own cache directory: the first run has an empty
cache (dynamic assignment), the second a warm one (a HEFT plan from the first
run's measurements). Every run is in a fresh copy of the script's library
directory (``tests/thirdparty/thirdparty_corpus.py``). The markdown table gives wall
seconds, the ratio python ÷ taskpar per mode (> 1: taskpar faster) and whether
every taskpar run was identical to python (exit status, stdout, stderr, files
written); the mismatches' diffs follow the table.

``--jobs N`` runs N scripts at a time (faster, noisier timings; the header
says which).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
import datetime
import os
import platform
import shlex
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "thirdparty"))

sys.path.insert(0, str(ROOT / "bench"))

from benchlib.harness import compile_taskpar  # noqa: E402
from thirdparty_corpus import all_scripts, describe_difference, run_script  # noqa: E402

MODES = [("-w 2 first", 2, "first"), ("-w 2 warm", 2, "warm"),
         ("-w 3 first", 3, "first"), ("-w 3 warm", 3, "warm")]


@dataclass
class Run:
    status: int | None
    seconds: float


def measure(script: str, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="tp3p-bench-") as tmp:
        py = run_script(script, cache_dir=Path(tmp) / "py", timeout=timeout)
        row = {"script": script, "python": Run(py.status, py.seconds), "modes": {}}
        for w in (2, 3):
            cache = Path(tmp) / f"cache-w{w}"
            for label, _, phase in [m for m in MODES if m[1] == w]:
                got = run_script(script, taskpar_args=["-w", str(w)], cache_dir=cache,
                                 timeout=timeout)
                row["modes"][label] = (Run(got.status, got.seconds), describe_difference(py, got))
        return row


def to_json(row: dict) -> str:
    return json.dumps({"script": row["script"], "python": asdict(row["python"]),
                       "modes": {m: [asdict(g), d] for m, (g, d) in row["modes"].items()}})


def from_json(line: str) -> dict:
    r = json.loads(line)
    return {"script": r["script"], "python": Run(**r["python"]),
            "modes": {m: (Run(**g), d) for m, (g, d) in r["modes"].items()}}


def machine() -> str:
    try:
        import psutil
        mem = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        mem = ""
    load = ", load average %.1f %.1f %.1f at start" % os.getloadavg()
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs{mem}{load}; "
            f"Python {platform.python_version()}")


def versions() -> str:
    import importlib.metadata as md

    out = []
    for p in ("taskpar", "numpy", "scipy", "pandas", "matplotlib", "scikit-learn",
              "statsmodels", "networkx"):
        try:
            out.append(f"{p} {md.version(p)}")
        except md.PackageNotFoundError:
            pass
    return ", ".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="markdown file to write")
    ap.add_argument("--scripts", help="comma-separated lib/name.py (default: the whole corpus)")
    ap.add_argument("--jobs", type=int, default=1, help="scripts measured at a time")
    ap.add_argument("--timeout", type=float, default=180, help="seconds per run")
    ap.add_argument("--resume", action="store_true",
                    help="keep the rows already in OUT.jsonl (measured by an earlier, interrupted "
                         "run) and measure only the other scripts")
    a = ap.parse_args(argv)
    scripts = a.scripts.split(",") if a.scripts else all_scripts()
    # taskpar as pip leaves it: byte-compiled (the runs inherit this environment)
    bytecode_note = compile_taskpar()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    raw = Path(a.out).with_suffix(".jsonl")
    old = {}
    if a.resume and raw.exists():
        for line in raw.read_text().splitlines():
            if line.strip():
                r = from_json(line)
                old[r["script"]] = r
    elif raw.exists():
        raw.unlink()
    todo = [s for s in scripts if s not in old]
    header_machine = machine()
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = [old[s] for s in scripts if s in old]
    with ThreadPoolExecutor(max(1, a.jobs)) as ex, raw.open("a") as rawf:
        for i, row in enumerate(ex.map(lambda s: measure(s, a.timeout), todo), 1):
            rawf.write(to_json(row) + "\n")
            rawf.flush()
            bad = [m for m, (_, d) in row["modes"].items() if d]
            print(f"[{i}/{len(todo)}] {row['script']}: python {row['python'].seconds:.2f}s"
                  + "".join(f", {m} {g.seconds:.2f}s" for m, (g, _) in row["modes"].items())
                  + (f"  MISMATCH {', '.join(bad)}" if bad else ""), flush=True)
            rows.append(row)
    finished = datetime.datetime.now(datetime.timezone.utc)
    order = {s: i for i, s in enumerate(scripts)}
    rows.sort(key=lambda r: order[r["script"]])

    cmd = "python " + " ".join(shlex.quote(x) for x in
                               ["bench/thirdparty.py", *(argv if argv is not None else sys.argv[1:])])
    lines = ["# taskpar on the third-party corpus", "",
             f"* command: `{cmd}`",
             f"* date: {started:%Y-%m-%d %H:%M} – {finished:%H:%M} UTC"
             + (f" (this run measured {len(todo)} scripts; {len(old)} rows kept from an earlier "
                f"run, {raw.name})" if old else ""),
             f"* machine: {header_machine}",
             f"* versions: {versions()}",
             *([f"* {bytecode_note}"] if bytecode_note else []),
             f"* scripts measured at a time: {a.jobs}"
             + (" (timings of concurrent runs are noisier)" if a.jobs > 1 else ""),
             "* python s / taskpar s: wall seconds of one run each, every run in a fresh copy "
             "of the script's directory; ratio = python ÷ taskpar (> 1: taskpar faster); "
             "first = empty cache, warm = second run on the first run's cache; "
             "identical = exit status, stdout, stderr and files written equal python's "
             "in every taskpar mode.", ""]
    head = "| script | python s | " + " | ".join(f"{m} s (ratio)" for m, _, _ in MODES) + " | identical |"
    lines += [head, "|" + "---|" * (len(MODES) + 3)]
    ratios, mismatched = [], []
    for row in rows:
        py = row["python"]
        cells = []
        for m, _, _ in MODES:
            got, _ = row["modes"][m]
            if got.status is None:
                cells.append("timeout")
                continue
            r = py.seconds / got.seconds if got.seconds else float("nan")
            ratios.append((r, row["script"], m))
            cells.append(f"{got.seconds:.2f} ({r:.2f})")
        bad = [m for m, (_, d) in row["modes"].items() if d]
        if py.status != 0:
            ident = f"python failed ({py.status})"
        else:
            ident = "yes" if not bad else "no: " + ", ".join(bad)
        if bad:
            mismatched.append(row)
        lines.append(f"| {row['script']} | {py.seconds:.2f} | " + " | ".join(cells) + f" | {ident} |")
    n = len(rows)
    slower = sorted(r for r in ratios if r[0] < 1)
    lines += ["", "## Summary", "",
              f"* {n} scripts; identical in every mode: {n - len(mismatched)}; "
              f"mismatching in at least one mode: {len(mismatched)}.",
              f"* runs slower than python: {len(slower)} of {len(ratios)}"
              + (f"; worst {slower[0][0]:.2f} ({slower[0][1]}, {slower[0][2]})" if slower else "")
              + (f"; best ratio {max(ratios)[0]:.2f} ({max(ratios)[1]}, {max(ratios)[2]})"
                 if ratios else "") + "."]
    for m, _, _ in MODES:
        rs = sorted(r for r, _, mm in ratios if mm == m)
        if rs:
            lines.append(f"* {m}: median ratio {rs[len(rs) // 2]:.2f}, "
                         f"{sum(r >= 1 for r in rs)} of {len(rs)} at least as fast as python.")
    if mismatched:
        lines += ["", "## Mismatches", ""]
        for row in mismatched:
            lines += [f"### {row['script']}", ""]
            seen = {}
            for m, (_, d) in row["modes"].items():
                if d:
                    seen.setdefault(d, []).append(m)
            for d, modes in seen.items():
                lines += [f"{', '.join(modes)}:", "", "```", d[:3000], "```", ""]
    Path(a.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
