"""Replacing a session file safely: temp file, fsync, checks, atomic rename, backup beside it.

A session may be appended to by a running Claude Code at any moment, so the replace is guarded:
the file must be exactly as read (size, mtime, content hash) right before the rename, and bytes
appended to the old file in the instant between that check and the rename are carried over.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".session-lsp-"
BACKUP_SUFFIX = ".bak"


class UnsafeWriteError(Exception):
    """The write was refused or failed; the original file is untouched. The message says why."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the file was when it was read, to detect any change before replacing it."""

    size: int
    mtime_ns: int
    inode: int
    digest: bytes

    @classmethod
    def of(cls, data: bytes, status: os.stat_result) -> Snapshot:
        return cls(status.st_size, status.st_mtime_ns, status.st_ino, _digest(data))


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def read_for_update(path: Path) -> tuple[bytes, Snapshot]:
    """Read a session that is about to be rewritten; symbolic links are refused."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        raise UnsafeWriteError(f"{path}: no such file") from None
    except OSError as error:
        raise UnsafeWriteError(f"{path}: cannot read: {error.strerror}") from None
    if stat.S_ISLNK(status.st_mode):
        target = os.path.realpath(path)
        raise UnsafeWriteError(
            f"{path}: is a symbolic link; run the repair on the file it points to ({target})"
        )
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeWriteError(f"{path}: not a regular file")
    try:
        with path.open("rb") as handle:
            data = handle.read()
            status = os.fstat(handle.fileno())
    except OSError as error:
        raise UnsafeWriteError(f"{path}: cannot read: {error.strerror}") from None
    return data, Snapshot.of(data, status)


def _unchanged(path: Path, snapshot: Snapshot) -> str | None:
    """Why the file is no longer as read, or None."""
    try:
        status = path.lstat()
    except OSError as error:
        return f"it can no longer be read ({error.strerror})"
    if stat.S_ISLNK(status.st_mode) or status.st_ino != snapshot.inode:
        return "it was replaced by another file"
    if status.st_size != snapshot.size or status.st_mtime_ns != snapshot.mtime_ns:
        return f"it changed while being repaired (now {status.st_size} bytes, was {snapshot.size})"
    with path.open("rb") as handle:
        if _digest(handle.read()) != snapshot.digest:
            return "its content changed while being repaired"
    return None


def backup_name(path: Path, now: float | None = None) -> Path:
    """`<name>.<UTC time>.bak`: sorts by time and never ends in .jsonl, so no reader takes it."""
    moment = time.time() if now is None else now
    stamp = (
        time.strftime("%Y%m%dT%H%M%S", time.gmtime(moment))
        + f"{int(moment * 1e6) % 1_000_000:06d}Z"
    )
    return path.with_name(f"{path.name}.{stamp}{BACKUP_SUFFIX}")


def backups_of(path: Path) -> list[Path]:
    """Backups of a session, oldest first."""
    prefix = f"{path.name}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return sorted(
        path.parent / name
        for name in names
        if name.startswith(prefix) and name.endswith(BACKUP_SUFFIX) and TEMP_MARK not in name
    )


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` (never overwriting), write, fsync; remove it again if anything fails."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_backup(path: Path, data: bytes) -> Path:
    mode = stat.S_IMODE(path.stat().st_mode)
    for attempt in range(100):
        candidate = backup_name(path, time.time() + attempt * 1e-6)
        try:
            write_new(candidate, data, mode)
        except FileExistsError:
            continue
        return candidate
    raise UnsafeWriteError(f"{path}: could not find a free backup name")


def temp_files_of(path: Path) -> Iterator[Path]:
    prefix = f".{path.name}{TEMP_MARK}"
    with contextlib.suppress(OSError):
        for name in os.listdir(path.parent):
            if name.startswith(prefix) and name.endswith(".tmp"):
                yield path.parent / name


def replace_atomically(
    path: Path, data: bytes, original: bytes, snapshot: Snapshot, *, backup: bool
) -> Path | None:
    """Replace `path` with `data` if it is still as read; returns the backup written, if any.

    The file is always either the old or the new version: the new bytes go to a temp file in the
    same folder, are fsynced, and are renamed over the original in one step.
    """
    for stale in temp_files_of(path):  # left by a repair that was killed
        with contextlib.suppress(OSError):
            stale.unlink()
    temp = path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{time.monotonic_ns()}.tmp")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        write_new(temp, data, mode)
    except OSError as error:
        raise UnsafeWriteError(
            f"{path}: cannot write the repaired file beside it ({error.strerror}); nothing was changed"
        ) from None
    try:
        try:
            old = path.open("rb")
        except OSError as error:
            raise UnsafeWriteError(f"{path}: cannot reopen: {error.strerror}") from None
        with old:
            why = _unchanged(path, snapshot)
            if why is not None:
                raise UnsafeWriteError(
                    f"{path}: not repaired: {why}. Claude Code may still be writing to it;"
                    " try again when it has stopped"
                )
            written = None
            if backup:
                try:
                    written = write_backup(path, original)
                except OSError as error:
                    raise UnsafeWriteError(
                        f"{path}: cannot write a backup ({error.strerror}); nothing was changed"
                    ) from None
            os.replace(temp, path)
            _fsync_folder(path.parent)
            _carry_over_late_appends(old, snapshot.size, path)
        return written
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _carry_over_late_appends(handle: BinaryIO, size: int, path: Path) -> None:
    """Lines appended to the old file between the last check and the rename are not lost."""
    grown = os.fstat(handle.fileno()).st_size
    if grown <= size:
        return
    handle.seek(size)
    late = handle.read(grown - size)
    with path.open("ab") as new:
        new.write(late)
        new.flush()
        os.fsync(new.fileno())


def restore_newest_backup(path: Path) -> Path:
    """Put the newest backup back in place (atomically); it is consumed, older ones remain."""
    backups = backups_of(path)
    if not backups:
        raise UnsafeWriteError(f"{path}: no backup found (looked for {path.name}.*{BACKUP_SUFFIX})")
    newest = backups[-1]
    try:
        os.replace(newest, path)
    except OSError as error:
        raise UnsafeWriteError(f"{path}: cannot restore {newest.name}: {error.strerror}") from None
    _fsync_folder(path.parent)
    return newest
