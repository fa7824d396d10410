"""A lock on a session file that two session-lsp processes honour, on POSIX and on Windows.

POSIX: `flock` on a descriptor of the file, advisory (Claude Code, which never takes it, keeps
appending). Windows has no `fcntl`; its byte-range locks (`msvcrt.locking`, `LockFile`) are
mandatory: a locked byte cannot be read or written through any other handle, so locking the
file's first byte would make Claude Code's own reads of the session fail while a repair runs.
The lock is therefore on one byte far past any real end of file (`LOCK_OFFSET`, at 1 TiB; Windows
allows locking beyond the end), which no reader or appender ever touches: it excludes other
session-lsp processes and nothing else, as `flock` does. SQLite locks a byte range past the data
for the same reason.

A descriptor that holds the lock must not stop the repair from renaming a new file over the
locked one: Windows refuses to replace a file that is open without `FILE_SHARE_DELETE`, which
`os.open` never passes. `open_for_lock` opens it with read, write and delete sharing (as Node.js,
hence Claude Code, opens files) and without following a final symbolic link or junction.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Protocol

from session_lsp.fileops import O_BINARY, O_CLOEXEC, O_NOFOLLOW, O_NONBLOCK

POSIX_LOCK_FLAGS = os.O_RDONLY | O_BINARY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
"""How the descriptor to `flock` is opened: read-only (a lock needs no more), refusing a final
symbolic link, never waiting on a FIFO."""

LOCK_OFFSET = 1 << 40
"""The byte locked on Windows: past the end of any session (1 TiB), so it blocks no read or
append. Not higher: the position is set with `lseek`, which some file systems bound."""

_CONFLICT = {errno.EACCES, errno.EDEADLK, errno.EAGAIN}
"""What a lock held elsewhere raises: `msvcrt.locking` gives EACCES or EDEADLOCK (= EDEADLK),
`flock` EWOULDBLOCK (= EAGAIN). Any other error is a real failure and is raised."""

# CreateFileW's constants (winnt.h / fileapi.h).
GENERIC_READ = 0x80000000
FILE_SHARE_READ = 0x1
FILE_SHARE_WRITE = 0x2
FILE_SHARE_DELETE = 0x4
OPEN_EXISTING = 3
FILE_FLAG_OPEN_REPARSE_POINT = 0x00200000
"""Open a symbolic link or junction itself, not what it points to: the Windows O_NOFOLLOW."""


class WindowsRuntime(Protocol):
    """The parts of `msvcrt` used here; a parameter so that tests can stand in for Windows."""

    LK_NBLCK: int
    LK_UNLCK: int

    def locking(self, fd: int, mode: int, nbytes: int, /) -> None: ...

    def open_osfhandle(self, handle: int, flags: int, /) -> int: ...


class WindowsApi(Protocol):
    """The part of `_winapi` used here."""

    def CreateFile(  # noqa: N802 (the Windows API's name)
        self,
        file_name: str,
        desired_access: int,
        share_mode: int,
        security_attributes: int,
        creation_disposition: int,
        flags_and_attributes: int,
        template_file: int,
        /,
    ) -> int: ...


def try_lock(descriptor: int) -> bool:
    """Take the lock without waiting: False when another process (or descriptor) holds it."""
    if sys.platform == "win32":
        import msvcrt

        return windows_try_lock(descriptor, msvcrt)
    import fcntl

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in _CONFLICT:
            return False
        raise
    return True


def unlock(descriptor: int) -> None:
    """Give the lock back before closing (closing the descriptor also releases it)."""
    if sys.platform == "win32":
        import msvcrt

        windows_unlock(descriptor, msvcrt)
        return
    import fcntl

    fcntl.flock(descriptor, fcntl.LOCK_UN)


def open_for_lock(path: Path) -> int:
    """A read-only descriptor of `path` to lock, that does not follow a final symbolic link and
    (on Windows) lets the file be renamed over while it is open. Raises OSError."""
    if sys.platform == "win32":
        import _winapi
        import msvcrt

        return windows_open_for_lock(path, _winapi, msvcrt)
    return os.open(path, POSIX_LOCK_FLAGS)


def windows_try_lock(descriptor: int, runtime: WindowsRuntime) -> bool:
    os.lseek(descriptor, LOCK_OFFSET, os.SEEK_SET)  # msvcrt.locking locks from the position
    try:
        runtime.locking(descriptor, runtime.LK_NBLCK, 1)
    except OSError as error:
        if error.errno in _CONFLICT:
            return False
        raise
    return True


def windows_unlock(descriptor: int, runtime: WindowsRuntime) -> None:
    os.lseek(descriptor, LOCK_OFFSET, os.SEEK_SET)
    runtime.locking(descriptor, runtime.LK_UNLCK, 1)


def windows_open_for_lock(path: Path, api: WindowsApi, runtime: WindowsRuntime) -> int:
    handle = api.CreateFile(
        str(path),
        GENERIC_READ,
        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
        0,
        OPEN_EXISTING,
        FILE_FLAG_OPEN_REPARSE_POINT,
        0,
    )
    return runtime.open_osfhandle(handle, os.O_RDONLY | O_BINARY)
