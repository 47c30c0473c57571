"""Moving bytes: the control channel, peer connections, framing, shared memory.

A thin shell around sockets; every decision lives in the interpreter. Data
flow between two workers (one direction; the other is symmetric and uses a
separate connection, so two large mutual sends never wait on each other)::

    worker i                                          worker j
    Interpreter --Outgoing--> PeerSender(j) thread     Listener thread
                              | connect + handshake -->| accept, handshake
                              | HELLO(i)            -->| (5 s limit, capped frames)
                              | frames              -->| PeerReceiver(i) thread
                              |   big buffers: /dev/shm file, name only ----> mmap, unlink
                              v                        v
                   on_sent(out) -> event queue   on_message(Message) -> event queue

Frame of one message (after authentication; big-endian)::

    MSG    kind:u8 version:i64 sent_at:f64 var_len:u16 header_len:u32 nbuf:u32
    var    var_len bytes (utf-8; var_len == 0xFFFF: a token, no variable)
    header header_len bytes (the pickle stream)
    nbuf x BUF where:u8 nbytes:u64 name_len:u16, then name_len bytes of
           shared-memory file name (where == 1) or nbytes raw bytes (where == 0)

Receiving allocates each buffer once (``bytearray``) and fills it with
``recv_into``; a shared-memory buffer is mapped copy-on-write
(``MAP_PRIVATE``) and its file unlinked at once, so the value is neither
copied nor left behind. The manager removes leftovers of its run id.

The control channel (manager <-> worker, a private socketpair) carries
pickled ``messages`` records framed by an 8-byte length.
"""

from __future__ import annotations

import collections
import errno
import mmap
import os
import pickle
import queue
import re
import socket
import struct
import threading
import time
from typing import Callable

from .auth import AuthenticationError, client_handshake, server_handshake, HANDSHAKE_TIMEOUT
from .messages import Message, Outgoing, Payload

__all__ = [
    "ControlChannel",
    "Listener",
    "PeerSender",
    "PeerReceiver",
    "connect_peer",
    "SHM_DIR",
    "SHM_MIN_BYTES",
    "shm_prefix",
]

#: buffers at least this large go through shared memory on one machine
#: (below it the socket is as fast and needs no file)
SHM_MIN_BYTES = 1 << 20
SHM_DIR = "/dev/shm"
#: small parts are joined into one write; larger ones are written in place
JOIN_MAX = 64 * 1024
#: messages up to this size are written by the caller when the line is free
#: (no thread hop; the socket buffer takes them without blocking)
DIRECT_MAX = 32 * 1024

_MSG = struct.Struct("!BqdHII")
_BUF = struct.Struct("!BQH")
_HELLO = struct.Struct("!I")
_CTL = struct.Struct("!Q")
#: top bit of a control frame's length: the frame holds a tuple of records
_BATCH = 1 << 63
_NO_VAR = 0xFFFF
_KINDS = ("value", "unbound", "poison", "token")
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}
_INLINE, _SHM = 0, 1


def shm_prefix(run_id: str) -> str:
    return f"taskpar-{run_id}-"


def _recv_exact_into(sock: socket.socket, view: memoryview) -> None:
    got, n = 0, len(view)
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            raise EOFError("connection closed")
        got += k


def _recv_exact(sock: socket.socket, n: int) -> bytearray:
    buf = bytearray(n)
    if n:
        _recv_exact_into(sock, memoryview(buf))
    return buf


class _Reader:
    """Exact reads from a socket through one buffer: a small message costs one
    ``recv``, not one per frame; large buffers are read in place."""

    CHUNK = 64 * 1024

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    def read(self, n: int) -> bytearray:
        buf = self.buf
        if len(buf) >= n:
            out = buf[:n]
            del buf[:n]
            return out
        if n - len(buf) > self.CHUNK:  # large: straight into its own memory
            out = bytearray(n)
            have = len(buf)
            out[:have] = buf
            buf.clear()
            _recv_exact_into(self.sock, memoryview(out)[have:])
            return out
        while len(buf) < n:
            more = self.sock.recv(self.CHUNK)
            if not more:
                raise EOFError("connection closed")
            buf += more
        out = buf[:n]
        del buf[:n]
        return out


# -- control channel --------------------------------------------------------

