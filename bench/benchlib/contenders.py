"""The contenders and how each one is started.

* ``python SCRIPT`` — the reference every taskpar figure is compared with;
* ``taskpar run --backend B -w N SCRIPT`` — one column per backend in
  ``Ctx.backends`` (only ``local`` exists today; ``dask`` and ``mpi`` are
  added to a run with ``--backends local,dask,mpi`` and need no code here);
* the API probe (``probes/api_run.py``): ``taskpar.run_script`` in a fresh
  process, reporting per-statement timings and transfers as JSON;
* Dask baselines (``probes/dask_*.py``), each in a fresh process.

Every command runs in a fresh process with ``Ctx.env`` (one BLAS thread).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Sequence

from .harness import Ctx, run_cmd

HERE = os.path.dirname(os.path.abspath(__file__))
PROBES = os.path.join(os.path.dirname(HERE), "probes")

__all__ = ["python", "taskpar", "api", "probe", "label"]


def label(backend: str) -> str:
    """Column name of a taskpar backend."""
    return f"taskpar[{backend}]"


def python(ctx: Ctx, script: str, *, expect: str | None = None, env=None) -> dict:
    return run_cmd([sys.executable, script], env=env or ctx.env, timeout=ctx.timeout,
                   cwd=ctx.workdir, expect_stdout=expect)


def taskpar_cmd(backend: str, workers: int, script: str, extra: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "taskpar", "run", "--backend", backend, "-w", str(workers),
            *extra, script]


def taskpar(ctx: Ctx, backend: str, workers: int, script: str, *, expect: str | None = None,
            env=None, extra: Sequence[str] = ()) -> dict:
    return run_cmd(taskpar_cmd(backend, workers, script, extra), env=env or ctx.env,
                   timeout=ctx.timeout, cwd=ctx.workdir, expect_stdout=expect)


def pins_of(script: str) -> dict[int, int]:
    """{line number: worker} of the ``# taskpar: worker K`` comments in ``script``."""
    out = {}
    with open(script) as f:
        for i, line in enumerate(f, 1):
            m = re.search(r"#\s*taskpar:\s*worker\s+(\d+)", line)
            if m:
                out[i] = int(m.group(1))
    return out


#: ``python -c SHIM POLICY PROBE ARGS``: the API probe with every
#: ``taskpar.run_script`` call given ``schedule_policy=POLICY`` (the probe
#: itself calls it with the default, ``auto``)
_SCHEDULE_SHIM = (
    "import functools, runpy, sys, taskpar\n"
    "policy = sys.argv.pop(1)\n"
    "sys.argv = sys.argv[1:]\n"
    "taskpar.run_script = functools.partial(taskpar.run_script, schedule_policy=policy)\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def api(ctx: Ctx, backend: str, workers: int, script: str, *, expect: str | None = None,
        env=None, predict: bool = False, check_pins: bool = False, prepare: bool = False,
        schedule: str | None = None) -> dict:
    """``taskpar.run_script`` in a fresh process; the sample holds ``run``
    (seconds inside run_script), ``timings``, ``transfers``, ``predicted``,
    ``plan_policy`` (``dynamic`` when statements were assigned at run time).
    ``check_pins``: fail unless every pinned statement ran on its worker.
    ``schedule``: ``run_script(..., schedule_policy=schedule)`` (None: the
    default, ``auto``; the probe is then started exactly as before)."""
    cmd = [sys.executable, os.path.join(PROBES, "api_run.py"), "--backend", backend,
           "-w", str(workers), script]
    if predict:
        cmd.insert(2, "--predict")
    if prepare:
        cmd.insert(2, "--prepare")
    if schedule is not None:
        cmd[1:1] = ["-c", _SCHEDULE_SHIM, schedule]
    s = run_cmd(cmd, env=env or ctx.env, timeout=ctx.timeout, cwd=ctx.workdir, json_stderr_tail=True)
    if expect is not None and s.get("out") != expect:
        from .harness import BenchError

        raise BenchError(f"run_script output differs from python's for {script}: "
                         f"{s.get('out', '')[:200]!r} != {expect[:200]!r}")
    if s.get("exit_status", 0) != 0:
        from .harness import BenchError

        raise BenchError(f"run_script exit status {s.get('exit_status')} for {script}: "
                         f"{s.get('err', '')[-400:]}")
    if check_pins:
        from .harness import BenchError

        pins = pins_of(script)
        wrong = [(t["lineno"], t["worker"], pins[t["lineno"]]) for t in s.get("timings", [])
                 if t["lineno"] in pins and t["worker"] != pins[t["lineno"]]]
        if wrong:
            ln, got, want = wrong[0]
            raise BenchError(f"pins not honoured in {os.path.basename(script)}: {len(wrong)} pinned "
                             f"statement(s) ran elsewhere, e.g. line {ln} on worker {got}, pinned to {want}")
    return s


def probe(ctx: Ctx, name: str, *args: str, env=None, expect: str | None = None) -> dict:
    """A baseline probe (``probes/NAME.py ARGS``) reporting JSON on stderr."""
    return run_cmd([sys.executable, os.path.join(PROBES, name + ".py"), *map(str, args)],
                   env=env or ctx.env, timeout=ctx.timeout, cwd=ctx.workdir,
                   json_stderr_tail=True, expect_stdout=expect)
