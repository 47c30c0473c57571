"""The worker's statement runner (taskpar.runtime.capture): which output
counts as flushed by python's buffering rules, and when it is sent
(``StatementRunner`` with a fake clock; no processes).

The same on real runs: tests/cli/test_live_output.py.
"""

from __future__ import annotations

import sys
import textwrap

from taskpar.runtime.capture import StatementRunner, buffering_for
from taskpar.runtime.messages import Buffering

# -- the worker's decision: what is flushed, and when it is sent -----------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, dt):
        self.now += dt


def live_runner(buffering):
    clock = Clock()

    def on_output(stmt, chunks, warns):
        sent.append((stmt, chunks))
        sent.warnings.append(warns)

    sent = type("Sent", (list,), {})()
    sent.warnings = []
    runner = StatementRunner(clock=clock, buffering=buffering, on_output=on_output)
    return runner, clock, sent


def run(runner, clock, source, stmt=7):
    ns = {"advance": clock.advance, "tick": runner.tick, "sys": sys}
    return runner.run(compile(textwrap.dedent(source), "s.py", "exec"), ns, stmt=stmt)


def test_python_buffering_rules_for_the_terminal_a_pipe_and_unbuffered():
    assert buffering_for(True, True, {}, False) == Buffering("line", "line")
    assert buffering_for(False, False, {}, False) == Buffering("block", "line")
    assert buffering_for(False, True, {"PYTHONUNBUFFERED": "1"}, False) == Buffering(
        "unbuffered", "unbuffered")
    assert buffering_for(False, False, {"PYTHONUNBUFFERED": ""}, False).stdout == "block"
    assert buffering_for(False, False, {}, True).stdout == "unbuffered"


def test_a_short_statement_sends_nothing_early():
    runner, clock, sent = live_runner(Buffering("unbuffered", "unbuffered"))
    out = run(runner, clock, """\
        print("a", flush=True)
        print("b", file=sys.stderr)
        advance(0.05)
        print("c", flush=True)
    """)
    assert sent == [] and out.streamed == 0
    assert out.chunks == ((1, "a\n"), (2, "b\n"), (1, "c\n"))


def test_line_buffered_stdout_sends_complete_lines_once_the_statement_ran_long_enough():
    runner, clock, sent = live_runner(Buffering("line", "line"))
    out = run(runner, clock, """\
        print("early")
        advance(0.2)
        print("tick 0")
        print("no newline", end="")
    """)
    assert sent == [(7, ((1, "early\ntick 0\n"),))]
    assert out.streamed == 1 and out.chunks == ((1, "no newline"),)


def test_block_buffered_stdout_waits_for_a_flush_or_8_kib():
    runner, clock, sent = live_runner(Buffering("block", "line"))
    out = run(runner, clock, """\
        advance(0.2)
        print("buffered")
        print("flushed", flush=True)
        advance(0.1)
        print("x" * 9000)
        advance(0.1)
        print("tail")
    """)
    assert sent == [(7, ((1, "buffered\nflushed\n"),)), (7, ((1, "x" * 9000),))]
    assert out.streamed == 2 and out.chunks == ((1, "\ntail\n"),)


def test_stderr_is_line_buffered_and_flushes_what_came_before_it_in_order():
    runner, clock, sent = live_runner(Buffering("block", "line"))
    out = run(runner, clock, """\
        advance(0.2)
        print("out")
        sys.stderr.write("\\rbar 1")
        print("err", file=sys.stderr)
        print("more")
    """)
    assert sent == [(7, ((1, "out\n"), (2, "\rbar 1")))]
    assert out.chunks == ((2, "err\n"), (1, "more\n"))


def test_a_flush_soon_after_a_send_waits_for_the_tick():
    runner, clock, sent = live_runner(Buffering("line", "line"))
    out = run(runner, clock, """\
        print("0", flush=True)
        advance(0.01)
        tick()                   # too early: the statement ran 0.01 s
        advance(0.1)
        tick()
        print("1", flush=True)   # 0 s after the last send
        advance(0.01)
        print("2", flush=True)
        advance(0.1)
        tick()
        print("3", end="")
    """)
    assert sent == [(7, ((1, "0\n"),)), (7, ((1, "1\n2\n"),))]
    assert out.streamed == 2 and out.chunks == ((1, "3"),)


def test_live_output_keeps_warnings_tracebacks_and_exit_codes():
    runner, clock, sent = live_runner(Buffering("line", "line"))
    out = run(runner, clock, """\
        import warnings
        advance(0.2)
        print("a")
        advance(0.1)
        warnings.warn("careful")
        print("b", end="")
        1 / 0
    """)
    assert [c for _, c in sent][0] == ((1, "a\n"),)
    (stream, text), = sent[1][1]
    assert stream == 2 and "UserWarning: careful" in text
    assert sent.warnings == [(), ((("UserWarning", "careful", "s.py", 5), 0),)]
    assert out.status == "error" and out.exit_code == 1 and out.streamed == 2
    assert out.chunks[0] == (1, "b") and out.chunks[-1][1].endswith("ZeroDivisionError: division by zero\n")
    runner, clock, sent = live_runner(Buffering("line", "line"))
    out = run(runner, clock, 'advance(0.2); print("x"); sys.exit(3)')
    assert sent == [(7, ((1, "x\n"),))] and out.status == "exit" and out.exit_code == 3


def test_without_buffering_the_runner_never_streams():
    runner = StatementRunner(clock=Clock())
    out = runner.run(compile('print("a", flush=True)', "s.py", "exec"), {}, stmt=0)
    assert out.chunks == ((1, "a\n"),) and out.streamed == 0
