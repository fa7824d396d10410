"""pytest-lsp clients for every preset, talking to the real server over stdio."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

PRESETS = ["visual-studio-code", "neovim@v0.7.0", "neovim@v0.10.0", "neovim", "emacs"]
SERVER = [sys.executable, "-m", "session_lsp", "serve"]


def make_client() -> LanguageClient:
    """pytest-lsp's client, recording each publish's version and every push it receives."""
    client = LanguageClient(converter_factory=default_converter)
    for method, handler in DEFAULT_CLIENT_FEATURES.items():
        if method != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            client.feature(method)(handler)
    client.applied_edits = []  # type: ignore[attr-defined]
    client.diagnostic_versions = {}  # type: ignore[attr-defined]
    client.publish_count = 0  # type: ignore[attr-defined]
    client.lens_refreshes = 0  # type: ignore[attr-defined]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        ls.diagnostic_versions[params.uri] = params.version  # type: ignore[attr-defined]
        ls.publish_count += 1  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply(
        ls: LanguageClient, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        ls.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_lens_refresh(ls: LanguageClient, params: None) -> None:
        ls.lens_refreshes += 1  # type: ignore[attr-defined]

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
