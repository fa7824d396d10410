"""A sub-agent summed up under the call that ran it: how many items its conversation has, how
many of them carry an error and the tokens its requests used, read with the same model the view
pages it with.

Each file's counts are kept while its size and modification time stay the same. The session's
sub-agent total (`sub_agent_usage`) reads every file once, on the first page (240 files of 16 MB:
173 ms, `bench/bench_sub_agents.py`), and later pages take the kept counts. The server reads them in a worker thread
(`read_agent_counts`) before it builds the page on its event loop, so several threads may count
at once: the kept counts are guarded by a lock.
"""

from __future__ import annotations

import functools
import operator
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import expanded_agents
from session_lsp.core.turns.build import build_model
from session_lsp.core.turns.model import ConversationModel, SubAgent, Usage
from session_lsp.core.wording import counted
from session_lsp.files import SessionFileError, read_session_file

CACHED_AGENTS = 4096
"""Counts kept, a few hundred bytes each: more than a session's sub-agent files, whose total every
page gives, or each page would read them all again."""


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
    agent_files: tuple[Path, ...] = ()
    """The sub-agent's own sub-agent files (a Codex thread that spawned threads)."""


_COUNTED: OrderedDict[Path, tuple[int, int, AgentCounts]] = OrderedDict()
"""Each file's counts with the size and modification time they were read at, least recently used
first."""
_COUNTED_LOCK = threading.Lock()


def agent_counts(agent: SubAgent, read: Mapping[Path, AgentCounts] | None = None) -> AgentCounts:
    """`read`: counts already read (`read_agent_counts`); a file not among them is read here."""
    if agent.file is None:
        errors = sum(1 for item in agent.progress if item.has_error)
        return AgentCounts(len(agent.progress), errors, None)
    if read is not None and agent.file in read:
        return read[agent.file]
    return _file_counts(agent.file)


@dataclass(frozen=True, slots=True)
class SubAgentUsage:
    """What a session's sub-agents used, beside the session's own requests: readers of token use
    (ccusage among them) count every sub-agent file, and where sub-agents do most of the work the
    session's own file holds half of what it cost or less."""

    files: int
    unreadable: int
    """Files that could not be read: the usage leaves them out."""
    usage: Usage | None
    """None when no file holds a request's usage."""
    uncounted: int = 0
    """Files past the most that are read (`CACHED_AGENTS`), which the usage leaves out too."""

    def files_label(self) -> str:
        """`6 files`, `1 file, 1 unreadable`: how readers name them before their tokens."""
        parts = [counted(self.files, "file")]
        if self.unreadable:
            parts.append(f"{self.unreadable:,} unreadable")
        if self.uncounted:
            parts.append(f"{self.uncounted:,} not read: too many")
        return ", ".join(parts)


def sub_agent_usage(
    model: ConversationModel, read: Mapping[Path, AgentCounts] | None = None
) -> SubAgentUsage | None:
    """The tokens of every sub-agent file of the session (`ConversationModel.agent_files`), each
    file's requests counted once as the session's are; None when it has none. `read`: counts
    already read; a file not among them is read here."""
    if not model.agent_files:
        return None
    every = every_agent_count(model, read)
    counts = list(every.counted.values())
    used = [count.usage for count in counts if count.usage is not None]
    return SubAgentUsage(
        len(counts) + every.uncounted,
        sum(1 for count in counts if count.items is None),
        functools.reduce(operator.add, used) if used else None,
        every.uncounted,
    )


@dataclass(frozen=True, slots=True)
class EveryAgentCount:
    counted: dict[Path, AgentCounts]
    uncounted: int
    """Files known but not read: past `CACHED_AGENTS` (a folder of thousands of transcripts
    would hold the first page for as many reads)."""


def every_agent_count(
    model: ConversationModel, read: Mapping[Path, AgentCounts] | None = None
) -> EveryAgentCount:
    """The counts of every sub-agent file of the session and of those its sub-agents ran in
    turn, each file once (Claude Code keeps a sub-agent's own sub-agents in the session's
    folder, Codex in rollouts of their own), up to `CACHED_AGENTS` files. `read`: counts
    already read; a file not among them is read here."""
    counted: dict[Path, AgentCounts] = {}
    waiting = list(reversed(model.agent_files))
    while waiting and len(counted) < CACHED_AGENTS:
        path = waiting.pop()
        if path in counted:
            continue
        counts = read[path] if read is not None and path in read else _file_counts(path)
        counted[path] = counts
        waiting.extend(reversed(counts.agent_files))
    return EveryAgentCount(counted, len(set(waiting) - counted.keys()))


def counts_of(model: ConversationModel) -> AgentCounts:
    """The counts of a sub-agent conversation already built (`agent_model`)."""
    return AgentCounts(
        len(model.items), model.errors, model.title, model.usage, tuple(model.agent_files)
    )


def transcript_agents(
    model: ConversationModel,
) -> tuple[dict[Path, ConversationModel | None], SubAgentUsage | None]:
    """What the Markdown transcript reads besides the model: the sub-agent conversations it
    expands (`expanded_agents`) and the session's sub-agent total, which counts those from the
    conversations already read and reads only the files no call expands."""
    agents = expanded_agents(model, agent_model)
    read = {path: counts_of(found) for path, found in agents.items() if found is not None}
    return agents, sub_agent_usage(model, read)


def read_agent_counts(files: Iterable[Path]) -> dict[Path, AgentCounts]:
    """Each file's counts, read (or taken from those kept) now: the blocking part of a page, for a
    caller that must not read files where it runs."""
    return {path: _file_counts(path) for path in files}


def _file_counts(path: Path) -> AgentCounts:
    try:
        stat = path.stat()
    except OSError:
        return AgentCounts(None, None, None)
    version = (stat.st_size, stat.st_mtime_ns)
    with _COUNTED_LOCK:
        kept = _COUNTED.get(path)
        if kept is not None and kept[:2] == version:
            _COUNTED.move_to_end(path)
            return kept[2]
    try:
        session = read_session_file(path)
    except SessionFileError:
        return AgentCounts(None, None, None)
    age = max(0.0, time.time() - session.mtime_ns / 1e9)
    analysis = analyse_bytes(session.data, modified_seconds_ago=age)
    counted = counts_of(build_model(analysis, path))
    with _COUNTED_LOCK:
        _COUNTED[path] = (*version, counted)
        _COUNTED.move_to_end(path)
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
