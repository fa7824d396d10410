"""The conversation's outline, workspace symbols, inlay hints and the first-line code lens."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, span_text

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_outline_lists_prompts_turns_and_tool_calls_with_status(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document.identifier)
    )
    assert symbols is not None
    names = [s.name for s in symbols]  # type: ignore[union-attr]
    assert names == ["User: fix the build 🙂 修复", "Assistant", "Tool results (1)", "Assistant"]
    calls = [(c.name, c.detail) for s in symbols for c in (s.children or [])]  # type: ignore[union-attr]
    assert calls == [("Read toolu_01READ", "answered"), ("Bash toolu_01BASH", "unpaired-tool-use")]


async def test_workspace_symbols_find_tool_calls_in_open_transcripts(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client, "findme.jsonl"), sessions.dangling())
    await document.diagnostics()
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="toolu_01bash"))
    assert any(
        getattr(s.location, "uri", None) == document.uri and s.name == "Bash toolu_01BASH"
        for s in found or []
    )


async def test_inlay_hint_names_the_tool_beside_each_result(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=document.identifier,
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=4, character=0)
            ),
        )
    )
    assert [(h.position.line, h.label) for h in hints or []] == [(2, "Read")]
    (hint,) = hints or []
    before = types.Range(start=types.Position(line=2, character=0), end=hint.position)
    assert span_text(document.text, before, document.encoding).endswith('"toolu_01READ')


async def test_code_lens_counts_problems_and_offers_fix_all(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.EXAMPLE.read_text(encoding="utf-8"))
    await document.diagnostics()
    (lens,) = (
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=document.identifier)
        )
        or []
    )
    assert lens.command is not None
    assert lens.command.title == "2 problems · Fix all (stub)"
    assert lens.command.command == "sessionLsp.fixAll"
