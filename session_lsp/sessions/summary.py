"""One session as the listing shows it; `to_json` is the shape the CLI and the server both print."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from session_lsp.core.formats import FORMATS


class Health(enum.StrEnum):
    OK = "ok"
    BROKEN = "broken"
    """At least one error: `claude --resume` fails (or silently drops calls) on it."""
    LIVE = "live"
    """Written within the last seconds: Claude Code is probably still appending to it."""
    UNREADABLE = "unreadable"


class Agent(enum.StrEnum):
    """The program that writes a session, by its format's name (`Format.name`)."""

    CLAUDE_CODE = "claude-code"
    CODEX = "codex"

    @property
    def label(self) -> str:
        """How messages name it ("Claude Code", "Codex"): its format's `agent`."""
        return next(known.agent for known in FORMATS if known.name == self.value)


@dataclass(slots=True)
class SessionSummary:
    session_id: str
    path: Path
    project: str | None
    title: str | None
    first_activity: str | None
    last_activity: str | None
    size_bytes: int
    version: str | None
    health: Health
    errors: int
    warnings: int
    agent: Agent = Agent.CLAUDE_CODE
    subagents: list[Path] = field(default_factory=list)
    mtime_ns: int = 0
    """For ordering sessions that carry no timestamp; not part of the JSON."""

    def to_json(self) -> dict[str, object]:
        """The object `sessionLsp.listSessions` returns and `sessions --format json` prints."""
        return {
            "sessionId": self.session_id,
            "path": str(self.path),
            "project": self.project,
            "title": self.title,
            "firstActivity": self.first_activity,
            "lastActivity": self.last_activity,
            "sizeBytes": self.size_bytes,
            "version": self.version,
            "health": self.health.value,
            "errors": self.errors,
            "warnings": self.warnings,
            "subagents": [str(path) for path in self.subagents],
            "agent": self.agent.value,
        }
