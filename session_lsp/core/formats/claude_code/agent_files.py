"""Where a Claude Code session's sub-agent transcripts are: the file a Task or Agent call names,
and those no call names that cost tokens all the same.

2.1.x keeps them in `<session>/subagents/` (the compaction agent `agent-acompact-*` and side
agents among them); 2.0.x kept them beside the session as `agent-<id>.jsonl`, each line naming
its session, a "Warmup" agent for every session started.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from session_lsp.core.formats.claude_code.records import session_id_of
from session_lsp.fileops import read_small_file

AGENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What an agentId may be to name a file: no path separator, no glob pattern, no `..`."""
AGENT_PREFIX = "agent-"
BESIDE_READ = 4096
"""At most this many `agent-*.jsonl` files beside a session are opened to learn whose each is:
a folder of 100,000 would otherwise be opened file by file at every model built."""
FIRST_LINE_BYTES = 1 << 20
"""How much of a file's first line is read for its session id; a longer one is not read."""


def unnamed_agent_files(path: Path | None, session_id: str | None) -> list[Path]:
    """The session's sub-agent transcripts found where Claude Code keeps them, whether or not a
    call names them."""
    if path is None:
        return []
    return [*_sub_agent_folder(path), *_agents_beside(path, session_id)]


def agent_file(path: Path, recorded: Any) -> Path | None:
    """The sub-agent transcript a Task/Agent result names in what its run recorded
    (`toolUseResult`): 2.1.x `<session>/subagents/`, or 2.0.x beside the session file."""
    agent_id = recorded.get("agentId") if isinstance(recorded, Mapping) else None
    if not isinstance(agent_id, str) or AGENT_ID.fullmatch(agent_id) is None:
        return None
    name = f"agent-{agent_id}.jsonl"
    subagents = path.parent / path.stem / "subagents"
    for candidate in (subagents / name, path.parent / name):
        if candidate.is_file():
            return candidate.resolve()
    if subagents.is_dir():
        return next((found.resolve() for found in subagents.rglob(name)), None)
    return None


def _sub_agent_folder(path: Path | None) -> list[Path]:
    """Every transcript in a 2.1.x session's `subagents/` folder, whether or not a call names it:
    the compaction agent (`agent-acompact-*`) and side agents are there too, and cost tokens."""
    if path is None:
        return []
    folder = path.parent / path.stem / "subagents"
    try:
        # Resolved once, not per file (3.5 s for 100,000 files): the paths match the resolved
        # ones the calls name (`_agent_file`); only a linked file is resolved on its own.
        return list(_transcripts_below(folder.resolve(strict=True)))
    except (OSError, RuntimeError):  # unreadable, or a link loop: the calls' own files remain
        return []


def _transcripts_below(folder: Path) -> Iterator[Path]:
    """The `*.jsonl` files below `folder`; links to folders are not followed (as `rglob`)."""
    waiting = [folder]
    while waiting:
        with os.scandir(waiting.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    waiting.append(Path(entry.path))
                elif entry.name.endswith(".jsonl") and entry.is_file():
                    linked = entry.is_symlink()
                    yield Path(entry.path).resolve() if linked else Path(entry.path)


def _agents_beside(path: Path, session_id: str | None) -> list[Path]:
    """The 2.0.x `agent-*.jsonl` files beside the session whose first line names it (the
    folder resolved once, as `_sub_agent_folder`)."""
    if session_id is None or path.name.startswith(AGENT_PREFIX):
        return []
    try:
        folder = path.parent.resolve(strict=True)
        with os.scandir(folder) as entries:
            candidates = sorted(
                Path(entry.path).resolve() if entry.is_symlink() else Path(entry.path)
                for entry in entries
                if entry.name.startswith(AGENT_PREFIX)
                and entry.name.endswith(".jsonl")
                and entry.is_file()
            )
    except (OSError, RuntimeError):
        return []
    return [found for found in candidates[:BESIDE_READ] if _session_of(found) == session_id]


def _session_of(path: Path) -> str | None:
    """The session id the file's first line names, or None."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(FIRST_LINE_BYTES)
    except OSError:
        return None
    return session_id_of(first)


META_BYTES = 65536
"""More than any `.meta.json` Claude Code writes (an agent type, a worktree, a description)."""


class _AgentMeta(msgspec.Struct):
    description: object = None


def agent_description(path: Path) -> str | None:
    """What the call that started a sub-agent said it was for, from the `agent-<id>.meta.json`
    2.1.x writes beside its transcript (`{"agentType", "description", ...}`): the title the
    parent's Task call shows, given to the transcript opened on its own. None when there is no
    such regular file (never waiting on a pipe put there) or it says nothing usable."""
    data = read_small_file(path.with_suffix(".meta.json"), META_BYTES)
    if data is None:
        return None
    try:
        description = msgspec.json.decode(data, type=_AgentMeta).description
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(description, str) or not description.strip():
        return None
    return description.strip()
