"""The zygote `session-lsp serve` forks as it starts: each job in a child of its own, answered
on the caller's pipe; nothing of the server's terminal held; no child left at work or unwaited;
a zygote that is gone makes its callers do the work themselves."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection

import pytest

from session_lsp import zygote as zygote_module
from session_lsp.zygote import MAX_REQUEST, Zygote, running_zygote, start_zygote
from tests.support.zygotes import ended, zygote

__all__ = ["zygote"]  # the fixture, used by name
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the server forks a zygote on Linux only"
)


def whoami(sending: Connection, word: str) -> None:
    """Its process, its parent, what its standard streams are, and `word` back."""
    streams = tuple(os.readlink(f"/proc/self/fd/{stream}") for stream in (0, 1, 2))
    sending.send((os.getpid(), os.getppid(), streams, word))


def at_work_forever(sending: Connection) -> None:
    sending.send(os.getpid())
    while True:
        time.sleep(1)


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_each_job_runs_in_a_child_of_the_zygote_and_answers_on_the_callers_pipe(
    zygote: Zygote,
) -> None:
    job = zygote.run(whoami, ("hello",))
    assert job is not None
    pid, parent, _, word = job.receiving.recv()
    job.stop()
    assert parent == zygote.pid and pid not in (os.getpid(), zygote.pid)
    assert word == "hello"


def test_the_zygote_and_its_children_hold_none_of_the_servers_standard_streams(
    zygote: Zygote,
) -> None:
    """The server's streams are the client's pipes: a child at work holding one would keep the
    client from seeing the server end, or write into its protocol."""
    job = zygote.run(whoami, ("",))
    assert job is not None
    _, _, streams, _ = job.receiving.recv()
    job.stop()
    assert streams == (os.devnull,) * 3
    assert [os.readlink(f"/proc/{zygote.pid}/fd/{stream}") for stream in (0, 1, 2)] == [
        os.devnull
    ] * 3


def test_a_job_stopped_at_work_is_killed_and_waited_for(zygote: Zygote) -> None:
    job = zygote.run(at_work_forever, ())
    assert job is not None
    pid = job.receiving.recv()
    job.stop()
    assert ended(pid)


def test_jobs_asked_from_threads_at_once_each_get_their_own_answer(zygote: Zygote) -> None:
    answers: dict[int, object] = {}

    def ask(number: int) -> None:
        job = zygote.run(whoami, (str(number),))
        assert job is not None
        answers[number] = job.receiving.recv()[-1]
        job.stop()

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {number: str(number) for number in range(12)}


def test_a_request_too_long_to_send_is_refused_and_the_zygote_serves_on(zygote: Zygote) -> None:
    before = _open_fds()
    assert zygote.run(whoami, ("x" * (MAX_REQUEST + 1),)) is None
    assert _open_fds() == before
    job = zygote.run(whoami, ("after",))
    assert job is not None and job.receiving.recv()[-1] == "after"
    job.stop()


def test_a_zygote_that_is_gone_starts_nothing_leaves_no_pipe_open_and_is_asked_no_more(
    zygote: Zygote,
) -> None:
    os.kill(zygote.pid, signal.SIGKILL)
    assert ended(zygote.pid, waited_for=False)  # dead, not yet waited for
    before = _open_fds()
    assert zygote.run(whoami, ("",)) is None
    assert _open_fds() == before
    assert zygote.gone and running_zygote() is None
    assert ended(zygote.pid)  # waited for: no zombie


def test_the_zygote_ends_when_the_servers_end_of_its_channel_closes() -> None:
    """However the server ended: its end of the channel is closed with it."""
    forked = Zygote.fork()
    assert forked is not None
    forked._channel.close()
    deadline = time.monotonic() + 10
    while os.waitpid(forked.pid, os.WNOHANG)[0] == 0:
        assert time.monotonic() < deadline, "the zygote outlived its server"
        time.sleep(0.01)


def test_a_zygote_that_does_not_end_when_closed_is_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zygote_module, "CLOSE_SECONDS", 0.2)
    forked = Zygote.fork()
    assert forked is not None
    os.kill(forked.pid, signal.SIGSTOP)  # stuck: it cannot read that its channel closed
    forked.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(forked.pid, os.WNOHANG)


def test_no_zygote_is_forked_beside_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zygote_module, "_RUNNING", [])
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert start_zygote(()) is None
    finally:
        release.set()
        other.join()


def test_no_zygote_is_forked_on_one_core_or_where_forks_are_unsafe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zygote_module, "_RUNNING", [])
    monkeypatch.setattr(zygote_module, "usable_cores", lambda: 1)
    assert start_zygote(()) is None
    monkeypatch.setattr(zygote_module, "usable_cores", lambda: 2)
    monkeypatch.setattr(zygote_module.sys, "platform", "darwin")
    assert start_zygote(()) is None
    assert zygote_module._RUNNING == []


def test_the_zygote_is_forked_once_with_the_modules_its_workers_run_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imported: list[str] = []
    monkeypatch.setattr(zygote_module, "_RUNNING", [])
    monkeypatch.setattr(zygote_module.importlib, "import_module", imported.append)
    monkeypatch.setattr(zygote_module.threading, "active_count", lambda: 1)
    first = start_zygote(("session_lsp.beside",))
    try:
        assert first is not None and imported == ["session_lsp.beside"]
        assert start_zygote(("session_lsp.beside",)) is first
        assert imported == ["session_lsp.beside"]
    finally:
        if first is not None:
            first.close()


def test_a_zygote_that_does_not_answer_is_killed_and_the_caller_works_on(zygote: Zygote) -> None:
    """A stuck zygote must not hold a server thread for good, nor answer a later job with an
    earlier one's number."""
    zygote._channel.settimeout(0.2)
    os.kill(zygote.pid, signal.SIGSTOP)
    started = time.monotonic()
    assert zygote.run(whoami, ("",)) is None
    assert time.monotonic() - started < 5
    assert zygote.gone and running_zygote() is None
    assert ended(zygote.pid)


