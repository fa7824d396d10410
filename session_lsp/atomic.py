"""Replacing a session file safely: temp file, fsync, checks, atomic rename, backup beside it.

A session may be appended to by a running Claude Code at any moment, so the replace is guarded:
the file must be exactly as read (size, mtime, content hash) right before the rename, and bytes
appended to the old file in the instant between that check and the rename are carried over.
Two repairs of one session never overlap: each holds an advisory lock on the file while it works.
Every file written (repair, backup, fork) gets the session's owner, group and mode, whatever the
umask or the user running the repair.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

TEMP_MARK = ".session-lsp-"
BACKUP_SUFFIX = ".bak"
LOCK_WAIT_SECONDS = 2.0
"""How long a second repair of the same session waits for the first before refusing."""


class UnsafeWriteError(Exception):
    """The write was refused or failed; the original file is untouched. The message says why."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the file was when it was read, to detect any change before replacing it."""

    size: int
    mtime_ns: int
    inode: int
    digest: bytes
    owner: Ownership

    @classmethod
    def of(cls, data: bytes, status: os.stat_result) -> Snapshot:
        return cls(
            status.st_size,
            status.st_mtime_ns,
            status.st_ino,
            _digest(data),
            Ownership.of(status),
        )


@dataclass(frozen=True, slots=True)
class Ownership:
    """Who owns a session and its permission bits: the repair, backup and fork get exactly these,
    so Claude Code running as that user can still append to the file."""

    uid: int
    gid: int
    mode: int

    @classmethod
    def of(cls, status: os.stat_result) -> Ownership:
        return cls(status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode))

    @property
    def read_only(self) -> bool:
        return not self.mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _regular_file(path: Path) -> os.stat_result:
    """The file's status; symbolic links, FIFOs, devices and folders are refused."""
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
    return status


@contextlib.contextmanager
def session_lock(path: Path, wait: float | None = None) -> Iterator[None]:
    """Hold an advisory lock on the session while it is read, repaired or restored.

    The lock is on the file itself (no lock file is left behind). A repair replaces the file, so a
    waiter that gets the lock on the old inode opens the new one and locks again. Claude Code does
    not take it: it keeps appending, which the replace guards against separately.
    """
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        _regular_file(path)
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            raise UnsafeWriteError(f"{path}: cannot read: {error.strerror}") from None
        try:
            if _try_lock(descriptor) and _same_file(descriptor, path):
                break
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)
        if time.monotonic() >= deadline:
            raise UnsafeWriteError(
                f"{path}: another session-lsp is repairing or restoring it (waited {wait:g}s);"
                " nothing was changed. Try again when it has finished"
            )
        time.sleep(0.02)
    try:
        yield
    finally:
        os.close(descriptor)


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(descriptor: int, path: Path) -> bool:
    """Still the file at `path`: the repair that held the lock may have renamed a new one over it."""
    try:
        status = path.lstat()
    except OSError:
        return False
    locked = os.fstat(descriptor)
    return (status.st_dev, status.st_ino) == (locked.st_dev, locked.st_ino)


def read_for_update(path: Path) -> tuple[bytes, Snapshot]:
    """Read a session that is about to be rewritten; symbolic links are refused."""
    _regular_file(path)
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


def backup_name(path: Path, now: float | None = None, checksum: str | None = None) -> Path:
    """`<name>.<UTC time>.<checksum>.bak`: sorts by time, never ends in .jsonl (so no reader takes
    it) and carries a checksum of its content, so a restore can prove the backup whole."""
    moment = time.time() if now is None else now
    stamp = (
        time.strftime("%Y%m%dT%H%M%S", time.gmtime(moment))
        + f"{int(moment * 1e6) % 1_000_000:06d}Z"
    )
    tail = f".{checksum}" if checksum else ""
    return path.with_name(f"{path.name}.{stamp}{tail}{BACKUP_SUFFIX}")


def backup_checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


_CHECKSUM_IN_NAME = re.compile(r"\.\d{8}T\d{12}Z\.([0-9a-f]{16})\.bak$")


def checksum_in_name(backup: Path) -> str | None:
    """The checksum a backup's name promises; None for backups named before checksums."""
    match = _CHECKSUM_IN_NAME.search(backup.name)
    return match.group(1) if match else None


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


