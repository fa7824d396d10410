"""Replacing a session file safely: temp file, fsync, checks, atomic rename, backup beside it.

A session may be appended to by a running Claude Code at any moment, so the replace is guarded:
the file must be exactly as read (size, mtime, content hash) right before the rename, and bytes
appended to the old file in the instant between that check and the rename are carried over.
Two repairs of one session never overlap: each holds an advisory lock on the file while it works.
Every file written (repair, backup, fork) gets the session's owner, group and mode, whatever the
umask or the user running the repair.

Every change on disk goes through `session_lsp.fileops`, so that a test can record the exact order
of creates, writes, fsyncs, renames and links and check every state a power cut can leave
(tests/crash/, docs/crash-safety.md). Each name a reader can find (the repaired session, a
backup, a fork) only ever points at a file whose data was made durable first, and each such
name is made durable (the folder fsynced) before the next step relies on it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from session_lsp import fileops, locks
from session_lsp.core.analysis import LIVE_SECONDS
from session_lsp.processes import process_exists

TEMP_MARK = ".session-lsp-"
BACKUP_SUFFIX = ".bak"
LOCK_WAIT_SECONDS = 2.0
"""How long a second repair of the same session waits for the first before refusing."""
LATE_APPEND_WATCH_SECONDS = 0.1
"""How long the replaced file of a recently written session is watched for appends after the
rename: a writer that opened it just before the rename writes there a moment later."""
WINDOWS_REPLACE_RETRY_SECONDS = 1.0
"""How long a replace that Windows refuses because another program has the file open is tried
again: virus scanners, the search indexer and backup or sync tools open a file for a moment
without letting it be renamed over (SQLite retries its deletes on Windows for the same reason).
Claude Code itself does not stand in the way: Node.js opens files with delete sharing."""
_WINDOWS_NO_HARD_LINKS = {1, 50}
"""ERROR_INVALID_FUNCTION (FAT and exFAT drives) and ERROR_NOT_SUPPORTED (some network shares):
what CreateHardLink gives where a file system has no hard links."""
_WINDOWS_SHARING_ERRORS = {5, 32}
"""ERROR_ACCESS_DENIED (a handle opened without FILE_SHARE_DELETE, or a read-only file) and
ERROR_SHARING_VIOLATION: the `winerror` of the PermissionError Windows raises then."""


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
    """Who owns a session, its permission bits and its modification time: the repair, backup and
    fork get exactly these, so Claude Code running as that user can still append to the file, and
    a repair neither makes an old session the one `--continue` picks nor postpones its cleanup
    (Claude Code orders and deletes transcripts by modification time; docs/resume.md)."""

    uid: int
    gid: int
    mode: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result) -> Ownership:
        return cls(status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode), status.st_mtime_ns)

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
    ops = fileops.current()
    while True:
        _regular_file(path)
        try:
            descriptor = ops.open_for_lock(path)
        except OSError as error:
            raise UnsafeWriteError(f"{path}: cannot read: {error.strerror}") from None
        try:
            if ops.lock(descriptor) and _same_file(descriptor, path):
                break
        except BaseException:
            ops.close(descriptor)
            raise
        ops.close(descriptor)
        if time.monotonic() >= deadline:
            raise UnsafeWriteError(
                f"{path}: another session-lsp is repairing or restoring it (waited {wait:g}s);"
                " nothing was changed. Try again when it has finished"
            )
        time.sleep(0.02)
    try:
        yield
    finally:
        try:
            ops.unlock(descriptor)
        finally:
            ops.close(descriptor)


def _same_file(descriptor: int, path: Path) -> bool:
    """Still the file at `path`: the repair that held the lock may have renamed a new one over it."""
    try:
        status = path.lstat()
    except OSError:
        return False
    locked = os.fstat(descriptor)
    return (status.st_dev, status.st_ino) == (locked.st_dev, locked.st_ino)


def read_for_update(path: Path) -> tuple[bytes, Snapshot]:
    """Read a session that is about to be rewritten, as its bytes on disk; symbolic links are
    refused."""
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


def _refuse_if_changed(path: Path, snapshot: Snapshot) -> None:
    why = _unchanged(path, snapshot)
    if why is not None:
        raise UnsafeWriteError(
            f"{path}: not repaired: {why}. Claude Code may still be writing to it;"
            " try again when it has stopped"
        )


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
    """Create `path` (never overwriting) with `owner`'s ids, mode and modification time, write,
    fsync; remove it again if anything fails. The mode is set explicitly, so the umask cannot
    narrow it."""
    ops = fileops.current()
    descriptor = ops.open(path, fileops.CREATE_NEW, 0o600)
    try:
        try:
            _give(descriptor, owner, path)
            fileops.write_all(descriptor, data)
            ops.utime(path, (time.time_ns(), owner.mtime_ns), descriptor)
            ops.fsync(descriptor)
        finally:
            ops.close(descriptor)
    except BaseException:
        with contextlib.suppress(OSError):
            ops.unlink(path)
        raise


def _give(descriptor: int, owner: Ownership, path: Path) -> None:
    ops = fileops.current()
    status = os.fstat(descriptor)
    if (status.st_uid, status.st_gid) != (owner.uid, owner.gid):
        try:
            ops.fchown(descriptor, owner.uid, owner.gid)
        except OSError as error:
            raise UnsafeWriteError(
                f"{path}: cannot give it the session's owner (uid {owner.uid}, gid {owner.gid}):"
                f" {error.strerror}; nothing was changed. Run the repair as that user"
            ) from None
    ops.fchmod(descriptor, owner.mode)


def publish_new(session: Path, data: bytes, owner: Ownership, names: Iterable[Path]) -> Path | None:
    """Give `data` the first of `names` that is free, never overwriting; None if none is.

    The data goes to a temp file beside `session` (named after it, so the next repair of that
    session removes it if a crash leaves it), is made durable, and only then gets its name, which
    is made durable too: whoever finds the name, even after a power cut, finds the whole file."""
    ops = fileops.current()
    temp = temp_name(session)
    write_new(temp, data, owner)
    try:
        for candidate in names:
            if _link_without_overwrite(temp, candidate):
                ops.fsync_folder(candidate.parent)
                return candidate
    finally:
        with contextlib.suppress(OSError):
            ops.unlink(temp)
    return None


def write_backup(path: Path, data: bytes, owner: Ownership) -> Path:
    """A backup is never a fragment, even if the repair is killed or the power goes while
    writing it: it gets its name only once whole and durable."""
    checksum = backup_checksum(data)
    names = (backup_name(path, time.time() + attempt * 1e-6, checksum) for attempt in range(100))
    written = publish_new(path, data, owner, names)
    if written is None:
        raise UnsafeWriteError(f"{path}: could not find a free backup name")
    return written


def _link_without_overwrite(source: Path, target: Path) -> bool:
    """Give `source`'s file the name `target` unless that name is taken (then False)."""
    ops = fileops.current()
    try:
        ops.link(source, target)
    except FileExistsError:
        return False
    except OSError as error:
        no_links = error.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK)
        if not no_links and _winerror(error) not in _WINDOWS_NO_HARD_LINKS:
            raise
        if target.exists():  # a file system without hard links: rename, checked just before
            return False
        ops.rename(source, target)
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
    """Temp files left by a repair that was killed or cut off by a power loss: their process is
    gone, or they were last written before this boot (the process id in the name may belong to
    another process by now). A live one's (another repair not honouring the lock, e.g. an older
    version) are left alone."""
    prefix = f".{path.name}{TEMP_MARK}"
    booted = _boot_time()
    for temp in temp_files_of(path):
        owner = temp.name[len(prefix) :].split("-", 1)[0]
        if owner.isdigit() and (not process_exists(int(owner)) or _written_before(temp, booted)):
            yield temp


