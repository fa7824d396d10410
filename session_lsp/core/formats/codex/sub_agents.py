"""The rollout of a thread a Codex call spawned, so its conversation opens under the call.

Codex's `spawn_agent` starts a sub-agent in a thread of its own and answers the call with
`{"agent_id": <the thread's id>, "nickname": …}`; the thread records its own rollout, named by
that id, in the dated folders of `~/.codex/sessions` (`YYYY/MM/DD/rollout-<time>-<id>.jsonl`,
its `session_meta` naming the parent as `source.subagent.thread_spawn.parent_thread_id`). The
thread starts when the call runs: its file is in the parent's folder, or in the folder of the
call's day or the day either side (the folders are named by local time, the call's timestamp is
UTC). Only those few folders are listed, and only for a rollout that spawned a thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

SPAWN_TOOL = "spawn_agent"
_THREAD_ID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def spawned_thread(output: str) -> str | None:
    """The id of the thread a `spawn_agent` output names; None for anything else (an error
    text, an id that is not a thread id and could name a path)."""
    try:
        value = json.loads(output)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than `json` reads
        return None
    agent_id = value.get("agent_id") if isinstance(value, Mapping) else None
    if not isinstance(agent_id, str) or _THREAD_ID.fullmatch(agent_id) is None:
        return None
    return agent_id


def spawn_task(arguments: object) -> str | None:
    """What the call asked the sub-agent to do: its `message`."""
    if not isinstance(arguments, str):
        return None
    try:
        value = json.loads(arguments)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than `json` reads
        return None
    message = value.get("message") if isinstance(value, Mapping) else None
    return message if isinstance(message, str) and message.strip() else None


def spawn_note(source: object) -> str | None:
    """What a sub-agent's own rollout says of its thread: who spawned it, as what."""
    subagent = source.get("subagent") if isinstance(source, Mapping) else None
    if isinstance(subagent, str) and subagent:
        return f"a {subagent} sub-agent's thread"
    spawn = subagent.get("thread_spawn") if isinstance(subagent, Mapping) else None
    if not isinstance(spawn, Mapping):
        return None
    names = [spawn.get("agent_nickname"), spawn.get("agent_role")]
    who = ", ".join(name for name in names if isinstance(name, str) and name)
    parent = spawn.get("parent_thread_id")
    by = f" spawned by session {parent}" if isinstance(parent, str) and parent else ""
    return f"a sub-agent's thread{f' ({who})' if who else ''}{by}"


class ThreadRollouts:
    """Where the threads a rollout spawned wrote theirs. Each folder is listed once for the whole
    rollout, not once a call: a session that spawns hundreds of threads writes hundreds of
    rollouts into the same dated folder."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._listed: dict[Path, dict[str, Path]] = {}

    def find(self, thread_id: str, spawned_at: str | None) -> Path | None:
        """The spawned thread's rollout, when it is where Codex writes it."""
        if self.path is None:
            return None
        for folder in dict.fromkeys(_folders(self.path, spawned_at)):
            found = self._rollouts_in(folder).get(thread_id)
            if found is not None:
                return found.resolve()
        return None

    def _rollouts_in(self, folder: Path) -> dict[str, Path]:
        """`rollout-<time>-<thread id>.jsonl` files of `folder` by thread id; as Codex's own picker
        walks the folders: regular files, no symbolic link followed."""
        listed = self._listed.get(folder)
        if listed is None:
            listed = self._listed[folder] = {}
            for found in sorted(folder.glob("rollout-*.jsonl")):
                thread = _thread_in_name(found.name)
                if thread is not None and found.is_file() and not found.is_symlink():
                    listed.setdefault(thread, found)
        return listed


_ROLLOUT_NAME_LENGTH = len("rollout--") + 36 + len(".jsonl")


def _thread_in_name(name: str) -> str | None:
    """The thread id `rollout-<time>-<id>.jsonl` ends with."""
    if len(name) < _ROLLOUT_NAME_LENGTH or name[-43] != "-":
        return None
    thread = name[-42:-6]
    return thread if _THREAD_ID.fullmatch(thread) is not None else None


def _folders(path: Path, spawned_at: str | None) -> Iterator[Path]:
    yield path.parent
    day = _day(spawned_at)
    if day is None or len(path.parents) < 4 or not _is_dated(path.parent):
        return
    root = path.parents[3]
    for shift in (0, -1, 1):
        when = day + timedelta(days=shift)
        yield root / f"{when.year:04d}" / f"{when.month:02d}" / f"{when.day:02d}"


def _is_dated(folder: Path) -> bool:
    """`YYYY/MM/DD`, as Codex names the folders of its sessions."""
    parts = folder.parts[-3:]
    return len(parts) == 3 and all(part.isdigit() for part in parts)


def _day(timestamp: str | None) -> datetime | None:
    if timestamp is None:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None
