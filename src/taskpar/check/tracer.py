"""The tracing child: run a script's statements one by one, record what each touched.

Started by ``spawn`` as ``python -c "…check.tracer._trace_child()"
request.json result.json``; everything here runs in that child process.

What the child observes for statement ``k`` (keys of the read/write sets):

=====================  ======================================================
``x``                  a top-level name. *Written* if, after ``k``, it is
                       unbound/bound anew, or its value's content fingerprint
                       changed (in-place mutation, also through an alias).
                       *Read* if ``k`` executed code (its own, or a function
                       of the script it called) that loads ``x`` by name
                       (LOAD_NAME/LOAD_GLOBAL in that code object).
``<random>`` …         hidden state, written when its fingerprint changes:
                       ``random``, ``numpy.random``, ``torch.random``,
                       ``cwd``, ``environ``, ``sys.path``, ``warnings``,
                       ``pyplot``, ``numpy.config``, ``pandas.options``,
                       ``matplotlib.rcParams``; read where it can be seen
                       (``os.getcwd``/relative paths, ``os.environ`` lookups,
                       ``warnings.warn``, a logger emitting, a name bound to
                       ``pyplot``/``random`` loaded, a numpy/pandas/matplotlib
                       value loaded).
``<logging NAME>``     a logger's configuration (level, handlers, propagate);
                       read by a logger emitting (itself and its ancestors).
``<file PATH>``        files and directories, from audit events (``open``,
                       ``os.remove``, ``os.mkdir``, ``shutil.rmtree`` …); a
                       directory conflicts with every path under it.
=====================  ======================================================

A value whose fingerprint is incomplete (an object that neither pickles nor
exposes its state, e.g. a sqlite cursor's position) may change unseen; a
statement that reads such a name is listed as ``unverified``, not ``missed``.

A split loop (``request["loops"]``, see ``spawn``) runs iteration by
iteration: the iterable, the target bound to each item, then each body
statement on its own, with the same records per *unit* (iteration, body
statement) for its first ``UNIT_ITERATIONS`` iterations (``compare.loop_findings``
checks them against the split); the statement's own record is the union.
"""

from __future__ import annotations

import json
import os
import sys

from .fingerprint import _REAL_GETCWD, _Fingerprint, _hidden_state


# --------------------------------------------------------------------------
# the child side: ``python -c "...check.tracer._trace_child()" request result``
#
# One process runs the whole script, statement by statement, as python
# would (fresh ``__main__`` module, ``sys.argv``, ``sys.path[0]`` = the
# script's directory, cwd unchanged). Around each statement:
#
# * reads of names: every function and lambda of the script is compiled with
#   a marker call first in its body (``_Marker``), so the statement knows
#   which of them ran (no sys.settrace: sklearn-heavy statements would run
#   several times slower); the names their code objects load by name
#   (LOAD_NAME / LOAD_GLOBAL / LOAD_CLASSDEREF) are the candidates;
# * writes of names: the namespace is snapshotted after every statement
#   (identity and content fingerprint of each value, see ``_Fingerprint``);
# * hidden state: fingerprints of module states, audit events for files,
#   and small wrappers (os.getcwd, os.environ, warnings.warn,
#   Logger.isEnabledFor) that note a read while a statement runs.

_LOAD_OPS = frozenset({"LOAD_NAME", "LOAD_GLOBAL", "LOAD_CLASSDEREF",
                       "LOAD_FROM_DICT_OR_GLOBALS", "DELETE_NAME", "DELETE_GLOBAL"})
#: not variables: the builtins, annotations (written by every annotated
#: assignment, read by nobody), the warnings registry (a hidden state)
_IGNORED_NAMES = frozenset({"__builtins__", "__annotations__", "__warningregistry__",
                            "__taskpar_item__"})
_WRITE_FLAGS = (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC)
#: audit events that change the file system: event -> argument positions of paths
_FS_WRITE_EVENTS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
                    "os.link": (1,), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
                    "os.utime": (0,), "shutil.rmtree": (0,), "shutil.copyfile": (1,),
                    "shutil.copytree": (1,), "shutil.move": (0, 1), "shutil.copymode": (1,),
                    "shutil.copystat": (1,)}
