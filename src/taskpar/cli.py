"""The ``taskpar`` command: a thin layer over the pipeline.

``taskpar run SCRIPT [ARGS...]`` behaves like ``python SCRIPT ARGS``. Options
of taskpar may stand before or after SCRIPT; after SCRIPT, only taskpar's own
run options are taken (``-w 2``, ``--backend dask``, ...) and every other
word goes to the script; a literal ``--`` passes everything after it to the
script untouched.

Every ``TaskparError`` becomes one line ``taskpar: <message>`` on stderr and
its exit status (a syntax error is printed exactly as python prints it). No
taskpar traceback reaches the user.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .errors import ScriptSyntaxError, TaskparError, UsageError

__all__ = ["main"]

EXIT_INTERRUPTED = 130

# run options that may follow SCRIPT: name -> takes a value
_RUN_OPTIONS = {
    "-w": True, "--workers": True, "--backend": True, "--address": True,
    "--schedule": True, "--report": True, "--no-cache": False, "--progress": False,
    "--no-progress": False, "--blas-threads": True,
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, status 2
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="taskpar", description="Run an ordinary Python script in parallel, "
                "with output identical to python's.")
    p.add_argument("--version", action="version", version=f"taskpar {__import__('taskpar').__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    r = sub.add_parser("run", help="run SCRIPT in parallel (like python SCRIPT ARGS)")
    r.add_argument("script", metavar="SCRIPT")
    r.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the script")
    _add_run_options(r)

    g = sub.add_parser("graph", help="print the task graph of SCRIPT")
    g.add_argument("script", metavar="SCRIPT")
    g.add_argument("--format", "-f", choices=("dot", "json", "svg", "png"), default=None,
                   help="output format (default: from -o's extension, else dot)")
    g.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    g.add_argument("--no-cache", action="store_true",
                   help="the graph of the analysis alone, without what earlier runs learned")
    pl = sub.add_parser("plan", help="show where and when each statement of SCRIPT would run")
    pl.add_argument("script", metavar="SCRIPT")
    pl.add_argument("-w", "--workers", type=_positive_int, default=None,
                    help="number of workers to plan for (default: number of CPU cores)")
    pl.add_argument("--schedule", default="auto", choices=("auto", "static", "list", "dynamic"))
    pl.add_argument("--gantt", metavar="FILE", default=None,
                    help="also draw the plan as a Gantt chart (.png, .svg or .html)")
    pl.add_argument("--no-cache", action="store_true", help="ignore measured costs")
    pl.add_argument("--backend", default="local", help="backend whose measured costs to use")
    pr = sub.add_parser("profile", help="run SCRIPT serially once and record its costs")
    pr.add_argument("script", metavar="SCRIPT")
    pr.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the script")
    pr.add_argument("--no-cache", action="store_true", help="measure, but do not record")

    ch = sub.add_parser("check", help="trace SCRIPT serially and compare with its task graph")
    ch.add_argument("script", metavar="SCRIPT")
    ch.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the script")

    ge = sub.add_parser("generate", help="write the plan of SCRIPT as a standalone program")
    ge.add_argument("script", metavar="SCRIPT")
    ge.add_argument("-w", "--workers", type=_positive_int, default=None,
                    help="number of ranks to plan for (default: number of CPU cores)")
    ge.add_argument("--target", default="mpi", choices=("mpi",), help="kind of program (mpi4py)")
    ge.add_argument("-o", "--output", metavar="OUT.py", default=None,
                    help="write the program to OUT.py (default: stdout)")
    ge.add_argument("--no-cache", action="store_true", help="ignore measured costs")
    return p


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-w", "--workers", type=_positive_int, default=None,
                   help="number of worker processes (default: number of CPU cores)")
    p.add_argument("--backend", default="local", help="local (default), dask or mpi")
    p.add_argument("--address", default=None, help="scheduler address for --backend dask")
    p.add_argument("--schedule", default="auto", choices=("auto", "static", "list", "dynamic"),
                   help="auto: static when every statement's cost was measured by an earlier "
                        "run, else dynamic; static: HEFT from measured costs (estimates where "
                        "none are known); dynamic: statements assigned as the run goes "
                        "(local and mpi backends); list: greedy in program order")
    p.add_argument("--blas-threads", default="python", metavar="python|auto|N",
                   help="threads of each worker's BLAS/OpenMP pools. python (default): as "
                        "python sizes them, so results match python's to the last digit; "
                        "auto: cores / workers, faster when statements overlap, but the last "
                        "digits of multithreaded BLAS/LAPACK results may differ from python's; "
                        "N: N threads")
    p.add_argument("--report", metavar="FILE.html", default=None, help="write an HTML report")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write measured costs")
    p.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show a progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false")


def exit_now(status: int) -> int:
    """End the ``taskpar`` command with ``status`` without the interpreter's
    teardown (freeing every module and object: 30 ms on a short run, as long
    as the run's own tail), when nothing is left that the teardown would do
    for the user: the output flushed, the ``atexit`` functions run, no thread
    but daemons. Otherwise (a flush fails, as on a closed pipe) returns
    ``status`` for python's usual exit, which reports it as python does.
    Under MPI too: mpi4py finalizes MPI in the interpreter's teardown (not an
    ``atexit`` function), and a rank that ends without it makes ``mpiexec``
    kill the job (signal 9)."""
    import atexit
    import threading

    if "mpi4py.MPI" in sys.modules:
        return status
    if any(t is not threading.current_thread() and not t.daemon for t in threading.enumerate()):
        return status
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return status
    atexit._run_exitfuncs()  # what the interpreter runs first at exit (logging's flush)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return status
    os._exit(status)


def split_run_argv(argv: Sequence[str]) -> list[str]:
    """Move taskpar's options that follow SCRIPT in front of it.

    ``run a.py -w 2 --flag x`` -> ``run -w 2 a.py --flag x``; ``--`` stops it.
    """
    argv = list(argv)
    if not argv or argv[0] not in ("run", "profile", "check"):
        return argv
    head, rest = [argv[0]], argv[1:]
    # find SCRIPT: the first word not an option (or an option's value)
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            return argv
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            takes_value = _RUN_OPTIONS.get(name, False) and "=" not in word
            i += 2 if takes_value else 1
            continue
        break
    if i >= len(rest):
        return argv
    before, script, after = rest[:i], rest[i], rest[i + 1:]
    mine: list[str] = []
    theirs: list[str] = []
    j = 0
    while j < len(after):
        word = after[j]
        if word == "--":
            theirs.extend(after[j + 1:])
            break
        name = word.split("=", 1)[0]
        if name in _RUN_OPTIONS:
            mine.append(word)
            if _RUN_OPTIONS[name] and "=" not in word and j + 1 < len(after):
                mine.append(after[j + 1])
                j += 1
        else:
            theirs.append(word)
        j += 1
    # "--" keeps argparse from reading the script's own options
    return head + before + mine + [script, "--", *theirs] if theirs else head + before + mine + [script]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(split_run_argv(argv))
    if getattr(args, "args", None) and args.args[:1] == ["--"]:
        args.args = args.args[1:]
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "graph":
            return _cmd_graph(args)
        if args.command == "plan":
            return _cmd_plan(args)
        if args.command == "generate":
            return _cmd_generate(args)
        if args.command == "profile":
            return _cmd_profile(args)
        if args.command == "check":
            return _cmd_check(args)
        raise UsageError(f"unknown command {args.command!r}")
    except ScriptSyntaxError as e:
        sys.stderr.write(e.rendered)
        return e.exit_status
    except TaskparError as e:
        sys.stderr.write(f"taskpar: {e}\n")
        return e.exit_status
    except KeyboardInterrupt:
        sys.stderr.write("KeyboardInterrupt\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout closed early (e.g. `taskpar graph x.py | head`): not an error of ours
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1


def _write_stream(stream: int, text: str) -> None:
    out = sys.stdout if stream == 1 else sys.stderr
    out.write(text)
    out.flush()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _cmd_run(args) -> int:
    server = None
    if args.backend == "local":  # the workers' server imports while we analyse
        from .backends.processes import prestart
        from .runtime.environ import worker_environment

        server = prestart(cwd=os.getcwd(), env=worker_environment(os.environ), script=args.script,
                          fork=_is_command())
    try:
        return _run_checked(args, server)
    finally:
        if server is not None:
            server.close()


def _is_command() -> bool:
    """Whether this process is the ``taskpar`` command (or ``python -m
    taskpar``), not a program that called ``main``: only then does it hold
    nothing but taskpar's start, and may be forked into the fork server."""
    entry = sys.modules.get("__main__")
    spec = getattr(entry, "__spec__", None)
    return getattr(spec, "name", None) == "taskpar.__main__" or getattr(entry, "main", None) is main


