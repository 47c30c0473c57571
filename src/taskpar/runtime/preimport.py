"""The script's leading imports, imported once in the fork server.

A script's first statements are usually its imports, and the heavy ones
(numpy: 0.1 s, scikit-learn: 1 s) are the largest serial part of a short
script: every worker would run them again before its first real statement.
The fork server (``runtime.forkserver``) imports them instead, while the
manager still prepares the plan, and the workers it forks have them already;
a worker's ``import numpy as np`` then only binds the name.

Only what cannot change what the script sees is imported early:

* ``leading_modules(source or tree, script_dir)`` (pure): the modules the script's
  *leading* imports name — the ``import`` / ``from … import`` statements
  before its first other statement (a docstring and ``from __future__`` may
  come first): nothing the script does can have run before them. Of those,
  only packages of ``FORK_SAFE`` (silent at import, no state that a fork
  breaks), never a relative import, and never one the script's own folder
  holds a module of that name for (python would import that one);
* ``preimport(modules, script_dir)`` imports them and says whether the
  server may still fork workers: not when an import failed, wrote any
  output (a warning python would print at the statement), changed
  ``sys.path``, or imported or tried a top-level module that the script's
  folder holds (python would have found that one).
  The environment variables an import set (scikit-learn sets ``KMP_*``
  ones) are returned, to be set again in each worker after its environment
  is installed. A server that may not fork is replaced by one without
  pre-imports (``backends.processes.ForkServer``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import os
import stat
import sys

__all__ = ["FORK_SAFE", "leading_modules", "preimport"]

#: top-level packages whose import is silent and leaves nothing a fork
#: breaks (OpenBLAS's thread pool is re-made after a fork); their
#: submodules too, but not those in ``NOT_EARLY``
FORK_SAFE = frozenset({"numpy", "scipy", "pandas", "sklearn", "matplotlib"})
#: modules of those packages that choose or start something at import
#: (pyplot picks a GUI backend)
NOT_EARLY = frozenset({"matplotlib.pyplot", "matplotlib.pylab", "pylab"})


def _leading(tree: ast.Module) -> list[str]:
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    names: list[str] = []
    for stmt in body:
        if isinstance(stmt, ast.Import):
            names += [a.name for a in stmt.names]
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level or not stmt.module:
                break  # relative: the script's own package
            if stmt.module != "__future__":
                names.append(stmt.module)
        else:
            break
    return names


def shadowed(name: str, script_dir: str) -> bool:
    """Whether python would find top-level module ``name`` in the script's folder."""
    try:
        return importlib.machinery.PathFinder.find_spec(name, [script_dir]) is not None
    except (ImportError, ValueError, OSError):
        return True


def leading_modules(source: str | ast.Module, script_dir: str) -> tuple[str, ...]:
    """The modules to import before forking (see module docstring), of the
    script's text or its parsed tree."""
    if isinstance(source, str):
        try:
            source = ast.parse(source)
        except (SyntaxError, ValueError):
            return ()
    tree = source
    out = []
    for name in _leading(tree):
        top = name.partition(".")[0]
        if top in FORK_SAFE and name not in NOT_EARLY and not shadowed(top, script_dir) \
                and name not in out:
            out.append(name)
    return tuple(out)


def _output_size() -> int:
    return sum(os.fstat(fd).st_size for fd in {1, 2} if _is_file(fd))


def _is_file(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


class _Asked:
    """A finder that finds nothing and notes the top-level modules asked for
    (also those an import only tried: ``try: import numexpr``)."""

    def __init__(self):
        self.tops: set[str] = set()

    def find_spec(self, name, path=None, target=None):
        if path is None:
            self.tops.add(name)
        return None


def preimport(modules, script_dir: str) -> tuple[str, dict[str, str]]:
    """Import ``modules`` here: ``(problem, environment set)``; ``problem``
    is "" when workers forked from this process are as python's would be."""
    if not modules:
        return "", {}
    if not (_is_file(1) and _is_file(2)):
        return "the server's output cannot be watched", {}
    env, path, size = dict(os.environ), list(sys.path), _output_size()
    asked = _Asked()
    sys.meta_path.insert(0, asked)
    try:
        for name in modules:
            try:
                importlib.import_module(name)
            except BaseException as e:  # noqa: BLE001 - the worker meets it as python would
                return f"import {name} failed early ({type(e).__name__})", {}
    finally:
        sys.meta_path.remove(asked)
    if _output_size() != size:
        return f"import of {', '.join(modules)} wrote output", {}
    if sys.path != path:
        return f"import of {', '.join(modules)} changed sys.path", {}
    hidden = sorted(t for t in asked.tops if shadowed(t, script_dir))
    if hidden:
        return f"the script's folder holds {hidden[0]}, which an early import would miss", {}
    if any(k not in os.environ for k in env):
        return f"import of {', '.join(modules)} removed environment variables", {}
    return "", {k: v for k, v in os.environ.items() if env.get(k) != v}
