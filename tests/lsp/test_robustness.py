"""Malformed requests and odd documents get answers or errors, and the server stays up."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _still_alive(client: LanguageClient) -> None:
    info = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="sessionLsp.debugInformation", arguments=[])
    )
    assert isinstance(info, dict) and info["version"]


async def test_requests_for_unknown_documents_and_positions_past_the_end(
    client: LanguageClient,
) -> None:
    unknown = types.TextDocumentIdentifier(uri="file:///never/opened.jsonl")
    far = types.Position(line=10_000, character=10_000)
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=unknown, position=far)
        )
        is None
    )
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=document.identifier, position=far)
        )
        is None
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=unknown,
            range=types.Range(start=far, end=far),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert list(actions or []) == []
    await _still_alive(client)


async def test_bad_command_arguments_are_invalid_params_with_one_line(
    client: LanguageClient,
) -> None:
    for arguments in ([], [1, 2, 3, 4], ["file:///x.jsonl", "no-such-strategy"], [{"uri": 1}]):
        with pytest.raises(JsonRpcException) as raised:
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="sessionLsp.fixAll", arguments=list(arguments))
            )
        assert raised.value.code == -32602, arguments
        assert "\n" not in raised.value.message and raised.value.data is None, arguments
    await _still_alive(client)


async def test_outline_of_a_one_line_document(client: LanguageClient) -> None:
    """A message with empty content once crashed the outline (`min()` of an empty sequence)."""
    text = '{"type":"user","uuid":"a","message":{"role":"user","content":[]}}'
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document.identifier)
    )
    assert list(symbols or []) == []
    await _still_alive(client)


async def test_documents_with_anything_in_them(client: LanguageClient) -> None:
    for text in (
        "",
        "\n\n\n",
        "\x00\x01garbage\r\r\n{",
        "🙂" * 1000,
        '{"type":"user"}\n' * 50,
        "\u2028\u2029\x85",
    ):
        document = OpenDocument(client, fresh_uri(client), text)
        await document.diagnostics()
        assert await document.server_text() == text
    await _still_alive(client)
