"""A sub-agent summed up under the call that ran it: how many items its conversation has, how
many of them carry an error and the tokens its requests used, read with the same model the view
pages it with.

A sub-agent file is analysed only when a page shows its call, and its counts are kept while the
file's size and modification time stay the same: a session with fifty sub-agents does not analyse
fifty files to show its first page, nor again for the next one. The server reads a page's
sub-agent files in a worker thread (`read_agent_counts`) before it builds the page on its event
loop, so several threads may count at once: the kept counts are guarded by a lock.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns.build import build_model
from session_lsp.core.turns.model import ConversationModel, Item, SubAgent, Usage
from session_lsp.files import SessionFileError, read_session_file

CACHED_AGENTS = 256


@dataclass(frozen=True, slots=True)
class AgentCounts:
    items: int | None
    """None when the sub-agent's file could not be read."""
    errors: int | None
    title: str | None
    """The sub-agent conversation's own title, for a call whose input names no task."""
    usage: Usage | None = None
    """The tokens of every request in the sub-agent's own file, each counted once, as a
    session's are: what the call cost beyond the session's own requests. None without a file."""


_COUNTED: OrderedDict[tuple[Path, int, int], AgentCounts] = OrderedDict()
_COUNTED_LOCK = threading.Lock()


def agent_counts(agent: SubAgent, read: Mapping[Path, AgentCounts] | None = None) -> AgentCounts:
    """`read`: counts already read (`read_agent_counts`); a file not among them is read here."""
    if agent.file is None:
        errors = sum(1 for item in agent.progress if item.has_error)
        return AgentCounts(len(agent.progress), errors, None)
    if read is not None and agent.file in read:
        return read[agent.file]
    return _file_counts(agent.file)


def agent_files(items: Iterable[Item]) -> list[Path]:
    """The sub-agent files the items' calls ran (what their counts need to read)."""
    return [
        tool.agent.file
        for item in items
        if (tool := item.tool) is not None
        and tool.agent is not None
        and tool.agent.file is not None
    ]


def read_agent_counts(files: Iterable[Path]) -> dict[Path, AgentCounts]:
    """Each file's counts, read (or taken from those kept) now: the blocking part of a page, for a
    caller that must not read files where it runs."""
    return {path: _file_counts(path) for path in files}


def _file_counts(path: Path) -> AgentCounts:
    try:
        stat = path.stat()
    except OSError:
        return AgentCounts(None, None, None)
    key = (path, stat.st_size, stat.st_mtime_ns)
    with _COUNTED_LOCK:
        counted = _COUNTED.get(key)
        if counted is not None:
            _COUNTED.move_to_end(key)
            return counted
    try:
        session = read_session_file(path)
    except SessionFileError:
        return AgentCounts(None, None, None)
    age = max(0.0, time.time() - session.mtime_ns / 1e9)
    analysis = analyse_bytes(session.data, modified_seconds_ago=age)
    model = build_model(analysis, path)
    counted = AgentCounts(len(model.items), model.errors, model.title, model.usage)
    with _COUNTED_LOCK:
        for stale in [old for old in _COUNTED if old[0] == path]:
            del _COUNTED[stale]
        _COUNTED[key] = counted
        while len(_COUNTED) > CACHED_AGENTS:
            _COUNTED.popitem(last=False)
    return counted


def agent_model(path: Path) -> ConversationModel | None:
    """The sub-agent's conversation in its own file, for a transcript that expands it under its
    call; None when the file cannot be read."""
    try:
        session = read_session_file(path)
    except SessionFileError:
        return None
    age = max(0.0, time.time() - session.mtime_ns / 1e9)
    return build_model(analyse_bytes(session.data, modified_seconds_ago=age), path)
