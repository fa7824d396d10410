"""What a span of lines holds that a user would miss: their prompts and the tool calls made."""

from __future__ import annotations

from dataclasses import dataclass

from session_lsp.core.analysis import Analysis
from session_lsp.core.codex import is_rollout, rollout_content
from session_lsp.core.reading import replayed_records
from session_lsp.core.records import Record

INTERRUPT_PREFIX = "[Request interrupted by user"


@dataclass(frozen=True, slots=True)
class Content:
    prompts: int
    tool_calls: int
    messages: int
    """User and assistant records of any kind (a sub-agent file may hold no prompt at all)."""

    @classmethod
    def of(cls, analysis: Analysis, start: int, stop: int | None = None) -> Content:
        """Prompts and tool calls on lines [start, stop), on any branch."""
        end = len(analysis.lines) if stop is None else stop
        if not analysis.is_transcript:
            if is_rollout(analysis.lines):
                return cls(*rollout_content(analysis.lines, start, end))
            return cls(0, 0, 0)
        records = replayed_records(analysis.records, analysis.problems)
        # Inline 1.0.x sidechains are sub-agents' prompts; in a sub-agent file they are the prompts.
        main_session = any(
            record is not None and record.type in ("user", "assistant") and not record.isSidechain
            for record in records
        )
        prompts = calls = messages = 0
        for record in records:
            if record is None or not start <= record.line < end:
                continue
            messages += record.type in ("user", "assistant")
            if record.type == "assistant":
                calls += sum(1 for block in record.blocks if block.type == "tool_use")
            elif _is_prompt(record) and not (main_session and record.isSidechain):
                prompts += 1
        return cls(prompts, calls, messages)

    def describe(self) -> str:
        return (
            f"{self.prompts} prompt{'s' * (self.prompts != 1)},"
            f" {self.tool_calls} tool call{'s' * (self.tool_calls != 1)}"
        )


def _is_prompt(record: Record) -> bool:
    """A user line someone typed: text or an image, not a tool result, a marker or a summary."""
    if record.type != "user" or record.isMeta or record.isCompactSummary:
        return False
    blocks = record.blocks
    if any(block.type == "tool_result" for block in blocks):
        return False
    for block in blocks:
        if block.type == "image":
            return True
        if block.type == "text" and not (block.text or "").startswith(INTERRUPT_PREFIX):
            return True
    return False
