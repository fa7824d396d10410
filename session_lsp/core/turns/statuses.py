"""How a tool call ended, told from its result's text: Claude Code's markers
(docs/claude-code-format.md §5), Codex's aborted outputs, and our own stub."""

from __future__ import annotations

from collections.abc import Sequence

from session_lsp.core.findings import Code, Finding
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import ToolStatus
from session_lsp.core.writing import STUB_TEXT

STUB_PREFIX = STUB_TEXT[: STUB_TEXT.index(":")]
INTERRUPTED_RESULTS = (
    "The user doesn't want to proceed with this tool use.",
    "The user doesn't want to take this action right now.",
    "Permission for this tool use was denied.",
    "User rejected tool use",
    "Interrupted by user",
    "<tool_use_error>Cancelled: parallel tool call",
    "<tool_use_error>Error: Streaming fallback - tool execution discarded",
)
"""Claude Code's REJECT, CANCEL and interrupt results."""
ABORTED_ENDINGS = (
    "<error>Command was aborted before completion</error>",
    "command aborted by user",
)


def error_status(text: str) -> ToolStatus:
    stripped = text.strip()
    if stripped.startswith(STUB_PREFIX):
        return ToolStatus.STUBBED
    if stripped.startswith(INTERRUPTED_RESULTS) or stripped.endswith(ABORTED_ENDINGS):
        return ToolStatus.INTERRUPTED
    return ToolStatus.ERROR


_SPECIAL_OUTPUT_MARKS = (STUB_PREFIX.encode(), b"aborted")


def may_be_special(line: Line) -> bool:
    """Whether an output line can be a stub or an abort: only those are decoded while building."""
    raw = bytes(line)
    return any(mark in raw for mark in _SPECIAL_OUTPUT_MARKS)


def codex_output_status(output: str) -> ToolStatus:
    stripped = output.strip()
    if stripped.startswith(STUB_PREFIX):
        return ToolStatus.STUBBED
    if stripped == "aborted" or stripped.endswith(ABORTED_ENDINGS):
        return ToolStatus.INTERRUPTED
    return ToolStatus.ANSWERED


def tool_ids(findings: Sequence[Finding], *codes: Code) -> set[str]:
    return {
        finding.tool_use_id
        for finding in findings
        if finding.code in codes and finding.tool_use_id is not None
    }
