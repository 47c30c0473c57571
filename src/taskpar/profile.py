"""``taskpar profile``: run a script serially once and measure it.

::

    taskpar profile SCRIPT ARGS ──spawn──▶ python -P -m taskpar.profile (child)
                                             runs every statement in order in a
                                             real __main__, output straight to
                                             the terminal, as python would
          ◀── JSON file ───────────────────  seconds per statement, serialized
    record_costs(...)                        bytes of every value a later
                                             statement reads

The child is a separate process so the script gets a clean ``__main__``
and interpreter, exactly as under python. Measurements: a statement's wall
time (``time.perf_counter``), then — outside the timed part — the size that
``taskpar.runtime.values.dumps`` gives each name the statement bound or
changed and a later statement reads (what a transfer would cost). A value
that cannot be pickled is recorded as such (the plan will keep its users
together).

Exit status and output are the script's own: the first failing statement
prints python's traceback and ends the profile with status 1 (measurements
of the statements before it are still recorded).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

__all__ = ["Profile", "profile_script"]


@dataclass
class Profile:
    exit_status: int
    seconds: dict[int, float] = field(default_factory=dict)
    nbytes: dict[tuple[int, str], int] = field(default_factory=dict)
    unpicklable: list[tuple[int, str]] = field(default_factory=list)


def profile_script(path: str, args=(), *, record: bool = True) -> tuple[object, Profile]:
    """Profile the script at ``path``; returns ``(script, Profile)``.

    The script's output goes to this process's stdout/stderr (inherited).
    With ``record`` the measurements go into the cost cache.
    """
    from .analysis import analyze_script
    from .costs import record_colocation, record_costs

    script = analyze_script(path, loops=False)  # bad path / syntax errors before anything runs
    fd, out = tempfile.mkstemp(prefix="taskpar-profile-", suffix=".json")
    os.close(fd)
    try:
        env = dict(os.environ, TASKPAR_PROFILE_OUT=out)
        argv = [sys.executable, "-P", "-m", "taskpar.profile", os.fspath(path), *args]
        status = subprocess.run(argv, env=env).returncode
        try:
            with open(out) as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
    finally:
        os.unlink(out)
    prof = Profile(
        exit_status=status,
        seconds={int(k): v for k, v in data.get("seconds", {}).items()},
        nbytes={(int(i), v): n for i, v, n in data.get("nbytes", [])},
        unpicklable=[(int(i), v) for i, v in data.get("unpicklable", [])],
    )
    if record:
        record_costs(script, prof.seconds, "local", nbytes=prof.nbytes)
        from .graph import build_graph

        graph = build_graph(script)
        for i, var in prof.unpicklable:
            users = [e.dst for e in graph.out_edges(i) if var in e.vars]
            if users:
                record_colocation(script, [i, *users])
    return script, prof


def _child(argv: list[str]) -> int:
    """Run in the child: execute the script statement by statement."""
    import time

    from .analysis import analyze_script
    from .graph import build_graph
    from .runtime.tracebacks import format_exception, system_exit_status
    from .runtime.compiling import call_site, compile_statements, register_source
    from .runtime.messages import Job
    from .runtime.values import dumps, nbytes
    from .runtime.shell import make_main_module

    path, args = argv[0], argv[1:]
    script = analyze_script(path, loops=False)
    graph = build_graph(script)
    job = Job(script=script, argv=(path, *args), cwd=os.getcwd(),
              sys_path0=os.path.dirname(script.filename))
    main = make_main_module(script, job)
    register_source(script)
    codes = compile_statements(script, range(len(script.statements)))
    ns = main.__dict__
    # names each statement's value is read under by a later statement
    needed: dict[int, set[str]] = {}
    for e in graph.edges:
        if e.kind.value == "RAW":
            needed.setdefault(e.src, set()).update(e.vars)
    result = {"seconds": {}, "nbytes": [], "unpicklable": []}
    status = 0
    try:
        for s in script.statements:
            start = time.perf_counter()
            try:
                exec(codes[s.id], ns)
            except SystemExit as e:
                status, message = system_exit_status(e)
                if message:
                    sys.stderr.write(message)
                break
            except BaseException as e:  # noqa: BLE001 - reported as python would
                sys.stdout.flush()
                sys.stderr.write(format_exception(e, codes[s.id], call=call_site(script, s)))
                status = 130 if isinstance(e, KeyboardInterrupt) else 1
                break
            finally:
                result["seconds"][s.id] = time.perf_counter() - start
            for var in sorted(needed.get(s.id, ())):
                if var in ns:
                    try:
                        result["nbytes"].append((s.id, var, nbytes(*dumps(ns[var], ns))))
                    except Exception:  # noqa: BLE001 - cannot be sent: remember it
                        result["unpicklable"].append((s.id, var))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with open(os.environ["TASKPAR_PROFILE_OUT"], "w") as f:
            json.dump(result, f)
    return status


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