_FS_READ_EVENTS = {"os.listdir": (0,), "os.scandir": (0,), "glob.glob": (0,),
                   "shutil.copyfile": (0,), "shutil.copytree": (0,), "os.walk": (0,)}


class _Recorder:
    """Per-statement accumulation of hidden reads and file accesses."""

    def __init__(self):
        self.active = False
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.ignore_prefixes: tuple[str, ...] = ()

    def path(self, p, write: bool) -> None:
        if isinstance(p, bytes):
            p = os.fsdecode(p)
        if not isinstance(p, str):
            return
        if not os.path.isabs(p):
            self.reads.add("<cwd>")
        p = os.path.normpath(os.path.join(_REAL_GETCWD(), p))
        if (p.startswith(self.ignore_prefixes) or "/__pycache__" in p or p.endswith(".pyc")
                or p in ("/dev/null", "/dev/tty")):
            return
        (self.writes if write else self.reads).add(f"<file {p}>")

    def audit(self, event: str, args) -> None:
        if not self.active:
            return
        self.active = False  # nothing below may re-enter
        try:
            if event == "open":
                path, mode, flags = (tuple(args) + (None, None, None))[:3]
                if mode is None:
                    write = bool((flags or 0) & _WRITE_FLAGS)
                else:
                    write = any(c in str(mode) for c in "wax+")
                self.path(path, write)
            elif event in _FS_WRITE_EVENTS or event in _FS_READ_EVENTS:
                if event in ("os.remove", "os.rmdir", "os.mkdir") and args[-1] not in (None, -1):
                    return  # relative to a directory fd (inside shutil.rmtree)
                for k in _FS_WRITE_EVENTS.get(event, ()):
                    if k < len(args):
                        self.path(args[k], True)
                for k in _FS_READ_EVENTS.get(event, ()):
                    if k < len(args):
                        p = args[k]
                        if event == "glob.glob" and isinstance(p, str):
                            p = os.path.dirname(p) or "."
                        self.path(p if p is not None else ".", False)
            elif event == "os.chdir":
                self.writes.add("<cwd>")
        finally:
            self.active = True


def _install_read_hooks(rec: _Recorder) -> None:
    """Wrappers that note hidden-state reads while a statement runs."""
    import logging
    import warnings

    def getcwd():
        if rec.active:
            rec.reads.add("<cwd>")
        return _REAL_GETCWD()
    os.getcwd = getcwd

    env_cls = type(os.environ)
    for meth in ("__getitem__", "__iter__", "__contains__", "__len__"):
        orig = getattr(env_cls, meth)

        def wrapper(self, *a, __orig=orig):
            if rec.active:  # one variable when a key is given, else all of them
                rec.reads.add(f"<environ {a[0]}>" if a and isinstance(a[0], str) else "<environ>")
            return __orig(self, *a)
        setattr(env_cls, meth, wrapper)

    real_warn, real_explicit = warnings.warn, warnings.warn_explicit

    def warn(message, category=None, stacklevel=1, source=None, **kw):
        if rec.active:
            try:
                where = sys._getframe(max(stacklevel, 1)).f_globals.get("__name__", "?")
            except ValueError:  # stacklevel beyond the stack: python uses "sys"
                where = "sys"
            rec.reads.update(("<warnings filters>", f"<warnings {where}>"))
        return real_warn(message, category, stacklevel + 1, source, **kw)

    def warn_explicit(message, category, filename, lineno, module=None, registry=None, *a, **kw):
        if rec.active:
            rec.reads.add("<warnings filters>")
            if module:
                rec.reads.add(f"<warnings {module}>")
        return real_explicit(message, category, filename, lineno, module, registry, *a, **kw)
    warnings.warn, warnings.warn_explicit = warn, warn_explicit

    real_enabled = logging.Logger.isEnabledFor

    def isEnabledFor(self, level):
        if rec.active:
            lg = self
            while lg is not None:
                rec.reads.add("<logging " + ("root" if lg is logging.root else lg.name) + ">")
                lg = lg.parent
        return real_enabled(self, level)
    logging.Logger.isEnabledFor = isEnabledFor


def _loaded_names(code, cache: dict) -> frozenset[str]:
    import dis
    names = cache.get(code)
    if names is None:
        names = frozenset(ins.argval for ins in dis.get_instructions(code)
                          if ins.opname in _LOAD_OPS and isinstance(ins.argval, str))
        cache[code] = names
    return names


