"""Content fingerprints, for the tracing child's snapshots (see ``tracer``).

``_Fingerprint(namespace, local_dirs).of(value) -> (digest, exact)``: a
digest of what a value holds, so that a write shows as a changed digest
(in-place mutation too, also through an alias); ``exact`` is False when
part of the value cannot be seen (its changes may go unnoticed: the
``unverified`` names). ``_hidden_state(fp)``: digests of the process state
no variable shows (random generators, cwd, environment, sys.path, warnings,
loggers, numpy/pandas/matplotlib configuration, pyplot's figures).
"""

from __future__ import annotations

import os
import sys

#: the real ``os.getcwd``, taken before the tracer wraps it to note reads
_REAL_GETCWD = os.getcwd


class _Fingerprint:
    """Content fingerprints of values, computed within one snapshot.

    ``of(value) -> (digest, exact)``. Containers are walked (cycle-safe);
    numpy arrays hash their buffer; objects of the script (functions,
    classes) include their mutable parts (defaults, closure cells, class
    dict); other objects hash their pickle (protocol 5, buffers hashed
    without copying), else their ``__dict__``; what cannot be seen hashes
    its identity and makes the digest inexact.
    """

    def __init__(self, namespace: dict, local_dirs: tuple[str, ...]):
        import hashlib
        import pickle
        self._hashlib, self._pickle = hashlib, pickle
        self.ns = namespace
        self.local_dirs = local_dirs
        #: id -> (value, digest, exact); the value is held so that its id is
        #: not reused by another object while this snapshot lives
        self.cache: dict[int, tuple[object, bytes, bool]] = {}

    def of(self, value) -> tuple[bytes, bool]:
        key = id(value)
        if key not in self.cache:
            h = self._hashlib.blake2b(digest_size=16)
            try:
                exact = self._walk(value, h, {}, 0)
            except RecursionError:
                h.update(b"deep%d" % id(value))
                exact = False
            self.cache[key] = (value, h.digest(), exact)
        return self.cache[key][1:]

    def _is_local(self, obj) -> bool:
        mod = getattr(obj, "__module__", None)
        if mod == "__main__":
            return True
        m = sys.modules.get(mod) if isinstance(mod, str) else None
        return m is not None and self._is_local_module(m)

    def _is_local_module(self, m) -> bool:
        f = getattr(m, "__file__", None)
        return isinstance(f, str) and os.path.dirname(os.path.abspath(f)) in self.local_dirs

    def _walk(self, obj, h, seen: dict, depth: int) -> bool:  # noqa: C901 (a type switch)
        import types
        t = type(obj)
        h.update(t.__qualname__.encode())
        if obj is None or t in (bool, int, float, complex):
            h.update(repr(obj).encode())
            return True
        if t is str:
            h.update(obj.encode("utf-8", "surrogatepass"))
            return True
        if t in (bytes, bytearray):
            h.update(b"%d:" % len(obj))
            h.update(obj)
            return True
        oid = id(obj)
        if oid in seen:
            h.update(b"@%d" % seen[oid][0])
            return True
        seen[oid] = (len(seen), obj)  # holding obj: temporaries keep their ids
        if depth > 60:
            h.update(b"id%d" % oid)
            return False
        walk = lambda v: self._walk(v, h, seen, depth + 1)  # noqa: E731
        if t in (list, tuple):
            h.update(b"%d[" % len(obj))
            return all([walk(v) for v in obj])
        if isinstance(obj, dict) and t.__module__ in ("builtins", "collections"):
            h.update(b"%d{" % len(obj))
            if t.__name__ == "defaultdict":
                h.update(b"%d" % id(obj.default_factory))
            return all([walk(k) & walk(v) for k, v in list(obj.items())])
        if t in (set, frozenset):
            parts = sorted(self.of(v) for v in obj)
            for d, _ in parts:
                h.update(d)
            return all(e for _, e in parts)
        if t.__module__ == "numpy" and t.__name__ == "ndarray":
            h.update(f"{obj.dtype.str}{obj.shape}".encode())
            if obj.dtype.hasobject:
                return all([walk(v) for v in obj.ravel().tolist()])
            import numpy
            h.update(memoryview(numpy.ascontiguousarray(obj)).cast("B"))
            return True
        if isinstance(obj, types.ModuleType):
            if self._is_local_module(obj):
                return all([walk(k) & walk(v) for k, v in sorted(vars(obj).items())
                            if not k.startswith("__") and not isinstance(v, types.ModuleType)])
            # a library module: identity only (its caches, e.g. tempfile.tempdir,
            # change without meaning anything to the script)
            h.update(b"%d" % oid)
            return True
        if isinstance(obj, types.FunctionType):
            h.update(b"%d" % oid)
            if obj.__globals__ is self.ns or self._is_local(obj):
                cells = [c.cell_contents for c in (obj.__closure__ or ())
                         if _cell_is_set(c)]
                return all([walk(obj.__defaults__), walk(obj.__kwdefaults__), walk(cells),
                            walk(dict(obj.__dict__))])
            return True
        if isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
            h.update(b"%d" % id(getattr(obj, "__func__", None) or obj.__name__))
            owner = getattr(obj, "__self__", None)
            if owner is None or isinstance(owner, types.ModuleType):
                h.update(b"%d" % id(owner))
                return True
            return walk(owner)
        if isinstance(obj, type):
            h.update(b"%d" % oid)
            if self._is_local(obj):
                return all([walk(k) & walk(v) for k, v in list(vars(obj).items())
                            if k not in _CLASS_SKIP])
            return True
        if isinstance(obj, types.GeneratorType):
            frame = obj.gi_frame
            if frame is None:
                h.update(b"done")
                return True
            h.update(b"%d" % frame.f_lasti)
            return walk(dict(frame.f_locals))
        if t.__module__.startswith("matplotlib."):
            # pickling an artist has side effects (it advances callback ids)
            h.update(repr(_mpl_summary(obj)).encode())
            return False
        special = _special_state(obj)
        if special is not None:
            state, exact = special
            h.update(repr(state).encode())
            if not exact:
                h.update(b"id%d" % oid)
            return exact
        try:
            buffers: list = []
            data = self._pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
        except Exception:  # anything unpicklable: look inside instead
            pass
        else:
            h.update(data)
            for b in buffers:
                try:
                    h.update(b.raw())
                except BufferError:
                    h.update(bytes(b))
            return True
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            h.update(b"%d" % id(t))
            return walk(dict(state))
        h.update(b"id%d" % oid)
        return False


