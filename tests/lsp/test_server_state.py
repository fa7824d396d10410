"""Each server keeps its own state (timers, outlines): two servers in one process share nothing."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pygls.workspace import Workspace

from session_lsp.lsp import diagnostics, symbols
from session_lsp.lsp.documents import SessionDocument, SessionWorkspace
from session_lsp.lsp.main import create_server
from session_lsp.lsp.server import SessionServer
from tests.lsp import sessions

URI = "file:///tmp/state/session.jsonl"


def _server_with_document() -> tuple[SessionServer, SessionDocument, list[int | None]]:
    server = create_server()
    server.protocol._workspace = Workspace(None)
    assert isinstance(server.workspace, SessionWorkspace)
    server.workspace.put_text_document(
        types.TextDocumentItem(uri=URI, language_id="jsonl", version=1, text=sessions.dangling())
    )
    published: list[int | None] = []
    server.text_document_publish_diagnostics = (  # type: ignore[method-assign]
        lambda params: published.append(params.version)
    )
    document = server.session_document(URI)
    assert document is not None
    return server, document, published


def test_a_publish_scheduled_by_one_server_is_not_cancelled_by_another() -> None:
    async def run() -> tuple[list[int | None], list[int | None]]:
        first, first_document, first_published = _server_with_document()
        second, second_document, second_published = _server_with_document()
        diagnostics.schedule(first, first_document)
        diagnostics.publish(second, second_document)  # the same URI, in another server
        await asyncio.sleep(first.settings.debounce_ms / 1000 + 0.2)
        return first_published, second_published

    assert asyncio.run(run()) == ([1], [1])


def test_each_server_builds_and_keeps_its_own_outline() -> None:
    first, first_document, _ = _server_with_document()
    second, second_document, _ = _server_with_document()
    outline = symbols.document_symbols(first, first_document)
    assert outline == symbols.document_symbols(second, second_document)
    assert first.state.outlines[URI][1] is not second.state.outlines[URI][1]
    diagnostics.clear(first, URI)
    assert URI not in first.state.outlines and URI in second.state.outlines