class ControlChannel:
    """Pickled records over a private socketpair; ``send`` is thread-safe.

    A frame is a length (``_CTL``) and one pickle. ``send_many`` pickles its
    records together in one frame, marked by the length's top bit (``_BATCH``):
    one pickle and one write for many small records; ``recv`` still returns
    them one by one, in order."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._lock = threading.Lock()
        self._reader = _Reader(sock)  # one reader at a time (one thread reads)
        self._unread: collections.deque = collections.deque()

    def send(self, obj) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self.sock.sendall(_CTL.pack(len(data)) + data)

    def send_many(self, objs) -> None:
        """Several records in one frame and one write."""
        objs = tuple(objs)
        if len(objs) == 1:
            self.send(objs[0])
            return
        data = pickle.dumps(objs, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self.sock.sendall(_CTL.pack(len(data) | _BATCH) + data)

    def recv(self):
        """The next record; EOFError when the other side is gone."""
        if self._unread:
            return self._unread.popleft()
        try:
            (n,) = _CTL.unpack(self._reader.read(_CTL.size))
            if not n & _BATCH:
                return pickle.loads(self._reader.read(n))
            self._unread.extend(pickle.loads(self._reader.read(n & ~_BATCH)))
        except (ConnectionError, OSError) as e:
            raise EOFError(str(e)) from None
        return self._unread.popleft()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# -- connections --------------------------------------------------------------

def _tune(sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def connect_peer(address: tuple[str, int], secret: bytes, me: int, timeout: float = 30.0) -> socket.socket:
    """Connect (retrying with back-off), authenticate both ways, say HELLO."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            sock = socket.create_connection(address, timeout=HANDSHAKE_TIMEOUT)
            break
        except OSError:
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    try:
        _tune(sock)
        client_handshake(sock, secret)
        sock.sendall(_HELLO.pack(me))
    except BaseException:
        sock.close()
        raise
    return sock


class Listener:
    """Accepts peers on loopback port 0; hands authenticated sockets to ``on_peer``.

    Each accepted connection is authenticated in its own thread (a silent
    client cannot delay the others) within ``HANDSHAKE_TIMEOUT``; a client
    that fails, or names a worker not in ``expected`` or one already
    connected, is closed. ``rejected`` counts them.
    """

    def __init__(self, secret: bytes, expected, on_peer: Callable[[int, socket.socket], None],
                 host: str = "127.0.0.1"):
        self._secret = secret
        self._expected = set(expected)
        self._on_peer = on_peer
        self._seen: set[int] = set()
        self._lock = threading.Lock()
        self.rejected = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.address = self.sock.getsockname()[:2]
        threading.Thread(target=self._accept_loop, name="taskpar-accept", daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._admit, args=(conn,), name="taskpar-handshake",
                             daemon=True).start()

    def _admit(self, conn: socket.socket) -> None:
        try:
            _tune(conn)
            server_handshake(conn, self._secret)
            conn.settimeout(HANDSHAKE_TIMEOUT)
            (peer,) = _HELLO.unpack(_recv_exact(conn, _HELLO.size))
            conn.settimeout(None)
            with self._lock:
                if peer not in self._expected or peer in self._seen:
                    raise AuthenticationError(f"unexpected peer {peer}")
                self._seen.add(peer)
        except (AuthenticationError, OSError, EOFError, struct.error):
            with self._lock:
                self.rejected += 1
            conn.close()
            return
        self._on_peer(peer, conn)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# -- sending ------------------------------------------------------------------

