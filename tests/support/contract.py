"""What docs/contract.md promises the clients, pinned once for every test that reads a reply."""

from __future__ import annotations

SESSION_KEYS = frozenset(
    {
        "sessionId",
        "path",
        "project",
        "title",
        "firstActivity",
        "lastActivity",
        "sizeBytes",
        "version",
        "health",
        "errors",
        "warnings",
        "subagents",
        "agent",
    }
)
"""The fields of one session in a `sessionLsp.listSessions` reply."""
