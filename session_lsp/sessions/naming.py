"""Turning what a user types into a session file: a path, a session id, an id prefix, or --last.

`--last` is the session `claude --continue` picks in a directory, by Claude Code's own rule
(`continue_candidates`): the most recently modified `<uuid>.jsonl` of that directory's project
folder that is not a sub-agent's or an agent team's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from session_lsp.sessions.discovery import AGENT_PREFIX, continue_order
from session_lsp.sessions.locations import (
    canonical_cwd,
    project_folder,
    project_folder_name,
    projects_root,
)

MIN_PREFIX = 8
_ID_LIKE = re.compile(r"^[0-9A-Fa-f][0-9A-Fa-f-]*$")
_HEAD_BYTES = 65536
_UUID_FILE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\.jsonl"
)
_SIDECHAIN = re.compile(rb'"isSidechain": ?true')
_TEAM = re.compile(rb'"teamName": ?"(?:[^"\\]|\\.)')


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
        and (entry.is_file() or entry.is_symlink())
    )


def _hidden_from_continue(path: Path) -> bool:
    """Claude Code's `--continue` skips a file whose first 64 KB say it is a sub-agent's
    (`"isSidechain":true` anywhere in them) or an agent team's (a non-empty `teamName`):
    `readLiteMetadata` and `enrichLog` in its `src/utils/sessionStorage.ts` (2.1.88)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return True
    try:
        head = os.read(descriptor, _HEAD_BYTES)
    except OSError:
        return True
    finally:
        os.close(descriptor)
    return _SIDECHAIN.search(head) is not None or _TEAM.search(head) is not None


def continue_candidates(folder: Path) -> list[Path]:
    """The files `claude --continue` chooses from, in its order: regular files (not symbolic
    links) named `<uuid>.jsonl` directly in the project folder, newest modification first."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found: list[tuple[tuple[int, str], Path]] = []
    for entry in entries:
        if _UUID_FILE.fullmatch(entry.name) is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            mtime_ns = entry.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            continue
        path = Path(entry.path)
        found.append((continue_order(mtime_ns, path), path))
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [path for _, path in found]


def project_sessions_folder(cwd: Path | None = None, root: Path | None = None) -> Path:
    """The project folder holding the sessions started in `cwd` (default: the current one)."""
    root = root if root is not None else projects_root()
    folder = project_folder(cwd, root)
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
    for path in continue_candidates(folder):
        if not _hidden_from_continue(path):
            return path
    raise SessionNameError(f"no Claude Code sessions in {folder}")


def _sessions_named(prefix: str, root: Path) -> list[Path]:
    wanted = prefix.lower()
    try:
        folders = sorted(Path(entry.path) for entry in os.scandir(root) if entry.is_dir())
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
    if Path(name).exists():
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
