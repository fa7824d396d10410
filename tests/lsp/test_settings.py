"""Settings: validated with msgspec, bad options reported and replaced by their defaults, and
`liveSessionSeconds` deciding "live" for diagnostics and quick fixes alike."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from session_lsp.core.repairs import Strategy
from session_lsp.lsp.settings import ServerSettings, parse_settings
from tests.lsp import sessions
from tests.lsp.conftest import SERVER, make_client
from tests.lsp.support import OpenDocument
from tests.support.files import age

in_module_loop = pytest.mark.asyncio(loop_scope="module")
OPTIONS = {"liveSessionSeconds": 3600, "debounceMs": "fast", "fixStrategy": "purge", "x": 1}


def test_each_bad_option_falls_back_alone_and_is_reported() -> None:
    settings, problem = parse_settings(OPTIONS)
    assert settings == ServerSettings(
        fix_strategy=Strategy.PURGE, live_session_seconds=3600, debounce_ms=150
    )
    assert problem is not None and "debounceMs" in problem and "\n" not in problem
    assert "liveSessionSeconds" not in problem and "for x" not in problem


@pytest.mark.parametrize(
    "options",
    [
        {"liveSessionSeconds": -1},
        {"debounceMs": 99999},
        {"fixStrategy": "delete-everything"},
        {"liveSessionSeconds": "10"},
    ],
)
def test_out_of_range_or_mistyped_options_keep_the_default(options: dict[str, object]) -> None:
    settings, problem = parse_settings(options)
    assert settings == ServerSettings() and problem is not None


def test_no_options_or_a_non_object() -> None:
    assert parse_settings(None) == (ServerSettings(), None)
    settings, problem = parse_settings(["liveSessionSeconds", 3])
    assert settings == ServerSettings() and problem is not None


def test_the_server_does_not_import_pydantic() -> None:
    """pydantic cost about 300 ms of every start (bench/bench_startup.py)."""
    probe = (
        "import sys, session_lsp.lsp.main; print(sorted(m for m in sys.modules if 'pydantic' in m))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    assert output.stdout.strip() == "[]"


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=SERVER, client_factory=make_client),
)
async def configured(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    lsp_client.preset = "visual-studio-code"  # type: ignore[attr-defined]
    lsp_client.init = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=Path.cwd().as_uri(),
            initialization_options=OPTIONS,
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


@in_module_loop
async def test_bad_options_are_logged_and_the_good_ones_apply(
    configured: LanguageClient,
) -> None:
    info = await configured.workspace_execute_command_async(
        types.ExecuteCommandParams(command="sessionLsp.debugInformation", arguments=[])
    )
    assert info["settings"] == {
        "fixStrategy": "purge",
        "liveSessionSeconds": 3600,
        "debounceMs": 150,
    }
    warnings = [m.message for m in configured.log_messages if m.type == types.MessageType.Warning]
    assert any("debounceMs" in message for message in warnings), warnings


@in_module_loop
async def test_live_session_seconds_governs_the_diagnostics_severity(
    configured: LanguageClient, tmp_path: Path
) -> None:
    """Written two minutes ago: live under a one-hour setting, though past the default 10 s."""
    path = tmp_path / "slow.jsonl"
    path.write_text(sessions.dangling(), encoding="utf-8")
    age(path, seconds_ago=120)
    document = OpenDocument(configured, path.as_uri(), path.read_text(encoding="utf-8"))
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "live-session"
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    titles = [a.title for a in await document.actions(diagnostic)]
    assert titles and all("still writing" in t for t in titles if "Fork" not in t)


@in_module_loop
async def test_live_session_seconds_governs_the_listing_s_health_too(
    configured: LanguageClient, tmp_path: Path
) -> None:
    """Without a registry, the session list (the tree view) says live where the diagnostics do:
    under the client's one-hour setting, not the default 10 s, a dangling call written two
    minutes ago is a running tool, not damage."""
    path = tmp_path / "projects" / "-work" / "7a7a7a7a-1111-4222-8333-444444444444.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(sessions.dangling(), encoding="utf-8")
    age(path, seconds_ago=120)
    listed = await configured.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="sessionLsp.listSessions", arguments=[str(tmp_path / "projects")]
        )
    )
    assert [(entry["health"], entry["errors"]) for entry in listed] == [("live", 0)]
    age(path, seconds_ago=7200)
    listed = await configured.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="sessionLsp.listSessions", arguments=[str(tmp_path / "projects")]
        )
    )
    assert [(entry["health"], entry["errors"]) for entry in listed] == [("broken", 1)]


@in_module_loop
async def test_live_session_seconds_governs_the_file_repair_too(
    configured: LanguageClient, tmp_path: Path
) -> None:
    """`fixFile` refuses what the diagnostics and the list call live: under the client's one-hour
    setting a dangling call written two minutes ago is a running tool, not damage to repair."""
    path = tmp_path / "projects" / "-work" / "7a7a7a7a-2222-4222-8333-444444444444.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(sessions.dangling(), encoding="utf-8")
    age(path, seconds_ago=120)
    before = path.read_bytes()
    with pytest.raises(JsonRpcException) as refused:
        await configured.workspace_execute_command_async(
            types.ExecuteCommandParams(command="sessionLsp.fixFile", arguments=[str(path), "stub"])
        )
    assert "written" in str(refused.value) and path.read_bytes() == before
    age(path, seconds_ago=7200)
    fixed = await configured.workspace_execute_command_async(
        types.ExecuteCommandParams(command="sessionLsp.fixFile", arguments=[str(path), "stub"])
    )
    assert fixed["changed"] and fixed["remainingErrors"] == 0
