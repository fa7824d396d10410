"""initialize / initialized: negotiate capabilities, route logs."""

from __future__ import annotations

import logging

from lsprotocol import types

from session_lsp.lsp import diagnostics
from session_lsp.lsp.capabilities import ResolvedClient
from session_lsp.lsp.server import SessionServer
from session_lsp.lsp.settings import parse_settings

_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


class ClientLogHandler(logging.Handler):
    """User-facing logs go to the client (`window/logMessage`), never to stdout."""

    def __init__(self, server: SessionServer) -> None:
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.server.window_log_message(
                types.LogMessageParams(
                    type=_LEVELS.get(record.levelno, types.MessageType.Log),
                    message=self.format(record),
                )
            )
        except Exception:
            self.handleError(record)


def initialize(ls: SessionServer, params: types.InitializeParams) -> None:
    settings, problem = parse_settings(params.initialization_options)
    ls.client = ResolvedClient.resolve(params.capabilities, settings)
    if problem:
        # Allowed during initialize, and the log handler only exists from `initialized` on.
        ls.window_log_message(
            types.LogMessageParams(type=types.MessageType.Warning, message=problem)
        )
    if ls.client.pull_diagnostics:
        diagnostics.register_pull(ls)


def initialized(ls: SessionServer, params: types.InitializedParams) -> None:
    handler = ClientLogHandler(ls)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("session_lsp")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    ls.log.info(
        "session-lsp %s: %s diagnostics, %s positions, edits %s",
        ls.version,
        "pull" if ls.pull_diagnostics else "push",
        ls.workspace.position_encoding,
        "resolved lazily" if ls.can_resolve_edits() else "inline",
    )


def register(server: SessionServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
