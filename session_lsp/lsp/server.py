"""The server object: session-wide state and the helpers every feature module shares."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from threading import Event
from typing import Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer

from session_lsp import __version__
from session_lsp.lsp import transport
from session_lsp.lsp.capabilities import ResolvedClient
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.settings import ServerSettings
from session_lsp.lsp.state import ServerState
from session_lsp.lsp.transport import SessionProtocol, widen_pipe

FIX_ALL_KIND = "source.fixAll.sessionLsp"


class SessionServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "session-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=SessionProtocol,
        )
        self.client = ResolvedClient()
        """Replaced once, in `initialize`; features read it, never `client_capabilities`."""
        self.exit_code = 0
        """1 when the client sent `exit` without `shutdown` first (LSP's rule)."""
        self.log = logging.getLogger("session_lsp")
        self.state = ServerState()

    @property
    def settings(self) -> ServerSettings:
        return self.client.settings

    @property
    def pull_diagnostics(self) -> bool:
        return self.client.pull_diagnostics

    @property
    def session_protocol(self) -> SessionProtocol:
        assert isinstance(self.protocol, SessionProtocol)
        return self.protocol

    def session_document(self, uri: str) -> SessionDocument | None:
        """An open transcript; None for a document the client never opened."""
        document = self.workspace.text_documents.get(unquote(uri))
        return document if isinstance(document, SessionDocument) else None

    def can_resolve_edits(self) -> bool:
        return self.client.resolve_edits

    def supports_progress(self) -> bool:
        return self.client.work_done_progress

    def workspace_edit(
        self, document: SessionDocument, edits: list[types.TextEdit]
    ) -> types.WorkspaceEdit:
        """Versioned `documentChanges` where the client takes them, so stale edits are refused."""
        if self.client.document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(
                            uri=document.uri, version=document.version
                        ),
                        edits=list(edits),
                    )
                ]
            )
        return types.WorkspaceEdit(changes={document.uri: list(edits)})

    def _start_io_async(
        self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
    ) -> None:
        """pygls's stdio server with session-lsp's message loop (see `transport`)."""
        self._stop_event = Event()
        stdin = stdin or sys.stdin.buffer
        widen_pipe(stdin)
        reader = StdinAsyncReader(stdin, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
            try:
                asyncio.run(transport.run(self._stop_event, reader, self.session_protocol))
            except SystemExit as exit_:
                self.exit_code = exit_.code if isinstance(exit_.code, int) else 1

    def start_tcp(self, host: str, port: int) -> None:
        """pygls's TCP server with session-lsp's message loop, like `_start_io_async`."""
        stop_event = self._stop_event = Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            await transport.run(stop_event, transport.StreamReader(reader), self.session_protocol)
            self.shutdown()  # type: ignore[no-untyped-call]

        async def listen() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            async with self._server:
                await self._server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError, KeyboardInterrupt):
            try:
                asyncio.run(listen())
            except SystemExit as exit_:
                self.exit_code = exit_.code if isinstance(exit_.code, int) else 1

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors are logged for the user, never shown as pop-ups over their work."""
        self.log.error("internal error in %s: %s", getattr(source, "__name__", source), error)
