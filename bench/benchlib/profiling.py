"""Where the time goes: py-spy over a whole taskpar run (manager and workers).

The manager runs under ``py-spy record --format raw``; each worker is
attached by pid as soon as it appears (``--subprocesses`` does not follow
taskpar's workers, which run in their own sessions; a worker's first
milliseconds are missed). Only active threads are sampled (no ``--idle``):
the shares say where CPU time goes, and samples / rate is the active
seconds of the role's threads. The raw output (one collapsed
stack per line, ``frame;frame;... COUNT``) is summarised per role (manager,
workers) as the frames with the most samples: self (leaf) and inclusive
within taskpar's own code. py-spy is optional: without it the section says
so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections import Counter

from . import contenders as C
from . import scripts
from .harness import Ctx
from .report import Section, Table

RATE = 250
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*)(?::\d+)?\)$")


def pyspy() -> str | None:
    return shutil.which("py-spy")


def record(ctx: Ctx, cmd: list[str], name: str) -> dict[str, list[str]]:
    """Profile ``cmd`` (the manager) and every worker it starts.
    Returns {role: [raw files]}."""
    import psutil

    out_dir = ctx.profile_dir or ctx.workdir
    os.makedirs(out_dir, exist_ok=True)
    files = {"manager": [os.path.join(out_dir, f"{name}.manager.txt")], "worker": []}
    common = ["--format", "raw", "--rate", str(RATE)]
    mgr = subprocess.Popen([pyspy(), "record", *common, "--output", files["manager"][0], "--", *cmd],
                           env=ctx.env, cwd=ctx.workdir, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    attached: dict[int, subprocess.Popen] = {}
    deadline = time.monotonic() + ctx.timeout
    try:
        root = psutil.Process(mgr.pid)
        while mgr.poll() is None and time.monotonic() < deadline:
            try:
                kids = root.children(recursive=True)
            except psutil.Error:
                kids = []
            for k in kids:
                try:
                    line = " ".join(k.cmdline())
                except psutil.Error:
                    continue
                if k.pid not in attached and "taskpar.runtime" in line:
                    f = os.path.join(out_dir, f"{name}.worker{len(attached) + 1}.txt")
                    files["worker"].append(f)
                    attached[k.pid] = subprocess.Popen(
                        [pyspy(), "record", *common, "--pid", str(k.pid), "--output", f],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            time.sleep(0.01)
    finally:
        for p in [mgr, *attached.values()]:
            try:
                p.wait(timeout=max(5.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return files


def _short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    f = m["file"]
    if "site-packages/" in f:
        f = f.split("site-packages/", 1)[1]
    elif "/src/" in f:
        f = f.split("/src/", 1)[1]
    return f"{m['func']} ({f})"


def summarise(files: dict[str, list[str]], top: int = 8) -> dict:
    """{role: {"samples": n, "processes": k, "self": [(frame, share)], "taskpar": [(frame, share)]}}.

    Shares are of the role's active samples (threads not blocked).
    """
    out = {}
    for role, paths in files.items():
        self_c: Counter = Counter()
        incl: Counter = Counter()
        total = 0
        for path in paths:
            if not os.path.exists(path):
                continue
            with open(path, errors="replace") as f:
                for line in f:
                    stack, _, count = line.rstrip("\n").rpartition(" ")
                    try:
                        n = int(count)
                    except ValueError:
                        continue
                    frames = [_short(p) for p in stack.split(";")
                              if p and not p.startswith(("process ", "thread "))]
                    total += n
                    if frames:
                        self_c[frames[-1]] += n
                    for fr in set(frames):
                        if "taskpar/" in fr:
                            incl[fr] += n
        if total:
            out[role] = {"samples": total, "processes": len(paths),
                         "self": [(fr, c / total) for fr, c in self_c.most_common(top)],
                         "taskpar": [(fr, c / total) for fr, c in incl.most_common(top)]}
    return out


def run(ctx: Ctx) -> Section:
    if not pyspy():
        return Section("profiles", "Profiles", limits="py-spy is not installed (`pip install py-spy`): "
                       "no profile was taken.")
    n = 2000
    targets = {
        f"chain_{n}_w2": (2, ctx.write(f"profile/chain_{n}.py", scripts.trivial_chain(n))),
        "empty_w4": (4, ctx.write("profile/empty.py", scripts.empty())),
        "pingpong_200_w2": (2, ctx.write("profile/pingpong.py", scripts.ping_pong(200, True)[0])),
    }
    tables = []
    data = {}
    for b in ctx.backends:
        for name, (w, script) in targets.items():
            ctx.log(f"  py-spy: {name} ({b})")
            # one untimed run first so the cost cache is warm, as in the benchmarks
            try:
                C.taskpar(ctx, b, w, script)
            except Exception as e:  # noqa: BLE001
                ctx.log(f"  ! {e}")
            raw = record(ctx, C.taskpar_cmd(b, w, script), f"{b}_{name}")
            summary = summarise(raw)
            data[f"{b}:{name}"] = summary
            data[f"{b}:{name}:wall"] = None
            rows = []
            for role in ("manager", "worker"):
                s = summary.get(role)
                if not s:
                    continue
                rows.append([role, "active thread-seconds sampled", f"{s['samples'] / RATE:.2f} s "
                             f"over {s['processes']} process(es)", ""])
                for kind in ("self", "taskpar"):
                    for fr, share in s[kind]:
                        rows.append([role, "leaf" if kind == "self" else "inclusive (taskpar code)", fr,
                                     f"{share:.0%}"])
            tables.append(Table(f"{C.label(b)}, {name}: top frames (share of the role's active samples, "
                                f"{RATE} Hz)", ["process", "kind", "frame", "share"], rows))
    return Section("profiles", "Profiles (py-spy)", tables, data=data)