def _value_reads(value, names_of_modules: dict) -> set[str]:
    """Hidden state a loaded value stands for (pyplot, random, library config)."""
    import types
    out = set()
    if isinstance(value, types.ModuleType):
        top = value.__name__
    else:
        owner = getattr(value, "__self__", None)
        top = getattr(type(owner) if owner is not None and not isinstance(owner, types.ModuleType)
                      else type(value), "__module__", "") or ""
        if isinstance(owner, types.ModuleType):
            top = owner.__name__
        elif type(owner).__module__ == "random" and type(owner).__name__ == "Random" \
                and owner is sys.modules["random"]._inst:
            out.add("<random>")
    if top == "matplotlib.pyplot":
        out.add("<pyplot>")
    if top == "random":
        out.add("<random>")
    root = top.split(".")[0]
    if root in names_of_modules:
        out.add(names_of_modules[root])
    return out


_IMPORTED_STATES = frozenset({"<numpy.random>", "<numpy.config>", "<torch.random>",
                              "<pandas.options>", "<matplotlib.rcParams>", "<pyplot>"})
_RNG_STATES = frozenset({"<random>", "<numpy.random>", "<torch.random>"})
_CONFIG_STATE = {"numpy": "<numpy.config>", "pandas": "<pandas.options>",
                 "matplotlib": "<matplotlib.rcParams>"}



_MARK = "__taskpar_seen__"
#: iterations of a split loop traced unit by unit (later ones run with one
#: record for all: a snapshot per unit fingerprints the whole namespace)
UNIT_ITERATIONS = 12
_ITEM = "__taskpar_item__"


class _Marker:
    """Puts ``__taskpar_seen__(k)`` first in every function and lambda body.

    ``__taskpar_seen__`` is a builtin bound to ``set.add`` of the set of
    functions entered during the current statement; ``k`` numbers the
    function. Inserted after a docstring, with the first statement's line
    number, so tracebacks, ``__doc__`` and source lookups are unchanged.
    """

    def __init__(self):
        import ast
        self.ast = ast
        self.next = 0

    def _call(self, node):
        ast = self.ast
        k = self.next
        self.next += 1
        call = ast.Call(func=ast.Name(id=_MARK, ctx=ast.Load()), args=[ast.Constant(k)], keywords=[])
        return ast.copy_location(call, node)

    def instrument(self, node):
        ast = self.ast
        for n in ast.walk(node):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = n.body[0]
                doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                       and isinstance(first.value.value, str))
                mark = ast.copy_location(ast.Expr(self._call(first)), first)
                n.body.insert(1 if doc else 0, mark)
            elif isinstance(n, ast.Lambda):
                n.body = ast.copy_location(ast.BoolOp(op=ast.Or(), values=[self._call(n.body), n.body]),
                                           n.body)
        ast.fix_missing_locations(node)
        return node


def _names_by_marker(code, cache: dict, out: dict) -> frozenset[str]:
    """Names loaded by ``code`` and the code nested in it that runs with it
    (comprehensions, class bodies); each marked function found on the way
    is recorded in ``out[k]``. Returns the names of ``code`` itself."""
    import dis
    mark = None
    ins = list(dis.get_instructions(code))
    for a, b in zip(ins, ins[1:]):
        if a.argval == _MARK and a.opname in ("LOAD_GLOBAL", "LOAD_NAME") and b.opname == "LOAD_CONST":
            mark = b.argval
            break
    names = set(_loaded_names(code, cache)) - {_MARK}
    for c in code.co_consts:
        if isinstance(c, type(code)):
            inner = _names_by_marker(c, cache, out)
            if not _is_marked(c):
                names |= inner
    names = frozenset(names)
    if mark is not None:
        out[mark] = names
    return names


def _is_marked(code) -> bool:
    return _MARK in code.co_names


