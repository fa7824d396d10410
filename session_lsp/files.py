"""Finding and reading session files on disk, with clear errors instead of tracebacks."""

from __future__ import annotations

import mmap
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG


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
    """A file as given, or every `*.jsonl` below a folder (sorted, symlinked folders not followed)."""
    path = Path(argument)
    if not path.exists():
        yield SessionFileError(f"{argument}: no such file or folder")
        return
    if not path.is_dir():
        yield path
        return
    errors: list[OSError] = []
    for folder, folders, names in os.walk(path, onerror=errors.append):
        folders.sort()
        for name in sorted(names):
            if name.endswith(".jsonl"):
                yield Path(folder) / name
        while errors:
            error = errors.pop()
            yield SessionFileError(f"{error.filename}: cannot read folder: {error.strerror}")


def read_session_file(path: Path) -> SessionFile:
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            data: bytes | mmap.mmap
            if stat.st_size > 0 and S_ISREG(stat.st_mode):
                data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            else:
                data = handle.read()
    except IsADirectoryError:
        raise SessionFileError(f"{path}: is a folder, not a session file") from None
    except OSError as error:
        raise SessionFileError(f"{path}: cannot read: {error.strerror or error}") from None
    age = max(0.0, time.time() - stat.st_mtime)
    return SessionFile(path, data, age, stat.st_size, stat.st_mtime_ns)
