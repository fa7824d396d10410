"""The editor sees a partial compaction (2.1.205+) as Claude Code loads it: diagnostics quote the
message index it sends, a call it prunes is no problem, and hover says why."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.support import OpenDocument, fresh_uri, units
from tests.support.claude_records import inserted_by_claude_code, partial_compaction

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _hover(document: OpenDocument, line: int, needle: str) -> str:
    body = document.text.split("\n")[line]
    character = units(body[: body.index(needle) + 2], document.encoding)
    hover = await document.client.text_document_hover_async(
        types.HoverParams(
            text_document=document.identifier,
            position=types.Position(line=line, character=character),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_diagnostics_after_a_partial_compaction_quote_the_index_claude_code_sends(
    client: LanguageClient,
) -> None:
    text = partial_compaction(lose_pre_compact_result=True, lose_last_result=True).data()
    document = OpenDocument(client, fresh_uri(client), text.decode())
    [diagnostic] = await document.diagnostics()
    assert diagnostic.range.start.line == 10
    assert "messages.5: `tool_use` ids were found" in diagnostic.message
    assert "compacted away" in await _hover(document, 1, "toolu_01OLD")
    assert "compacted away" not in await _hover(document, 5, "toolu_01KEPT")


async def test_the_outline_keeps_retries_and_model_switches_inside_the_turn(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), inserted_by_claude_code().data().decode())
    await document.diagnostics()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document.identifier)
    )
    assert symbols is not None
    names = [symbol.name.split(":")[0] for symbol in symbols]
    notice = "Notification (from Claude Code, not typed)"
    assert names == ["User", "Assistant", notice, notice, notice, notice, "Assistant"]
    turn = symbols[1]
    assert isinstance(turn, types.DocumentSymbol)
    assert (turn.range.start.line, turn.range.end.line) == (2, 11), "retries and switches inside"
