"""The fork server: one pre-imported process that forks the run's workers.

Started by the manager (``taskpar.backends.processes.ForkServer``) in its
own session, as early as the run allows (the CLI starts it before it
analyses the script): forked from the ``taskpar`` command while that runs
one thread and has imported nothing but its own start (``run_forked``), or
else as ``python -m taskpar.runtime.forkserver FD MANAGER_PID [SCRIPT]``.
It imports the worker's modules once, and the script's leading imports
where that cannot change what the script sees (``runtime.preimport``), then
forks one worker per request, instead of N fresh interpreters each
importing them again: as ``multiprocessing``'s forkserver, single-threaded,
nothing of the user's own code run.

The control socket is a private ``SOCK_SEQPACKET`` socketpair (one pickled
record per packet; file descriptors travel with ``SCM_RIGHTS``)::

    manager                                   server
                                              ◄─  ("ready", pid, preimported, spoiled, crc)
      ("fork", w, cwd, env) + [ctl fd, out fd] ─►  fork ─► ("forked", w, pid)
                                              ◄─  ("exited", pid, kind, value)
      ("reap", pid)                           ─►  waitpid ─► ("reaped", pid)
      close                                   ─►  kill every worker group, reap, exit

Workers stay the server's children: it watches each through a pidfd and
reports its exit status (read with ``WNOWAIT``) without reaping it, so the
worker's pid — its process group's id — cannot be recycled before the
manager has killed that group and asked for the reap. A forked worker is a
worker as ``python -m taskpar.runtime`` makes it, but in the server's
session (which has no controlling terminal) as the leader of its own
process group (set by both sides of the fork, so that the group exists
before the manager hears of the pid); its
control socket (a socketpair end of the manager's), stdout and stderr to the
file the manager gave, stdin inherited, ``PR_SET_PDEATHSIG`` against the
server, which has it against the manager; the chain (and each worker's
control EOF) ends every process if the manager dies.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import socket
import sys
import warnings
import zlib

#: largest control record (a fork request carries the environment)
MAX_RECORD = 1 << 20


def send_record(sock: socket.socket, record, fds=()) -> None:
    data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.sendall(data)


def recv_record(sock: socket.socket):
    """(record, fds); EOFError when the other side is gone."""
    try:
        data, fds, _flags, _addr = socket.recv_fds(sock, MAX_RECORD, 4)
    except (ConnectionError, OSError) as e:
        raise EOFError(str(e)) from None
    if not data:
        for fd in fds:
            os.close(fd)
        raise EOFError("closed")
    return pickle.loads(data), fds


def exit_status_of(pid: int, reap: bool = False) -> tuple[str, str] | None:
    """("code", "3") / ("signal", "SIGKILL") of an exited child, or None if it
    runs; read without reaping unless ``reap`` (then it waits for the exit).
    ChildProcessError: not a child (or reaped already)."""
    flags = os.WEXITED if reap else os.WEXITED | os.WNOHANG | os.WNOWAIT
    info = os.waitid(os.P_PID, pid, flags)
    if info is None or info.si_pid == 0:
        return None
    if info.si_code == os.CLD_EXITED:
        return ("code", str(info.si_status))
    try:
        return ("signal", signal.Signals(info.si_status).name)
    except ValueError:
        return ("signal", f"signal {info.si_status}")


class Server:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        #: pidfd -> pid of workers not yet reported as exited
        self.watched: dict[int, int] = {}
        #: pids forked and not reaped
        self.children: set[int] = set()
        #: the script's modules imported before forking, and why forking
        #: after them would not give python's workers ("": it would)
        self.modules: tuple[str, ...] = ()
        self.spoiled = ""
        #: CRC-32 of the script's text they were read from (the manager
        #: checks that it analysed the same text)
        self.source_crc = 0
        #: environment variables those imports set (set again in each worker)
        self.env_set: dict[str, str] = {}
        #: the steps compiling the script's statements, while not done
        self.compiling = None

    def preimport(self, script: str) -> None:
        """Import the script's leading imports (``runtime.preimport``); make
        ``compiling`` the steps that compile its statements for the workers."""
        import ast

        from .preimport import leading_modules, preimport

        folder = os.path.dirname(script)
        try:
            with open(script, "rb") as f:
                source = f.read().decode("utf-8-sig")  # as ``analysis.load.read_script``
            tree = ast.parse(source, script)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            return  # the manager reports it
        self.modules = leading_modules(tree, folder, os.environ.get("MPLBACKEND"))
        self.source_crc = zlib.crc32(source.encode())
        self.spoiled, self.env_set = preimport(self.modules, folder)
        if not self.spoiled:
            from .compiling import precompile

            self.compiling = precompile(tree, script, source)

    def serve(self) -> None:
        """Answer the manager's requests; between them, while there are
        none, compile the script's statements (``compiling.precompile``:
        forked workers find them compiled)."""
        send_record(self.sock, ("ready", os.getpid(), self.modules, self.spoiled, self.source_crc))
        while True:
            busy = self.compiling is not None
            ready, _, _ = select.select([self.sock, *self.watched], [], [], 0 if busy else None)
            if busy and not ready:
                if next(self.compiling, StopIteration) is StopIteration:
                    self.compiling = None
                continue
            for fd in ready:
                if fd is self.sock:
                    try:
                        record, fds = recv_record(self.sock)
                    except EOFError:
                        return
                    self.handle(record, fds)
                else:
                    self.exited(fd)

    def handle(self, record, fds) -> None:
        kind = record[0]
        if kind == "fork":
            _, w, cwd, env = record
            try:
                pid = self.fork(fds, cwd, env)
            except OSError as e:
                send_record(self.sock, ("fork_failed", w, str(e)))
            else:
                send_record(self.sock, ("forked", w, pid))
            finally:
                for fd in fds:
                    os.close(fd)
        elif kind == "reap":
            pid = record[1]
            if pid in self.children:
                self.children.discard(pid)
                pidfd = next((fd for fd, p in self.watched.items() if p == pid), None)
                try:
                    status = exit_status_of(pid, reap=True)
                except ChildProcessError:  # pragma: no cover - only this loop reaps
                    status = None
                if pidfd is not None:  # its exit not reported yet: report it first
                    del self.watched[pidfd]
                    os.close(pidfd)
                    if status is not None:
                        send_record(self.sock, ("exited", pid, *status))
            send_record(self.sock, ("reaped", pid))

    def exited(self, pidfd: int) -> None:
        pid = self.watched.pop(pidfd)
        os.close(pidfd)
        try:
            status = exit_status_of(pid)
        except ChildProcessError:  # pragma: no cover - reaped only on request
            status = None
        if status is not None:
            send_record(self.sock, ("exited", pid, *status))

    def fork(self, fds, cwd: str, env: dict) -> int:
        ctl_fd, out_fd = fds
        sys.stdout.flush()
        sys.stderr.flush()
        with warnings.catch_warnings():
            # python >= 3.12 warns when a process with threads forks; the
            # early imports may have started OpenBLAS's pool, which is made
            # again after a fork (and PYTHONWARNINGS=error must not stop us)
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the worker: never returns into the server
            code = 70
            try:
                self.sock.close()
                for fd in self.watched:
                    os.close(fd)
                os.setpgid(0, 0)  # also done by the parent below: no race with a killpg
                os.dup2(out_fd, 1)
                os.dup2(out_fd, 2)
                os.chdir(cwd)
                os.environ.clear()
                os.environ.update(env)
                os.environ.update(self.env_set)
                from .worker import serve

                # the statements not compiled yet: the worker compiles them
                # while it waits for its Init
                serve(ctl_fd, os.getppid(), self.compiling)  # exits the process
            except BaseException:  # noqa: BLE001 - the manager reads it from the stderr file
                import traceback

                traceback.print_exc()
                sys.stderr.flush()
            os._exit(code)
        try:
            os.setpgid(pid, pid)
        except OSError:  # pragma: no cover - the child did it already
            pass
        self.children.add(pid)
        self.watched[os.pidfd_open(pid)] = pid
        return pid

    def close(self) -> None:
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for pid in self.children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def main(argv: list[str]) -> None:
    """``python -m taskpar.runtime.forkserver FD MANAGER_PID [SCRIPT]``: a spawned server."""
    run(int(argv[1]), int(argv[2]), argv[3] if len(argv) > 3 else None)


def run_forked(fd: int, out_fd: int, manager_pid: int, cwd: str | None, env: dict,
               script: str | None) -> None:
    """The server in a child the manager forked while it had one thread
    (``ForkServer``): made what ``main`` would be in a fresh interpreter
    started in its own session with stdout/stderr to ``out_fd``, ``cwd`` and
    ``env``, and without the manager's entry directory on sys.path (as
    ``-P``); then ``run``. Never returns."""
    try:
        os.setsid()
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        keep = {0, 1, 2, fd}
        for name in os.listdir("/proc/self/fd"):
            if int(name) not in keep:
                try:
                    os.close(int(name))
                except OSError:  # the listing's own descriptor, closed already
                    pass
        if cwd is not None:
            os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        from . import shell

        shell.drop_entry_path()
        run(fd, manager_pid, script)
    except BaseException:  # noqa: BLE001 - the manager reads it from the stderr file
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
    os._exit(70)


def run(fd: int, manager_pid: int, script: str | None = None) -> None:
    """Serve the manager on control socket ``fd`` until it closes it; exits.
    ``script``: the script the workers will run, whose leading imports are
    imported here first (``runtime.preimport``)."""
    from .worker import watch_parent

    watch_parent(manager_pid)
    os.set_inheritable(fd, False)
    sock = socket.socket(fileno=fd)
    # everything a worker needs is imported (with watch_parent) once here
    # instead of in each worker
    server = Server(sock)
    if script is not None:
        server.preimport(script)
    try:
        server.serve()
    except OSError:  # the manager went away
        pass
    finally:
        server.close()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