def write_new(path: Path, data: bytes, owner: Ownership) -> None:
    """Create `path` (never overwriting) with `owner`'s ids and mode, write, fsync; remove it again
    if anything fails. The mode is set explicitly, so the umask cannot narrow it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            _give(descriptor, owner, path)
        except BaseException:
            os.close(descriptor)
            raise
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _give(descriptor: int, owner: Ownership, path: Path) -> None:
    status = os.fstat(descriptor)
    if (status.st_uid, status.st_gid) != (owner.uid, owner.gid):
        try:
            os.fchown(descriptor, owner.uid, owner.gid)
        except OSError as error:
            raise UnsafeWriteError(
                f"{path}: cannot give it the session's owner (uid {owner.uid}, gid {owner.gid}):"
                f" {error.strerror}; nothing was changed. Run the repair as that user"
            ) from None
    os.fchmod(descriptor, owner.mode)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_backup(path: Path, data: bytes, owner: Ownership) -> Path:
    """Written whole to a temp file first, then given its name: a backup is never a fragment,
    even if the repair is killed while writing it."""
    temp = temp_name(path)
    write_new(temp, data, owner)
    try:
        for attempt in range(100):
            candidate = backup_name(path, time.time() + attempt * 1e-6, backup_checksum(data))
            if _link_without_overwrite(temp, candidate):
                _fsync_folder(path.parent)
                return candidate
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    raise UnsafeWriteError(f"{path}: could not find a free backup name")


def _link_without_overwrite(source: Path, target: Path) -> bool:
    """Give `source`'s file the name `target` unless that name is taken (then False)."""
    try:
        os.link(source, target)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if target.exists():  # a file system without hard links: rename, checked just before
            return False
        os.rename(source, target)
    return True


def temp_name(path: Path) -> Path:
    """`.<name>.session-lsp-<pid>-<ns>.tmp`: hidden, never a backup, and says whose it is."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{time.monotonic_ns()}.tmp")


def temp_files_of(path: Path) -> Iterator[Path]:
    prefix = f".{path.name}{TEMP_MARK}"
    with contextlib.suppress(OSError):
        for name in os.listdir(path.parent):
            if name.startswith(prefix) and name.endswith(".tmp"):
                yield path.parent / name


def stale_temp_files_of(path: Path) -> Iterator[Path]:
    """Temp files left by a repair that was killed: their process is gone. A live one's (another
    repair not honouring the lock, e.g. an older version) are left alone."""
    prefix = f".{path.name}{TEMP_MARK}"
    for temp in temp_files_of(path):
        owner = temp.name[len(prefix) :].split("-", 1)[0]
        if owner.isdigit() and not _process_exists(int(owner)):
            yield temp


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def replace_atomically(
    path: Path, data: bytes, original: bytes, snapshot: Snapshot, *, backup: bool
) -> Path | None:
    """Replace `path` with `data` if it is still as read; returns the backup written, if any.

    The file is always either the old or the new version: the new bytes go to a temp file in the
    same folder, are fsynced, and are renamed over the original in one step.
    """
    for stale in stale_temp_files_of(path):
        with contextlib.suppress(OSError):
            stale.unlink()
    temp = temp_name(path)
    try:
        write_new(temp, data, snapshot.owner)
        keep_modification_time(temp, snapshot.mtime_ns)
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
                    written = write_backup(path, original, snapshot.owner)
                    keep_modification_time(written, snapshot.mtime_ns)
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


def keep_modification_time(path: Path, mtime_ns: int) -> None:
    """Give a file we wrote the session's modification time: Claude Code picks the session for
    `--continue` and deletes old transcripts (`cleanupPeriodDays`) by that time, so a repair must
    neither make an old session the newest nor postpone its cleanup. A line Claude Code appends
    after the rename sets the time anew, as it should."""
    os.utime(path, ns=(time.time_ns(), mtime_ns), follow_symlinks=False)


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


def put_back(path: Path, backup: Path) -> None:
    """Rename `backup` over `path` (atomically); it is consumed, older ones remain."""
    try:
        os.replace(backup, path)
    except OSError as error:
        raise UnsafeWriteError(f"{path}: cannot restore {backup.name}: {error.strerror}") from None
    _fsync_folder(path.parent)