def remove_stale_temp_files(path: Path) -> None:
    ops = fileops.current()
    for stale in stale_temp_files_of(path):
        with contextlib.suppress(OSError):
            ops.unlink(stale)


def _boot_time() -> float | None:
    """When this machine started (wall clock), from a clock that counts time asleep; None where
    no such clock exists."""
    clock = getattr(time, "CLOCK_BOOTTIME", None)
    if clock is None and sys.platform == "darwin":
        clock = time.CLOCK_MONOTONIC  # macOS: counts from boot, sleep included
    if clock is None or sys.platform == "win32":  # Windows: no such clock in `time`
        return None
    try:
        return time.time() - time.clock_gettime(clock)
    except OSError:  # a kernel without that clock
        return None


def _written_before(temp: Path, moment: float | None) -> bool:
    if moment is None:
        return False
    try:
        return temp.lstat().st_mtime < moment - 1.0
    except OSError:
        return False


def replace_atomically(
    path: Path, data: bytes, original: bytes, snapshot: Snapshot, *, backup: bool
) -> Path | None:
    """Replace `path` with `data` if it is still as read; returns the backup written, if any.

    The file is always either the old or the new version: the new bytes go to a temp file in the
    same folder, are fsynced, and are renamed over the original in one step.
    """
    ops = fileops.current()
    temp = temp_name(path)
    try:
        write_new(temp, data, snapshot.owner)
    except OSError as error:
        raise UnsafeWriteError(
            f"{path}: cannot write the repaired file beside it ({error.strerror}); nothing was changed"
        ) from None
    try:
        try:
            # Opened as the lock is: Windows refuses to rename over a file open without delete
            # sharing, which Python's own `open` never grants.
            old = os.fdopen(locks.open_for_lock(path), "rb")
        except OSError as error:
            _refuse_if_changed(path, snapshot)  # a link now, say: that is the reason to give
            raise UnsafeWriteError(f"{path}: cannot reopen: {error.strerror}") from None
        with old:
            _refuse_if_changed(path, snapshot)
            written = None
            if backup:
                try:
                    written = write_backup(path, original, snapshot.owner)
                except OSError as error:
                    raise UnsafeWriteError(
                        f"{path}: cannot write a backup ({error.strerror}); nothing was changed"
                    ) from None
            replace_or_refuse(temp, path, snapshot.owner)
            ops.fsync_folder(path.parent)
            recent = time.time() - snapshot.mtime_ns / 1e9 < LIVE_SECONDS
            watch = LATE_APPEND_WATCH_SECONDS if recent else 0.0
            _carry_over_late_appends(old, snapshot.size, path, watch)
        return written
    finally:
        with contextlib.suppress(OSError):
            ops.unlink(temp)


