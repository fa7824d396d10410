"""What each client can do, resolved once at `initialize` from its declared capabilities."""

from __future__ import annotations

import pytest
from pytest_lsp import client_capabilities

from session_lsp.lsp.capabilities import ResolvedClient
from session_lsp.lsp.settings import ServerSettings


@pytest.mark.parametrize(
    ("preset", "pull", "resolve_edits"),
    [
        ("visual-studio-code", False, True),  # pytest-lsp's capture predates pull diagnostics
        ("neovim@v0.7.0", False, True),
        ("neovim", True, True),
        ("emacs", False, False),  # eglot neither pulls nor resolves edits
    ],
)
def test_each_client_gets_the_modes_it_declared(
    preset: str, pull: bool, resolve_edits: bool
) -> None:
    client = ResolvedClient.resolve(client_capabilities(preset), ServerSettings())
    assert (client.pull_diagnostics, client.resolve_edits) == (pull, resolve_edits)


def test_live_is_decided_by_the_one_setting() -> None:
    capabilities = client_capabilities("visual-studio-code")
    default = ResolvedClient.resolve(capabilities, ServerSettings())
    patient = ResolvedClient.resolve(capabilities, ServerSettings(live_session_seconds=3600))
    assert (default.is_live(9.9), default.is_live(120)) == (True, False)
    assert patient.is_live(120) and not patient.is_live(3600)
