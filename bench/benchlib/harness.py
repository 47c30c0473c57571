"""Timing harness: run commands k times, interleaved, and summarise.

Every figure in RESULTS.md is a ratio or a difference of measurements taken
in the same run. To keep drift (other load on a shared machine) from biasing
one contender, repetitions are *interleaved*: repetition r runs every
contender once before repetition r+1 starts. Derived figures are computed
per repetition (paired) and then summarised by min and median.

Shapes::

    trials: {name: () -> Sample}          Sample = {"wall": s, ...extras}
    repeat(k, trials) -> {name: [Sample]}  (a failing trial: BenchError kept
                                            in errors[name], its samples stop)
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

__all__ = ["BenchError", "Stat", "Ctx", "run_cmd", "repeat", "paired", "stat"]


class BenchError(Exception):
    """A contender failed (non-zero exit, wrong output, time-out)."""


@dataclass
class Stat:
    """A figure repeated k times. ``samples`` in the unit given."""

    samples: list[float]
    unit: str = "s"

    @property
    def min(self) -> float:
        return min(self.samples) if self.samples else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    def to_json(self) -> dict:
        return {"unit": self.unit, "min": self.min, "median": self.median,
                "samples": list(self.samples)}


def stat(values: Iterable[float], unit: str = "s") -> Stat:
    return Stat([float(v) for v in values if v is not None], unit)


@dataclass
class Ctx:
    """What every benchmark needs: repetitions, mode, backends, scratch dir."""

    k: int
    quick: bool
    backends: tuple[str, ...]
    workdir: str
    env: dict
    timeout: float = 600.0
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True)
    profile: bool = False
    profile_dir: str | None = None

    def path(self, name: str) -> str:
        return os.path.join(self.workdir, name)

    def write(self, name: str, text: str) -> str:
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p


def bench_env(threads: int = 1, unset_openblas_coretype: bool = False) -> dict:
    """Environment for every contender: one BLAS/OpenMP thread each, so that
    python, taskpar's workers and Dask's workers compete on equal terms."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = str(threads)
    if unset_openblas_coretype:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    env.pop("TASKPAR_CACHE_DIR", None)
    # an installed taskpar has its bytecode (pip compiles at install): without
    # it every run would compile taskpar's ~40 modules again (~30 ms), which
    # no user pays (see ``compile_taskpar``)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def compile_taskpar() -> str | None:
    """Byte-compile the taskpar package being measured (an editable install
    has no bytecode until a run writes it). A note for RESULTS.md when the
    environment had asked python not to write bytecode, else None."""
    import compileall

    import taskpar

    compileall.compile_dir(os.path.dirname(taskpar.__file__), quiet=1)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return ("bytecode: this environment sets PYTHONDONTWRITEBYTECODE; the runs unset it and "
                "taskpar's modules are compiled first, as `pip install` leaves them")
    return None


def run_cmd(cmd: Sequence[str], *, env: Mapping[str, str], timeout: float, cwd: str | None = None,
            expect_stdout: str | None = None, json_stderr_tail: bool = False) -> dict:
    """Run ``cmd``; return ``{"wall": s, "user": s, "sys": s, "stdout": ..., "stderr": ...}``.

    Raises BenchError on a non-zero exit, a time-out, or stdout that differs
    from ``expect_stdout``. With ``json_stderr_tail`` the last stderr line is
    parsed as JSON and merged into the sample (probes report that way).
    """
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(list(cmd), env=dict(env), cwd=cwd, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"timed out after {timeout:.0f}s: {' '.join(map(str, cmd))}") from e
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        tail = (p.stderr or "").strip().splitlines()[-6:]
        raise BenchError(f"exit {p.returncode}: {' '.join(map(str, cmd))}\n    " + "\n    ".join(tail))
    if expect_stdout is not None and p.stdout != expect_stdout:
        raise BenchError(f"stdout differs from python's: {' '.join(map(str, cmd))}\n"
                         f"    expected {expect_stdout[:200]!r}\n    got      {p.stdout[:200]!r}")
    # CPU of the whole process tree that was waited for (workers are waited
    # by their manager, so they count); the harness runs one command at a time
    sample = {"wall": wall, "stdout": p.stdout, "stderr": p.stderr,
              "user": ru1.ru_utime - ru0.ru_utime, "sys": ru1.ru_stime - ru0.ru_stime}
    if json_stderr_tail:
        lines = [ln for ln in (p.stderr or "").splitlines() if ln.startswith("{")]
        if not lines:
            raise BenchError(f"no JSON report on stderr: {' '.join(map(str, cmd))}\n{p.stderr[-800:]}")
        sample.update(json.loads(lines[-1]))
    return sample


def repeat(k: int, trials: Mapping[str, Callable[[], dict]], *, warmup: Iterable[str] | bool = False,
           log: Callable[[str], None] | None = None, quick: bool = False
           ) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """Run every trial k times, interleaved; return (samples, errors).

    ``warmup``: trials run once, untimed, first (cost cache and OS caches
    warm, as on a user's second run); skipped when ``quick``."""
    samples: dict[str, list[dict]] = {name: [] for name in trials}
    errors: dict[str, str] = {}
    warm = set() if quick else set(trials) if warmup is True else set(warmup or ())
    for name in trials:
        if name in warm:
            try:
                trials[name]()
            except BenchError as e:
                errors[name] = str(e)
                if log:
                    log(f"  ! {name}: {e}")
    for r in range(k):
        for name, trial in trials.items():
            if name in errors:
                continue
            try:
                samples[name].append(trial())
            except BenchError as e:
                errors[name] = str(e)
                if log:
                    log(f"  ! {name}: {e}")
    return samples, errors


def walls(samples: Mapping[str, list[dict]], name: str, key: str = "wall") -> list[float]:
    return [s[key] for s in samples.get(name, []) if s.get(key) is not None]


def paired(a: Sequence[float], b: Sequence[float], f: Callable[[float, float], float]) -> list[float]:
    """``f`` applied to repetition-paired values (truncated to the shorter)."""
    return [f(x, y) for x, y in zip(a, b)]


def machine_info() -> dict:
    import platform

    info: dict = {"cores": os.cpu_count(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
        info["load_avg_at_start"] = list(os.getloadavg())
    except Exception:  # psutil missing: memory from /proc
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    try:
        with open("/etc/os-release") as f:
            kv = dict(line.rstrip().split("=", 1) for line in f if "=" in line)
        info["os"] = kv.get("PRETTY_NAME", "").strip('"')
    except OSError:
        info["os"] = platform.system()
    info["kernel"] = platform.release()
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    info["OPENBLAS_L2_SIZE"] = os.environ.get("OPENBLAS_L2_SIZE")
    return info


def versions(env: Mapping[str, str]) -> dict:
    """Versions as the contenders see them (asked in a subprocess with ``env``)."""
    code = r"""
import json, sys, platform
out = {"python": platform.python_version()}
for name in ("taskpar", "numpy", "dask", "distributed", "cloudpickle", "matplotlib"):
    try:
        m = __import__(name)
        out[name] = getattr(m, "__version__", "?")
    except Exception as e:
        out[name] = None
try:
    import numpy, threadpoolctl
    out["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                   for d in threadpoolctl.threadpool_info()]
except Exception:
    pass
print(json.dumps(out))
"""
    p = subprocess.run([sys.executable, "-c", code], env=dict(env), capture_output=True, text=True,
                       timeout=120)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"error": p.stderr[-500:]}


def load_now() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None
