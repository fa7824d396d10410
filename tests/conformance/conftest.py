"""One pytest-lsp client (the VS Code preset) for the conformance suite's editor features: the
presets themselves are covered by tests/lsp; here the formats vary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import SERVER, make_client

PRESET = "visual-studio-code"


@pytest_lsp.fixture(
    scope="module", config=ClientServerConfig(server_command=SERVER, client_factory=make_client)
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    lsp_client.preset = PRESET  # type: ignore[attr-defined]
    lsp_client.init = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=client_capabilities(PRESET), root_uri=Path.cwd().as_uri()
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()