def _run_checked(args, server) -> int:
    from .run import check_blas_threads, default_workers

    if args.report and not args.report.lower().endswith((".html", ".htm")):
        raise UsageError(f"{args.report}: the report is an HTML page; name it FILE.html")
    if args.backend == "mpi":
        from .backends import mpi

        if mpi.in_mpi_job():  # started by the user's mpiexec/srun: one of K ranks
            if mpi.is_worker_rank():
                mpi.serve_worker_rank()  # ranks > 0 work and print nothing; never returns
            args.workers = mpi.external_workers(args.workers)  # K-1 (UsageError if -w disagrees)
    workers = args.workers or default_workers()
    check_blas_threads(args.blas_threads)  # a bad value fails before any work
    from .report.progress import Progress, wants_progress
    from .run import execute, prepare
    from .runtime.messages import buffering_for

    prepared = prepare(args.script, workers, schedule_policy=args.schedule,
                       use_cache=not args.no_cache, backend=args.backend)
    graph = prepared.graph
    progress = None
    if wants_progress(args.progress):
        # Notes go to the terminal only: on a pipe or file, stderr must stay
        # byte-identical to python's.
        for note in prepared.notes:
            sys.stderr.write(f"taskpar: {note}\n")
        if len(graph):
            progress = Progress(len(graph), prepared.plan.workers, [f"{s.lineno}: {s.label}" for s in graph.statements])
    def write(stream: int, text: str) -> None:
        if progress is not None:
            progress.output()
        _write_stream(stream, text)

    try:
        result = execute(prepared, args.script, args.args, backend=args.backend, write=write,
                         on_progress=progress.update if progress else None,
                         use_cache=not args.no_cache, blas_threads=args.blas_threads,
                         backend_options=_backend_options(args, server),
                         buffering=buffering_for(_isatty(sys.stdout), _isatty(sys.stderr)))
    finally:
        if progress:
            progress.__exit__(None, None, None)
    for line in result.surprises:  # after the script's output: rare, and worth knowing
        sys.stderr.write(line + "\n")
    sys.stderr.flush()
    if args.report:
        from .report.html import write_report

        write_report(args.report, prepared, result)
    return result.exit_status


