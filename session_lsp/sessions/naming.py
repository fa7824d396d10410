"""Turning what a user types into a session file: a path, a session id, an id prefix, or --last.

An id names a Claude Code session (`<id>.jsonl` in a project folder) or a Codex rollout (the id in
its file name, as `codex resume <id>` finds it under `$CODEX_HOME/sessions`).

`--last` is the session `claude --continue` picks in a directory, by Claude Code's own rule
(`continue_candidates`): the most recently modified `<uuid>.jsonl` of that directory's project
folder that is not a sub-agent's or an agent team's. Where Claude Code has none, it is the rollout
`codex resume --last` picks there: the most recently modified one started in that directory from
Codex's CLI or IDE extension (`last_rollout`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from session_lsp.files import (
    SessionFileError,
    exists,
    is_file_entry,
    is_folder_entry,
    read_regular_file,
    read_session_file,
)
from session_lsp.sessions.discovery import AGENT_PREFIX, continue_order, rollouts_started_in
from session_lsp.sessions.locations import (
    canonical_cwd,
    codex_sessions_root,
    project_folder,
    project_folder_name,
    projects_root,
)
from session_lsp.sessions.rollouts import is_interactive, rollout_id, scan_rollouts

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
        and is_file_entry(entry)
    )


def _hidden_from_continue(path: Path) -> bool:
    """Claude Code's `--continue` skips a file whose first 64 KB say it is a sub-agent's
    (`"isSidechain":true` anywhere in them) or an agent team's (a non-empty `teamName`):
    `readLiteMetadata` and `enrichLog` in its `src/utils/sessionStorage.ts` (2.1.88)."""
    head = read_regular_file(path, _HEAD_BYTES)
    if head is None:
        return True
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


def this_directory_sessions(
    cwd: Path | None = None, root: Path | None = None, codex_root: Path | None = None
) -> list[Path]:
    """What `check` with no PATH checks: the project folder of the sessions started in `cwd`
    (with their sub-agents' transcripts) and the Codex rollouts started there."""
    try:
        folders = [project_sessions_folder(cwd, root)]
        missing = None
    except SessionNameError as error:
        folders, missing = [], error
    try:
        directory = canonical_cwd(cwd)
    except FileNotFoundError:
        raise missing or SessionNameError("the current directory no longer exists") from None
    rollouts = rollouts_started_in(Path(directory), codex_root)
    if not folders and not rollouts:
        codex_root = codex_root if codex_root is not None else codex_sessions_root()
        root = root if root is not None else projects_root()
        raise SessionNameError(
            f"no Claude Code or Codex sessions for {directory} (looked for"
            f" {root / project_folder_name(directory)} and for rollouts started there under"
            f" {codex_root})"
        )
    return [*folders, *rollouts]


def last_session(
    cwd: Path | None = None, root: Path | None = None, codex_root: Path | None = None
) -> Path:
    """The session `claude --continue` would resume in `cwd`, else the rollout `codex resume
    --last` would."""
    try:
        folder: Path | None = project_sessions_folder(cwd, root)
    except SessionNameError:
        folder = None
    if folder is not None:
        for path in continue_candidates(folder):
            if not _hidden_from_continue(path):
                return path
    try:
        directory = Path(canonical_cwd(cwd))
    except FileNotFoundError:
        raise SessionNameError(
            "the current directory no longer exists, so it has no sessions:"
            " change to an existing one, or name the session by its id"
        ) from None
    codex_root = codex_root if codex_root is not None else codex_sessions_root()
    rollout = last_rollout(directory, codex_root)
    if rollout is not None:
        return rollout
    root = root if root is not None else projects_root()
    looked = folder if folder is not None else root / project_folder_name(str(directory))
    raise SessionNameError(
        f"no Claude Code sessions for {directory} (looked for {looked}) and no Codex session"
        f" started there (looked under {codex_root})"
    )


def last_rollout(directory: Path, codex_root: Path) -> Path | None:
    """What `codex resume --last` resumes in `directory`: of the rollouts started there, the most
    recently modified one from Codex's CLI or IDE extension (codex-rs `resolve_resume_path`:
    `ThreadSortKey::UpdatedAt`, `INTERACTIVE_SESSION_SOURCES`, the working directory)."""
    dated: list[tuple[tuple[int, str], Path]] = []
    for path in rollouts_started_in(directory, codex_root):
        try:
            dated.append((continue_order(path.stat().st_mtime_ns, path), path))
        except OSError:
            continue  # gone since it was listed
    for _, path in sorted(dated, reverse=True):
        try:
            session = read_session_file(path)
        except SessionFileError:
            continue
        if is_interactive(session.data):
            return path
    return None


def _named_as(name: str, wanted: str) -> int:
    """2 when `name` is the id `wanted`, 1 when it starts with it, else 0."""
    name = name.lower()
    return 2 if name == wanted else 1 if name.startswith(wanted) else 0


def _sessions_named(prefix: str, root: Path, codex_root: Path) -> list[Path]:
    wanted = prefix.lower()
    try:
        folders = sorted(Path(entry.path) for entry in os.scandir(root) if is_folder_entry(entry))
    except FileNotFoundError:
        folders = []  # no Claude Code sessions at all: a Codex user's id is still found
    except OSError as error:
        raise SessionNameError(
            f"{root}: cannot read the sessions folder: {error.strerror}"
        ) from None
    named = [
        (_named_as(path.stem, wanted), path)
        for folder in folders
        for path in main_session_files(folder)
    ]
    named += [
        (_named_as(rollout_id(path.name) or "", wanted), path)
        for path in scan_rollouts(codex_root, lambda problem: None)
    ]
    exact = [path for match, path in named if match == 2]
    return exact or [path for match, path in named if match == 1]


def _shown(path: Path) -> str:
    session_id = rollout_id(path.name)
    return (
        f"{session_id} (Codex)" if session_id is not None else f"{path.stem} ({path.parent.name})"
    )


def resolve_session(
    name: str | None = None,
    *,
    last: bool = False,
    root: Path | None = None,
    cwd: Path | None = None,
    codex_root: Path | None = None,
) -> Path:
    """The session file a user means by `name` (an existing path, a session id, or a unique id
    prefix of 8 characters or more: a Claude Code session's or a Codex rollout's), or by `last`.
    Raises SessionNameError with one line."""
    root = root if root is not None else projects_root()
    codex_root = codex_root if codex_root is not None else codex_sessions_root()
    if last or name is None:
        return last_session(cwd, root, codex_root)
    if exists(Path(name)):
        return Path(name)
    if not looks_like_session_id(name):
        raise SessionNameError(f"{name}: no such file, folder or session id")
    if len(name) < MIN_PREFIX:
        raise SessionNameError(
            f"{name}: no such file, and a session id prefix needs at least {MIN_PREFIX} characters"
        )
    found = _sessions_named(name, root, codex_root)
    if not found:
        raise SessionNameError(f"{name}: no session with this id under {root} or {codex_root}")
    if len(found) > 1:
        shown = ", ".join(_shown(path) for path in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        raise SessionNameError(f"{name}: ambiguous, matches {len(found)} sessions: {shown}{more}")
    return found[0]
