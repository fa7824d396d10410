"""Every state a power cut can leave, from a recording, under a deliberately pessimistic model.

The model (docs/crash-safety.md says why it is conservative for ext4 data=ordered, XFS and APFS):

* The crash comes after any number k of the recorded operations.
* An operation on a file's data or metadata (write, chmod, chown, utime) is durable once an
  fsync of that same file has completed after it; a create, rename, link or unlink once an fsync
  of its folder has completed after it. Nothing else is a barrier: an fsync of a file does not
  make its name durable, an fsync of a folder does not make any file's data durable.
* Of the operations that are not durable, any subset may have reached the disk, in any order
  between files and between names (the names then hold what that subset of operations, applied
  in recorded order, gives them).
* A write that is not durable reaches the disk in sector-sized pieces (512 bytes, aligned): each
  piece arrived, did not, or holds garbage (a sector torn by the drive, as SQLite's crash layer
  simulates); the file's size is its durable size, its size after any one of its later
  writes, or any sector boundary in between, whatever pieces arrived (a size that arrived before
  the data reads as NUL bytes, a size that did not cuts the file). Appends thus arrive in order
  and may be cut, or may not.

A file that only temp names point to is opaque: no command reads a temp file (the next repair
removes it by name), so its content variants are counted but checked through one of them.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.crash.recorder import (
    DIRECTORY_OPERATIONS,
    FILE_OPERATIONS,
    Chmod,
    Chown,
    Create,
    FileState,
    Link,
    Operation,
    Rename,
    Start,
    Sync,
    SyncFolder,
    Unlink,
    Utime,
    Write,
)

SECTOR = 512
WRITTEN_BEFORE_THE_CRASH_NS = 946_684_800 * 10**9
"""The modification time of every file a recorded operation touched (2000-01-01): before this
boot, as after a real power cut, and older than the 10-second live rule."""


@dataclass(frozen=True, slots=True)
class CrashState:
    after: int
    """How many recorded operations had happened when the power went."""
    names: dict[str, FileState]
    signature: tuple[object, ...]
    """Equal for states no command can tell apart (opaque files collapsed)."""


@dataclass(slots=True)
class Counts:
    states: int = 0
    """Every state the model allows, content variants of opaque files included."""
    checked: int = 0
    """States materialised and checked (opaque files collapsed, then deduplicated)."""
    per_operation: list[int] = field(default_factory=list)


def _folder(name: str) -> str:
    return os.path.dirname(name)


def _durable(operations: list[Operation], k: int) -> tuple[set[int], list[int]]:
    """Indexes of operations before `k` made durable by a barrier before `k`, and the others."""
    durable: set[int] = set()
    pending: list[int] = []
    for index in range(k):
        operation = operations[index]
        if isinstance(operation, (*DIRECTORY_OPERATIONS, *FILE_OPERATIONS)):
            if _barrier_after(operations, index, k):
                durable.add(index)
            else:
                pending.append(index)
    return durable, pending


def _barrier_after(operations: list[Operation], index: int, k: int) -> bool:
    operation = operations[index]
    for later in operations[index + 1 : k]:
        if isinstance(operation, DIRECTORY_OPERATIONS):
            names = (
                (operation.source, operation.target)
                if isinstance(operation, (Rename, Link))
                else (operation.name,)
            )
            if isinstance(later, SyncFolder) and all(_folder(n) == later.folder for n in names):
                return True
        elif isinstance(later, Sync) and later.file == operation.file:
            return True
    return False


def _apply_names(names: dict[str, int], operations: list[Operation], chosen: list[int]) -> None:
    for index in chosen:
        operation = operations[index]
        if isinstance(operation, Create):
            names[operation.name] = operation.file
        elif isinstance(operation, Rename):
            if names.get(operation.source) == operation.file:
                del names[operation.source]
            names[operation.target] = operation.file
        elif isinstance(operation, Link):
            names[operation.target] = operation.file
        elif isinstance(operation, Unlink) and names.get(operation.name) == operation.file:
            del names[operation.name]


@dataclass(slots=True)
class _FileHistory:
    """One file's durable state at the crash and its operations that may or may not have landed."""

    durable: FileState
    touched: bool
    writes: list[Write]
    metadata: list[Chmod | Chown | Utime]

    def variants(self, chooser: random.Random | None, limit: int) -> list[FileState]:
        sizes = sorted({len(self.durable.data), *self._sizes()})
        pieces = [piece for write in self.writes for piece in _pieces(write)]
        metadata = list(itertools.product((False, True), repeat=len(self.metadata)))
        total = len(sizes) * len(_FATES) ** len(pieces) * len(metadata)
        if chooser is None or total <= limit:
            combinations: list[tuple[int, tuple[int, ...], tuple[bool, ...]]] = [
                (size, fates, kept)
                for size in sizes
                for fates in itertools.product(_FATES, repeat=len(pieces))
                for kept in metadata
            ]
        else:
            extremes = [
                (sizes[-1], (ARRIVED,) * len(pieces), metadata[-1]),
                (sizes[-1], (LOST,) * len(pieces), metadata[0]),
                (sizes[0], (LOST,) * len(pieces), metadata[0]),
            ]
            combinations = extremes + [
                (
                    chooser.choice(sizes),
                    tuple(chooser.choice(_FATES) for _ in pieces),
                    chooser.choice(metadata),
                )
                for _ in range(limit - len(extremes))
            ]
        return [self._state(size, present, kept, pieces) for size, present, kept in combinations]

    def count(self) -> int:
        sizes = {len(self.durable.data), *self._sizes()}
        pieces = sum(len(_pieces(write)) for write in self.writes)
        return len(sizes) * len(_FATES) ** pieces * 2 ** len(self.metadata)

    def complete(self) -> FileState:
        sizes = [len(self.durable.data), *self._sizes()]
        pieces = [piece for write in self.writes for piece in _pieces(write)]
        return self._state(
            max(sizes), (ARRIVED,) * len(pieces), (True,) * len(self.metadata), pieces
        )

    def _sizes(self) -> list[int]:
        """After each write, and at each sector boundary on the way: a file system that writes
        back part of an append saves the size up to what it wrote (ext4's i_disksize)."""
        durable = len(self.durable.data)
        size = durable
        sizes = []
        for write in self.writes:
            size = max(size, write.offset + len(write.data))
            sizes.append(size)
        sizes += range((durable // SECTOR + 1) * SECTOR, size, SECTOR)
        return sizes

    def _state(
        self,
        size: int,
        fates: tuple[int, ...],
        kept: tuple[bool, ...],
        pieces: list[tuple[int, bytes]] | None = None,
    ) -> FileState:
        pieces = pieces if pieces is not None else [p for w in self.writes for p in _pieces(w)]
        data = bytearray(self.durable.data[:size].ljust(size, b"\0"))
        for (offset, chunk), fate in zip(pieces, fates, strict=True):
            if fate != LOST and offset < size:
                landed = chunk if fate == ARRIVED else _garbage(offset, len(chunk))
                data[offset : offset + len(chunk)] = landed[: size - offset]
        mode, mtime = self.durable.mode, self.durable.mtime_ns
        if self.touched or any(fate != LOST for fate in fates):
            mtime = WRITTEN_BEFORE_THE_CRASH_NS
        for operation, landed in zip(self.metadata, kept, strict=True):
            if landed and isinstance(operation, Chmod):
                mode = operation.mode
            elif landed and isinstance(operation, Utime):
                mtime = operation.mtime_ns
        return FileState(bytes(data[:size]), mode, mtime)


LOST, ARRIVED, GARBAGE = 0, 1, 2
_FATES = (LOST, ARRIVED, GARBAGE)


def _garbage(offset: int, length: int) -> bytes:
    """What a torn sector holds: arbitrary bytes, the same for the same place in every run."""
    return random.Random(offset).randbytes(length)


def _pieces(write: Write) -> list[tuple[int, bytes]]:
    pieces = []
    offset = write.offset
    end = write.offset + len(write.data)
    while offset < end:
        boundary = min(end, (offset // SECTOR + 1) * SECTOR)
        pieces.append((offset, write.data[offset - write.offset : boundary - write.offset]))
        offset = boundary
    return pieces


def _histories(
    start: Start, operations: list[Operation], k: int, durable: set[int]
) -> dict[int, _FileHistory]:
    histories: dict[int, _FileHistory] = {}

    def history(file: int) -> _FileHistory:
        if file not in histories:
            initial = start.files.get(file)
            touched = initial is None
            histories[file] = _FileHistory(
                initial or FileState(b"", 0o600, WRITTEN_BEFORE_THE_CRASH_NS), touched, [], []
            )
        return histories[file]

    for index in range(k):
        operation = operations[index]
        if isinstance(operation, Create):
            history(operation.file).durable.mode = operation.mode
        elif isinstance(operation, (Write, Chmod, Chown, Utime)):
            entry = history(operation.file)
            if index in durable:
                entry.durable = _applied(entry.durable, operation)
                entry.touched = True
            elif isinstance(operation, Write):
                entry.writes.append(operation)
            else:
                entry.metadata.append(operation)
    return histories


def _applied(state: FileState, operation: Write | Chmod | Chown | Utime) -> FileState:
    if isinstance(operation, Write):
        end = operation.offset + len(operation.data)
        data = bytearray(state.data.ljust(end, b"\0"))
        data[operation.offset : end] = operation.data
        return FileState(bytes(data), state.mode, WRITTEN_BEFORE_THE_CRASH_NS)
    if isinstance(operation, Chmod):
        return FileState(state.data, operation.mode, state.mtime_ns)
    if isinstance(operation, Utime):
        return FileState(state.data, state.mode, operation.mtime_ns)
    return state


def crash_states(
    start: Start,
    operations: list[Operation],
    *,
    opaque: Callable[[str], bool],
    counts: Counts,
    sample: random.Random | None = None,
    per_file_limit: int = 60,
) -> Iterator[CrashState]:
    """Every state (or, with `sample`, a seeded sample of each file's variants) after each of the
    recorded operations, each distinct one once; `counts` is filled as they are produced."""
    seen: set[tuple[object, ...]] = set()
    counts.per_operation = []
    for k in range(len(operations) + 1):
        durable, pending = _durable(operations, k)
        histories = _histories(start, operations, k, durable)
        pending_names = [i for i in pending if isinstance(operations[i], DIRECTORY_OPERATIONS)]
        durable_names = sorted(
            i for i in durable if isinstance(operations[i], DIRECTORY_OPERATIONS)
        )
        here = 0
        for chosen in itertools.product((False, True), repeat=len(pending_names)):
            names = dict(start.names)
            landed = sorted(
                durable_names + [i for i, c in zip(pending_names, chosen, strict=True) if c]
            )
            _apply_names(names, operations, landed)
            reachable = sorted(set(names.values()))
            visible = {file for name, file in names.items() if not opaque(name)}
            choices: list[list[FileState]] = []
            states = 1
            for file in reachable:
                entry = histories.get(file) or _FileHistory(start.files[file], False, [], [])
                states *= entry.count()
                if file in visible:
                    choices.append(entry.variants(sample, per_file_limit))
                else:
                    choices.append([entry.complete()])
            here += states
            for contents in itertools.product(*choices):
                by_file = dict(zip(reachable, contents, strict=True))
                named = {name: by_file[file] for name, file in names.items()}
                signature = tuple(
                    sorted(
                        (name, None if opaque(name) else (state.data, state.mode))
                        for name, state in named.items()
                    )
                )
                if signature in seen:
                    continue
                seen.add(signature)
                counts.checked += 1
                yield CrashState(k, named, signature)
        counts.states += here
        counts.per_operation.append(here)


def materialise(state: CrashState, folders: list[Path]) -> None:
    """Make `folders` hold exactly what the state holds (the folders themselves stay)."""
    for folder in folders:
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
    for name, file in sorted(state.names.items()):
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.data)
        os.chmod(path, file.mode)
        os.utime(path, ns=(file.mtime_ns, file.mtime_ns))
