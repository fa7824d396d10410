"""Between the two halves of a tool pair: definition, references, document highlight."""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from session_lsp.lsp.convert import to_range
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer
from session_lsp.lsp.tools import ToolMention, mention_under, mentions_on_line, pair_lines, partners


def _all_mentions(document: SessionDocument, tool_use_id: str) -> list[ToolMention]:
    uses, results = pair_lines(document, tool_use_id)
    lines = sorted({*uses, *results})
    return [
        m
        for line in lines
        for m in mentions_on_line(document, line)
        if m.tool_use_id == tool_use_id
    ]


def definition(ls: SessionServer, params: types.DefinitionParams) -> list[types.Location] | None:
    found = mention_under(ls, params)
    if found is None:
        return None
    document, mention = found
    return _locations(document, partners(document, mention)) or None


def references(ls: SessionServer, params: types.ReferenceParams) -> list[types.Location] | None:
    found = mention_under(ls, params)
    if found is None:
        return None
    document, mention = found
    mentions = _all_mentions(document, mention.tool_use_id)
    include_calls = params.context.include_declaration
    return _locations(document, [m for m in mentions if include_calls or m.is_result])


def _locations(document: SessionDocument, mentions: Iterable[ToolMention]) -> list[types.Location]:
    return [types.Location(uri=document.uri, range=to_range(document, m.span)) for m in mentions]


def highlight(
    ls: SessionServer, params: types.DocumentHighlightParams
) -> list[types.DocumentHighlight] | None:
    found = mention_under(ls, params)
    if found is None:
        return None
    document, mention = found
    return [
        types.DocumentHighlight(
            range=to_range(document, other.span),
            kind=types.DocumentHighlightKind.Read
            if other.is_result
            else types.DocumentHighlightKind.Write,
        )
        for other in _all_mentions(document, mention.tool_use_id)
    ]


def register(server: SessionServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DEFINITION)(definition)
    server.feature(types.TEXT_DOCUMENT_REFERENCES)(references)
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)(highlight)
