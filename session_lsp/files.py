"""Finding and reading session files on disk, with clear errors instead of tracebacks."""

from __future__ import annotations

import mmap
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK

from session_lsp.compressed import SUFFIXES, compression_of, decompressed
from session_lsp.fileops import READ_ANY

SESSION_NAME_ENDINGS = (".jsonl", *(f".jsonl{suffix}" for suffix in SUFFIXES.values()))
"""What a session file's name ends with in a folder: plain, or kept compressed."""
MAX_SESSION_BYTES = 256 * 1024 * 1024
"""The largest file read as a session. Claude Code's own sessions stay far below it (its loader
reads whole files, and reports of 150 MB are rare); a larger file is a hostile or broken one
(a sparse file of NUL bytes, one endless line) whose analysis would need several times its size in
memory, so it is refused with its size instead."""


MAP_SESSIONS = sys.platform != "win32"
"""Whether a session is memory-mapped rather than read. Not on Windows: there a file with a
mapped view cannot be replaced or deleted until the view is gone (the JDK's long-standing
JDK-4724038), so a session the language server holds mapped could not be repaired by the CLI."""


RECENTLY_WRITTEN_SECONDS = 10.0
"""A file modified within this many seconds is read into memory, not mapped. A mapped file that a
writer truncates in place kills its reader with SIGBUS when it touches the pages cut off, and
the writers of a session do truncate in place: Claude Code itself, when it removes the message
of a failed streaming attempt (`removeMessageByUuid`: an `ftruncate` of the tail, or the whole
file written again), and an editor saving it (VS Code writes over the file). Both write a file
that was written moments before, so a file quiet for longer is mapped."""


class SessionFileError(Exception):
    """A path that cannot be used, with a message meant for the user."""


def exists(path: Path) -> bool:
    """Whether `path` names something; never raises. A name over 255 bytes, a NUL byte, a
    self-referencing symbolic link or a folder that cannot be searched all name nothing usable."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def is_folder(path: Path) -> bool:
    """Whether `path` is a folder (or a link to one); never raises, like `exists`."""
    try:
        return S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_file_entry(entry: os.DirEntry[str]) -> bool:
    """A file or a symbolic link (to anything: what it names is judged when it is read, so a
    dangling or self-referencing link is listed as unreadable rather than breaking the scan)."""
    try:
        return entry.is_symlink() or entry.is_file()
    except OSError:
        return False


def is_folder_entry(entry: os.DirEntry[str]) -> bool:
    """A folder, or a link to one; never raises (a link to itself is neither)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def too_large(path: Path, size: int) -> SessionFileError | None:
    """The refusal for a file over `MAX_SESSION_BYTES`, else None."""
    if size <= MAX_SESSION_BYTES:
        return None
    return SessionFileError(
        f"{path}: {size / 1024**3:.1f} GB, larger than the"
        f" {MAX_SESSION_BYTES // 1024**2} MB session-lsp reads as a session: not read"
    )


