"""The worker's interpreter: ops and delivered messages in, instructions out.

Sans-I/O (distributed's worker_state_machine style): no sockets, no threads,
no blocking. The worker shell feeds it events and carries out what it emits::

    shell                                  Interpreter
    -----                                  -----------
    advance() --------------------------->  runs ops until one blocks
              <---------------------------  emit(StatementStarted | StatementReport
                                                 | Outgoing | TransferFailed)
              <---------------------------  emit(StatementOutput)  (live output: the
                                            runner's on_output, possibly on the shell's
                                            ticker thread while a statement runs)
              <---------------------------  emit(Kept | Unkept)  (dynamic assignment:
                                            a value pickled for Keep, or stale again)
              <---------------------------  returns WaitRecv | WaitSends | None (done)
                                            | BeforeExec (with ``before_exec``: once
                                            before each Exec; deliver what arrived,
                                            then advance() again)
    deliver(Message) -------------------->  a value/token arrived (any time)
    send_done(var, version, to) --------->  an Outgoing has left this process
    set_failed(stmt) -------------------->  the first failed statement so far
    extend(ops) / close() --------------->  more program / no more (dynamic
                                            assignment: the program is open-ended
                                            and advance() returns WaitOps at its end)

Op semantics (see ``taskpar.plan``):

* ``Exec(s)``: skipped (reported "skipped") when a failed statement ``F < s``
  is known, or when a predecessor of ``s`` failed or was skipped here or
  arrived as POISON. Otherwise, first wait until no send of a name ``s``
  writes or mutates (every name, for a barrier) is still in flight — the
  value's buffers are read by the transport while it is sent — then run it
  (``StatementRunner``) and report it. A failure makes ``F = min(F, s)``.
* ``Exec(s, replica=True)``: the same, silently, with no report.
  Every reported ``Exec`` is guarded (``runtime.guard``): its report's
  ``changed`` names the hidden states (global generators, cwd, environ) it
  changed. The fingerprints taken after a statement are the next one's
  "before" unless a replica ran or a value was unpickled in between.
* ``Send(v, p, k)``: ``Outgoing`` with the value of ``v`` pickled (or UNBOUND
  when ``v`` is not bound, POISON when ``p`` failed or was skipped, a TOKEN
  when ``v`` is None). A value that cannot be pickled emits
  ``TransferFailed`` and sends POISON, so the receiver never hangs.
* ``Recv(v, p, k)``: bind ``v`` from the delivered message (delete it for
  UNBOUND; mark ``p`` bad for POISON). When ``p > F`` it does not wait: what
  needs it is skipped anyway.

* ``Keep(v, p)`` (dynamic assignment): pickle the value now and emit
  ``Kept(v, p, payload)``: a later ``Send`` of it uses those bytes, and the
  shell may ship them from its own threads while a statement runs. The
  value goes stale (``Unkept``) when a statement here rebinds or mutates
  ``v`` (every reader of ``v@p`` has finished by then). The interpreter
  shares no state with the shell's threads: the shell keeps its own table.

Ops that arrive later (``extend``, dynamic assignment) are appended, except a
``Send`` or ``Keep`` of a value this worker already has (``p`` ran here, or
``v@p`` was received): it jumps the queue and goes out before the next
statement starts.
Sending earlier is always safe — nothing rebinds or mutates a value while a
statement that reads it is unassigned (``taskpar.dynamic``) — and it keeps a
value from waiting behind statements queued here for unrelated work.
"""

from __future__ import annotations

import ast
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable

from ..analysis.model import WARNINGS_FILTERS, Script
from ..plan import Exec, Keep, Recv, Send
from . import values
from .capture import StatementRunner
from .compiling import call_site, compile_statements, loop_codes
from .guard import StateGuard
from .messages import (POISON, TOKEN, UNBOUND, VALUE, LoopBlock, Message, Outgoing, Payload,
                       StatementOutput, StatementReport, StatementStarted, TransferFailed)

