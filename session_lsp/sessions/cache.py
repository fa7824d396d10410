"""What was learnt about each session file, kept between runs while the file is unchanged.

A listing analyses every session to tell its health; the cache makes a second listing of an
unchanged tree cost a `stat` per file. An entry is valid only for the exact (path, size,
mtime_ns, inode) it was computed from: a repair keeps the session's modification time (Claude
Code orders sessions by it) and can keep its size, but always renames a new file into place. The cache is a plain JSON file, replaced atomically; a corrupt or
unreadable cache is ignored (and rewritten), never an error, and so is an entry of the wrong shape.
It is read only when it is a regular file of at most `MAX_CACHE_BYTES` (a FIFO or a link to
`/dev/zero` put in its place must not hang or exhaust a listing), and it holds only the files of
the roots last listed (Claude Code's projects folder, Codex's sessions folder) that still exist: every listing loads all of it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import msgspec

from session_lsp.atomic import replace_cache_file
from session_lsp.files import read_regular_file

CACHE_FORMAT = 3
CACHE_NAME = "sessions.json"
MAX_CACHE_BYTES = 64 * 1024 * 1024
"""About 100,000 sessions' entries; a larger cache file is not ours, and is not read."""


@dataclass(slots=True)
class CachedFile:
    size: int
    mtime_ns: int
    inode: int
    session_id: str | None
    recorded_session_id: str | None
    project: str | None
    title: str | None
    first_activity: str | None
    last_activity: str | None
    version: str | None
    is_sidechain: bool
    errors: int
    warnings: int


def _entry(raw: object) -> CachedFile | None:
    """The entry when every field has its type (a title that is a list would crash a listing)."""
    try:
        return msgspec.convert(raw, CachedFile)
    except msgspec.ValidationError:
        return None


def _on_disk(path: str) -> bool:
    try:
        os.lstat(path)
    except (OSError, ValueError):
        return False
    return True


class SessionCache:
    def __init__(self, path: Path | None) -> None:
        """`path` None keeps the cache in memory only."""
        self._path = path
        self._entries: dict[str, CachedFile] = {}
        self._changed = False
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        data = read_regular_file(path, MAX_CACHE_BYTES + 1)
        if data is None or len(data) > MAX_CACHE_BYTES:
            return
        try:
            # `json`, not msgspec: the keys are file names, whose undecodable bytes are kept as
            # lone surrogates, which msgspec refuses to read back.
            document = json.loads(data)
        except (ValueError, RecursionError):
            return
        if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
            return
        files = document.get("files")
        if not isinstance(files, dict):
            return
        for key, raw in files.items():
            entry = _entry(raw)
            if entry is not None:
                self._entries[key] = entry

    def get(self, path: Path, status: os.stat_result) -> CachedFile | None:
        """The entry of `path` if it was computed from the file `status` describes."""
        entry = self._entries.get(str(path))
        if entry is None or (entry.size, entry.mtime_ns, entry.inode) != (
            status.st_size,
            status.st_mtime_ns,
            status.st_ino,
        ):
            return None
        return entry

    def put(self, path: Path, entry: CachedFile) -> None:
        self._entries[str(path)] = entry
        self._changed = True

    def keep_only(self, roots: Sequence[Path], folders: Sequence[Path], present: set[str]) -> None:
        """Drop every entry but those of files under the `roots` that still exist: under the
        `folders` just listed, those the listing found (`present`); elsewhere under a root, those
        on disk."""
        root_prefixes = tuple(str(root) + os.sep for root in roots)
        listed = tuple(str(folder) + os.sep for folder in folders)
        for key in list(self._entries):
            if key in present:
                continue
            if key.startswith(root_prefixes) and not key.startswith(listed) and _on_disk(key):
                continue
            del self._entries[key]
            self._changed = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is simply not kept."""
        if self._path is None or not self._changed:
            return
        document = {
            "format": CACHE_FORMAT,
            "files": {key: asdict(entry) for key, entry in self._entries.items()},
        }
        with contextlib.suppress(OSError):
            replace_cache_file(self._path, json.dumps(document, separators=(",", ":")).encode())
        self._changed = False
