"""Codex's calls that act on a sub-agent `spawn_agent` started, read as what they act on.

`spawn_agent` is answered with `{"agent_id": <thread id>, "nickname": "Curie"}`; the calls that
follow name the thread by that id alone: `wait` (`{"ids": [...]}`), `wait_agent` (`{"targets":
[...]}`), `send_input` and `close_agent` (`{"id": ...}`, or `{"target": ...}` in later releases),
`resume_agent` (`{"id": ...}`) (codex-rs/core/src/tools/handlers/multi_agents). Each id is linked
to the latest spawn before the call whose output names it, and the call reads as `closes Curie`.
A call naming an id no earlier spawn answered with keeps its arguments as its headline.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from session_lsp.core.content_text import one_line
from session_lsp.core.formats.codex.rollout import call_arguments
from session_lsp.core.formats.codex.sub_agents import spawn_task, spawned_thread
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import AgentAction, Item, SpawnedAgent, ToolCall
from session_lsp.core.turns.segments import placed_calls

ACTIONS = {
    "wait": "waits for",
    "wait_agent": "waits for",
    "send_input": "sends to",
    "close_agent": "closes",
    "resume_agent": "resumes",
}
"""The calls that act on spawned agents, and what each does to them."""
_NAME_LIMIT = 80
"""Characters of a task that names an agent spawned without a nickname."""


def named_agents(arguments: str | None) -> list[str]:
    """The agent ids a call's arguments name (`id`, `target`, `ids`, `targets`), in order."""
    try:
        value = json.loads(arguments) if arguments is not None else None
    except (ValueError, RecursionError):
        return []
    if not isinstance(value, Mapping):
        return []
    named: dict[str, None] = {}  # in order, each once, without a scan of those kept per id
    for key in ("id", "target", "ids", "targets"):
        found = value.get(key)
        for agent in found if isinstance(found, list) else [found]:
            if isinstance(agent, str) and agent:
                named[agent] = None
    return list(named)


def _nickname(output: str) -> str | None:
    try:
        value = json.loads(output)
    except (ValueError, RecursionError):
        return None
    nickname = value.get("nickname") if isinstance(value, Mapping) else None
    return nickname if isinstance(nickname, str) and nickname.strip() else None


@dataclass(slots=True)
class _Spawn:
    line: int
    call: ToolCall
    nickname: str | None


@dataclass(slots=True)
class AgentCalls:
    """The spawns and the calls acting on what they spawned, gathered while building and linked
    once the whole file is read."""

    spawned: dict[str, list[_Spawn]] = field(default_factory=dict)
    """Each thread id's spawning calls, by their call line."""
    acting: list[tuple[ToolCall, list[str]]] = field(default_factory=list)

    def spawn(self, call: ToolCall, output: str) -> str | None:
        """A spawn call's output; the thread id it names (None for an error text)."""
        thread = spawned_thread(output)
        if thread is not None and call.call_line is not None:
            spawned = _Spawn(call.call_line, call, _nickname(output))
            self.spawned.setdefault(thread, []).append(spawned)
        return thread

    def act(self, call: ToolCall, raw: bytes) -> None:
        """A call that acts on agents (`ACTIONS`), whose arguments name them."""
        named = named_agents(call_arguments(raw))
        if named:
            self.acting.append((call, named))

    def link(self, segments: Sequence[Sequence[Item]], lines: Sequence[Line]) -> None:
        """Each acting call's `acts_on`: for every id it names, the latest spawn before it whose
        output named that id; a call naming any id no earlier spawn named keeps none.
        `segments`: the conversation's, oldest first, the last the model's own items."""
        if not self.acting:
            return
        lines_of: dict[str, list[int]] = {}
        for thread, spawns in self.spawned.items():
            spawns.sort(key=attrgetter("line"))
            lines_of[thread] = [spawn.line for spawn in spawns]
        chosen: list[tuple[ToolCall, list[tuple[str, _Spawn]]]] = []
        for call, named in self.acting:
            found: list[tuple[str, _Spawn]] = []
            for thread in named:
                before = bisect.bisect_left(lines_of.get(thread, []), call.call_line or 0)
                if not before:
                    break
                found.append((thread, self.spawned[thread][before - 1]))
            else:
                chosen.append((call, found))
        placed = placed_calls(
            segments, {id(spawn.call) for _, found in chosen for _, spawn in found}
        )
        for call, found in chosen:
            agents = [
                SpawnedAgent(_name(spawn, thread, lines), *placed[id(spawn.call)])
                for thread, spawn in found
                if id(spawn.call) in placed
            ]
            if len(agents) == len(found):
                call.acts_on = AgentAction(ACTIONS[call.name], agents)


def _name(spawn: _Spawn, thread: str, lines: Sequence[Line]) -> str:
    """The nickname the spawn was answered with, else the first line of its task, else the id."""
    if spawn.nickname is not None:
        return one_line(spawn.nickname)
    task = spawn_task(call_arguments(bytes(lines[spawn.line])))
    if task is None:
        return thread
    return one_line(task.strip().split("\n", 1)[0], _NAME_LIMIT)
