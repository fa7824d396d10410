"""didOpen / didChange / didSave / didClose: keep documents in step and diagnostics current."""

from __future__ import annotations

import asyncio
import uuid

from lsprotocol import types

from session_lsp.lsp import diagnostics, live, views
from session_lsp.lsp.server import SessionServer


def register(server: SessionServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: SessionServer, params: types.DidOpenTextDocumentParams) -> None:
        if ls.state.live_watch is None:
            ls.state.live_watch = asyncio.ensure_future(live.watch(ls))
        document = ls.session_document(params.text_document.uri)
        if document is None:
            return
        live.observe(ls, document)
        big = document.is_big
        if big and ls.supports_progress():
            token = str(uuid.uuid4())
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(
                token,
                types.WorkDoneProgressBegin(
                    title="session-lsp", message=f"replaying {document.line_count} lines"
                ),
            )
            document.analysis()
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
        diagnostics.publish(ls, document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SessionServer, params: types.DidChangeTextDocumentParams) -> None:
        document = ls.session_document(params.text_document.uri)
        if document is not None:
            diagnostics.schedule(ls, document)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SessionServer, params: types.DidSaveTextDocumentParams) -> None:
        document = ls.session_document(params.text_document.uri)
        if document is not None:
            live.note_saved(document)
            if live.observe(ls, document):
                diagnostics.refresh(ls, document)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SessionServer, params: types.DidCloseTextDocumentParams) -> None:
        diagnostics.clear(ls, params.text_document.uri)
        views.forget_document(params.text_document.uri)
