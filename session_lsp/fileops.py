"""Every change session-lsp makes to a file system goes through one object, `current()`.

Why one layer: what survives a power cut depends on the exact order of creates, writes, fsyncs,
renames, links and unlinks, so that order must be visible to a test on the real code path. A
test swaps in a recording subclass with `using(...)`; production runs `FileOps`, whose methods
are the system calls themselves (one method call more per operation, a few dozen nanoseconds
against the microseconds of the call; bench/bench_crash.py prints it).

Flushing to stable storage is `fcntl(F_FULLFSYNC)` where the platform has it (macOS): there
`fsync` only hands the data to the drive, whose cache may still lose it when the power goes.
docs/crash-safety.md says what this costs and what is proven under which crash model.

The flags every `os.open` of the package takes are here, so that one module knows which exist
where: Windows has no `O_NOFOLLOW`, `O_NONBLOCK` or `O_CLOEXEC` (its descriptors are not
inherited anyway, PEP 446), and opens in text mode unless given `O_BINARY`, which would turn
every `\n` written into `\r\n` and stop reads at a Ctrl-Z byte.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

if sys.platform != "win32":
    import fcntl

    _FULL_FSYNC: int | None = getattr(fcntl, "F_FULLFSYNC", None)

O_BINARY: int = getattr(os, "O_BINARY", 0)
"""Windows only: bytes as they are. 0 elsewhere, where every open is binary."""
O_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
"""0 on Windows: there a final link is refused by checking it first (`lstat`), and the session
lock's descriptor is opened on the link itself (`locks.open_for_lock`)."""
O_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
"""Opening a FIFO must not wait for a writer; 0 on Windows, which has no FIFOs in a folder."""
O_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
"""0 on Windows, where `os.open` already makes descriptors non-inheritable."""

READ_ANY = os.O_RDONLY | O_BINARY | O_NONBLOCK | O_CLOEXEC
"""Reading what a path names, whatever it turns out to be (checked with `fstat` after)."""
CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY | O_CLOEXEC
"""A file of our own that must not exist yet."""
APPEND = os.O_WRONLY | os.O_APPEND | O_NOFOLLOW | O_BINARY | O_CLOEXEC
"""Adding to the end of a session, never through a final symbolic link."""


def flush_to_disk(descriptor: int) -> None:
    """Make the file's data and metadata durable: F_FULLFSYNC where it exists, else fsync
    (FlushFileBuffers on Windows).

    F_FULLFSYNC fails on file systems that do not implement it (some network shares, FAT on
    older macOS); fsync is then the best that can be asked for."""
    if sys.platform != "win32" and _FULL_FSYNC is not None:
        try:
            fcntl.fcntl(descriptor, _FULL_FSYNC)
        except OSError:
            pass
        else:
            return
    os.fsync(descriptor)


