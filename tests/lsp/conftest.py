"""pytest-lsp clients for every preset, talking to the real server over stdio."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

PRESETS = ["visual-studio-code", "neovim@v0.7.0", "neovim@v0.10.0", "neovim", "emacs"]
SERVER = [sys.executable, "-m", "session_lsp", "serve"]


def make_client() -> LanguageClient:
    client = pytest_lsp.make_test_lsp_client()
    client.applied_edits = []  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply(
        ls: LanguageClient, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        ls.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    return client


@pytest_lsp.fixture(
    scope="module",
    params=PRESETS,
    config=ClientServerConfig(server_command=SERVER, client_factory=make_client),
)
async def client(
    request: pytest.FixtureRequest, lsp_client: LanguageClient
) -> AsyncIterator[LanguageClient]:
    lsp_client.preset = request.param  # type: ignore[attr-defined]
    lsp_client.init = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=Path.cwd().as_uri(),
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()
