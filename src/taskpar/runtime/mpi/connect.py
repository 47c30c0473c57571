"""Launched mode: a rank's connections to the taskpar process that started
mpiexec (the launcher), over the Unix socket in the launcher's private
directory, authenticated with its secret file (``runtime.auth``): rank 0's
control channel, and every rank's lifeline (``protocol.Lifeline``), which
only ever closes, when the rank's process ends."""

from __future__ import annotations

import os
import socket
import time

from .protocol import Lifeline

__all__ = ["connect_launcher", "lifeline", "LIFELINES", "CONNECT_TIMEOUT"]

#: the launcher's handshake must finish within this
CONNECT_TIMEOUT = 30.0


def connect_launcher(directory: str):
    from ..auth import client_handshake
    from ..transport import ControlChannel

    with open(os.path.join(directory, "secret"), "rb") as f:
        secret = f.read()
    path = os.path.join(directory, "sock")
    deadline = time.monotonic() + CONNECT_TIMEOUT
    delay = 0.01
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(CONNECT_TIMEOUT)
        try:
            sock.connect(path)
            break
        except BlockingIOError:  # the launcher's backlog is full for a moment: retry
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    client_handshake(sock, secret)
    sock.settimeout(None)
    return sock, ControlChannel(sock)


LIFELINES: list = []  # kept open until the process ends


def lifeline(directory: str, rank: int):
    sock, ctl = connect_launcher(directory)
    ctl.send(Lifeline(rank, os.getpid()))
    os.set_inheritable(sock.fileno(), False)
    return sock
