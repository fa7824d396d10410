"""The agent's plan: the checklist a TodoWrite (Claude Code) or update_plan (Codex) call wrote.

The last plan written before a session stopped says where the work stood, which is the first thing
a person reopening a broken session wants to know; each format reads its own tool's input into
these items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

STATUSES = ("pending", "in_progress", "completed")


@dataclass(frozen=True, slots=True)
class Todo:
    content: str
    status: str
    """One of STATUSES; anything else a tool wrote is kept as "pending" (not done)."""

    def to_json(self) -> dict[str, str]:
        return {"content": self.content, "status": self.status}


@dataclass(frozen=True, slots=True)
class LastPlan:
    """The last checklist the agent wrote before the end, and where: the planning call's item in
    its segment of the history. A plan written before a compaction is still where the work
    stood when nothing planned after it."""

    index: int
    todos: list[Todo]
    segment: int | None = None
    """The earlier segment the call is in (`ConversationModel.earlier_segments`); None: the last,
    the conversation a resume sends."""


def plan_place(plan: LastPlan, earlier: int, shown: int | None = None) -> str:
    """Where the plan was written, as a reader finds it: `item N`, or `segment K, item N` when it
    is in another part of the history than the one shown (`earlier`: the session's earlier
    segments; `shown`: the one shown, None for the last). Both counted from 1."""
    segment = earlier if plan.segment is None else plan.segment
    if segment == (earlier if shown is None else shown):
        return f"item {plan.index + 1}"
    return f"segment {segment + 1}, item {plan.index + 1}"


def read_todos(entries: Any, text_key: str) -> list[Todo] | None:
    """The checklist in `entries` (a list of objects whose text is under `text_key`); None when
    it is not a list, so a malformed call shows as its raw input instead of an empty plan."""
    if not isinstance(entries, list):
        return None
    return list(_todos((entry for entry in entries if isinstance(entry, Mapping)), text_key))


def _todos(entries: Iterable[Mapping[str, Any]], text_key: str) -> Iterable[Todo]:
    for entry in entries:
        text = entry.get(text_key)
        if not isinstance(text, str):
            continue
        status = entry.get("status")
        yield Todo(text, status if status in STATUSES else "pending")
