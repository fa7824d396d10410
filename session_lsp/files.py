"""Finding and reading session files on disk, with clear errors instead of tracebacks."""

from __future__ import annotations

import mmap
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK


class SessionFileError(Exception):
    """A path that cannot be used, with a message meant for the user."""


@dataclass(frozen=True, slots=True)
class SessionFile:
    path: Path
    data: bytes | mmap.mmap
    """Memory-mapped when possible: a 100 MB session is then read once, by the decoder."""
    modified_seconds_ago: float
    size: int
    mtime_ns: int


def find_session_files(argument: str) -> Iterator[Path | SessionFileError]:
    """A file as given, or every `*.jsonl` below a folder (sorted, symlinked folders not followed).

    Every folder that cannot be listed is reported, the last one walked included.
    """
    if not argument:
        yield SessionFileError("an empty PATH names no file or folder")
        return
    path = Path(argument)
    if not path.exists():
        yield SessionFileError(f"{argument}: no such file or folder")
        return
    if not path.is_dir():
        yield path
        return
    errors: list[OSError] = []
    for folder, folders, names in os.walk(path, onerror=errors.append):
        yield from _folder_errors(errors)
        folders.sort()
        for name in sorted(names):
            if name.endswith(".jsonl"):
                yield Path(folder) / name
    yield from _folder_errors(errors)


def _folder_errors(errors: list[OSError]) -> Iterator[SessionFileError]:
    while errors:
        error = errors.pop(0)
        yield SessionFileError(f"{error.filename}: cannot read folder: {error.strerror}")


def read_session_file(path: Path) -> SessionFile:
    """Only regular files are read: a FIFO would block forever, `/dev/zero` never ends."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except IsADirectoryError:
        raise SessionFileError(f"{path}: is a folder, not a session file") from None
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
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data: bytes | mmap.mmap
            if stat.st_size > 0:
                data = mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ)
            else:
                data = handle.read()
    except OSError as error:
        raise SessionFileError(f"{path}: cannot read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    age = max(0.0, time.time() - stat.st_mtime)
    return SessionFile(path, data, age, stat.st_size, stat.st_mtime_ns)


def _kind(mode: int) -> str:
    if S_ISFIFO(mode):
        return "a FIFO"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "a device"
    if S_ISSOCK(mode):
        return "a socket"
    return "not a file"
