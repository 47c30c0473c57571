"""Mutual authentication of two peers that share the run's secret.

Modelled on CPython's ``multiprocessing.connection`` (``deliver_challenge`` /
``answer_challenge``): each side proves it holds the key by answering a fresh
random challenge with an HMAC, in mirror order, so neither side ever reveals
the key or reuses an answer. Until both proofs are checked, frames are
capped at ``MAX_PREAUTH_FRAME`` bytes and only compared as bytes: **nothing
from an unauthenticated peer is ever unpickled** (unpickling runs code). The
listening side gives up after ``HANDSHAKE_TIMEOUT`` seconds.

Frames before authentication: a 4-byte big-endian length, then the bytes.

====  ==========================================  ==========================================
step  connecting peer (``client_handshake``)       listening peer (``server_handshake``)
====  ==========================================  ==========================================
1                                                 send CHALLENGE + 32 random bytes (nonce A)
2     send HMAC(key, CLIENT_TAG + A)
3                                                 compare_digest; send WELCOME, or FAILURE
                                                  and close
4     expect WELCOME; send CHALLENGE + nonce B
5                                                 send HMAC(key, SERVER_TAG + B)
6     compare_digest; send WELCOME, or FAILURE
      and close
7                                                 expect WELCOME: both sides authenticated
====  ==========================================  ==========================================

The two tags make an answer from one role useless in the other (an attacker
cannot reflect a server's challenge back at it to obtain an answer).
"""

from __future__ import annotations

import hmac
import os
import socket
import struct
import time

__all__ = [
    "AuthenticationError",
    "client_handshake",
    "server_handshake",
    "HANDSHAKE_TIMEOUT",
    "MAX_PREAUTH_FRAME",
]

#: nonce length: 32 bytes, as multiprocessing uses (256 bits, never repeats)
NONCE_BYTES = 32
#: every pre-authentication frame fits in this (a challenge is 12 + 32 bytes,
#: an HMAC-SHA256 32); anything larger is an attack or a stray client
MAX_PREAUTH_FRAME = 256
#: a peer that has not authenticated within this many seconds is dropped
#: (legitimate peers need milliseconds; a silent client must not hold a slot)
HANDSHAKE_TIMEOUT = 5.0
#: message prefixes, so that frames of different steps cannot be confused
CHALLENGE = b"#TPCHALLENGE"
WELCOME = b"#TPWELCOME#"
FAILURE = b"#TPFAILURE#"
CLIENT_TAG = b"taskpar-client:"
SERVER_TAG = b"taskpar-server:"
DIGEST = "sha256"

_LEN = struct.Struct("!I")


class AuthenticationError(ConnectionError):
    """The peer does not hold the run's secret, or broke the handshake."""


def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AuthenticationError("handshake timed out")
        sock.settimeout(remaining)
        try:
            k = sock.recv_into(view[got:])
        except socket.timeout:
            raise AuthenticationError("handshake timed out") from None
        if k == 0:
            raise AuthenticationError("peer closed the connection during the handshake")
        got += k
    return bytes(buf)


def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_LEN.pack(len(data)) + data)


def _recv(sock: socket.socket, deadline: float) -> bytes:
    (n,) = _LEN.unpack(_recv_exact(sock, _LEN.size, deadline))
    if n > MAX_PREAUTH_FRAME:
        raise AuthenticationError(f"pre-authentication frame of {n} bytes (limit {MAX_PREAUTH_FRAME})")
    return _recv_exact(sock, n, deadline)


def _answer(key: bytes, tag: bytes, challenge: bytes) -> bytes:
    return hmac.new(key, tag + challenge, DIGEST).digest()


def _deliver_challenge(sock, key: bytes, tag: bytes, deadline: float) -> None:
    nonce = os.urandom(NONCE_BYTES)
    _send(sock, CHALLENGE + nonce)
    response = _recv(sock, deadline)
    if not hmac.compare_digest(response, _answer(key, tag, nonce)):
        try:
            _send(sock, FAILURE)
        except OSError:
            pass
        raise AuthenticationError("peer failed to prove it holds the run's secret")
    _send(sock, WELCOME)


def _answer_challenge(sock, key: bytes, tag: bytes, deadline: float) -> None:
    message = _recv(sock, deadline)
    if not message.startswith(CHALLENGE) or len(message) != len(CHALLENGE) + NONCE_BYTES:
        raise AuthenticationError("malformed challenge")
    _send(sock, _answer(key, tag, message[len(CHALLENGE):]))
    if _recv(sock, deadline) != WELCOME:
        raise AuthenticationError("peer rejected our proof of the run's secret")


def server_handshake(sock: socket.socket, key: bytes, timeout: float = HANDSHAKE_TIMEOUT) -> None:
    """Steps 1, 3, 5, 7 on an accepted socket; raise AuthenticationError on failure."""
    deadline = time.monotonic() + timeout
    _deliver_challenge(sock, key, CLIENT_TAG, deadline)
    _answer_challenge(sock, key, SERVER_TAG, deadline)
    sock.settimeout(None)


def client_handshake(sock: socket.socket, key: bytes, timeout: float = HANDSHAKE_TIMEOUT) -> None:
    """Steps 2, 4, 6 on a connected socket; raise AuthenticationError on failure."""
    deadline = time.monotonic() + timeout
    _answer_challenge(sock, key, CLIENT_TAG, deadline)
    _deliver_challenge(sock, key, SERVER_TAG, deadline)
    sock.settimeout(None)
