"""Every change session-lsp makes to a file system goes through one object, `current()`.

Why one layer: what survives a power cut depends on the exact order of creates, writes, fsyncs,
renames, links and unlinks, so that order must be visible to a test on the real code path. A
test swaps in a recording subclass with `using(...)`; production runs `FileOps`, whose methods
are the system calls themselves (one method call more per operation, a few dozen nanoseconds
against the microseconds of the call; bench/bench_crash.py prints it).

Flushing to stable storage is `fcntl(F_FULLFSYNC)` where the platform has it (macOS): there
`fsync` only hands the data to the drive, whose cache may still lose it when the power goes.
docs/crash-safety.md says what this costs and what is proven under which crash model.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

_FULL_FSYNC: int | None = getattr(fcntl, "F_FULLFSYNC", None)


def flush_to_disk(descriptor: int) -> None:
    """Make the file's data and metadata durable: F_FULLFSYNC where it exists, else fsync.

    F_FULLFSYNC fails on file systems that do not implement it (some network shares, FAT on
    older macOS); fsync is then the best that can be asked for."""
    if _FULL_FSYNC is not None:
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

    def write(self, descriptor: int, data: bytes | memoryview) -> int:
        return os.write(descriptor, data)

    def fsync(self, descriptor: int) -> None:
        flush_to_disk(descriptor)

    def fchmod(self, descriptor: int, mode: int) -> None:
        os.fchmod(descriptor, mode)

    def fchown(self, descriptor: int, uid: int, gid: int) -> None:
        os.fchown(descriptor, uid, gid)

    def utime(self, path: Path, ns: tuple[int, int]) -> None:
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

        Best effort: some file systems refuse to open or flush a folder; nothing better exists."""
        with contextlib.suppress(OSError):
            descriptor = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
            try:
                flush_to_disk(descriptor)
            finally:
                os.close(descriptor)

    def lock(self, descriptor: int) -> bool:
        """An exclusive advisory lock without waiting; False when another holds it."""
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def close(self, descriptor: int) -> None:
        os.close(descriptor)


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
