"""The peer handshake: both sides prove the key; nothing else gets through."""

from __future__ import annotations

import pickle
import socket
import struct
import threading

import pytest

from taskpar.runtime.auth import (MAX_PREAUTH_FRAME, AuthenticationError, client_handshake,
                                  server_handshake)


def handshake(server_key: bytes, client_key: bytes, timeout: float = 5.0):
    a, b = socket.socketpair()
    results = {}

    def side(name, fn, sock, key):
        try:
            fn(sock, key, timeout)
            results[name] = "ok"
        except AuthenticationError as e:
            results[name] = e
        finally:
            sock.close()

    t = threading.Thread(target=side, args=("server", server_handshake, a, server_key))
    t.start()
    side("client", client_handshake, b, client_key)
    t.join(10)
    return results


@pytest.mark.timeout(20)
def test_same_key_authenticates_both_sides():
    assert handshake(b"k" * 32, b"k" * 32) == {"server": "ok", "client": "ok"}


@pytest.mark.timeout(20)
def test_wrong_key_is_rejected_by_either_side():
    r = handshake(b"k" * 32, b"x" * 32)
    assert isinstance(r["server"], AuthenticationError)
    assert isinstance(r["client"], AuthenticationError)


@pytest.mark.timeout(20)
def test_oversized_frame_before_authentication_is_dropped():
    a, b = socket.socketpair()
    errors = []

    def server():
        try:
            server_handshake(a, b"k" * 32, 5.0)
        except AuthenticationError as e:
            errors.append(e)

    t = threading.Thread(target=server)
    t.start()
    b.recv(100)  # the challenge
    payload = pickle.dumps(list(range(1000)))
    assert len(payload) > MAX_PREAUTH_FRAME
    b.sendall(struct.pack("!I", len(payload)))  # announce it; never send it
    t.join(5)
    assert errors and "limit" in str(errors[0])
    a.close(), b.close()


@pytest.mark.timeout(20)
def test_silent_client_is_dropped_after_the_timeout():
    a, b = socket.socketpair()
    with pytest.raises(AuthenticationError, match="timed out"):
        server_handshake(a, b"k" * 32, 0.3)
    a.close(), b.close()
