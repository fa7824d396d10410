"""Codex CLI's rollouts on disk: where `codex resume` finds them, and what a listing shows of one.

Codex writes `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`, and its picker
walks exactly that: year, month and day folders named by numbers, real folders only (a symbolic
link is not followed), and in them regular files named `rollout-<time>-<uuid>.jsonl`, or
`.jsonl.zst` compressed when no plain one is beside it (codex-rs `rollout/src/list.rs`,
`walk_rollout_files`). The walk here is the same, so a link planted in the
tree leads nowhere outside it. Archived rollouts (`$CODEX_HOME/archived_sessions/`) are not
listed: neither the picker nor `codex resume <id>` looks there.

Of each rollout a listing reads the head and the tail only: the `session_meta` line (the session's
id, the working directory it was started in, the Codex version, its source) and the newest
timestamp. A rollout whose source is a sub-agent (`{"subagent": ...}`, a review or a spawned
thread) is not a session of its own, as a Claude Code sidechain is not: the picker hides it too.
"""

from __future__ import annotations

import mmap
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import msgspec

from session_lsp.compressed import SUFFIXES
from session_lsp.files import is_folder
from session_lsp.sessions.locations import names_project_folder
from session_lsp.sessions.metadata import (
    SessionMetadata,
    decoded,
    head_lines,
    read_metadata,
    tail_lines,
)

ROLLOUT_NAME = re.compile(
    r"rollout-.+-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"\.jsonl(?:\.zst)?"
)
"""A rollout's name, plain or compressed (`.jsonl.zst`: Codex compresses archived rollouts, and
one unarchived comes back to `sessions/` so)."""
COMPRESSED_SUFFIX = SUFFIXES["zstd"]
_NUMBERED = re.compile(r"[0-9]+")
"""Codex reads the year, month and day folders' names as numbers and skips any other folder."""


class _MetaPayload(msgspec.Struct):
    id: object = None
    cwd: object = None
    cli_version: object = None
    source: object = None


class _Head(msgspec.Struct):
    type: object = None
    timestamp: object = None
    payload: _MetaPayload | None = None


class _Stamp(msgspec.Struct):
    timestamp: object = None


_HEAD = msgspec.json.Decoder(_Head)
_STAMP = msgspec.json.Decoder(_Stamp)


def rollout_id(name: str) -> str | None:
    """The session id in a rollout's file name; None when the name is not a rollout's."""
    found = ROLLOUT_NAME.fullmatch(name)
    return found.group(1) if found is not None else None


