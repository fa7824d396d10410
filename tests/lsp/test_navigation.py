"""From a call to its result and back: definition, references, highlight."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, span_text, units

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _at(document: OpenDocument, line: int, needle: str) -> types.Position:
    body = document.text.split("\n")[line]
    return types.Position(
        line=line, character=units(body[: body.index(needle) + 3], document.encoding)
    )


async def test_definition_jumps_between_the_halves_of_a_pair(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    from_result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document.identifier, position=_at(document, 2, "toolu_01READ")
        )
    )
    assert isinstance(from_result, list)
    (location,) = from_result
    assert location.range.start.line == 1
    assert span_text(document.text, location.range, document.encoding) == "toolu_01READ"
    from_call = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document.identifier, position=_at(document, 1, "toolu_01READ")
        )
    )
    assert isinstance(from_call, list) and [loc.range.start.line for loc in from_call] == [2]


async def test_references_and_highlights_cover_both_halves(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    position = _at(document, 1, "toolu_01READ")
    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document.identifier,
            position=position,
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert sorted(loc.range.start.line for loc in references or []) == [1, 2]
    highlights = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(text_document=document.identifier, position=position)
    )
    assert sorted((h.range.start.line, h.kind) for h in highlights or []) == [
        (1, types.DocumentHighlightKind.Write),
        (2, types.DocumentHighlightKind.Read),
    ]
    unpaired = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=document.identifier, position=_at(document, 3, "toolu_01BASH")
        )
    )
    assert not unpaired