class FileOps:
    """The real operations, one method per system call that changes what is on disk."""

    def open(self, path: Path, flags: int, mode: int = 0o777) -> int:
        return os.open(path, flags, mode)

    def open_for_lock(self, path: Path) -> int:
        """A descriptor of the session to hold its lock on (see `session_lsp.locks`)."""
        from session_lsp import locks  # here: locks takes its open flags from this module

        if sys.platform == "win32":
            return locks.open_for_lock(path)
        return self.open(path, locks.POSIX_LOCK_FLAGS)

    def write(self, descriptor: int, data: bytes | memoryview) -> int:
        return os.write(descriptor, data)

    def fsync(self, descriptor: int) -> None:
        flush_to_disk(descriptor)

    def fchmod(self, descriptor: int, mode: int) -> None:
        """Windows: nothing. Its permissions are access lists, which a new file inherits from the
        folder as the session did; its one mode bit, read-only, would stop the temp file from
        being removed after it was linked, and a read-only file cannot be replaced there."""
        if sys.platform != "win32":
            os.fchmod(descriptor, mode)

    def fchown(self, descriptor: int, uid: int, gid: int) -> None:
        if sys.platform == "win32":  # `stat` reports 0 for both on every file: never asked
            raise OSError(errno.ENOTSUP, "Windows files have no POSIX owner")
        os.fchown(descriptor, uid, gid)

    def utime(self, path: Path, ns: tuple[int, int], descriptor: int) -> None:
        """Set the access and modification times of `path`, open as `descriptor`, not following
        a symbolic link. Windows: through that very handle (`os.utime` there cannot leave a link
        alone, and opens the file again without sharing, which fails while it is open)."""
        if sys.platform == "win32":
            import msvcrt

            windows_set_times(descriptor, ns, msvcrt.get_osfhandle, _windows_set_file_time)
            return
        os.utime(path, ns=ns, follow_symlinks=False)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def rename(self, source: Path, target: Path) -> None:
        os.rename(source, target)

    def link(self, source: Path, target: Path) -> None:
        os.link(source, target, follow_symlinks=False)

    def unlink(self, path: Path) -> None:
        os.unlink(path)

    def make_folders(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)

    def fsync_folder(self, folder: Path) -> None:
        """Make the folder's entries durable (a create, rename, link or unlink in it).

        Best effort: some file systems refuse to open or flush a folder; nothing better exists.
        Windows: nothing. A folder cannot be opened with `os.open` there, and NTFS journals a
        rename or link itself; SQLite does not sync folders on Windows either
        (docs/crash-safety.md, "Windows")."""
        if sys.platform == "win32":
            return
        with contextlib.suppress(OSError):
            descriptor = os.open(folder, os.O_RDONLY | O_CLOEXEC)
            try:
                flush_to_disk(descriptor)
            finally:
                os.close(descriptor)

    def lock(self, descriptor: int) -> bool:
        """An exclusive lock without waiting; False when another holds it."""
        from session_lsp import locks

        return locks.try_lock(descriptor)

    def unlock(self, descriptor: int) -> None:
        """Give the lock back before closing: Windows releases a closed descriptor's lock only
        when it gets round to it."""
        from session_lsp import locks

        locks.unlock(descriptor)

    def close(self, descriptor: int) -> None:
        os.close(descriptor)


_EPOCH_AS_FILETIME = 116_444_736_000_000_000
"""1970-01-01 in FILETIME units: 100 ns intervals since 1601-01-01 (UTC)."""


def filetime(ns: int) -> int:
    """Nanoseconds since the Unix epoch as a Windows FILETIME."""
    return _EPOCH_AS_FILETIME + ns // 100


class SetFileTime(Protocol):
    """kernel32's SetFileTime on a handle, raising OSError; a parameter so that tests stand in."""

    def __call__(self, handle: int, accessed: int, modified: int, /) -> None: ...


def windows_set_times(
    descriptor: int,
    ns: tuple[int, int],
    handle_of: Callable[[int], int],
    set_file_time: SetFileTime,
) -> None:
    """`utime` on Windows: SetFileTime on the descriptor's own handle, which also keeps the
    system from stamping the time of the last write over it when that handle is closed."""
    set_file_time(handle_of(descriptor), filetime(ns[0]), filetime(ns[1]))


if sys.platform == "win32":

    def _windows_set_file_time(handle: int, accessed: int, modified: int) -> None:
        import ctypes
        from ctypes import wintypes

        def as_filetime(value: int) -> wintypes.FILETIME:
            return wintypes.FILETIME(value & 0xFFFFFFFF, value >> 32)

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        accessed_time, modified_time = as_filetime(accessed), as_filetime(modified)
        done = kernel32.SetFileTime(
            wintypes.HANDLE(handle), None, ctypes.byref(accessed_time), ctypes.byref(modified_time)
        )
        if not done:
            raise ctypes.WinError(ctypes.get_last_error())


_current = FileOps()


def current() -> FileOps:
    return _current


@contextlib.contextmanager
def using(replacement: FileOps) -> Iterator[FileOps]:
    """Route every file operation through `replacement` (a recorder, in tests) for a while."""
    global _current
    previous, _current = _current, replacement
    try:
        yield replacement
    finally:
        _current = previous


def write_all(descriptor: int, data: bytes) -> None:
    """Write every byte: `write` may write fewer than asked (a signal, a pipe, a full quota)."""
    view = memoryview(data)
    ops = current()
    while view:
        written = ops.write(descriptor, view)
        if written == 0:
            raise OSError(errno.EIO, "the write wrote nothing")
        view = view[written:]


def read_small_file(path: Path, limit: int, flags: int = READ_ANY) -> bytes | None:
    """The bytes of the regular file at `path` when it holds at most `limit` of them; None for
    anything else: missing or unreadable, larger, or no regular file (a pipe put there is never
    waited on, a device never read)."""
    try:
        descriptor = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        data = os.read(descriptor, limit + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return data if len(data) <= limit else None