def _entries_kept(
    folder: Path, report: Callable[[str], None], keep: Callable[[os.DirEntry[str]], bool]
) -> list[Path]:
    """The entries of `folder` that `keep` takes, sorted; an entry that vanishes or cannot be
    looked at is passed over, a folder that cannot be read is reported."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError as error:
        report(f"{folder}: cannot read folder: {error.strerror or error}")
        return []
    found: list[Path] = []
    for entry in entries:
        try:
            if keep(entry):
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found)


def _is_numbered_folder(entry: os.DirEntry[str]) -> bool:
    return _NUMBERED.fullmatch(entry.name) is not None and entry.is_dir(follow_symlinks=False)


def _is_rollout_file(entry: os.DirEntry[str]) -> bool:
    return rollout_id(entry.name) is not None and entry.is_file(follow_symlinks=False)


def scan_rollouts(root: Path, report: Callable[[str], None]) -> list[Path]:
    """Every rollout under `root` (`$CODEX_HOME/sessions`) that Codex's picker would look at,
    without reading any. A missing root holds none; one that cannot be read is reported, and so
    is each folder below it that cannot be."""
    if not is_folder(root):
        return []
    try:
        os.scandir(root).close()
    except OSError as error:
        report(f"{root}: cannot read the sessions folder: {error.strerror or error}")
        return []
    return [
        rollout
        for year in _entries_kept(root, report, _is_numbered_folder)
        for month in _entries_kept(year, report, _is_numbered_folder)
        for day in _entries_kept(month, report, _is_numbered_folder)
        for rollout in _without_hidden_siblings(_entries_kept(day, report, _is_rollout_file))
    ]


def _without_hidden_siblings(rollouts: list[Path]) -> list[Path]:
    """A compressed rollout beside its plain one is hidden, as Codex reads the plain one
    (`should_skip_compressed_sibling` in codex-rs `rollout/src/compression.rs`)."""
    plain = {path.name for path in rollouts if not path.name.endswith(COMPRESSED_SUFFIX)}
    return [
        path
        for path in rollouts
        if not (
            path.name.endswith(COMPRESSED_SUFFIX)
            and path.name.removesuffix(COMPRESSED_SUFFIX) in plain
        )
    ]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _parent_thread(source: object) -> tuple[bool, str | None]:
    """Whether a `session_meta` source names a sub-agent, and the thread that spawned it."""
    sub_agent = source.get("subagent") if isinstance(source, dict) else None
    if sub_agent is None:
        return False, None
    spawn = sub_agent.get("thread_spawn") if isinstance(sub_agent, dict) else None
    parent = spawn.get("parent_thread_id") if isinstance(spawn, dict) else None
    return True, _text(parent)


def read_rollout_metadata(data: bytes | mmap.mmap, file_name: str) -> SessionMetadata:
    """The listing's view of a rollout's bytes, but its title (the conversation model's, read
    with the health). The session id is the one in the file name, which `codex resume <id>` finds
    and `session-lsp resume` plans with (a copy of the tree's resume command must be the same);
    `session_meta`'s only where the name holds none."""
    metadata = SessionMetadata()
    for raw in head_lines(data):
        line = decoded(_HEAD, raw)
        if line is None:
            continue
        metadata.first_activity = metadata.first_activity or _text(line.timestamp)
        if line.type == "session_meta" and line.payload is not None:
            meta = line.payload
            metadata.session_id = _text(meta.id)
            metadata.project = _text(meta.cwd)
            metadata.version = _text(meta.cli_version)
            metadata.is_sidechain, metadata.recorded_session_id = _parent_thread(meta.source)
            break
    for raw in tail_lines(data):
        stamp = decoded(_STAMP, raw)
        if stamp is not None and _text(stamp.timestamp) is not None:
            metadata.last_activity = _text(stamp.timestamp)
            break
    metadata.session_id = rollout_id(file_name) or metadata.session_id
    return metadata


INTERACTIVE_SOURCES = frozenset({"cli", "vscode"})
"""The rollouts `codex resume --last` takes (`INTERACTIVE_SESSION_SOURCES`): not a `codex exec`
run's, a review's or a sub-agent's. A `session_meta` that names no source is an early Codex's,
read as interactive."""


def is_interactive(data: bytes | mmap.mmap) -> bool:
    """Whether the rollout's `session_meta` line names an interactive source."""
    for raw in head_lines(data):
        line = decoded(_HEAD, raw)
        if line is not None and line.type == "session_meta" and line.payload is not None:
            source = line.payload.source
            return source is None or (isinstance(source, str) and source in INTERACTIVE_SOURCES)
    return False


def session_metadata(data: bytes | mmap.mmap, path: Path) -> SessionMetadata:
    """What a listing or a search shows of a session file, read as its name says it was written:
    a Codex rollout, else a Claude Code session."""
    if rollout_id(path.name) is not None:
        return read_rollout_metadata(data, path.name)
    return read_metadata(data, path.stem)


def _canonical(path: str) -> str:
    return os.path.normcase(unicodedata.normalize("NFC", path))


def _real(path: str) -> str | None:
    try:
        return _canonical(os.path.realpath(path))
    except (OSError, ValueError):  # a NUL in the recorded text, a loop of links
        return None


def started_in(directory: Path) -> Callable[[str | None], bool]:
    """Whether a rollout's recorded working directory is `directory`, both resolved as Claude
    Code's side resolves a working directory (`canonical_cwd`: real path, NFC). A recorded
    directory is resolved only when its text differs, once per listing."""
    wanted = _real(str(directory))
    resolved: dict[str, bool] = {}

    def matches(recorded: str | None) -> bool:
        if recorded is None or not os.path.isabs(recorded):
            return False
        if recorded not in resolved:
            resolved[recorded] = _canonical(recorded) == wanted or _real(recorded) == wanted
        return resolved[recorded]

    return matches


def kept_in_folder(folder_name: str) -> Callable[[str | None], bool]:
    """Whether Claude Code started in a rollout's recorded working directory would keep its
    sessions in the project folder `folder_name`: the directory as recorded or resolved (Claude
    Code names the folder after the real path). Each directory is resolved once per listing."""
    known: dict[str, bool] = {}

    def matches(recorded: str | None) -> bool:
        if recorded is None or not os.path.isabs(recorded):
            return False
        if recorded not in known:
            real = _real(recorded)
            known[recorded] = names_project_folder(recorded, folder_name) or (
                real is not None and names_project_folder(real, folder_name)
            )
        return known[recorded]

    return matches