class _LoopCode:
    """A split loop compiled for ``run_loop``: ``items`` binds the iterator
    of its iterable to ``__taskpar_item__``, ``bind`` the target from it,
    ``body`` each body statement, ``orelse`` its ``else`` (or None). Two
    nested loops (``nested``) iterate over pairs, as the split does."""

    def __init__(self, node, nested: bool, compiled):
        import ast
        if nested:
            from ..analysis.nesting import flat_loop

            node = flat_loop(node)

        def at(new):
            return ast.fix_missing_locations(ast.copy_location(new, node))
        item = ast.Name(_ITEM, ast.Store())
        self.items = compiled(at(ast.Assign(targets=[item], value=ast.Call(
            func=ast.Name("iter", ast.Load()), args=[node.iter], keywords=[]))))
        self.bind = compiled(at(ast.Assign(targets=[node.target],
                                           value=ast.Name(_ITEM, ast.Load()))))
        self.body = [compiled(s) for s in node.body]
        self.orelse = (compiled(at(ast.If(test=ast.Constant(True), body=node.orelse, orelse=[])))
                       if node.orelse else None)
        self.names: list = []
        self.iterations = 0


def _trace_child_main(request_path: str, result_path: str) -> int:  # noqa: C901
    import ast
    import builtins
    import copy
    import time
    import traceback
    import types
    import __future__

    with open(request_path) as f:
        req = json.load(f)
    filename = req["filename"]
    with open(filename, encoding="utf-8-sig") as f:
        source = f.read()
    tree = ast.parse(source, filename)
    flags = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for a in node.names:
                feature = getattr(__future__, a.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    codes = []
    marker = _Marker()
    code_cache: dict = {}
    function_names: dict[int, frozenset[str]] = {}  # marker -> names its body loads
    statement_names = []
    loops = {int(k): v for k, v in req.get("loops", {}).items()}

    def compiled(node, mode="exec"):
        body = node if mode == "eval" else ast.Module(body=[node], type_ignores=[])
        return compile(body, filename, mode, flags=flags, dont_inherit=True)

    scopes = req.get("scopes") or [[None, None]] * len(req["paths"])
    for sid, path in enumerate(req["paths"]):
        scope, main_part = scopes[sid]
        node = tree
        for k in path:
            node = node.body[k]
        if main_part is not None:  # main()'s call, or its final return as the exit
            from ..runtime.compiling import _main_part_node

            node = _main_part_node(tree, main_part)
        node = marker.instrument(copy.deepcopy(node))
        if scope is not None:
            # a statement of main()'s body: compiled inside ``def main():``
            # with its names global, as the workers run it
            from ..analysis.mainfn import compile_in_scope

            code = compile_in_scope(node, scope, filename, flags)
        else:
            code = compiled(node)
        statement_names.append(_names_by_marker(code, code_cache, function_names))
        if sid in loops:
            code = _LoopCode(node, loops[sid].get("nested", False), compiled)
            code.names = [_names_by_marker(c, code_cache, function_names)
                          for c in [code.items, code.bind, *code.body]]
        codes.append(code)

    module = types.ModuleType("__main__")
    ns = module.__dict__
    ns.update(__file__=filename, __builtins__=builtins, __cached__=None, __spec__=None)
    sys.modules["__main__"] = module
    sys.argv = list(req["argv"])
    sys.path[0] = os.path.dirname(filename)

    rec = _Recorder()
    import site
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__),
                os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))}
    prefixes.update(site.getsitepackages() if hasattr(site, "getsitepackages") else ())
    prefixes.add(os.path.expanduser("~/.cache"))
    prefixes.add(os.path.expanduser("~/.config"))
    rec.ignore_prefixes = tuple(os.path.join(p, "") for p in prefixes if p)
    sys.addaudithook(rec.audit)
    _install_read_hooks(rec)
    local_dirs = (os.path.dirname(filename),)
    entered: set[int] = set()
    setattr(builtins, _MARK, entered.add)

    def snapshot():
        fp = _Fingerprint(ns, local_dirs)
        names = {}
        for k, v in list(ns.items()):
            if k not in _IGNORED_NAMES:
                names[k] = (id(v), *fp.of(v))
        return names, {f"<{k}>": v for k, v in _hidden_state(fp).items()}

    results = []
    error = None
    status = 0

    def record(loaded: set, before, after, hidden_read: set, hidden_written: set) -> dict:
        """reads, writes and unverified names between two snapshots."""
        (before_names, before_state), (after_names, after_state) = before, after
        present = before_names.keys() | after_names.keys()
        reads = {n for n in loaded if n in present and n not in _IGNORED_NAMES}
        modules = {v.__name__.split(".")[0]: _CONFIG_STATE[v.__name__.split(".")[0]]
                   for v in sys.modules.values() if isinstance(v, types.ModuleType)
                   and v.__name__.split(".")[0] in _CONFIG_STATE}
        hidden_reads = set(hidden_read)
        for n in reads:
            if n in ns:
                hidden_reads |= _value_reads(ns[n], modules)
        writes = {n for n in present if before_names.get(n, (None,))[:2]
                  != after_names.get(n, (None,))[:2]}
        # a library's state appearing (numpy imported) is no write; a
        # warnings registry or a logger's configuration appearing is
        writes |= {k for k in before_state.keys() | after_state.keys()
                   if before_state.get(k) != after_state.get(k)
                   and (k in before_state or k not in _IMPORTED_STATES)}
        writes |= hidden_written
        # a draw reads the generator's state as much as it writes it
        hidden_reads |= writes & _RNG_STATES
        unverified = {n for n in reads - writes if n in after_names and not after_names[n][2]}
        return {"reads": sorted(reads | hidden_reads), "writes": sorted(writes),
                "unverified": sorted(unverified)}

    def loaded_by(names, marks) -> set:
        out = set(names)
        for k in marks:
            out |= function_names.get(k, frozenset())
        return out

    def run_loop(code: "_LoopCode", units: list, seen: set) -> None:
        """The loop statement, unit by unit for its first iterations."""
        def unit(c, names, k, j):
            if k >= UNIT_ITERATIONS:
                exec(c, ns)
                return
            entered.clear()
            rec.reads, rec.writes = set(), set()
            before = snapshot()
            try:
                exec(c, ns)
            finally:
                got = record(loaded_by(names, entered), before, snapshot(), rec.reads, rec.writes)
                units.append({"k": k, "j": j, **got})
                seen.update(entered)
                rec.reads, rec.writes = set(), set()

        ns[_ITEM] = None
        unit(code.items, code.names[0], 0, -2)  # ns[_ITEM] = iter(<iterable>)
        it = ns.pop(_ITEM)
        k = 0
        for item in it:
            ns[_ITEM] = item
            unit(code.bind, code.names[1], k, -1)
            del ns[_ITEM]
            for j, c in enumerate(code.body):
                unit(c, code.names[2 + j], k, j)
            k += 1
            code.iterations = k
        else:
            if code.orelse is not None:
                exec(code.orelse, ns)

    before = snapshot()
    try:
        for sid, code in enumerate(codes):
            entered.clear()
            rec.reads, rec.writes = set(), set()
            rec.active = True
            t0 = time.perf_counter()
            units: list = []
            seen: set = set()
            try:
                if isinstance(code, _LoopCode):
                    run_loop(code, units, seen)
                else:
                    exec(code, ns)
            finally:
                seconds = time.perf_counter() - t0
                rec.active = False
                after = snapshot()
                hidden_read, hidden_written = set(rec.reads), set(rec.writes)
                for u in units:  # what the units saw is the statement's too
                    hidden_read |= {r for r in u["reads"] if r.startswith("<")}
                    hidden_written |= {w for w in u["writes"] if w.startswith("<")}
                got = record(loaded_by(statement_names[sid], entered | seen), before, after,
                             hidden_read, hidden_written)
                entry = {"id": sid, "seconds": seconds, **got}
                if isinstance(code, _LoopCode):
                    entry["units"], entry["iterations"] = units, code.iterations
                results.append(entry)
                before = after
    except SystemExit as e:
        code = e.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            print(code, file=sys.stderr)
            status = 1
        if status:
            error = f"SystemExit: {code}"
    except BaseException as e:  # the user's exception: report it as python would
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
        error = "".join(traceback.format_exception_only(type(e), e)).strip()
        status = 1
    finally:
        with open(result_path, "w") as f:
            json.dump({"statements": results, "error": error}, f)
    sys.stdout.flush()
    sys.stderr.flush()
    return status


def _trace_child() -> int:
    """Entry point of the tracing process: argv = [request.json, result.json]."""
    return _trace_child_main(sys.argv[1], sys.argv[2])
