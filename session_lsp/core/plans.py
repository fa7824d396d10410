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
