"""Incremental sync stays exact: U+2028 inside strings, CRLF files, edits spanning lines."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, units


def _at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_u2028_inside_a_string_never_desyncs_incremental_edits(
    client: LanguageClient,
) -> None:
    first = sessions.line(sessions.prompt("u1", "a\u2028b\u2029c\x85d"))
    second = sessions.line(sessions.call("a1", "u1", "toolu_01A", "Read", {}, 1))
    document = OpenDocument(client, fresh_uri(client), f"{first}\n{second}\n")
    await document.diagnostics()
    insert = types.Range(start=_at(1, 1), end=_at(1, 1))
    document.change([types.TextEdit(range=insert, new_text='"edited":true,')])
    assert await document.server_text() == document.text
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.range.start.line == 1


async def test_crlf_documents_keep_their_line_endings_in_repairs(client: LanguageClient) -> None:
    text = sessions.dangling().replace("\n", "\r\n")
    document = OpenDocument(client, fresh_uri(client), text)
    (diagnostic,) = await document.diagnostics()
    action = next(a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction))
    document.change(await document.resolved_edits(action))
    assert "\r\n" in document.text and "\n" not in document.text.replace("\r\n", "")
    assert await document.diagnostics() == []
    assert await document.server_text() == document.text


async def test_edits_joining_and_splitting_lines(client: LanguageClient) -> None:
    text = sessions.dangling()
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    lines = text.split("\n")
    end_of_first = units(lines[0], document.encoding)
    document.change(
        [types.TextEdit(range=types.Range(start=_at(0, end_of_first), end=_at(1, 0)), new_text="")]
    )
    assert await document.server_text() == document.text
    document.change(
        [
            types.TextEdit(
                range=types.Range(start=_at(0, end_of_first), end=_at(0, end_of_first)),
                new_text="\n",
            )
        ]
    )
    assert await document.server_text() == document.text == text
    document.change(
        [types.TextEdit(range=types.Range(start=_at(2, 0), end=_at(4, 0)), new_text="")]
    )
    document.change(
        [types.TextEdit(range=types.Range(start=_at(2, 0), end=_at(2, 0)), new_text="\r\n")]
    )
    assert await document.server_text() == document.text


async def test_full_document_change_replaces_everything(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    document.version += 1
    document.text = sessions.EXAMPLE.read_text(encoding="utf-8")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=document.uri, version=document.version
            ),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=document.text)],
        )
    )
    assert [d.code for d in await document.diagnostics()] == ["unpaired-tool-use", "truncated-line"]
