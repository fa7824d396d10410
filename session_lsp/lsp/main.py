"""Build the server from its feature modules and run it over stdio or TCP."""

from __future__ import annotations

import gc
import logging
import socket
import sys

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

EXIT_USAGE = 2


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


def freeze_start_up() -> None:
    """What the server holds from its start to its end (modules, classes, lsprotocol's
    converters: about 58,000 objects) moved out of the collector's sight, once: every full
    collection walked them all again (15 ms, one before each big model is built and frozen)."""
    gc.collect()
    gc.freeze()


def serve(*, tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> int:
    """Run until the client exits; a TCP address that cannot be bound is one line and exit 2."""
    # pygls logs every message body at INFO: whole documents would land on stderr.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    if tcp:
        problem = _unusable_address(host, port)
        if problem is not None:
            print(f"session-lsp: cannot listen on {host}:{port}: {problem}", file=sys.stderr)
            return EXIT_USAGE
    server = create_server()
    freeze_start_up()
    if tcp:
        try:
            server.start_tcp(host, port)
        except OSError as error:  # taken between the check and the bind
            print(f"session-lsp: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
            return EXIT_USAGE
    else:
        server.start_io()
    return server.exit_code


def _unusable_address(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on, found before the server starts: pygls would raise
    from inside its event loop, with a traceback."""
    if not 0 <= port <= 65535:
        return "the port must be between 0 and 65535"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as error:
        return f"unknown host ({getattr(error, 'strerror', None) or error})"
    family, kind, protocol, _, address = addresses[0]
    try:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        return error.strerror or str(error)
    return None
