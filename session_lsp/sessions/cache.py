"""What was learnt about each session file, kept between runs while the file is unchanged.

A listing analyses every session to tell its health; the cache makes a second listing of an
unchanged tree cost a `stat` per file. An entry is valid only for the exact (path, size,
mtime_ns) it was computed from. The cache is a plain JSON file, replaced atomically; a corrupt or
unreadable cache is ignored (and rewritten), never an error.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from session_lsp.atomic import replace_cache_file

CACHE_FORMAT = 2
CACHE_NAME = "sessions.json"


@dataclass(slots=True)
class CachedFile:
    size: int
    mtime_ns: int
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


def _entry(raw: Any) -> CachedFile | None:
    try:
        entry = CachedFile(**raw)
    except TypeError:
        return None
    ints = (entry.size, entry.mtime_ns, entry.errors, entry.warnings)
    if not all(isinstance(value, int) for value in ints):
        return None
    return entry


class SessionCache:
    def __init__(self, path: Path | None) -> None:
        """`path` None keeps the cache in memory only."""
        self._path = path
        self._entries: dict[str, CachedFile] = {}
        self._changed = False
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            document = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return
        if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
            return
        files = document.get("files")
        if not isinstance(files, dict):
            return
        for key, raw in files.items():
            entry = _entry(raw) if isinstance(raw, dict) else None
            if entry is not None:
                self._entries[key] = entry

    def get(self, path: Path, size: int, mtime_ns: int) -> CachedFile | None:
        entry = self._entries.get(str(path))
        if entry is None or entry.size != size or entry.mtime_ns != mtime_ns:
            return None
        return entry

    def put(self, path: Path, entry: CachedFile) -> None:
        self._entries[str(path)] = entry
        self._changed = True

    def forget_missing(self, folders: list[Path], present: set[str]) -> None:
        """Drop entries of files under `folders` that the listing no longer found."""
        prefixes = tuple(str(folder) + os.sep for folder in folders)
        for key in [key for key in self._entries if key.startswith(prefixes)]:
            if key not in present:
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
