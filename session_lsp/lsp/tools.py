"""Tool ids in an open document: where each one is, and what the other half of its pair is."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

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


def mentions_on_line(document: SessionDocument, line: int) -> list[ToolMention]:
    analysis = document.analysis()
    if not 0 <= line < len(analysis.records):
        return []
    record = analysis.records[line]
    if record is None:
        return []
    locator = Locator(analysis.lines)
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


def partners(document: SessionDocument, mention: ToolMention) -> list[ToolMention]:
    """The other half (or halves) of a mention's pair, anywhere in the file."""
    index = document.tools()
    records = index.uses if mention.is_result else index.results
    found = []
    for record in records.get(mention.tool_use_id, ()):
        for other in mentions_on_line(document, record.line):
            if other.tool_use_id == mention.tool_use_id and other.is_result != mention.is_result:
                found.append(other)
    return found
