"""The worker process: a shell of threads and sockets around the Interpreter.

Started by the manager as ``python -m taskpar.runtime CONTROL_FD MANAGER_PID``
in its own session; the control socket (a socketpair end passed with
``pass_fds``) carries everything, the run's secret included (never argv,
never the environment the script sees). stdin is inherited: the statement
that reads it reads the user's stdin.

Life of a worker (see ``messages`` for the control records)::

    Init ─► set up __main__, fds 1/2 capture, thread limits
         ─► bind 127.0.0.1:0 ─► Listening ─► wait Peers
         ─► connect + authenticate to every worker we send to ─► Connected
         ─► wait Start (barrier) ─► interpret the program (with dynamic
             assignment it arrives in Ops records until End)
         ─► drain sends ─► Finished ─► wait Shutdown (barrier) ─► exit

Threads: main (the interpreter, i.e. the user's code), control reader,
acceptor + one per handshake, one sender per destination, one receiver per
source, and (live output, ``Job.buffering`` set) the output ticker, which
sends a long statement's flushed output (``StatementOutput``) on the
control channel while the statement runs, and (once records are held)
the outbox's, which sends what waited too long (``runtime.outbox``: the
records of quick statements go to the manager in batches). Everything the
other threads learn reaches the main thread through one queue of events. If the manager goes away (control EOF, or
``PR_SET_PDEATHSIG`` as a backstop) the worker kills its process group at
once, children the script started included.
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback

from ..plan import Send
from .capture import FdCapture
from .interpreter import Interpreter, Kept, Unkept
from .outbox import Outbox
from .messages import (Connected, End, Failed, Finished, Init, InternalError, Listening, Ops,
                       Outgoing, PeerLost, Peers, Shutdown, Start)
from .shell import Sending, Sent, arrived, interpret, open_session
from .transport import ControlChannel, Listener, PeerReceiver, PeerSender, connect_peer

__all__ = ["main", "serve", "watch_parent"]

PR_SET_PDEATHSIG = 1


def _die() -> None:
    """Kill this worker and everything the script started in its group."""
    try:
        os.killpg(os.getpgid(0), signal.SIGKILL)
    finally:
        os._exit(137)


def watch_parent(parent_pid: int) -> None:
    """Be killed when the parent dies (Linux), and die now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl
        _die()


