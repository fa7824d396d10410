"""What the server keeps between requests, besides its open documents, in one place (after ruff's
`Session`): each server has its own, so two servers in one process (the tests run several) never
share a timer or a cache."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from session_lsp.core.analysis import Analysis
from session_lsp.core.turns import ConversationModel, build_model
from session_lsp.core.turns.model import ToolStatus
from session_lsp.core.turns.segments import segments


@dataclass(slots=True)
class ServerState:
    publish_timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    """Debounced diagnostics pushes waiting for a pause in typing, by document URI."""
    live_watch: asyncio.Task[None] | None = None
    """The poll that notices a session being written by its agent; started with the first open."""
    building: dict[tuple[object, ...], asyncio.Future[Any]] = field(default_factory=dict)
    """The view's models being built in a worker thread, by cache key (`views._built_once`): an
    open document's model, or a file's with the analysis it was built from."""
    outlines: dict[str, tuple[Analysis, ConversationModel]] = field(default_factory=dict)
    """Each open document's conversation model, for the analysis it was built from: an editor asks
    for the outline on every change, and workspace symbols for every open document in turn."""

    call_statuses: dict[str, tuple[ConversationModel, dict[str, ToolStatus]]] = field(
        default_factory=dict
    )
    """How each call of an outline's model ended, by id, made once per model: a hover asks for
    one id, and a scan of every item per hover grew with the session."""

    def outline(self, uri: str, analysis: Analysis) -> ConversationModel:
        kept = self.outlines.get(uri)
        if kept is None or kept[0] is not analysis:
            kept = self.outlines[uri] = (analysis, build_model(analysis))
        return kept[1]

    def call_status(self, uri: str, analysis: Analysis, tool_use_id: str) -> ToolStatus | None:
        """The status of the first call of that id in the outline's model, the last segment's
        first (where a resume sends it), else the earliest segment that holds it."""
        model = self.outline(uri, analysis)
        kept = self.call_statuses.get(uri)
        if kept is None or kept[0] is not model:
            statuses: dict[str, ToolStatus] = {}
            for segment in reversed(segments(model)):
                for item in segment.items:
                    tool = item.tool
                    if tool is not None and tool.call_line is not None:
                        statuses.setdefault(tool.id, tool.status)
            kept = self.call_statuses[uri] = (model, statuses)
        return kept[1].get(tool_use_id)

    def cancel_publish(self, uri: str) -> None:
        handle = self.publish_timers.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def forget(self, uri: str) -> None:
        """A document closed: nothing of it is kept."""
        self.cancel_publish(uri)
        self.outlines.pop(uri, None)
        self.call_statuses.pop(uri, None)
