"""Tool ids in an open document: where each one is, and what the other half of its pair is.

Claude Code transcripts name them in content blocks (`tool_use.id`, `tool_result.tool_use_id`);
Codex rollouts in response items (`call_id` of a call and of its output).
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from session_lsp.core.codex import call_lines, call_mentions, is_rollout
from session_lsp.core.findings import Span
from session_lsp.core.locate import Locator
from session_lsp.core.records import Record
from session_lsp.lsp.documents import SessionDocument


@dataclass(frozen=True, slots=True)
class ToolMention:
    tool_use_id: str
    is_result: bool
    span: Span
    record: Record


def _is_rollout(document: SessionDocument) -> bool:
    analysis = document.analysis()
    return not analysis.is_transcript and is_rollout(analysis.lines)


def mentions_on_line(document: SessionDocument, line: int) -> list[ToolMention]:
    analysis = document.analysis()
    if not 0 <= line < len(analysis.records):
        return []
    record = analysis.records[line]
    if record is None:
        return []
    locator = Locator(analysis.lines)
    if _is_rollout(document):
        return [
            ToolMention(call_id, is_output, locator.value(line, "call_id", call_id), record)
            for call_id, is_output in call_mentions(analysis.lines[line])
        ]
    mentions = []
    for block in record.blocks:
        if block.type in ("tool_use", "server_tool_use") and block.id:
            mentions.append(
                ToolMention(block.id, False, locator.tool_use_id(line, block.id), record)
            )
        elif block.type == "tool_result" and block.tool_use_id:
            span = locator.tool_result_id(line, block.tool_use_id)
            mentions.append(ToolMention(block.tool_use_id, True, span, record))
    return mentions


def mention_at(document: SessionDocument, position: types.Position) -> ToolMention | None:
    """The tool id under a client position (in the client's units)."""
    line = position.line
    column = document.columns.from_client(document.line_text(line), position.character)
    for mention in mentions_on_line(document, line):
        if mention.span.start <= column <= mention.span.end:
            return mention
    return None


def pair_lines(document: SessionDocument, tool_use_id: str) -> tuple[list[int], list[int]]:
    """The lines of the calls and of the results that carry this id, anywhere in the file."""
    if _is_rollout(document):
        calls, outputs = call_lines(document.analysis().lines)
        return calls.get(tool_use_id, []), outputs.get(tool_use_id, [])
    index = document.tools()
    return (
        [record.line for record in index.uses.get(tool_use_id, ())],
        [record.line for record in index.results.get(tool_use_id, ())],
    )


def partners(document: SessionDocument, mention: ToolMention) -> list[ToolMention]:
    """The other half (or halves) of a mention's pair, anywhere in the file."""
    uses, results = pair_lines(document, mention.tool_use_id)
    found = []
    for line in uses if mention.is_result else results:
        for other in mentions_on_line(document, line):
            if other.tool_use_id == mention.tool_use_id and other.is_result != mention.is_result:
                found.append(other)
    return found