def _backend_options(args, server) -> dict | None:
    if args.address:
        return {"address": args.address}
    return {"forkserver": server} if server is not None else None


def _cmd_plan(args) -> int:
    from rich.console import Console

    from .report.plan_table import plan_renderables
    from .run import default_workers, prepare

    if args.gantt:
        from .report.gantt import _check_path

        _check_path(args.gantt)  # a bad extension fails before any work
    prepared = prepare(args.script, args.workers or default_workers(), schedule_policy=args.schedule,
                       use_cache=not args.no_cache, backend=args.backend)
    console = Console(file=sys.stdout, width=max(100, Console().width))
    for part in plan_renderables(prepared):
        console.print(part)
    if args.gantt:
        from .report.gantt import save_gantt

        save_gantt(prepared.schedule, prepared.graph, args.gantt)
    return 0


def _cmd_check(args) -> int:
    from .check import check_script, render_check

    report = check_script(args.script, args.args)
    sys.stdout.write(render_check(report))
    return 0 if report.ok else 1


def _cmd_profile(args) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .profile import profile_script

    script, prof = profile_script(args.script, args.args, record=not args.no_cache)
    table = Table(title="taskpar profile", title_justify="left")
    for col in ("line", "statement", "seconds", "values read later (bytes)"):
        table.add_column(col, justify="left" if col in ("statement", "values read later (bytes)") else "right")
    for s in script.statements:
        if s.id not in prof.seconds:
            continue
        sizes = ", ".join(f"{v}={n:,}" for (i, v), n in sorted(prof.nbytes.items()) if i == s.id)
        bad = [v for i, v in prof.unpicklable if i == s.id]
        if bad:
            sizes = ", ".join(filter(None, [sizes, *(f"{v}=cannot be sent" for v in bad)]))
        table.add_row(str(s.lineno), Text(s.label), f"{prof.seconds[s.id]:.4f}", sizes)
    # on stderr, after the script's own output: stdout stays the script's
    Console(file=sys.stderr).print(table)
    if not args.no_cache:
        sys.stderr.write("taskpar: costs recorded; `taskpar plan` and the next `taskpar run` use them\n")
    return prof.exit_status


def _cmd_generate(args) -> int:
    from .generate import generate_mpi
    from .run import default_workers, prepare

    # split loops become scatter/gather blocks in the generated program
    # (comprehensions and nested pairs run whole: see taskpar.generate_loops)
    prepared = prepare(args.script, args.workers or default_workers(), use_cache=not args.no_cache,
                       loops=True)
    name = os.path.basename(args.output) if args.output else None
    text = generate_mpi(prepared.plan, source_path=args.script, program_name=name)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise UsageError(f"{args.output}: cannot write ({e.strerror})") from None
    else:
        sys.stdout.write(text)
    return 0


def _cmd_graph(args) -> int:
    from .analysis import analyze_script
    from .graph import build_graph, dumps_json, to_dot

    fmt = args.format
    if fmt is None:
        ext = os.path.splitext(args.output or "")[1].lower().lstrip(".")
        fmt = ext if ext in ("dot", "json", "svg", "png") else "dot"
    script = analyze_script(args.script)
    if not args.no_cache:
        from .learned import with_learned

        script = with_learned(script)
    graph = build_graph(script)
    if fmt == "json":
        data: str | bytes = dumps_json(graph) + "\n"
    elif fmt == "dot":
        data = to_dot(graph)
    else:
        from .report.pictures import render_dot

        data = render_dot(to_dot(graph), fmt)
    if args.output:
        mode = "wb" if isinstance(data, bytes) else "w"
        try:
            with open(args.output, mode) as f:
                f.write(data)
        except OSError as e:
            raise UsageError(f"{args.output}: cannot write ({e.strerror})") from None
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