def test_a_job_whose_function_cannot_be_sent_is_left_to_the_caller(zygote: Zygote) -> None:
    before = _open_fds()
    assert zygote.run(lambda sending: None, ()) is None
    assert _open_fds() == before and not zygote.gone
    job = zygote.run(whoami, ("still here",))
    assert job is not None and job.receiving.recv()[-1] == "still here"
    job.stop()


def test_a_job_the_zygote_cannot_read_is_refused_and_it_serves_on(zygote: Zygote) -> None:
    """An argument whose class the zygote cannot rebuild (its module is gone there)."""
    assert zygote.run(whoami, (Unreadable(),)) is None
    assert not zygote.gone
    job = zygote.run(whoami, ("after",))
    assert job is not None and job.receiving.recv()[-1] == "after"
    job.stop()


class Unreadable:
    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (_fails, ())


def _fails() -> None:
    raise RuntimeError("cannot be rebuilt")


@pytest.mark.parametrize("how", ["closed", "given up on"])
def test_a_child_at_work_ends_with_its_zygote(zygote: Zygote, how: str) -> None:
    """However the zygote ends (the server's `close` at exit, or a stuck one killed), no worker
    is left running on for nobody."""
    job = zygote.run(at_work_forever, ())
    assert job is not None
    pid = job.receiving.recv()
    if how == "closed":
        zygote.close()
    else:
        zygote._give_up()
    assert ended(pid, waited_for=False)


def test_the_zygote_holds_no_file_of_the_server_but_its_channel() -> None:
    """A pipe a client passed the server stays open only as long as the server holds it."""
    passed_read, passed_write = os.pipe()
    try:
        forked = Zygote.fork()
        assert forked is not None
        deadline = time.monotonic() + 10
        while len(os.listdir(f"/proc/{forked.pid}/fd")) != 4:  # 0-2 and its channel
            assert time.monotonic() < deadline, os.listdir(f"/proc/{forked.pid}/fd")
            time.sleep(0.01)
        forked.close()
    finally:
        os.close(passed_read)
        os.close(passed_write)


def test_a_job_whose_arguments_fail_to_pickle_is_left_to_the_caller(zygote: Zygote) -> None:
    before = _open_fds()
    assert zygote.run(whoami, (Unsendable(),)) is None
    assert zygote.run(whoami, (_nested(100_000),)) is None  # RecursionError
    assert _open_fds() == before and not zygote.gone


def _nested(depth: int) -> list[object]:
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    return nested


class Unsendable:
    def __reduce__(self) -> tuple[object, ...]:
        raise RuntimeError("cannot be pickled")


def test_a_job_asked_with_no_file_descriptor_left_is_left_to_the_caller(
    zygote: Zygote, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pipe() -> tuple[int, int]:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(zygote_module.os, "pipe", no_pipe)
    assert zygote.run(whoami, ("",)) is None
    assert not zygote.gone
