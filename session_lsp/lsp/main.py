"""Build the server from its feature modules and run it over stdio or TCP."""

from __future__ import annotations

import logging

from session_lsp.lsp import (
    code_actions,
    commands,
    hints,
    hover,
    lifecycle,
    navigation,
    symbols,
    sync,
    views,
)
from session_lsp.lsp.server import SessionServer


def create_server() -> SessionServer:
    server = SessionServer()
    for feature in (
        lifecycle,
        sync,
        code_actions,
        hover,
        navigation,
        symbols,
        hints,
        commands,
        views,
    ):
        feature.register(server)
    return server


def serve(*, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> int:
    # pygls logs every message body at INFO: whole documents would land on stderr.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    server = create_server()
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
    return server.exit_code
