"""Statement analysis: what each top-level statement reads, writes, mutates.

Pipeline stage 1. ``analyze_script(path)`` / ``analyze_source(text, filename)``
return a ``Script`` of ``Statement`` records (see ``model``). Modules:

* ``load``     — reading the file, python-identical syntax errors
* ``model``    — ``Statement``, ``Script``, the resource names
* ``effects``  — the pipeline: statements, script facts, top-level pass,
                 sharing (``object:NAME``), taints
* ``scopes``   — Python scoping: functions, classes, comprehensions
* ``objects``  — abstract objects, effects, function summaries
* ``interp``   — the abstract interpreter (expressions, statements)
* ``frames``   — name lookup/binding per scope kind
* ``calls``    — calls: summaries, classes, methods, library code
* ``functions``— function summaries to a fixpoint
* ``rules``    — documented tables (pure methods, mutators, fresh results,
                 hidden-state resources, barriers)
* ``pins``     — ``# taskpar: worker K`` comments
* ``mainfn``   — the ``main()`` pattern: a final ``main()`` call analysed as
                 its body (``Statement.scope``/``call_lineno``, ``Script.notes``)
* ``loops``    — loops whose iterations run apart (``Script.loops``)
"""

from __future__ import annotations

import gc
import os

from .load import parse_script, read_script, script_filename
from .model import PROCESS_LOCAL, RESOURCES, Script, Statement

__all__ = [
    "Statement",
    "Script",
    "RESOURCES",
    "PROCESS_LOCAL",
    "analyze_source",
    "analyze_script",
    "read_script",
    "parse_script",
    "script_filename",
    "compile_in_scope",
]


def analyze_source(source: str, filename: str = "<script>", loops: bool = True) -> Script:
    """Analyse script text; raise ScriptSyntaxError / PinError on bad input.

    ``loops``: split the loops whose iterations can run apart (``loops``);
    False keeps every top-level statement one statement.
    """
    from .effects import analyze_tree  # the whole analysis: imported on first use

    # No cyclic collection while it runs: what the analysis makes lives until
    # it returns (its only cycles are its own tables, garbage at the end), so
    # each collection would traverse the growing tree and tables for nothing
    # (a tenth of the time at 8000 statements).
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree = parse_script(source, filename)
        statements, notes = analyze_tree(tree, source, filename)
        script = Script(filename=filename, source=source, statements=tuple(statements),
                        notes=tuple(notes))
        if loops:
            from .loops import split_loops

            script = split_loops(script, tree)
        return script
    finally:
        if collecting:
            gc.enable()


def analyze_script(path: str | os.PathLike, loops: bool = True) -> Script:
    """Read and analyse the script at ``path`` (named as python names it)."""
    source = read_script(path)
    return analyze_source(source, script_filename(path), loops=loops)


def __getattr__(name):
    if name == "compile_in_scope":  # used by the runtime for main()'s statements
        from .mainfn import compile_in_scope

        return compile_in_scope
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