#: class attributes that are not state: descriptors of every class, and
#: ``__slotnames__``, which copyreg caches on a class when one of its
#: instances is first pickled (by this very fingerprinting)
_CLASS_SKIP = frozenset({"__dict__", "__weakref__", "__doc__", "__module__", "__slotnames__"})


def _cell_is_set(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _mpl_summary(obj):
    """What a user sees of a matplotlib object: its figure's axes, lines, labels."""
    fig = getattr(obj, "figure", None) if not hasattr(obj, "axes") or not hasattr(obj, "dpi") else obj
    if fig is None or not hasattr(fig, "axes"):
        return ("artist", id(obj))
    import hashlib
    axes = []
    for ax in fig.axes:
        lines = []
        for ln in ax.get_lines():
            xy = ln.get_xydata()
            lines.append((ln.get_label(), str(ln.get_color()), str(ln.get_linestyle()),
                          hashlib.blake2b(xy.tobytes(), digest_size=8).hexdigest()))
        axes.append((ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), ax.get_xlim(), ax.get_ylim(),
                     ax.get_xscale(), ax.get_yscale(), ax.get_legend() is not None, lines,
                     len(ax.patches), len(ax.texts), len(ax.collections), len(ax.images),
                     [t.get_text() for t in ax.texts]))
    sup = getattr(fig, "_suptitle", None)
    return (id(fig), tuple(fig.get_size_inches()), fig.dpi, sup.get_text() if sup else None, axes)


