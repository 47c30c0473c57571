"""The worker interpreter without sockets: ops and messages in, instructions out."""

from __future__ import annotations

import sys

from taskpar.plan import Exec, Recv, Send
from taskpar.runtime import values
from taskpar.runtime.compiling import register_source
from taskpar.runtime.interpreter import BeforeExec, Interpreter, Kept, Unkept, WaitRecv, WaitSends
from taskpar.runtime.messages import Message, Outgoing, Payload
from taskpar.runtime.messages import StatementReport, StatementStarted, TransferFailed

from rt_helpers import simple_script

FILE = "/virtual/script.py"


def make(source, program, worker=0, preds=None, namespace=None):
    script = simple_script(source, FILE)
    register_source(script)
    if preds is None:  # every earlier statement that wrote a name this one reads
        preds = {}
        for s in script.statements:
            preds[s.id] = {p.id for p in script.statements[: s.id] if p.writes & (s.reads | s.writes)}
    out = []
    ns = {"__name__": "__main__"} if namespace is None else namespace
    it = Interpreter(script, program, ns, worker, preds, emit=out.append, clock=lambda: 0.0)
    return it, out, ns


def value(obj, ns):
    header, buffers = values.dumps(obj, ns)
    return Payload("value", header, tuple(buffers))


def ok(stmt, chunks=(), worker=0):
    return StatementReport(stmt, worker, "ok", tuple(chunks), None, 0.0, 0.0)


def started(stmt, worker=0):
    return StatementStarted(stmt, worker, 0.0)


def test_exec_then_send_emits_value_and_reports():
    it, out, ns = make("x = 6 * 7\nprint(x)\n", (Exec(0), Send("x", 0, 1), Exec(1)))
    assert it.advance() is None
    assert out == [started(0), ok(0), Outgoing("x", 0, 1, value(42, ns)),
                   started(1), ok(1, [(1, "42\n")])]


def test_recv_blocks_until_delivered_then_binds():
    it, out, ns = make("x = 1\ny = x + 1\n", (Recv("x", 0, 1), Exec(1)), worker=0)
    assert it.advance() == WaitRecv("x", 0, 1)
    assert out == []
    it.deliver(Message("x", 0, 1, value(41, {})))
    assert it.advance() is None
    assert ns["y"] == 42
    assert out == [started(1), ok(1)]


def test_versions_are_distinct_messages():
    src = "x = 1\nx = 2\ny = x\n"
    it, out, ns = make(src, (Recv("x", 1, 1), Exec(2)))
    it.deliver(Message("x", 0, 1, value("old", {})))
    assert it.advance() == WaitRecv("x", 1, 1)  # version 0 is not the one wanted
    it.deliver(Message("x", 1, 1, value("new", {})))
    assert it.advance() is None
    assert ns["y"] == "new"


def test_statement_waits_for_pending_send_of_a_name_it_writes():
    src = "x = [1]\nx.append(2)\n"
    script = simple_script(src, FILE)
    # mark statement 1 as writing x (the crude analysis sees only a load)
    it, out, ns = make(src, (Exec(0), Send("x", 0, 1), Exec(1)))
    it.script = script.__class__(script.filename, script.source, (
        script.statements[0],
        script.statements[1].__class__(**{**script.statements[1].__dict__,
                                          "mutates": frozenset({"x"})}),
    ))
    assert it.advance() == WaitSends(("x",))
    assert out[-1] == Outgoing("x", 0, 1, value([1], ns))
    assert ns["x"] == [1]  # not mutated while in flight
    it.send_done("x", 0, 1)
    assert it.advance() is None
    assert ns["x"] == [1, 2]


def test_barrier_waits_for_every_send():
    src = "a = 1\nb = 2\n"
    it, out, ns = make(src, (Exec(0), Send("a", 0, 1), Exec(1)))
    s1 = it.script.statements[1]
    it.script = it.script.__class__(it.script.filename, it.script.source,
                                    (it.script.statements[0], s1.__class__(**{**s1.__dict__, "barrier": True})))
    assert it.advance() == WaitSends(("*",))
    it.send_done("a", 0, 1)
    assert it.advance() is None


def test_error_reports_python_traceback_and_skips_later_statements():
    src = "x = 1\ny = x / 0\nz = 3\nprint('after')\n"
    it, out, ns = make(src, (Exec(0), Exec(1), Send("y", 1, 1), Exec(2), Exec(3)))
    assert it.advance() is None
    report = out[3]
    assert report.status == "error" and report.exit_code == 1
    assert report.chunks == ((2, (
        "Traceback (most recent call last):\n"
        f'  File "{FILE}", line 2, in <module>\n'
        "    y = x / 0\n"
        "        ~~^~~\n"
        "ZeroDivisionError: division by zero\n")),)
    assert "taskpar" not in report.chunks[0][1]
    assert out[4] == Outgoing("y", 1, 1, Payload("poison"))
    assert out[5:] == [StatementReport(2, 0, "skipped", (), None, 0.0, 0.0),
                       StatementReport(3, 0, "skipped", (), None, 0.0, 0.0)]
    assert "z" not in ns


