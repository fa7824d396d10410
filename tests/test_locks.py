"""The session lock's primitive: flock on POSIX, a byte past the end on Windows.

The Windows half runs here against a stand-in for `msvcrt` that keeps Windows' rule: a locked
byte range cannot be read or written through any other descriptor (mandatory locking).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from session_lsp import locks


class MandatoryLocks:
    """`msvcrt.locking` as Windows does it: from the descriptor's position, mandatory for every
    other descriptor, EDEADLOCK when the range is held by another one."""

    LK_NBLCK = 2
    LK_UNLCK = 0

    def __init__(self) -> None:
        self.held: dict[tuple[int, int, int], int] = {}  # (device, inode, offset) -> holder fd

    def _key(self, fd: int) -> tuple[int, int, int]:
        status = os.fstat(fd)
        return status.st_dev, status.st_ino, os.lseek(fd, 0, os.SEEK_CUR)

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None:
        assert nbytes == 1
        key = self._key(fd)
        if mode == self.LK_UNLCK:
            if self.held.get(key) != fd:
                raise OSError(errno.EACCES, "not locked by this descriptor")
            del self.held[key]
            return
        if key in self.held:
            raise OSError(errno.EDEADLK, "Resource deadlock avoided")
        self.held[key] = fd

    def open_osfhandle(self, handle: int, flags: int, /) -> int:
        return handle

    def readable_by_others(self, fd: int, length: int) -> bool:
        """Whether another descriptor may read (or append to) bytes 0..length of fd's file."""
        status = os.fstat(fd)
        return not any(
            (device, inode) == (status.st_dev, status.st_ino) and offset < length
            for device, inode, offset in self.held
        )


@pytest.fixture
def session(tmp_path: Path) -> Path:
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"type":"user"}\n' * 100)
    return path


def test_a_second_descriptor_cannot_take_the_lock_until_it_is_given_back(session: Path) -> None:
    first, second = locks.open_for_lock(session), locks.open_for_lock(session)
    try:
        assert locks.try_lock(first)
        assert not locks.try_lock(second)
        locks.unlock(first)
        assert locks.try_lock(second)
    finally:
        os.close(first)
        os.close(second)


def test_another_process_holding_the_lock_is_seen(session: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from session_lsp import locks;"
            "fd = locks.open_for_lock(Path(sys.argv[1])); assert locks.try_lock(fd);"
            "print('held', flush=True); sys.stdin.read()",
            str(session),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        descriptor = locks.open_for_lock(session)
        try:
            assert not locks.try_lock(descriptor)
        finally:
            os.close(descriptor)
    finally:
        holder.communicate("")
    descriptor = locks.open_for_lock(session)
    try:
        assert locks.try_lock(descriptor)  # released when the holder exited
    finally:
        os.close(descriptor)


def test_an_error_other_than_a_held_lock_is_raised_not_taken_for_one(session: Path) -> None:
    descriptor = locks.open_for_lock(session)
    os.close(descriptor)
    with pytest.raises(OSError) as raised:
        locks.try_lock(descriptor)
    assert raised.value.errno == errno.EBADF


def test_the_descriptor_to_lock_does_not_follow_a_symbolic_link(
    session: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(session)
    with pytest.raises(OSError) as raised:
        locks.open_for_lock(link)
    assert raised.value.errno == errno.ELOOP


def test_on_windows_a_second_descriptor_cannot_take_the_lock(session: Path) -> None:
    runtime = MandatoryLocks()
    first, second = os.open(session, os.O_RDONLY), os.open(session, os.O_RDONLY)
    try:
        assert locks.windows_try_lock(first, runtime)
        assert not locks.windows_try_lock(second, runtime)
        locks.windows_unlock(first, runtime)
        assert locks.windows_try_lock(second, runtime)
    finally:
        os.close(first)
        os.close(second)


def test_on_windows_the_locked_byte_blocks_no_read_or_append_of_the_session(
    session: Path,
) -> None:
    """Windows locks are mandatory: locking a byte of the content would make Claude Code's
    reads of the session fail, and its appends too once the file grew over the locked byte."""
    runtime = MandatoryLocks()
    descriptor = os.open(session, os.O_RDONLY)
    try:
        assert locks.windows_try_lock(descriptor, runtime)
        assert runtime.readable_by_others(descriptor, 1 << 40)  # any session under a terabyte
        assert not runtime.readable_by_others(descriptor, (1 << 40) + 1)
    finally:
        os.close(descriptor)


def test_on_windows_the_locked_file_may_be_renamed_over_and_links_are_not_followed(
    session: Path,
) -> None:
    calls: list[tuple[object, ...]] = []

    class Api:
        def CreateFile(self, *arguments: object) -> int:  # noqa: N802
            calls.append(arguments)
            return 42

    assert locks.windows_open_for_lock(session, Api(), MandatoryLocks()) == 42
    (name, access, share, _, disposition, flags, _) = calls[0]
    assert name == str(session) and access == locks.GENERIC_READ
    assert share == locks.FILE_SHARE_READ | locks.FILE_SHARE_WRITE | locks.FILE_SHARE_DELETE
    assert disposition == locks.OPEN_EXISTING
    assert flags & locks.FILE_FLAG_OPEN_REPARSE_POINT
