"""A process forked from the language server as it starts, which forks the workers it asks for.

The server has threads once it runs, and a fork copies a process mid-state (a lock another thread
held stays held in the copy), so its workers came from multiprocessing's fork server: a fresh
interpreter that imports the analysis, 150-200 ms before the first worker of a server's life
could start (the first page of a big rollout, a search of one, a listing of many sessions all
waited for it), kept from then on with multiprocessing's resource tracker: 22 MB of their own.
A fork of the server taken before its first thread, once the modules its workers run are
imported and before the language server's own are (pygls and lsprotocol: 21 MB the workers
never use), has everything its workers need and shares its memory with the server until one of
them writes to it: at most the 18 MB it was forked with, 8-12 MB in use. It waits for a
request, forks, and the child runs the function asked for; its children are in its process
group, and end with it.

Linux only: macOS's system libraries may crash in a forked child, and Windows cannot fork (each
function that makes a call only POSIX has returns at once there, as mypy's Windows check needs). Each
request names a module-level function and its arguments (pickled), and passes the write end of
the pipe the caller reads the answer from; the child ends when the function returns. The
zygote ends when the server's end of the channel closes, however the server ended.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import itertools
import os
import pickle
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import NoReturn

from session_lsp.parallel import usable_cores

MAX_REQUEST = 1 << 20
"""What the zygote reads of a request at most: more than a socket pair lets a message be
(its send buffer, about 200 KB), where a longer request fails to be sent. A request is a
function's name and a few small arguments (a path, a registry of live sessions)."""
ANSWER_SECONDS = 5.0
"""How long a request waits for the zygote's answer (a fork: milliseconds) before the zygote is
taken for stuck, and killed: the server's thread must never wait on it for good."""
CLOSE_SECONDS = 1.0
"""How long a zygote has to end once its channel is closed; it ends at once unless stuck."""
_JOB = struct.Struct("q")
_NO_JOB = -1


_RUNNING: list[Zygote] = []
"""This process's zygote, once `start_zygote` forked it: one per process, as multiprocessing's
fork server is, found by whatever starts workers however deep it is called."""


def start_zygote(preload: Sequence[str]) -> Zygote | None:
    """This process's zygote, forked now with the modules `preload` names imported: to be called
    before the process's first thread. None where none can be (not Linux, a single core, no
    process left), and workers are started as before."""
    if _RUNNING:
        return running_zygote()
    if not sys.platform.startswith("linux") or usable_cores() < 2 or threading.active_count() > 1:
        return None  # a fork beside another thread would copy it mid-state
    for module in preload:
        importlib.import_module(module)
    gc.collect()
    gc.freeze()  # what both processes hold, never walked by either's collector (page copies)
    zygote = Zygote.fork()
    if zygote is not None:
        _RUNNING.append(zygote)
    return zygote


def running_zygote() -> Zygote | None:
    """This process's zygote while it can fork; None without one."""
    return _RUNNING[0] if _RUNNING and not _RUNNING[0].gone else None


class Zygote:
    """The server's end of the channel to its zygote, and the zygote's process id."""

    def __init__(self, pid: int, channel: socket.socket) -> None:
        self.pid = pid
        self.gone = False
        """Set once a request failed because the zygote is no more (killed, out of memory)."""
        self._channel = channel
        self._lock = threading.Lock()
        """A request and its answer are one exchange: workers started from two threads at once
        (two big rollouts' pages) must not read each other's job numbers."""

    @classmethod
    def fork(cls) -> Zygote | None:
        """A zygote forked now (`start_zygote` says when that is safe); None when this process
        cannot fork."""
        if sys.platform == "win32":
            return None
        try:
            ours, its = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            ours.close()
            its.close()
            return None
        if pid == 0:
            ours.close()
            _serve(its)
        its.close()
        with contextlib.suppress(OSError):  # as the zygote does: its group is made either way
            os.setpgid(pid, pid)
        ours.settimeout(ANSWER_SECONDS)
        return cls(pid, ours)

    def run(self, target: Callable[..., None], args: tuple[object, ...]) -> Job | None:
        """`target(sending, *args)` in a new child of the zygote, `sending` the write end of a
        pipe whose read end the job holds. None when no child could be started (the zygote
        gone, no process left, arguments too long to send): the caller does the work itself."""
        try:
            request = pickle.dumps(("run", target, args))
        except Exception:  # a function or argument that cannot be sent: run by the caller
            return None
        try:
            receiving_fd, sending_fd = os.pipe()
        except OSError:  # no file descriptor left
            return None
        receiving = Connection(receiving_fd, writable=False)
        try:
            answer = self._ask(request, sending_fd)
        finally:
            os.close(sending_fd)  # the child holds its own: a child that dies ends the pipe
        job = _JOB.unpack(answer)[0] if len(answer) == _JOB.size else _NO_JOB
        if job == _NO_JOB:
            receiving.close()
            self._check_gone()
            return None
        return Job(self, job, receiving)

    def _ask(self, request: bytes, sending_fd: int) -> bytes:
        """The zygote's answer to a request: a job number, or nothing. A zygote that does not
        answer in `ANSWER_SECONDS` is given up on before the lock is let go, so that no other
        request reads its late answer as its own."""
        if sys.platform == "win32":
            return b""
        with self._lock:
            if self.gone:
                return b""
            try:
                socket.send_fds(self._channel, [request], [sending_fd])
                return self._channel.recv(_JOB.size)
            except TimeoutError:
                self._give_up()
            except OSError:
                pass
            return b""

    def stop(self, job: int) -> None:
        """The job's child killed if it still runs; the zygote knows whether it does, so no
        process that took its number since is touched."""
        with self._lock, contextlib.suppress(OSError):
            self._channel.send(pickle.dumps(("stop", job)))

    def close(self) -> None:
        """The channel closed, which ends the zygote, and the zygote waited for: killed if it
        has not ended within `CLOSE_SECONDS` (a zygote never left as a zombie or at work)."""
        if sys.platform == "win32":
            return
        self.gone = True
        self._channel.close()
        deadline = time.monotonic() + CLOSE_SECONDS
        try:
            while os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                if time.monotonic() > deadline:
                    self._kill()
                    return
                time.sleep(0.005)
        except ChildProcessError:
            return  # waited for already

    def _give_up(self) -> None:
        """A zygote that did not answer in `ANSWER_SECONDS` is killed and never asked again."""
        self.gone = True
        self._kill()

    def _kill(self) -> None:
        """The zygote and its children at work killed, and the zygote waited for (at once: a
        kill ends even a stopped process)."""
        if sys.platform == "win32":
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)  # its children at work with it
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # should its group never have been made
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _check_gone(self) -> None:
        """A zygote that ended is waited for (no zombie left), and no longer asked."""
        if sys.platform == "win32":
            return
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                return
        self.gone = True