def test_failure_elsewhere_skips_later_statements_only():
    src = "a = 1\nb = 2\nc = 3\n"
    it, out, ns = make(src, (Exec(0), Exec(2)))
    it.set_failed(1)
    assert it.advance() is None
    assert out == [started(0), ok(0), StatementReport(2, 0, "skipped", (), None, 0.0, 0.0)]


def test_poison_skips_dependents_and_propagates():
    src = "x = 1\ny = x + 1\nprint(y)\n"
    it, out, ns = make(src, (Recv("x", 0, 1), Exec(1), Send("y", 1, 2)))
    it.deliver(Message("x", 0, 1, Payload("poison")))
    assert it.advance() is None
    assert out == [StatementReport(1, 0, "skipped", (), None, 0.0, 0.0),
                   Outgoing("y", 1, 2, Payload("poison"))]


def test_recv_of_a_version_after_the_failure_does_not_wait():
    src = "a = 1\nx = 2\ny = x\n"
    it, out, ns = make(src, (Recv("x", 1, 1), Exec(2)))
    it.set_failed(0)
    assert it.advance() is None
    assert out == [StatementReport(2, 0, "skipped", (), None, 0.0, 0.0)]


def test_unbound_is_sent_and_deletes_the_receivers_binding():
    src = "x = 1\ndel x\nprint('x' in globals())\n"
    it, out, ns = make(src, (Exec(0), Exec(1), Send("x", 1, 1)))
    it.advance()
    assert out[-1] == Outgoing("x", 1, 1, Payload("unbound"))
    rx, rout, rns = make(src, (Recv("x", 1, 0), Exec(2)), namespace={"x": "stale"})
    rx.deliver(Message("x", 1, 0, Payload("unbound")))
    assert rx.advance() is None
    assert rout[-1] == ok(2, [(1, "False\n")])


def test_replica_runs_silently():
    src = "def f():\n    print('defined')\n    return 5\nprint(f())\n"
    it, out, ns = make(src, (Exec(0, replica=True), Exec(1)))
    assert it.advance() is None
    assert out == [started(1), ok(1, [(1, "defined\n5\n")])]


def test_replica_output_is_discarded_not_attached_to_the_next_statement():
    src = "if True:\n    print('side effect')\n    k = 1\nprint(k)\n"
    it, out, ns = make(src, (Exec(0, replica=True), Exec(1)))
    assert it.advance() is None
    assert out == [started(1), ok(1, [(1, "1\n")])]


def test_unpicklable_value_is_reported_and_poisoned():
    src = "import threading\nlock = threading.Lock()\n"
    it, out, ns = make(src, (Exec(0), Exec(1), Send("lock", 1, 1)))
    assert it.advance() is None
    failed = out[-2]
    assert isinstance(failed, TransferFailed)
    assert (failed.var, failed.version, failed.frm, failed.to, failed.stage) == ("lock", 1, 0, 1, "send")
    assert "lock" in failed.error
    assert out[-1] == Outgoing("lock", 1, 1, Payload("poison"))


def test_tokens():
    it, out, ns = make("a = 1\nb = 2\n", (Exec(0), Send(None, 0, 1)))
    it.advance()
    assert out[-1] == Outgoing(None, 0, 1, Payload("token"))
    rx, rout, _ = make("a = 1\nb = 2\n", (Recv(None, 0, 0), Exec(1)))
    assert rx.advance() == WaitRecv(None, 0, 0)
    rx.deliver(Message(None, 0, 0, Payload("token")))
    assert rx.advance() is None


def test_sys_exit_codes_like_python():
    cases = [("sys.exit()", 0, ()), ("sys.exit(3)", 3, ()),
             ("sys.exit('bye')", 1, ((2, "bye\n"),)),
             ("raise SystemExit(None)", 0, ()), ("sys.exit(True)", True, ())]
    for src, code, chunks in cases:
        it, out, ns = make(src + "\nprint('never')\n", (Exec(0), Exec(1)), namespace={"sys": sys})
        it.advance()
        assert out[1] == StatementReport(0, 0, "exit", chunks, code, 0.0, 0.0), src
        assert out[2].status == "skipped"


def test_output_order_and_warnings_are_tagged():
    src = ("import sys, warnings\n"
           "if True: print('a'); print('b', file=sys.stderr); warnings.warn('careful'); print('c')\n")
    it, out, ns = make(src, (Exec(0), Exec(1)))
    it.advance()
    rep = out[-1]
    assert rep.chunks == ((1, "a\n"), (2, "b\n"),
                          (2, f"{FILE}:2: UserWarning: careful\n  if True: print('a'); print('b', "
                              "file=sys.stderr); warnings.warn('careful'); print('c')\n"),
                          (1, "c\n"))
    assert rep.warnings == ((("UserWarning", "careful", FILE, 2), 2),)


