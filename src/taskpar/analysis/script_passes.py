"""Whole-script passes over the statements' effects, after the top-level
pass (``effects.analyze_items``) and before the statements are made: what
no statement shows on its own.

* ``_warnings_filters``: the warnings filters as a hidden variable
  (``model.WARNINGS_FILTERS``);
* ``_barriers``: what a barrier may touch (everything);
* ``_imports_set_environment``: imports that set environment variables.

Each takes the list of per-statement dicts of ``analyze_items`` (``node``,
``reads``, ``writes``, ``mutates``, ``resources``, ``barrier``...) and
changes their sets in place.
"""

from __future__ import annotations

import ast

from . import rules
from .model import PROCESS_LOCAL, WARNINGS_FILTERS

__all__ = ["whole_script_passes"]


def whole_script_passes(results: list[dict]) -> None:
    """The passes below, in this order (a barrier reads and writes the
    filters' variable too)."""
    _warnings_filters(results)
    _barriers(results)
    _imports_set_environment(results)


def _barriers(results: list[dict]) -> None:
    """What a barrier may touch: everything.

    A barrier (``exec``, ``globals()``, ``from m import *``...) is a
    statement the analysis cannot see into, so it must be *right*, not only
    ordered: it reads every name bound before it (its worker receives every
    live value; the main loop adds those and every object they reach, so it
    joins the process of any shared or unpicklable object), it may bind or
    rebind every name of the script (every later reader takes its value from
    the barrier's worker), and it may use any process-local hidden state an
    earlier statement used (the random generators, pyplot, the working
    directory...), so it runs in the same process as those.
    """
    if not any(r["barrier"] for r in results):
        return  # (only barriers change)
    every: set[str] = set()
    for r in results:
        every |= r["reads"] | r["writes"] | r["mutates"]
    local_before: set[str] = set()
    bound_before: set[str] = set()
    for r in results:
        if r["barrier"]:
            r["reads"] |= bound_before
            r["writes"] |= every
            r["resources"] |= local_before
        local_before |= {x for x in r["resources"]
                         if x in PROCESS_LOCAL or x.startswith("module:")}
        bound_before |= r["writes"] | r["mutates"]


def _warnings_filters(results: list[dict]) -> None:
    """``model.WARNINGS_FILTERS``: written by the statements that change the
    warnings filters, read by every later one but ``def``/``class``
    (definitions warn of nothing, and stay replicable). Python shows or
    hides what library code warns by the filters of that moment; a worker
    other than the one that changed them had its own (a leading
    ``warnings.filterwarnings("ignore")`` hid nothing elsewhere)."""
    changes = [r for r in results if rules.FILTERS_CHANGED in r["resources"]]
    if not changes:
        return
    for r in results:  # (also those before a change: it waits for them)
        if r["node"].__class__ not in _DEFINITIONS:
            r["reads"].add(WARNINGS_FILTERS)
    for r in changes:
        r["resources"].discard(rules.FILTERS_CHANGED)
        r["writes"].add(WARNINGS_FILTERS)


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _imports_set_environment(results: list[dict]) -> None:
    """Libraries set environment variables as they load (scikit-learn sets
    ``KMP_DUPLICATE_LIB_OK``): when the script reads the environment itself,
    its imports of non-standard-library modules touch ``environ`` too, so
    they run, in order, in the process of the statements that read it."""
    for r in results:
        if "environ" in r["resources"] and not isinstance(r["node"], (ast.Import, ast.ImportFrom)):
            break
    else:
        return
    for r in results:
        node = r["node"]
        if isinstance(node, ast.Import):
            roots = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        if any(root not in rules.STDLIB for root in roots):
            r["resources"].add("environ")