class PeerSender:
    """Writes ``Outgoing`` messages to one destination, in order.

    A small message (at most ``DIRECT_MAX`` bytes) put while nothing is
    queued is written at once by the caller, without blocking (the kernel's
    socket buffer takes it); anything else, and the rest of a message the
    buffer did not take, goes to this destination's thread, which may block.

    ``on_sent(out, nbytes)`` after each message has been handed to the
    kernel (or written to shared memory); ``on_error(peer, exc)`` if the
    connection breaks. ``shm``: (run_id, worker) to name shared-memory
    files, or None to send every buffer through the socket.
    """

    def __init__(self, sock: socket.socket, peer: int, on_sent, on_error, shm: tuple[str, int] | None):
        self.sock = sock
        self.peer = peer
        self._on_sent = on_sent
        self._on_error = on_error
        self._shm = shm if shm is not None and os.path.isdir(SHM_DIR) else None
        self._seq = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        #: held while writing at once, and while counting ``_queued``
        self._lock = threading.Lock()
        #: messages handed to the thread and not yet written
        self._queued = 0
        self._broken = False
        self._thread = threading.Thread(target=self._loop, name=f"taskpar-send-{peer}", daemon=True)
        self._thread.start()

    def put(self, out: Outgoing) -> None:
        p = out.payload
        size = len(p.header) + sum(memoryview(b).nbytes for b in p.buffers)
        small = size <= DIRECT_MAX
        with self._lock:
            if self._broken:
                return
            if not small or self._queued:
                self._queued += 1
                self._queue.put(out)
                return
            data = b"".join(bytes(x) if isinstance(x, memoryview) else x
                            for x in self._parts(out)[0])
            try:
                n = self.sock.send(data, socket.MSG_DONTWAIT)
            except BlockingIOError:
                n = 0
            except OSError as e:
                self._broken = True
                self._on_error(self.peer, e)
                return
            if n < len(data):  # the buffer is full: the thread writes the rest
                self._queued += 1
                self._queue.put((out, data[n:]))
                return
        self._on_sent(out, size)

    def close(self) -> None:
        self._queue.put(None)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                if not isinstance(item, Outgoing):  # (out, rest): a message begun at once
                    out, rest = item
                    self.sock.sendall(rest)
                    p = out.payload
                    nbytes = len(p.header) + sum(memoryview(b).nbytes for b in p.buffers)
                else:
                    out = item
                    nbytes = self._write(out)
            except OSError as e:
                with self._lock:
                    self._broken = True
                self._on_error(self.peer, e)
                return
            with self._lock:
                self._queued -= 1
            self._on_sent(out, nbytes)

    def _shm_file(self, buf: memoryview) -> str | None:
        run_id, me = self._shm
        self._seq += 1
        # one sender per destination, each with its own counter: the
        # destination is part of the name so two senders never collide
        name = f"{shm_prefix(run_id)}w{me}-{self.peer}-{self._seq}"
        path = os.path.join(SHM_DIR, name)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            view, done = buf.cast("B"), 0
            while done < len(view):  # os.write releases the GIL while it copies
                done += os.write(fd, view[done:done + (1 << 30)])
        except OSError as e:
            os.close(fd)
            os.unlink(path)
            if e.errno in (errno.ENOSPC, errno.ENOMEM):
                return None  # shared memory full: use the socket
            raise
        os.close(fd)
        return name

    def _write(self, out: Outgoing) -> int:
        parts, nbytes = self._parts(out, self._shm)
        small: list = []
        for part in parts:
            if len(part) <= JOIN_MAX:
                small.append(part)
                continue
            if small:
                self.sock.sendall(b"".join(small))
                small = []
            self.sock.sendall(part)
        if small:
            self.sock.sendall(b"".join(small))
        return nbytes

    def _parts(self, out: Outgoing, shm=None) -> tuple[list, int]:
        """The message's frames and its size; buffers of ``SHM_MIN_BYTES`` or
        more go to shared-memory files when ``shm`` is set."""
        p = out.payload
        var = b"" if out.var is None else out.var.encode()
        parts: list = [
            _MSG.pack(_KIND_CODE[p.kind], out.version, time.time(),
                      _NO_VAR if out.var is None else len(var), len(p.header), len(p.buffers)),
            var,
            p.header,
        ]
        nbytes = len(p.header)
        for buf in p.buffers:
            view = memoryview(buf)
            n = view.nbytes
            nbytes += n
            name = self._shm_file(view) if shm is not None and n >= SHM_MIN_BYTES else None
            if name is not None:
                encoded = name.encode()
                parts += [_BUF.pack(_SHM, n, len(encoded)), encoded]
            else:
                parts += [_BUF.pack(_INLINE, n, 0), view.cast("B") if n else b""]
        return parts, nbytes


# -- receiving ----------------------------------------------------------------

class PeerReceiver:
    """One thread per source: reads messages, calls ``on_message(msg, nbytes, sent_at)``.

    ``on_eof(peer, detail)`` when the connection ends. Shared-memory names
    are accepted only with this run's prefix and no path separator.
    """

    def __init__(self, sock: socket.socket, peer: int, run_id: str, on_message, on_eof):
        self.sock = sock
        self.peer = peer
        self._name = re.compile(re.escape(shm_prefix(run_id)) + r"w\d+-\d+-\d+")
        self._on_message = on_message
        self._on_eof = on_eof
        threading.Thread(target=self._loop, name=f"taskpar-recv-{peer}", daemon=True).start()

    def _loop(self) -> None:
        reader = _Reader(self.sock)
        try:
            while True:
                try:
                    head = reader.read(_MSG.size)
                except EOFError:
                    self._on_eof(self.peer, "connection closed")
                    return
                self._read_message(head, reader)
        except (OSError, EOFError, ValueError) as e:
            self._on_eof(self.peer, f"{type(e).__name__}: {e}")

    def _read_message(self, head: bytearray, reader: _Reader) -> None:
        kind, version, sent_at, var_len, header_len, nbuf = _MSG.unpack(head)
        var = None if var_len == _NO_VAR else reader.read(var_len).decode()
        header = bytes(reader.read(header_len))
        buffers = []
        nbytes = header_len
        for _ in range(nbuf):
            where, n, name_len = _BUF.unpack(reader.read(_BUF.size))
            nbytes += n
            if where == _SHM:
                buffers.append(self._map(reader.read(name_len).decode(), n))
            else:
                buffers.append(reader.read(n))
        msg = Message(var, version, self.peer, Payload(_KINDS[kind], header, tuple(buffers)))
        self._on_message(msg, nbytes, sent_at)

    def _map(self, name: str, n: int):
        if not self._name.fullmatch(name):
            raise ValueError(f"bad shared-memory name {name!r}")
        path = os.path.join(SHM_DIR, name)
        fd = os.open(path, os.O_RDONLY)
        try:
            # copy-on-write: the receiver may change the array; the file stays as sent
            return mmap.mmap(fd, n, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
            os.unlink(path)