class Worker:
    def __init__(self, ctl: ControlChannel, init: Init):
        self.ctl = ctl
        self.init = init
        self.me = init.worker
        self.events: queue.SimpleQueue = queue.SimpleQueue()
        self.senders: dict[int, PeerSender] = {}
        self.shutting_down = False
        #: (var, version) -> Payload the interpreter pickled for Keep ops
        #: (its Kept instructions), read by the control thread
        self.kept: dict = {}
        #: records for the manager, batched while they can wait
        self.outbox = Outbox(self._send_records, quick=init.quick, hold_reports=not init.dynamic)

    # -- threads feeding the event queue -----------------------------------
    def read_control(self) -> None:
        try:
            self._read_control()
        except BaseException:  # noqa: BLE001 - without this thread the worker would hang
            try:
                self.ctl.send(InternalError(self.me, traceback.format_exc()))
            finally:
                _die()

    def _read_control(self) -> None:
        while True:
            try:
                msg = self.ctl.recv()
            except EOFError:
                _die()
            if isinstance(msg, Shutdown):
                self.shutting_down = True
            if isinstance(msg, Ops) and self.kept:
                msg = self.ship_kept(msg)
            self.events.put(msg)

    def ship_kept(self, msg: Ops) -> Ops:
        """Send kept values now, from this thread, even while a statement runs
        (the point of Keep); the rest of the ops go to the interpreter."""
        rest = []
        for op in msg.ops:
            payload = self.kept.get((op.var, op.version)) if isinstance(op, Send) else None
            if payload is None:
                rest.append(op)
                continue
            # counted in flight first (same queue as the Sent event after it)
            self.events.put(Sending(op.var))
            self.senders[op.to].put(Outgoing(op.var, op.version, op.to, payload))
        return Ops(tuple(rest))

    def on_peer(self, peer: int, sock: socket.socket) -> None:
        PeerReceiver(sock, peer, self.init.run_id, self.on_message, self.on_peer_lost)

    def on_message(self, msg, nbytes: int, sent_at: float) -> None:
        report = arrived(msg, self.me, nbytes, sent_at, time.time())
        if report is not None:
            # held for the next batch (the statement that reads the value
            # starts at once): no write, no GIL contention now
            self.outbox.put(report)
        self.events.put(msg)

    def on_sent(self, out: Outgoing, nbytes: int) -> None:
        self.events.put(Sent(out.var, out.version, out.to))

    def on_peer_lost(self, peer: int, detail) -> None:
        if not self.shutting_down:
            self.ctl_send(PeerLost(self.me, peer, str(detail)))

    def ctl_send(self, msg) -> None:
        self.outbox.put(msg)

    def _send_records(self, records: list) -> None:
        try:
            self.ctl.send_many(records)
        except OSError:
            _die()

    # -- main thread ----------------------------------------------------------
    def wait_for(self, kind):
        """Next control record of ``kind``; other events are kept for later."""
        kept = []
        self.outbox.flush()
        while True:
            ev = self.events.get()
            if isinstance(ev, kind):
                for k in kept:
                    self.events.put(k)
                return ev
            if isinstance(ev, Shutdown):
                os._exit(0)
            kept.append(ev)

    def run(self) -> None:
        init, job = self.init, self.init.job
        threading.Thread(target=self.read_control, name="taskpar-control", daemon=True).start()
        session = open_session(job, self.me, init.program, init.preds, emit=self.emit,
                               fd_capture=FdCapture(), threads=init.threads,
                               workers_here=init.workers, open_ended=init.dynamic,
                               before_exec=True)
        interp = self.interp = session.interp
        listener = Listener(init.secret, init.recv_from, self.on_peer)
        self.ctl_send(Listening(self.me, *listener.address))
        peers = self.wait_for(Peers)
        shm = (init.run_id, self.me) if init.use_shm else None
        for k in init.send_to:
            sock = connect_peer(tuple(peers.addresses[k]), init.secret, self.me)
            self.senders[k] = PeerSender(sock, k, self.on_sent, self.on_peer_lost, shm)
        self.ctl_send(Connected(self.me))
        self.wait_for(Start)
        self.interpret(interp)
        self.ctl_send(Finished(self.me))
        self.wait_for(Shutdown)

    def emit(self, instruction) -> None:
        if isinstance(instruction, Outgoing):
            self.senders[instruction.to].put(instruction)
        elif isinstance(instruction, Kept):
            self.kept[(instruction.var, instruction.version)] = instruction.payload
        elif isinstance(instruction, Unkept):
            for key in instruction.keys:
                self.kept.pop(key, None)
        else:
            self.ctl_send(instruction)

    def handle(self, ev, interp: Interpreter) -> None:
        if isinstance(ev, Sending):
            interp.sending(ev.var)
        elif isinstance(ev, Sent):
            interp.send_done(ev.var, ev.version, ev.to)
        elif isinstance(ev, Failed):
            interp.set_failed(ev.stmt)
        elif isinstance(ev, Ops):
            interp.extend(ev.ops)
        elif isinstance(ev, End):
            interp.close()
        elif isinstance(ev, Shutdown):
            os._exit(0)  # the manager stops the run
        else:
            interp.deliver(ev)

    def drain(self) -> None:
        """Hand every event already queued to the interpreter (never blocks);
        send the held records once they have waited long enough."""
        if self.outbox.due():
            self.outbox.flush()
        events = self.events
        while not events.empty():  # this thread is the only one taking events
            self.handle(events.get(), self.interp)

    def interpret(self, interp: Interpreter) -> None:
        def wait(_):
            self.outbox.flush()  # the manager must not wait for what we hold
            self.handle(self.events.get(), interp)
            self.drain()

        interpret(interp, self.drain, wait)
        self.outbox.flush()
        while interp.sends_in_flight:
            self.handle(self.events.get(), interp)


def main(argv: list[str] | None = None) -> None:
    """``python -m taskpar.runtime CONTROL_FD MANAGER_PID``."""
    argv = sys.argv if argv is None else argv
    serve(int(argv[1]), int(argv[2]))


def _compile_until_readable(sock: socket.socket, compiling) -> None:
    """Take the precompile steps (64 statements each, about half a
    millisecond) until the manager's Init arrives on ``sock`` or none is
    left: a worker forked while the server was still compiling would else
    compile its statements one by one after the Init (3.5 times as long per
    statement: each is parsed alone), and the manager takes about as long
    to send the Init as the steps take (it pickles the job)."""
    import select

    while not select.select([sock], [], [], 0)[0]:
        if next(compiling, StopIteration) is StopIteration:
            return


def serve(fd: int, parent_pid: int, compiling=None) -> None:
    """Be a worker on control socket ``fd``; ends the process. ``parent_pid``:
    the manager, or the fork server that forked this worker. ``compiling``:
    the fork server's precompile steps not taken yet (``compiling.precompile``)."""
    watch_parent(parent_pid)
    os.set_inheritable(fd, False)  # the script's children must not hold it
    sock = socket.socket(fileno=fd)
    if compiling is not None:
        _compile_until_readable(sock, compiling)
    ctl = ControlChannel(sock)
    try:
        init = ctl.recv()
    except EOFError:
        _die()
    try:
        Worker(ctl, init.unpacked()).run()
    except BaseException:  # noqa: BLE001 - reported to the manager, then exit
        try:
            ctl.send(InternalError(init.worker, traceback.format_exc()))
        except OSError:
            pass
        os._exit(70)
    os._exit(0)
