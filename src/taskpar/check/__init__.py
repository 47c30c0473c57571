"""``taskpar check``: run a script serially under a tracer; compare with the graph.

The static analysis decides which statements may run apart. This stage
checks that decision against what really happens: it runs the script once,
serially, in a child process, and records per statement which top-level
names and which pieces of hidden state it really read and wrote. From that
it builds the *traced* dependency relation and reports

(a) every traced dependency ``i -> j`` for which the static graph has no path
    from ``i`` to ``j`` — a soundness bug of the analysis (``missed``);
(b) the parallelism each graph allows: critical path in statements and in
    measured seconds, against the serial run.

::

    check_script(path, args)
      │ analyze_script, build_graph               (this process)
      │ trace_script ──spawn──▶ python -c "…check.tracer._trace_child()"   (child)
      │                 request.json ──▶ runs each Statement as its own
      │                                  compiled node in a fresh __main__;
      │                                  snapshot after every statement
      │ Trace ◀── result.json ◀──────────┘  (script's stdout/stderr captured)
      ▼
    compare(graph, trace) ──▶ CheckReport ──render_check──▶ text

API (the CLI's ``taskpar check SCRIPT [ARGS]`` is a thin layer over it)::

    report = check_script("script.py", ["--flag", "x"])   # -> CheckReport
    text = render_check(report)                         # -> str, for the terminal
    exit_status = 0 if report.ok else 1                 # 1: a missed interaction

``check_script(path, args=(), *, graph=None, timeout=None)`` analyses the
script (or takes ``graph``), runs it traced, and returns a ``CheckReport``:
``missed`` (``Interaction`` records: both statements' ids, lines and source,
and ``via`` = (kind, what) pairs), ``unverified``, ``traced``, and the
``static``/``dynamic`` ``Parallelism`` (critical path in statements and
measured seconds, serial seconds, ``speedup_statements``/``speedup_seconds``);
``report.trace`` holds the per-statement sets and the script's own stdout,
stderr and exit status. ``trace_script`` and ``compare`` are the two halves.

The modules, one responsibility each:

=====================  ======================================================
``model``              the data: StatementTrace, Trace, Interaction,
                       Parallelism, CheckReport (pure dataclasses)
``compare``            traced dependencies and their comparison with the
                       static graph (pure functions; the dependency rules)
``render``             a CheckReport as terminal text
``spawn``              the parent side: check_script, trace_script (starting
                       the child, reading its result), CheckError
``tracer``             the child side: runs the statements, records reads and
                       writes (what the child observes is described there)
``fingerprint``        content fingerprints of values and of hidden process
                       state, for the child's snapshots
=====================  ======================================================
"""

from __future__ import annotations

from .compare import compare, traced_dependencies
from .model import CheckReport, Interaction, Parallelism, StatementTrace, Trace
from .render import render_check
from .spawn import CheckError, check_script, trace_script

__all__ = [
    "StatementTrace",
    "Trace",
    "Interaction",
    "Parallelism",
    "CheckReport",
    "CheckError",
    "check_script",
    "trace_script",
    "compare",
    "traced_dependencies",
    "render_check",
]