class Job:
    """A child of the zygote: the end of the pipe it answers on."""

    def __init__(self, zygote: Zygote, number: int, receiving: Connection) -> None:
        self.receiving = receiving
        self._zygote = zygote
        self._number = number

    def stop(self) -> None:
        """The pipe closed and the child killed if it is still at work (given up on)."""
        self.receiving.close()
        self._zygote.stop(self._number)


def _serve(channel: socket.socket) -> NoReturn:
    """The zygote's whole life: requests until the server's end closes, then its children at
    work ended with it (nobody reads their answers now), however the requests ended."""
    if sys.platform == "win32":
        os._exit(1)
    try:
        os.setpgid(0, 0)  # a group of its own and its children's, ended as one
        _serve_requests(channel)
    finally:
        if os.getpgid(0) == os.getpid():  # never the server's group, should its own not be made
            os.killpg(0, signal.SIGKILL)
        os._exit(1)


def _serve_requests(channel: socket.socket) -> None:
    """Nothing may reach the server's client, and no child at work may keep the client waiting
    for the server's output to end: the streams and files it shares with the server are let go
    (a child that fails is seen to die, and its files are run again or reported by the server)."""
    if sys.platform == "win32":
        return
    _keep_only(channel.fileno())
    null = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(null, stream)
    os.close(null)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server to handle
    running: dict[int, int] = {}
    signal.signal(signal.SIGCHLD, lambda _signal, _frame: _reap(running))
    numbers = itertools.count(1)
    while True:
        message, fds, _, _ = socket.recv_fds(channel, MAX_REQUEST, 1)
        if not message:
            return  # the server is gone
        try:
            request = pickle.loads(message)
        except Exception:  # what the server sent cannot be read here: refused, not fatal
            request = None
        if request is None:
            if fds:  # a job asked for: answered, or its caller would wait (stops are not)
                _refuse(channel, fds)
            continue
        if request[0] == "stop":
            _kill_job(running, request[1])
            continue
        _, target, args = request
        _start(channel, running, next(numbers), fds, target, args)


def _keep_only(channel_fd: int) -> None:
    """Every file descriptor the zygote was forked with closed but its channel's (the standard
    streams are replaced next): one held by the zygote or a worker, a pipe a client passed the
    server, would stay open after the server ended."""
    if sys.platform == "win32":
        return
    os.closerange(3, channel_fd)
    os.closerange(channel_fd + 1, os.sysconf("SC_OPEN_MAX"))


def _start(
    channel: socket.socket,
    running: dict[int, int],
    number: int,
    fds: list[int],
    target: Callable[..., None],
    args: tuple[object, ...],
) -> None:
    """A child forked to run `target`, its job number sent back. SIGCHLD is held meanwhile: a
    child that ended at once must not be reaped before its number is written down."""
    if sys.platform == "win32":
        return
    if len(fds) != 1:
        _refuse(channel, fds)
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        _refuse(channel, fds)
        return
    if pid == 0:
        _child(channel, fds[0], target, args)
    running[number] = pid
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    os.close(fds[0])
    channel.send(_JOB.pack(number))


def _child(
    channel: socket.socket, sending_fd: int, target: Callable[..., None], args: tuple[object, ...]
) -> NoReturn:
    if sys.platform == "win32":
        os._exit(1)
    try:
        channel.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        target(Connection(sending_fd, readable=False), *args)
    finally:
        os._exit(0)


def _kill_job(running: dict[int, int], number: int) -> None:
    """Job `number`'s child killed if it still runs. SIGCHLD is held meanwhile: a child reaped
    between finding its process id and the kill could give that id to another process."""
    if sys.platform == "win32":
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    try:
        pid = running.get(number)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


def _refuse(channel: socket.socket, fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)
    channel.send(_JOB.pack(_NO_JOB))


def _reap(running: dict[int, int]) -> None:
    """Every ended child waited for, and forgotten, so its number is never killed again."""
    if sys.platform == "win32":
        return
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        for number, running_pid in list(running.items()):
            if running_pid == pid:
                del running[number]
