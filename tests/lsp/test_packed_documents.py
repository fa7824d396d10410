"""A big open document of short lines is held packed once read (`core/packed_chunks.py`), and every
request reads it as it was sent: diagnostics, hover, a quick fix, a search, an edit, its text."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all
from tests.lsp.support import OpenDocument, fresh_uri, units
from tests.support.claude_records import tool_run

pytestmark = pytest.mark.asyncio(loop_scope="module")

CALLS = 4000
UNANSWERED = 3100
"""The call left without a result, three megabytes in: in a packed chunk, not the last one."""


async def _command(client: LanguageClient, name: str, *arguments: object) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def _held_text(client: LanguageClient, uri: str) -> dict[str, int]:
    """What the server holds of the document's text, once the packing thread has caught up."""
    held: dict[str, int] = {}
    for _ in range(100):
        info = await _command(client, "sessionLsp.debugInformation")
        [held] = [text for text in info["heldTexts"] if text["uri"] == uri]
        if held["packedBytes"] and held["unpackedBytes"] < 1 << 20:
            break
        await asyncio.sleep(0.05)
    return held


async def test_a_document_of_short_lines_is_packed_and_every_request_reads_it_whole(
    client: LanguageClient,
) -> None:
    text = tool_run(CALLS, unanswered=UNANSWERED).data().decode()
    size = len(text.encode())
    document = OpenDocument(client, fresh_uri(client), text)
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "unpaired-tool-use"
    held = await _held_text(client, document.uri)
    assert held["unpackedBytes"] < 1 << 20 < size  # at most the last chunk, not yet packed
    assert 0 < held["packedBytes"] < size // 4

    line = diagnostic.range.start.line
    body = document.text.splitlines()[line]
    tool_id = f"toolu_{UNANSWERED:06d}"
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=document.identifier,
            position=types.Position(
                line=line, character=units(body[: body.index(tool_id) + 2], document.encoding)
            ),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert f"pytest t{UNANSWERED}" in hover.contents.value

    hits = await _command(client, "sessionLsp.search", document.uri, {"query": "2999 passed"})
    assert [hit["line"] for hit in hits] == [1 + 2 * 2999 + 1]

    actions = [a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction)]
    document.change(await document.resolved_edits(actions[0]))
    assert await document.diagnostics() == []
    assert await document.server_text() == document.text
    analysis = analyse_bytes(text.encode())
    stubbed = join_lines(apply_edits(analysis.lines, repair_all(analysis, Strategy.STUB).edits))
    assert document.text == stubbed.decode()