def _carry_over_late_appends(handle: BinaryIO, size: int, path: Path, watch: float) -> None:
    """Lines appended to the old file between the last check and the rename are not lost.

    A writer that opened the old file just before the rename (Claude Code opens, then writes, a
    moment apart) appends to it after the rename: the old file is watched for `watch` seconds
    after it last grew. A writer that keeps it open longer still loses what it writes there, which
    is why a session written in the last seconds is refused unless forced."""
    carried = size
    started = time.monotonic()
    deadline = started + watch
    while True:
        grown = os.fstat(handle.fileno()).st_size
        if grown > carried:
            handle.seek(carried)
            late = handle.read(grown - carried)
            _append_durably(path, late)
            carried += len(late)
            deadline = min(time.monotonic() + watch, started + 10 * watch)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(remaining, 0.01))


def _append_durably(path: Path, data: bytes) -> None:
    ops = fileops.current()
    descriptor = ops.open(path, fileops.APPEND)
    try:
        fileops.write_all(descriptor, data)
        ops.fsync(descriptor)
    finally:
        ops.close(descriptor)


def replace_cache_file(path: Path, data: bytes) -> None:
    """Replace a file whose loss costs only time (the health cache): temp file, rename, no fsync.

    A power cut may leave the old file, the new one, or one empty, cut or zero-filled under the
    name: its reader must reject anything but a whole document (the cache's JSON does). Temp files
    a crash leaves behind are removed by the next write."""
    ops = fileops.current()
    ops.make_folders(path.parent)
    remove_stale_temp_files(path)
    temp = temp_name(path)
    descriptor = ops.open(temp, fileops.CREATE_NEW, 0o600)
    try:
        try:
            fileops.write_all(descriptor, data)
        finally:
            ops.close(descriptor)
        ops.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            ops.unlink(temp)
        raise


def put_back(path: Path, backup: Path) -> None:
    """Rename `backup` over `path` (atomically); it is consumed, older ones remain."""
    ops = fileops.current()
    try:
        owner = Ownership.of(path.lstat())
    except OSError:
        owner = None
    try:
        replace_or_refuse(backup, path, owner)
    except OSError as error:
        raise UnsafeWriteError(f"{path}: cannot restore {backup.name}: {error.strerror}") from None
    ops.fsync_folder(path.parent)


def replace_or_refuse(source: Path, target: Path, owner: Ownership | None) -> None:
    """Rename `source` over `target`. On Windows a program that has `target` open without delete
    sharing makes that fail: it is tried again for `WINDOWS_REPLACE_RETRY_SECONDS` (such opens are
    usually brief), then refused with a message saying so. Other errors are raised as they are."""
    ops = fileops.current()
    deadline = time.monotonic() + WINDOWS_REPLACE_RETRY_SECONDS
    pause = 0.02
    while True:
        try:
            ops.replace(source, target)
        except PermissionError as error:
            if sys.platform != "win32" or _winerror(error) not in _WINDOWS_SHARING_ERRORS:
                raise
            read_only = owner is not None and owner.read_only  # waiting will not change that
            if read_only or time.monotonic() + pause > deadline:
                raise UnsafeWriteError(_held_open(target, owner)) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.25)
        else:
            return


def _winerror(error: OSError) -> int | None:
    """The Windows error code behind `error` (an attribute only Windows' OSError has)."""
    code = getattr(error, "winerror", None)
    return code if isinstance(code, int) else None


def _held_open(target: Path, owner: Ownership | None) -> str:
    if owner is not None and owner.read_only:
        return (
            f"{target}: is read-only, and Windows does not let a read-only file be replaced;"
            " the session was not changed. Clear the attribute first (attrib -r), or use --fork"
        )
    return (
        f"{target}: Windows refused to replace it for {WINDOWS_REPLACE_RETRY_SECONDS:g}s: another"
        " program has it open without letting it be replaced (an editor, a virus scanner, a backup"
        " or sync tool); the session was not changed. Try again when that program has closed it"
    )
