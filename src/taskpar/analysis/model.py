"""The analysis stage's data: one ``Statement`` per top-level statement.

Input: the text of a script. Output: a ``Script`` — the file name, the text
and a tuple of ``Statement`` records in program order. A statement's ``id`` is
its position in that tuple; ``path`` locates its AST node so that any process
holding the script text can compile exactly that statement with the original
file name and line numbers (tracebacks then point at the user's file).
Statements taken from a ``main()`` function's body (``scope`` set) have
``path = (k_def, i)``: ``module.body[k_def].body[i]`` where ``k_def`` is the
``def``'s position; they replace the call, after every module statement.

Invariants:

* ``reads``, ``writes`` and ``mutates`` are sets of top-level variable names;
  a mutation is both a read and a write (the graph treats it so), and
  ``mutates`` already contains every name that may alias a mutated one.
* a name a statement *may* bind (inside ``if``/``for``/``try``...) is also in
  ``reads``: if the binding does not happen, the old value must still be
  there afterwards, so the statement needs it.
* ``resources`` are hidden-state pseudo-variables (see ``RESOURCES``); two
  statements touching the same resource are ordered, and statements touching
  a *process-local* resource must run in the same process.
* ``barrier`` statements are ordered after everything before them and before
  everything after them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Statement", "Script", "LoopSplit", "RESOURCES", "PROCESS_LOCAL", "WARNINGS_FILTERS"]

#: Hidden state modelled as pseudo-variables. Names are stable: they appear
#: in the JSON graph. Two families are added per script:
#: ``module:NAME`` — attributes assigned into an imported module;
#: ``object:NAME`` — a mutable object that two or more names may share
#: (``b = a`` then ``a.append(1)``): copies in two processes would break the
#: sharing, so every statement touching it runs in one process. NAME is the
#: first name the object was bound to. Both families are process-local.
#: ``unpicklable:NAME`` joins ``object:NAME`` for a value that cannot be
#: pickled (it adds no order or place; split loops must not send it).
RESOURCES = {
    "random": "the global generator of the random module",
    "numpy.random": "numpy's legacy global generator (np.random.seed, np.random.rand, ...)",
    "torch.random": "torch's global generator (torch.manual_seed, ...)",
    "pyplot": "matplotlib.pyplot's current figure and axes, and figures it holds",
    "cwd": "the working directory",
    "environ": "os.environ",
    "sys.path": "sys.path and sys.modules (what imports find)",
    "warnings": "the warnings filters and once-per-location registry",
    "logging": "logging configuration (handlers, levels)",
    "stdin": "standard input",
    "stdout": "sys.stdout / sys.stderr replaced or reconfigured",
    "fs": "the file system",
    "time": "the process clock / timezone settings (time.tzset)",
}

#: The warnings filters as a hidden variable: a statement that changes them
#: (``warnings.filterwarnings("ignore")``, ``simplefilter``, ``resetwarnings``,
#: ``catch_warnings``) writes it, and every statement but a definition or an
#: import reads it, so a worker receives the filters python has at that
#: point before it runs one, and a change waits for the statements before
#: it (``runtime.interpreter``: taken after the writer ran, set before the
#: reader runs); library code anywhere may warn.
WARNINGS_FILTERS = "__tp_warnings"

#: Resources whose state lives in one process: every statement touching one
#: of these must run on the same worker.
PROCESS_LOCAL = frozenset({
    "random", "numpy.random", "torch.random", "pyplot", "cwd", "environ",
    "sys.path", "warnings", "logging", "stdin", "stdout", "time",
})


@dataclass(frozen=True)
class Statement:
    """One top-level statement and what it may touch."""

    id: int
    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int
    #: exact source text of the statement (``ast.get_source_segment``)
    source: str
    #: indices into nested ``body`` lists from the module down to this node:
    #: ``(5,)`` is ``module.body[5]``; ``(7, 2)`` is ``module.body[7].body[2]``
    #: (the body of ``if __name__ == "__main__":`` at position 7).
    path: tuple[int, ...]
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    mutates: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    #: names in ``reads`` only because a compound statement may not bind
    #: them (see the invariants above), not because it reads their value
    maybe_binds: frozenset[str] = frozenset()
    barrier: bool = False
    #: why the statement is a barrier (one line, for ``taskpar graph``), or ""
    barrier_reason: str = ""
    #: the part of ``resources`` assumed, not seen: hidden state that library
    #: code *may* use without naming it (numpy's global generator after the
    #: script seeded it). A run that observes the statement leaving that
    #: state alone records so, and later runs drop it (see ``learned``).
    assumed: frozenset[str] = frozenset()
    #: worker number from ``# taskpar: worker K`` (1-based), or None
    pin: int | None = None
    #: "import", "def", "class" or "other": definitions may be replicated
    kind: str = "other"
    #: for a statement taken from the body of ``main()`` (the main() pattern,
    #: see ``mainfn``): the function's name, which its frame must carry
    #: (``co_name``); None for a statement of the module itself
    scope: str | None = None
    #: with ``scope``: the line of the ``main()`` call, the ``<module>`` frame
    #: python shows above the function's in a traceback
    call_lineno: int | None = None
    #: with ``scope``: "args" (binds the function's parameters from the
    #: call's arguments; ``path`` is the call's statement) or "exit" (the
    #: exit call with the final return's value; ``path`` is the return's),
    #: see ``mainfn.main_part_node``; None for a statement of the body
    main_part: str | None = None
    #: for a statement made from a loop split into iterations (``loops``):
    #: ``(loop, role, part)``, role "items" (evaluates the iterable), "part"
    #: (the private part of the body for block ``part`` of the iterations),
    #: "chain" (the loop itself over block ``part``, in order, taking the
    #: parts' results); None for a statement of the script
    loop: tuple | None = None

    @property
    def label(self) -> str:
        """Short one-line excerpt for pictures and tables."""
        first = self.source.splitlines()[0] if self.source else ""
        return first if len(first) <= 40 else first[:37] + "..."


_FIELDS = tuple(Statement.__dataclass_fields__)
_FIELD_SET = frozenset(_FIELDS)


def new_statement(fields: dict) -> Statement:
    """``Statement(**fields)``, the same object, for ``fields`` naming every
    field in field order: the dict becomes the instance's (the frozen
    dataclass's ``__init__`` sets each field with ``object.__setattr__``,
    most of its cost; the analysis makes one per statement). Other dicts go
    through the constructor (which raises on a missing or unknown field)."""
    if len(fields) != len(_FIELDS) or fields.keys() != _FIELD_SET:
        return Statement(**fields)
    s = object.__new__(Statement)
    object.__setattr__(s, "__dict__", fields)
    return s


@dataclass(frozen=True)
class Script:
    """A parsed script: its file name (as python would name it), text, statements."""

    filename: str
    source: str
    statements: tuple[Statement, ...] = field(default_factory=tuple)
    #: one-line remarks for ``taskpar plan``, e.g. why a ``main()`` call runs
    #: as one statement (see ``mainfn``)
    notes: tuple[str, ...] = ()
    #: loops split into iterations (see ``loops``), by ``LoopSplit.index``
    loops: tuple["LoopSplit", ...] = ()

    def __len__(self) -> int:
        return len(self.statements)


@dataclass(frozen=True)
class LoopSplit:
    """A top-level ``for`` loop whose iterations run apart (see ``loops``).

    ``pieces`` are the body statements (indices into ``node.body``) that
    only touch what is private to their iteration: the parts run them,
    block by block, on any worker. ``hoists`` are expressions taken out of
    the other (ordered) body statements, also private: ``(j, address)``,
    ``address`` the field path from ``node.body[j]`` to the expression, e.g.
    ``("value",)`` or ``("value", "args", 1)``. The chains run the loop
    itself in order, taking what the parts computed instead of running
    those pieces and hoists again.
    """

    index: int
    #: the ``for`` statement's path in the module (as ``Statement.path``)
    path: tuple[int, ...]
    lineno: int
    parts: int
    pieces: tuple[int, ...]
    hoists: tuple[tuple, ...]
    #: per piece (same order as ``pieces``): the names the chain takes
    #: from it (read by the ordered statements or after the loop)
    outputs: tuple[tuple[str, ...], ...]
    #: names of the loop target the pieces read (sent to the parts)
    target_reads: tuple[str, ...]
    #: every name the pieces bind, and the target's: a part restores them
    binds: tuple[str, ...]
    #: the body may ``break`` (an iterator is then consumed as python does)
    has_break: bool = False
    #: names the parts read from the worker's globals (besides the target):
    #: what they bind is checked not to be one of these objects or in them
    reads: tuple[str, ...] = ()
    #: global generators every iteration seeds before drawing
    #: (``rules.RESEEDING``): a part keeps its worker's own state of them,
    #: and the chain takes each iteration's final state
    fresh: tuple[str, ...] = ()
    #: the units (``("piece", k)`` / ``("hoist", h)``) that use them
    touching: tuple[tuple, ...] = ()
    #: a comprehension or map seen as this loop (``comprehensions``):
    #: ``(kind, name, consumer, accumulator)``; () for a ``for`` statement
    comp: tuple = ()
    #: target names whose value may be one object in several iterations
    #: (``estimators.shareable_targets``: refitted estimators)
    shareable: tuple[str, ...] = ()
    #: two nested loops run as one over pairs (``nesting``): the outer
    #: loop's target names; () for a single loop
    outer: tuple[str, ...] = ()
    #: the hidden names of this loop's values (state, items, results)
    @property
    def var(self) -> str:
        return f"__tp_L{self.index}"