def _special_state(obj):
    """(state, exact) for unpicklable objects whose state is visible, else None."""
    import io
    name = type(obj).__module__ + "." + type(obj).__qualname__
    if isinstance(obj, io.IOBase):
        try:
            pos = obj.tell() if not obj.closed and obj.seekable() else None
        except (OSError, ValueError):
            pos = None
        return (obj.closed, pos, getattr(obj, "name", None)), True
    if name in ("_thread.lock", "_thread.RLock"):
        return (name, obj.locked() if hasattr(obj, "locked") else repr(obj).split(" at ")[0]), True
    if name == "sqlite3.Connection":
        try:
            return ("sqlite", obj.total_changes, obj.in_transaction), False
        except Exception:  # a closed connection refuses every question
            return ("sqlite closed",), True
    if name == "sqlite3.Cursor":
        return ("cursor", obj.rowcount, obj.lastrowid), False
    return None


def _hidden_state(fp: _Fingerprint) -> dict[str, bytes]:
    """Fingerprints of process state no variable shows (RESOURCES names)."""
    import hashlib
    import logging
    import random
    import warnings

    def digest(value) -> bytes:
        return hashlib.blake2b(repr(value).encode(), digest_size=16).digest()

    out = {"random": digest(random.getstate()),
           "cwd": digest(_REAL_GETCWD()),
           "sys.path": digest(list(sys.path))}
    # one entry per variable: a library that reads MPLBACKEND does not
    # depend on an import that set KMP_DUPLICATE_LIB_OK (see _conflicts)
    for k, v in os.environ._data.items():
        out["environ " + k.decode(errors="replace")] = digest(v)
    out["warnings filters"] = digest(repr(warnings.filters))
    for mname, m in list(sys.modules.items()):
        reg = getattr(m, "__dict__", {}).get("__warningregistry__") if m is not None else None
        if reg:
            out[f"warnings {mname}"] = digest(sorted(repr(k) for k in reg if k != "version"))
    manager = logging.Logger.manager
    loggers = {"": logging.getLogger()}
    loggers.update((n, lg) for n, lg in list(manager.loggerDict.items())
                   if isinstance(lg, logging.Logger))
    for lname, lg in loggers.items():
        conf = (lg.level, lg.propagate, lg.disabled,
                [(type(hd).__name__, hd.level, getattr(hd.formatter, "_fmt", None),
                  getattr(getattr(hd, "stream", None), "name", None)) for hd in lg.handlers])
        if conf != (logging.NOTSET, True, False, []) or lname == "":
            out["logging " + (lname or "root")] = digest((conf, manager.disable if lname == "" else 0))
    np = sys.modules.get("numpy")
    if np is not None and hasattr(np, "random"):
        try:
            out["numpy.random"] = fp.of(np.random.get_state())[0]
            out["numpy.config"] = digest((np.get_printoptions(), np.geterr()))
        except Exception:  # a numpy too partially imported to answer
            pass
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "random"):
        try:
            out["torch.random"] = fp.of(torch.random.get_rng_state().numpy())[0]
        except Exception:  # torch without numpy bridge
            pass
    pd = sys.modules.get("pandas")
    if pd is not None:
        conf = getattr(getattr(getattr(pd, "_config", None), "config", None), "_global_config", None)
        if conf is not None:
            out["pandas.options"] = digest(conf)
    mpl = sys.modules.get("matplotlib")
    if mpl is not None and hasattr(mpl, "rcParams"):
        out["matplotlib.rcParams"] = digest(sorted((k, repr(v)) for k, v in dict.items(mpl.rcParams)))
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and hasattr(plt, "get_fignums"):
        from matplotlib._pylab_helpers import Gcf
        managers = Gcf.get_all_fig_managers()
        active = Gcf.get_active()
        out["pyplot"] = digest([(m.num, _mpl_summary(m.canvas.figure)) for m in managers]
                               + [active.num if active else None])
    return out
