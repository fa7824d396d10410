"""Tool ids in an open document: where each one is, and what the other half of its pair is.

Which ids a line names, and where their partners are, is the format's business (core/formats/):
`tool_use.id` / `tool_result.tool_use_id` in Claude Code, a call's and its output's `call_id` in
Codex. This module only maps client positions onto them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from session_lsp.core.findings import Span
from session_lsp.core.formats import Format
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer


@dataclass(frozen=True, slots=True)
class ToolMention:
    tool_use_id: str
    is_result: bool
    span: Span
    line: int


def format_of(document: SessionDocument) -> Format | None:
    """The document's transcript format; None for a file of no known format."""
    return document.analysis().format


def mentions_on_line(document: SessionDocument, line: int) -> list[ToolMention]:
    analysis = document.analysis()
    transcript_format = format_of(document)
    if transcript_format is None or not 0 <= line < len(analysis.records):
        return []
    if transcript_format.uses_records and analysis.records[line] is None:
        return []  # an unreadable line (a format that reads lines alone reads them itself)
    return [
        ToolMention(mention.tool_use_id, mention.is_result, mention.span, line)
        for mention in transcript_format.mentions(analysis, line)
    ]


def mention_at(document: SessionDocument, position: types.Position) -> ToolMention | None:
    """The tool id under a client position (in the client's units)."""
    line = position.line
    column = document.columns.from_client(document.line_text(line), position.character)
    for mention in mentions_on_line(document, line):
        if mention.span.start <= column <= mention.span.end:
            return mention
    return None


def mention_under(
    ls: SessionServer,
    params: types.HoverParams
    | types.DefinitionParams
    | types.ReferenceParams
    | types.DocumentHighlightParams,
) -> tuple[SessionDocument, ToolMention] | None:
    """The open transcript a position request names, and the tool id under its position."""
    document = ls.session_document(params.text_document.uri)
    if document is None:
        return None
    mention = mention_at(document, params.position)
    return (document, mention) if mention is not None else None


def pair_lines(document: SessionDocument, tool_use_id: str) -> tuple[list[int], list[int]]:
    """The lines of the calls and of the results that carry this id, anywhere in the file."""
    transcript_format = format_of(document)
    if transcript_format is None:
        return [], []
    return transcript_format.pair_lines(document.analysis(), tool_use_id)


def partners(document: SessionDocument, mention: ToolMention) -> list[ToolMention]:
    """The other half (or halves) of a mention's pair, anywhere in the file."""
    uses, results = pair_lines(document, mention.tool_use_id)
    found = []
    for line in uses if mention.is_result else results:
        for other in mentions_on_line(document, line):
            if other.tool_use_id == mention.tool_use_id and other.is_result != mention.is_result:
                found.append(other)
    return found
