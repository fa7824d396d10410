"""Turning what a user types into a session file: a path, a session id, an id prefix, or --last.

`--last` is the session `claude --continue` picks in a directory: the most recently written main
session of that directory's project folder (never a sub-agent transcript).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from session_lsp.files import exists, is_file_entry, is_folder_entry, read_regular_file
from session_lsp.sessions.discovery import AGENT_PREFIX
from session_lsp.sessions.locations import (
    canonical_cwd,
    project_folder,
    project_folder_name,
    projects_root,
)
from session_lsp.sessions.metadata import read_metadata

MIN_PREFIX = 8
_ID_LIKE = re.compile(r"^[0-9A-Fa-f][0-9A-Fa-f-]*$")
_HEAD_BYTES = 65536


class SessionNameError(Exception):
    """The name does not pick exactly one session; the message says why, in one line."""


def looks_like_session_id(name: str) -> bool:
    return _ID_LIKE.match(name) is not None


def main_session_files(folder: Path) -> list[Path]:
    """The `*.jsonl` files directly in a project folder that are not named as agent transcripts."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return sorted(
        Path(entry.path)
        for entry in entries
        if entry.name.endswith(".jsonl")
        and not entry.name.startswith((AGENT_PREFIX, "."))
        and is_file_entry(entry)
    )


def _starts_as_sidechain(path: Path) -> bool:
    head = read_regular_file(path, _HEAD_BYTES)
    return head is not None and read_metadata(head, path.stem).is_sidechain


def project_sessions_folder(cwd: Path | None = None, root: Path | None = None) -> Path:
    """The project folder holding the sessions started in `cwd` (default: the current one)."""
    root = root if root is not None else projects_root()
    try:
        folder = project_folder(cwd, root)
    except FileNotFoundError:
        raise SessionNameError(
            "the current directory no longer exists, so it has no sessions:"
            " change to an existing one, or name the session by its id"
        ) from None
    if folder is None:
        directory = canonical_cwd(cwd)
        raise SessionNameError(
            f"no Claude Code sessions for {directory}"
            f" (looked for {root / project_folder_name(directory)})"
        )
    return folder


def last_session(cwd: Path | None = None, root: Path | None = None) -> Path:
    """The session `claude --continue` would resume in `cwd`."""
    folder = project_sessions_folder(cwd, root)

    def modified(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return -1

    for path in sorted(main_session_files(folder), key=modified, reverse=True):
        if not _starts_as_sidechain(path):
            return path
    raise SessionNameError(f"no Claude Code sessions in {folder}")


def _sessions_named(prefix: str, root: Path) -> list[Path]:
    wanted = prefix.lower()
    try:
        folders = sorted(Path(entry.path) for entry in os.scandir(root) if is_folder_entry(entry))
    except OSError as error:
        raise SessionNameError(
            f"{root}: cannot read the sessions folder: {error.strerror}"
        ) from None
    exact: list[Path] = []
    matches: list[Path] = []
    for folder in folders:
        for path in main_session_files(folder):
            stem = path.stem.lower()
            if stem == wanted:
                exact.append(path)
            elif stem.startswith(wanted):
                matches.append(path)
    return exact or matches


def resolve_session(
    name: str | None = None,
    *,
    last: bool = False,
    root: Path | None = None,
    cwd: Path | None = None,
) -> Path:
    """The session file a user means by `name` (an existing path, a session id, or a unique id
    prefix of 8 characters or more), or by `last`. Raises SessionNameError with one line."""
    root = root if root is not None else projects_root()
    if last or name is None:
        return last_session(cwd, root)
    if exists(Path(name)):
        return Path(name)
    if not looks_like_session_id(name):
        raise SessionNameError(f"{name}: no such file, folder or session id")
    if len(name) < MIN_PREFIX:
        raise SessionNameError(
            f"{name}: no such file, and a session id prefix needs at least {MIN_PREFIX} characters"
        )
    found = _sessions_named(name, root)
    if not found:
        raise SessionNameError(f"{name}: no session with this id under {root}")
    if len(found) > 1:
        shown = ", ".join(f"{path.stem} ({path.parent.name})" for path in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        raise SessionNameError(f"{name}: ambiguous, matches {len(found)} sessions: {shown}{more}")
    return found[0]
