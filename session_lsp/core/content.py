"""What a span of lines holds that a user would miss: their prompts and the tool calls made."""

from __future__ import annotations

from dataclasses import dataclass

from session_lsp.core.document import Analysis


@dataclass(frozen=True, slots=True)
class Content:
    prompts: int
    tool_calls: int
    messages: int
    """Conversation records of any kind (a sub-agent file may hold no prompt at all)."""

    @classmethod
    def of(cls, analysis: Analysis, start: int, stop: int | None = None) -> Content:
        """Prompts and tool calls on lines [start, stop), on any branch."""
        transcript_format = analysis.format
        if transcript_format is None:
            return cls(0, 0, 0)
        end = len(analysis.lines) if stop is None else stop
        return cls(*transcript_format.content(analysis, start, end))

    def describe(self) -> str:
        return (
            f"{self.prompts} prompt{'s' * (self.prompts != 1)},"
            f" {self.tool_calls} tool call{'s' * (self.tool_calls != 1)}"
        )