def test_string_statement_does_not_become_the_docstring():
    src = '"""doc"""\nx = 1\n"not a docstring"\nprint(__doc__)\n'
    it, out, ns = make(src, (Exec(0), Exec(1), Exec(2), Exec(3)))
    it.advance()
    assert out[-1] == ok(3, [(1, "doc\n")])


def test_function_globals_are_the_namespace():
    src = "def f():\n    return g\ng = 1\nprint(f())\n"
    it, out, ns = make(src, (Exec(0), Exec(1), Exec(2)))
    it.advance()
    assert out[-1] == ok(2, [(1, "1\n")])


def make_open(source, worker=0):
    """An interpreter whose program arrives later (dynamic assignment)."""
    script = simple_script(source, FILE)
    register_source(script)
    out = []
    ns = {"__name__": "__main__"}
    it = Interpreter(script, (), ns, worker, {}, emit=out.append, clock=lambda: 0.0,
                     open_ended=True)
    return it, out, ns


def test_open_ended_program_waits_for_ops_until_closed():
    from taskpar.runtime.interpreter import WaitOps

    it, out, ns = make_open("x = 1\ny = 2\n")
    assert it.advance() == WaitOps() and not it.done
    it.extend([Exec(1)])
    assert it.advance() == WaitOps()
    assert ns["y"] == 2 and out == [started(1), ok(1)]
    it.close()
    assert it.advance() is None and it.done


def test_late_send_of_a_value_already_here_goes_before_queued_statements():
    it, out, ns = make_open("x = 6 * 7\nimport time\ny = 1\n")
    it.extend([Exec(0)])
    it.advance()
    out.clear()
    # the next statements were queued first; a send of x (made here) comes
    # later but is shipped before them
    it.extend([Exec(1), Exec(2)])
    it.extend([Send("x", 0, 1), Send("y", 2, 1)])  # y is not made yet: it waits its turn
    it.close()
    assert it.advance() is None
    assert out[0] == Outgoing("x", 0, 1, value(42, ns))
    assert [type(e).__name__ for e in out[1:]] == ["StatementStarted", "StatementReport",
                                                   "StatementStarted", "StatementReport",
                                                   "Outgoing"]
    assert out[-1].var == "y"


def test_keep_pickles_now_and_a_later_send_uses_those_bytes():
    from taskpar.plan import Keep

    it, out, ns = make_open("x = [1, 2]\nx = x + [3]\n")
    it.extend([Exec(0), Keep("x", 0)])
    it.advance()
    # the shell is told (it may ship the bytes from its own threads)
    assert out[-1] == Kept("x", 0, value([1, 2], ns))
    kept = out[-1].payload
    out.clear()
    it.extend([Send("x", 0, 1)])
    it.advance()
    assert out == [Outgoing("x", 0, 1, kept)]
    # a statement that changes x makes the kept bytes stale, here and in the shell
    it.send_done("x", 0, 1)
    out.clear()
    it.extend([Exec(1)])
    it.advance()
    assert out[0] == Unkept((("x", 0),)) and ns["x"] == [1, 2, 3]
    out.clear()
    it.extend([Send("x", 0, 1)])  # a Send now pickles x again: [1, 2, 3]
    it.advance()
    assert out == [Outgoing("x", 0, 1, value([1, 2, 3], ns))]


def test_keep_of_an_unpicklable_value_is_silent_and_its_send_reports():
    import threading

    from taskpar.plan import Keep

    it, out, ns = make_open("import threading\nlock = threading.Lock()\n")
    ns["threading"] = threading
    it.extend([Exec(1), Keep("lock", 1)])
    it.advance()
    assert not any(isinstance(e, Kept) for e in out)
    it.extend([Send("lock", 1, 1)])
    it.advance()
    assert isinstance(out[-2], TransferFailed) and out[-1].payload.kind == "poison"


def test_before_exec_asks_once_per_statement_so_a_failure_elsewhere_skips_it():
    script = simple_script("a = 1\nb = 2\n", FILE)
    register_source(script)
    out, ns = [], {"__name__": "__main__"}
    it = Interpreter(script, (Exec(0), Exec(1)), ns, 0, {}, emit=out.append,
                     clock=lambda: 0.0, before_exec=True)
    assert it.advance() == BeforeExec(0)
    assert out == []  # nothing ran yet
    assert it.advance() == BeforeExec(1)  # statement 0 ran, asked once
    assert ns["a"] == 1
    it.set_failed(0)  # what the shell delivered meanwhile: statement 0 failed elsewhere
    assert it.advance() is None
    assert out[-1].stmt == 1 and out[-1].status == "skipped" and "b" not in ns