__all__ = [
    "Interpreter",
    "WaitRecv",
    "WaitSends",
    "WaitOps",
    "BeforeExec",
    "Kept",
    "Unkept",
]

#: names of values that only split loops' statements see (``runtime.loops``)
HIDDEN = "__tp_"


@dataclass(frozen=True, slots=True)
class WaitRecv:
    var: str | None
    version: int
    frm: int


@dataclass(frozen=True, slots=True)
class WaitSends:
    names: tuple  # names whose sends must drain; ("*",) for every send


@dataclass(frozen=True, slots=True)
class WaitOps:
    """The program so far is done; more ops (or the end) are coming."""


@dataclass(frozen=True, slots=True)
class BeforeExec:
    """About to run statement ``stmt`` (only with ``before_exec``): hand over
    what arrived meanwhile, then call ``advance()`` again."""

    stmt: int


@dataclass(frozen=True, slots=True)
class Kept:
    """Instruction: ``var@version`` is pickled (a ``Keep``): the shell may
    ship ``payload`` itself, from its own threads, for a later ``Send``."""

    var: str
    version: int
    payload: Payload


@dataclass(frozen=True, slots=True)
class Unkept:
    """Instruction: these kept ``(var, version)`` are stale (a statement here
    rebinds or mutates them): no ``Send`` may use them any more."""

    keys: tuple




def filters_now() -> list:
    """The warnings filters as a value (``analysis.model.WARNINGS_FILTERS``)."""
    return list(warnings.filters)


def set_filters(filters) -> None:
    """Make ``filters`` (``filters_now`` of the statement that last changed
    them) this process's, unless they are already."""
    if filters is not None and warnings.filters != filters:
        warnings.filters[:] = filters
        warnings._filters_mutated()


def hidden_names(script: Script, runner) -> dict:
    """The hidden names (``__tp_*``) a worker starts with: what the split
    loops' statements call (see ``runtime.loops``)."""
    if not script.loops:
        return {}
    from . import loops

    return {"__tp_rt": loops, "__tp_loops": loop_codes(script), "__tp_runner": runner}


#: calls a statement that reads the namespace (``print(sorted(globals()))``)
#: makes without being able to unbind a name of it
_READING_CALLS = frozenset({"print", "globals", "locals", "vars", "dir", "len", "sorted", "list",
                            "tuple", "set", "frozenset", "dict", "str", "repr", "isinstance",
                            "any", "all", "sum", "min", "max", "id", "type", "hasattr",
                            "callable", "format", "round", "abs", "int", "float", "bool"})
_READING_METHODS = frozenset({"keys", "items", "values", "get", "copy", "format", "join",
                              "startswith", "endswith", "count", "index", "upper", "lower"})


def may_unbind(node) -> bool:
    """Whether statement ``node`` may remove a name of the script's namespace:
    False only for one that deletes nothing and calls nothing but builtins
    and methods that read (a barrier that only looks at ``globals()``)."""
    for n in ast.walk(node):
        if isinstance(n, (ast.Delete, ast.Global, ast.Nonlocal)):
            return True
        if isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Name) and f.id in _READING_CALLS:
                continue
            if isinstance(f, ast.Attribute) and f.attr in _READING_METHODS:
                continue
            return True
    return False


