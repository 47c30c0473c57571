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
  holds a module of that name for (python would import that one).
  pyplot (``NOT_EARLY``) only once a batch backend is fixed: by
  ``MPLBACKEND`` or by a leading ``matplotlib.use("Agg")`` (a step
  ``USE + "agg"``, run in its place; the worker's own ``use`` then finds
  that backend set and does nothing, as matplotlib documents);
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
#: modules of those packages that may choose a GUI backend (and start its
#: framework) when pyplot is first used: imported early only once the script
#: has fixed a non-interactive backend (``BATCH_BACKENDS``) before them
NOT_EARLY = frozenset({"matplotlib.pyplot", "matplotlib.pylab", "pylab"})
#: matplotlib backends that draw to files only: no GUI framework, no thread
BATCH_BACKENDS = frozenset({"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"})
#: a step of ``leading_modules`` that is no module: ``matplotlib.use(NAME)``
#: (a module name has no ":")
USE = "matplotlib.use:"


def _use_backend(stmt: ast.stmt, aliases: set[str]) -> str | None:
    """The backend of ``matplotlib.use("NAME")`` (or ``mpl.use(...)`` for an
    alias ``aliases`` holds) with a literal batch backend, as written, else
    None."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "use" and isinstance(call.func.value, ast.Name)
            and call.func.value.id in aliases and len(call.args) == 1
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
            and all(k.arg == "force" and isinstance(k.value, ast.Constant)
                    for k in call.keywords)):
        return None
    name = call.args[0].value
    return name if name.lower() in BATCH_BACKENDS else None


def _leading(tree: ast.Module) -> list[str]:
    """The leading imports' modules, and ``USE + name`` where a leading
    ``matplotlib.use`` of a batch backend comes between them."""
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    names: list[str] = []
    aliases: set[str] = set()  # names bound to the matplotlib package itself
    for stmt in body:
        if isinstance(stmt, ast.Import):
            names += [a.name for a in stmt.names]
            for a in stmt.names:
                bound = a.asname or a.name.partition(".")[0]
                if a.name == "matplotlib" or (a.asname is None and a.name.startswith("matplotlib.")):
                    aliases.add(bound)
                else:
                    aliases.discard(bound)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level or not stmt.module:
                break  # relative: the script's own package
            if stmt.module != "__future__":
                names.append(stmt.module)
            for a in stmt.names:
                aliases.discard(a.asname or a.name)
        elif (backend := _use_backend(stmt, aliases)) is not None:
            names.append(USE + backend)
        else:
            break
    return names


def shadowed(name: str, script_dir: str) -> bool:
    """Whether python would find top-level module ``name`` in the script's folder."""
    try:
        return importlib.machinery.PathFinder.find_spec(name, [script_dir]) is not None
    except (ImportError, ValueError, OSError):
        return True


def leading_modules(source: str | ast.Module, script_dir: str,
                    env_backend: str | None = None) -> tuple[str, ...]:
    """The modules to import before forking (see module docstring), of the
    script's text or its parsed tree, with ``USE + name`` where the script
    fixes a batch backend first. ``env_backend``: ``MPLBACKEND`` of the
    script's environment (a batch backend there is fixed from the start)."""
    if isinstance(source, str):
        try:
            source = ast.parse(source)
        except (SyntaxError, ValueError):
            return ()
    tree = source
    out = []
    batch = (env_backend or "").lower() in BATCH_BACKENDS
    for name in _leading(tree):
        if name.startswith(USE):
            if any(m.partition(".")[0] == "matplotlib" for m in out):  # (not the folder's own)
                out.append(name)
                batch = True
            continue
        top = name.partition(".")[0]
        if top in FORK_SAFE and (batch or name not in NOT_EARLY) \
                and not shadowed(top, script_dir) and name not in out:
            out.append(name)
    return tuple(out)


def _shown(steps) -> str:
    return ", ".join(f"matplotlib.use({s[len(USE):]!r})" if s.startswith(USE) else s
                     for s in steps)


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
                if name.startswith(USE):  # the script's own call, as it makes it
                    importlib.import_module("matplotlib").use(name[len(USE):])
                else:
                    importlib.import_module(name)
            except BaseException as e:  # noqa: BLE001 - the worker meets it as python would
                what = _shown([name]) if name.startswith(USE) else f"import {name}"
                return f"{what} failed early ({type(e).__name__})", {}
    finally:
        sys.meta_path.remove(asked)
    if _output_size() != size:
        return f"import of {_shown(modules)} wrote output", {}
    if sys.path != path:
        return f"import of {_shown(modules)} changed sys.path", {}
    hidden = sorted(t for t in asked.tops if shadowed(t, script_dir))
    if hidden:
        return f"the script's folder holds {hidden[0]}, which an early import would miss", {}
    if any(k not in os.environ for k in env):
        return f"import of {_shown(modules)} removed environment variables", {}
    return "", {k: v for k, v in os.environ.items() if env.get(k) != v}