def read_regular_file(path: Path, limit: int) -> bytes | None:
    """The first `limit` bytes of `path` when it is a regular file (through symbolic links),
    else None; never blocks on a FIFO, never reads a device, never raises."""
    try:
        descriptor = os.open(path, READ_ANY)
    except (OSError, ValueError):
        return None
    try:
        if not S_ISREG(os.fstat(descriptor).st_mode):
            return None
        chunks: list[bytes] = []
        wanted = limit
        while wanted > 0:
            chunk = os.read(descriptor, min(wanted, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


@dataclass(frozen=True, slots=True)
class SessionFile:
    path: Path
    data: bytes | mmap.mmap
    """Memory-mapped when possible: a 100 MB session is then read once, by the decoder."""
    size: int
    mtime_ns: int
    inode: int
    """With size and modification time, what tells this file from the one a repair put in its
    place: a repair keeps the modification time, and may keep the size, but renames a new file
    over the old one."""
    compression: str | None = None
    """`zstd`, `gzip`, `xz` or `bzip2` for a file kept compressed, whose `data` is the decoded
    text (`size` stays the file's own)."""


def find_session_files(argument: str) -> Iterator[Path | SessionFileError]:
    """A file as given, or every session file below a folder (`*.jsonl`, or one of them kept
    compressed as `*.jsonl.zst` and the like: Codex's archived rollouts come back to `sessions/`
    so), sorted, symlinked folders not followed.

    Every folder that cannot be listed is reported, the last one walked included.
    """
    if not argument:
        yield SessionFileError("an empty PATH names no file or folder")
        return
    path = Path(argument)
    problem = _unusable(path)
    if problem is not None:
        yield SessionFileError(f"{argument}: {problem}")
        return
    if not is_folder(path):
        yield path
        return
    errors: list[OSError] = []
    for folder, folders, names in os.walk(path, onerror=errors.append):
        yield from _folder_errors(errors)
        folders.sort()
        for name in sorted(names):
            if name.endswith(SESSION_NAME_ENDINGS):
                yield Path(folder) / name
    yield from _folder_errors(errors)


def _unusable(path: Path) -> str | None:
    try:
        os.stat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except ValueError:
        return "a path with a NUL byte names no file"
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    return None


def _folder_errors(errors: list[OSError]) -> Iterator[SessionFileError]:
    while errors:
        error = errors.pop(0)
        yield SessionFileError(f"{error.filename}: cannot read folder: {error.strerror}")


def read_session_file(
    path: Path, *, quiet_seconds: float = RECENTLY_WRITTEN_SECONDS
) -> SessionFile:
    """Only regular files are read: a FIFO would block forever, `/dev/zero` never ends. A
    compressed file is read decompressed (`compressed.py`).

    `quiet_seconds`: a file modified more recently than this is read into memory rather than
    mapped (`RECENTLY_WRITTEN_SECONDS` says why). Reading costs about 50 ms per 100 MB more than
    a mapping."""
    try:
        descriptor = os.open(path, READ_ANY)
    except IsADirectoryError:
        raise SessionFileError(f"{path}: is a folder, not a session file") from None
    except PermissionError as error:  # what Windows raises for a folder
        if is_folder(path):
            raise SessionFileError(f"{path}: is a folder, not a session file") from None
        raise SessionFileError(f"{path}: cannot read: {error.strerror or error}") from None
    except OSError as error:
        raise SessionFileError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError:
        raise SessionFileError(f"{path!r}: a path with a NUL byte names no file") from None
    try:
        stat = os.fstat(descriptor)
        if S_ISDIR(stat.st_mode):
            raise SessionFileError(f"{path}: is a folder, not a session file")
        if not S_ISREG(stat.st_mode):
            raise SessionFileError(f"{path}: not a regular file ({_kind(stat.st_mode)}): not read")
        refusal = too_large(path, stat.st_size)
        if refusal is not None:
            raise refusal
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data: bytes | mmap.mmap
            quiet = time.time() - stat.st_mtime >= quiet_seconds
            if stat.st_size > 0 and MAP_SESSIONS and quiet:
                data = mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ)
            else:
                data = handle.read()
    except OSError as error:
        raise SessionFileError(f"{path}: cannot read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    data, compression = as_text(path, data)
    return SessionFile(path, data, stat.st_size, stat.st_mtime_ns, stat.st_ino, compression)


def as_text(path: Path, data: bytes | mmap.mmap) -> tuple[bytes | mmap.mmap, str | None]:
    """The file's text and the compression it was kept in (None: `data` is the text)."""
    compression = compression_of(data)
    if compression is None:
        return data, None
    try:
        return decompressed(path, data, compression, MAX_SESSION_BYTES), compression
    except ValueError as error:
        raise SessionFileError(str(error)) from None


def _kind(mode: int) -> str:
    if S_ISFIFO(mode):
        return "a FIFO"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "a device"
    if S_ISSOCK(mode):
        return "a socket"
    return "not a file"