def surely_read(node) -> set[str]:
    """Names a simple statement loads whenever it runs to its end (not in
    a lambda, a comprehension's element, a branch of ``x if c else y`` or
    the right of ``and``/``or``)."""
    if not isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return set()
    out: set[str] = set()
    stack = [node.value] if node.value is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, ast.Lambda):
            continue
        elif isinstance(n, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            stack.append(n.generators[0].iter)
        elif isinstance(n, ast.IfExp):
            stack.append(n.test)
        elif isinstance(n, ast.BoolOp):
            stack.append(n.values[0])
        else:
            stack.extend(ast.iter_child_nodes(n))
    return out


class Interpreter:
    """Interprets one worker's program over its namespace (see module docstring)."""

    def __init__(
        self,
        script: Script,
        program: tuple,
        namespace: dict,
        worker: int,
        preds: dict[int, Iterable[int]],
        emit: Callable[[object], None],
        runner: StatementRunner | None = None,
        clock: Callable[[], float] = time.time,
        open_ended: bool = False,
        before_exec: bool = False,
        guard: StateGuard | None | bool = True,
    ):
        self.script = script
        self.program = list(program)
        #: False while more ops may come (``extend``), until ``close``
        self.closed = not open_ended
        self.namespace = namespace
        self.worker = worker
        self.preds = {k: frozenset(v) for k, v in preds.items()}
        self.emit = emit
        self.runner = runner or StatementRunner(clock=clock)
        if self.runner.buffering is not None and self.runner.on_output is None:
            self.runner.on_output = self._output
        self.runner.on_loop_block = self._loop_block
        self.clock = clock
        #: advance() returns BeforeExec once before each Exec: the shell
        #: delivers what arrived meanwhile (a failure elsewhere must be known
        #: before running more); ``_asked`` is the pc it was returned for
        self.before_exec = before_exec
        self._asked = -1
        ids = (range(len(script.statements)) if open_ended
               else {op.stmt for op in self.program if isinstance(op, Exec)})
        self.code = compile_statements(script, ids)
        #: values of hidden names (``__tp_*``, split loops): out of the
        #: script's namespace except while a loop statement runs
        self.hidden = hidden_names(script, self.runner)
        if self.hidden and not open_ended:
            from .loops import mark_alone

            mark_alone(self.hidden["__tp_loops"], script, ids)
        self.pc = 0
        self.failed: int | None = None  # F: first failed statement known here
        self.bad: set[int] = set()  # statements failed, skipped or poisoned here
        self.inbox: dict[tuple, Message] = {}
        self.in_flight: dict[str | None, int] = {}
        #: statements run (or skipped) here and values received: what a
        #: late Send may ship at once
        self.ran: set[int] = set()
        self.received: set[tuple[str | None, int]] = set()
        self.urgent: list[Send | Keep] = []
        #: (var, version) -> Payload pickled by Keep (the shell gets its
        #: own reference with the Kept instruction)
        self.kept: dict = {}
        #: the hidden-state guard (``runtime.guard``): every reported
        #: statement's report says which guarded states it changed;
        #: ``stale`` while something else ran since the last fingerprints
        self.guard = StateGuard() if guard is True else (guard or None)
        self.guard_stale = True

    @property
    def done(self) -> bool:
        return self.closed and self.pc >= len(self.program)

    @property
    def sends_in_flight(self) -> int:
        return sum(self.in_flight.values())

    # -- events ----------------------------------------------------------------
    def deliver(self, msg: Message) -> None:
        self.inbox[(msg.var, msg.version)] = msg

    def send_done(self, var: str | None, version: int, to: int) -> None:
        n = self.in_flight.get(var, 0) - 1
        if n > 0:
            self.in_flight[var] = n
        else:
            self.in_flight.pop(var, None)

    def extend(self, ops: Iterable) -> None:
        assert not self.closed, "ops after close()"
        for op in ops:
            if isinstance(op, (Send, Keep)) and (op.version in self.ran or op.version in self.bad
                                                 or (op.var, op.version) in self.received):
                self.urgent.append(op)
            else:
                self.program.append(op)

    def close(self) -> None:
        self.closed = True

    def _output(self, stmt: int, chunks: tuple, warnings: tuple) -> None:
        """Live output of the running statement ``stmt`` (see ``runtime.capture``)."""
        self.emit(StatementOutput(stmt, self.worker, chunks, warnings))

    def _loop_block(self, stmt: int, first: int, last: int, total: int) -> None:
        self.emit(LoopBlock(stmt, self.worker, first, last, total))

    def set_failed(self, stmt: int) -> None:
        if self.failed is None or stmt < self.failed:
            self.failed = stmt

    # -- running ---------------------------------------------------------------
    def advance(self):
        """Run ops until one must wait; return the wait, or None when done
        (``WaitOps`` when the program so far is done but not closed)."""
        while True:
            self._flush_urgent()
            if self.pc >= len(self.program):
                break
            op = self.program[self.pc]
            if isinstance(op, Exec):
                wait = self._exec(op)
            elif isinstance(op, Send):
                wait = self._send(op)
            elif isinstance(op, Recv):
                wait = self._recv(op)
            elif isinstance(op, Keep):
                wait = self._keep(op)
            else:  # pragma: no cover - plans hold only these
                raise TypeError(f"unknown op {op!r}")
            if wait is not None:
                return wait
            self.pc += 1
        return None if self.closed else WaitOps()

    def _flush_urgent(self) -> None:
        while self.urgent:
            op = self.urgent.pop(0)
            if isinstance(op, Keep):
                self._keep(op)
            else:
                self._send(op)

    def sending(self, var: str | None) -> None:
        """The shell shipped a kept value itself: count it as in flight."""
        self.in_flight[var] = self.in_flight.get(var, 0) + 1

    def _skip(self, s: int) -> bool:
        return (self.failed is not None and s > self.failed) or not self.bad.isdisjoint(
            self.preds.get(s, ()))

    def _exec(self, op: Exec):
        s = op.stmt
        if self.before_exec and self._asked != self.pc:
            self._asked = self.pc
            return BeforeExec(s)
        if self._skip(s):
            self.ran.add(s)
            self.bad.add(s)
            if not op.replica:
                now = self.clock()
                self.emit(StatementReport(s, self.worker, "skipped", (), None, now, now))
            return None
        stmt = self.script.statements[s]
        if self.in_flight:
            if stmt.barrier:
                return WaitSends(("*",))
            busy = sorted(n for n in (stmt.writes | stmt.mutates) if n in self.in_flight)
            if busy:
                return WaitSends(tuple(busy))
        if self.kept:  # s may change what a kept value was: no Send needs it any more
            changed = None if stmt.barrier else stmt.writes | stmt.mutates
            gone = tuple(k for k in self.kept if changed is None or k[0] in changed)
            for key in gone:
                del self.kept[key]
            if gone:
                self.emit(Unkept(gone))
        guard = None if op.replica else self.guard
        if guard is not None and self.guard_stale:
            guard.reset()
        if not op.replica:
            self.emit(StatementStarted(s, self.worker, self.clock()))
        if WARNINGS_FILTERS in stmt.reads:
            set_filters(self.hidden.get(WARNINGS_FILTERS))
        if stmt.loop is None:
            out = self.runner.run(self.code[s], self.namespace, silent=op.replica, stmt=s,
                                  known_names=lambda: self._names_before(s),
                                  call=call_site(self.script, stmt))
        else:
            out = self._run_loop_statement(s, op.replica)
        if WARNINGS_FILTERS in stmt.writes:
            self.hidden[WARNINGS_FILTERS] = filters_now()
        changed = unseen = ()
        if guard is not None:
            changed, unseen = guard.check()
        self.guard_stale = guard is None
        self.ran.add(s)
        if out.status != "ok":
            self.bad.add(s)
            if not op.replica:
                self.set_failed(s)
        if not op.replica:
            self.emit(StatementReport(s, self.worker, out.status, out.chunks, out.exit_code,
                                      out.start, out.end, out.warnings, out.streamed, changed,
                                      unseen, self._loop_note(s)))
        return None

    def _loop_note(self, s: int) -> str:
        """Why split loop ``s`` (its items statement) runs as written, or ""."""
        loop = self.script.statements[s].loop
        if loop is None or loop[1] != "items":
            return ""
        state = self.hidden.get(self.script.loops[loop[0]].var)
        return getattr(state, "reason", "") or ""

    def _run_loop_statement(self, s: int, replica: bool):
        ns = self.namespace
        ns.update(self.hidden)
        # a part's output is the pieces', shown by the chain: never live
        live = self.script.statements[s].loop[1] != "part"
        try:
            return self.runner.run(self.code[s], ns, silent=replica, stmt=s, stream=live,
                                   known_names=lambda: self._names_before(s),
                                   call=call_site(self.script, self.script.statements[s]))
        finally:
            for name in [n for n in ns if n.startswith(HIDDEN)]:
                self.hidden[name] = ns.pop(name)

    def _names_before(self, s: int) -> list[str]:
        """The script's names that statements before ``s`` surely bound, in
        order: not those a loop, an ``if``, a ``try`` or a barrier only may
        bind, unless they are bound here. (For a NameError's hint.)"""
        from ..analysis.effects import COMPOUND

        tree = ast.parse(self.script.source)
        nodes = []
        for st in self.script.statements[:s]:
            node = tree
            for k in st.path:
                node = node.body[k]
            nodes.append(node)
        # a name a later statement surely read was bound (else python had
        # stopped there): a loop's body names after ``print(t)``
        proven: set[str] = set()
        for st, node in zip(self.script.statements[:s], nodes):
            if st.barrier:
                if may_unbind(node):
                    proven.clear()  # it may unbind anything
            elif isinstance(node, ast.Delete):
                proven -= {t.id for t in node.targets if isinstance(t, ast.Name)}
            elif st.scope is None:
                proven |= surely_read(node)
        seen: dict[str, None] = {}
        for st, node in zip(self.script.statements[:s], nodes):
            surely = not (st.barrier or st.loop is not None or isinstance(node, COMPOUND)
                          or st.main_part is not None)
            for n in sorted(st.writes):
                if not n.startswith(HIDDEN) and (surely or n in self.namespace or n in proven):
                    seen.setdefault(n, None)
        return list(seen)

    def _where(self, var: str) -> dict:
        """The dict holding ``var``: hidden names live apart (split loops)."""
        return self.hidden if var.startswith(HIDDEN) else self.namespace

    def _keep(self, op: Keep):
        where = self._where(op.var)
        if op.version not in self.bad and op.var in where:
            try:
                header, buffers = values.dumps(where[op.var], self.namespace)
            except Exception:  # noqa: BLE001 - a Send of it will report it
                return None
            payload = self.kept[(op.var, op.version)] = Payload(VALUE, header, tuple(buffers))
            self.emit(Kept(op.var, op.version, payload))
        return None

    def _send(self, op: Send):
        kept = self.kept.get((op.var, op.version))
        if op.version in self.bad:
            payload = Payload(POISON)
        elif kept is not None:
            payload = kept
        elif op.var is None:
            payload = Payload(TOKEN)
        elif op.var not in self._where(op.var):
            payload = Payload(UNBOUND)
        else:
            try:
                header, buffers = values.dumps(self._where(op.var)[op.var], self.namespace)
                payload = Payload(VALUE, header, tuple(buffers))
            except Exception as e:  # noqa: BLE001 - reported, and the run stops
                self.emit(TransferFailed(op.var, op.version, self.worker, op.to, "send",
                                         f"{type(e).__name__}: {e}"))
                payload = Payload(POISON)
        self.in_flight[op.var] = self.in_flight.get(op.var, 0) + 1
        self.emit(Outgoing(op.var, op.version, op.to, payload))
        return None

    def _recv(self, op: Recv):
        msg = self.inbox.pop((op.var, op.version), None)
        if msg is None:
            if self.failed is not None and op.version > self.failed:
                self.bad.add(op.version)
                return None
            return WaitRecv(op.var, op.version, op.frm)
        self.received.add((op.var, op.version))
        kind = msg.payload.kind
        if kind == POISON:
            self.bad.add(op.version)
        elif kind == UNBOUND:
            self._where(op.var).pop(op.var, None)
        elif kind == VALUE:
            self.guard_stale = True  # unpickling may run the script's code
            try:
                self._where(op.var)[op.var] = values.loads(msg.payload.header, msg.payload.buffers,
                                                      self.namespace)
            except Exception as e:  # noqa: BLE001 - reported, and the run stops
                self.emit(TransferFailed(op.var, op.version, op.frm, self.worker, "receive",
                                         f"{type(e).__name__}: {e}"))
                self.bad.add(op.version)
        return None
