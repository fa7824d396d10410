"""Recording what the real code does to the file system, through `session_lsp.fileops`.

The recorder follows names to files as the operations happen (a create makes a new file, a rename
moves a name, a link adds one), so that each write, fsync and chmod is tied to a file, not to a
name or a reusable descriptor. What the folders held before is the durable starting point.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from session_lsp import fileops


@dataclass(frozen=True, slots=True)
class Create:
    """A new name for a new, empty file (open with O_CREAT of a name that did not exist)."""

    name: str
    file: int
    mode: int


@dataclass(frozen=True, slots=True)
class Write:
    file: int
    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Sync:
    """fsync (F_FULLFSYNC on macOS) of a file: its data and metadata are durable once it returns."""

    file: int


@dataclass(frozen=True, slots=True)
class SyncFolder:
    """fsync of a folder: the creates, renames, links and unlinks in it are durable."""

    folder: str


@dataclass(frozen=True, slots=True)
class Rename:
    """rename or replace: `target` names the file `source` named; `source` goes."""

    source: str
    target: str
    file: int


@dataclass(frozen=True, slots=True)
class Link:
    source: str
    target: str
    file: int


@dataclass(frozen=True, slots=True)
class Unlink:
    name: str
    file: int


@dataclass(frozen=True, slots=True)
class Chmod:
    file: int
    mode: int


@dataclass(frozen=True, slots=True)
class Chown:
    file: int
    uid: int
    gid: int


@dataclass(frozen=True, slots=True)
class Utime:
    file: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Open:
    """An open of an existing file (nothing changes on disk; kept so the recording reads whole)."""

    name: str
    file: int


@dataclass(frozen=True, slots=True)
class Lock:
    """flock: held in memory only, gone after a crash: it changes nothing on disk."""

    file: int


@dataclass(frozen=True, slots=True)
class Close:
    file: int


Operation = (
    Create
    | Write
    | Sync
    | SyncFolder
    | Rename
    | Link
    | Unlink
    | Chmod
    | Chown
    | Utime
    | Open
    | Lock
    | Close
)
DIRECTORY_OPERATIONS = (Create, Rename, Link, Unlink)
FILE_OPERATIONS = (Write, Chmod, Chown, Utime)


@dataclass(slots=True)
class FileState:
    data: bytes
    mode: int
    mtime_ns: int


@dataclass(slots=True)
class Start:
    """The folders as they were before the recorded operation: all of it durable."""

    names: dict[str, int] = field(default_factory=dict)
    files: dict[int, FileState] = field(default_factory=dict)


class RecordingOps(fileops.FileOps):
    """Does each operation for real, and records it in order."""

    def __init__(self, *folders: Path) -> None:
        self.folders = [str(folder) for folder in folders]
        self.start = Start()
        self.operations: list[Operation] = []
        self._names: dict[str, int] = {}
        self._descriptors: dict[int, int] = {}
        self._next_file = 0
        for folder in folders:
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    status = path.stat()
                    file = self._new_file()
                    self.start.names[str(path)] = file
                    self.start.files[file] = FileState(
                        path.read_bytes(), stat.S_IMODE(status.st_mode), status.st_mtime_ns
                    )
        self._names = dict(self.start.names)

    def _new_file(self) -> int:
        self._next_file += 1
        return self._next_file

    def _watched(self, path: Path) -> bool:
        name = str(path)
        return any(name.startswith(folder + os.sep) for folder in self.folders)

    def _record(self, operation: Operation) -> None:
        self.operations.append(operation)

    def open(self, path: Path, flags: int, mode: int = 0o777) -> int:
        existed = os.path.lexists(path)
        descriptor = super().open(path, flags, mode)
        if not self._watched(path) or os.path.isdir(path):
            return descriptor
        name = str(path)
        if flags & os.O_CREAT and not existed:
            file = self._new_file()
            self._names[name] = file
            umask = os.umask(0)
            os.umask(umask)
            self._record(Create(name, file, mode & ~umask))
        else:
            file = self._names[name]
            self._record(Open(name, file))
        self._descriptors[descriptor] = file
        return descriptor

    def write(self, descriptor: int, data: bytes | memoryview) -> int:
        written = super().write(descriptor, data)
        file = self._descriptors.get(descriptor)
        if file is not None:
            end = os.lseek(descriptor, 0, os.SEEK_CUR)
            self._record(Write(file, end - written, bytes(data[:written])))
        return written

    def fsync(self, descriptor: int) -> None:
        super().fsync(descriptor)
        if descriptor in self._descriptors:
            self._record(Sync(self._descriptors[descriptor]))

    def fchmod(self, descriptor: int, mode: int) -> None:
        super().fchmod(descriptor, mode)
        if descriptor in self._descriptors:
            self._record(Chmod(self._descriptors[descriptor], mode))

    def fchown(self, descriptor: int, uid: int, gid: int) -> None:
        super().fchown(descriptor, uid, gid)
        if descriptor in self._descriptors:
            self._record(Chown(self._descriptors[descriptor], uid, gid))

    def utime(self, path: Path, ns: tuple[int, int], descriptor: int) -> None:
        super().utime(path, ns, descriptor)
        if self._watched(path):
            self._record(Utime(self._names[str(path)], ns[1]))

    def replace(self, source: Path, target: Path) -> None:
        super().replace(source, target)
        self._moved(source, target)

    def rename(self, source: Path, target: Path) -> None:
        super().rename(source, target)
        self._moved(source, target)

    def _moved(self, source: Path, target: Path) -> None:
        if self._watched(target):
            file = self._names.pop(str(source))
            self._names[str(target)] = file
            self._record(Rename(str(source), str(target), file))

    def link(self, source: Path, target: Path) -> None:
        super().link(source, target)
        if self._watched(target):
            file = self._names[str(source)]
            self._names[str(target)] = file
            self._record(Link(str(source), str(target), file))

    def unlink(self, path: Path) -> None:
        super().unlink(path)
        if self._watched(path):
            self._record(Unlink(str(path), self._names.pop(str(path))))

    def make_folders(self, folder: Path) -> None:
        if self._watched(folder) and not folder.is_dir():
            raise AssertionError(f"{folder}: a scenario must create its folders beforehand")
        super().make_folders(folder)

    def fsync_folder(self, folder: Path) -> None:
        super().fsync_folder(folder)
        if self._watched(folder / "x") or str(folder) in self.folders:
            self._record(SyncFolder(str(folder)))

    def lock(self, descriptor: int) -> bool:
        locked = super().lock(descriptor)
        if locked and descriptor in self._descriptors:
            self._record(Lock(self._descriptors[descriptor]))
        return locked

    def close(self, descriptor: int) -> None:
        super().close(descriptor)
        file = self._descriptors.pop(descriptor, None)
        if file is not None:
            self._record(Close(file))
