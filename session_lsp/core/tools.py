"""A tool id as the editor features see it in any format: where it is written, and what each half
of its pair holds."""

from __future__ import annotations

from dataclasses import dataclass

from session_lsp.core.findings import Span


@dataclass(frozen=True, slots=True)
class Mention:
    """A tool id written in a line: a call's (`is_result` False) or its result's."""

    tool_use_id: str
    is_result: bool
    span: Span


@dataclass(frozen=True, slots=True)
class ToolHalf:
    """One half of a tool pair as an editor shows it (hover), decoded only when asked for."""

    name: str | None
    """The tool's name (on the call)."""
    input: object
    """The call's arguments, decoded where the format stores them as a JSON string."""
    output: str | None
    """The result's text (on the result)."""
    is_error: bool
    timestamp: str | None
    not_sent: str | None = None
    """Why a resume never sends this half (it was compacted away), when it does not."""
