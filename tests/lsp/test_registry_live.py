"""The server says live from Claude Code's registry of running sessions (issue #15 item 8):
`listSessions` (hence the tree view), `checkFile`, the diagnostics, and `fixFile` refuses.

The server inherits the test run's own `CLAUDE_CONFIG_DIR` (tests/conftest.py); each test
registers a real process standing in for Claude Code there, and removes the registry again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.support import OpenDocument
from tests.sessions.test_registry import Processes, _ticks
from tests.support.corpus import CODEMIE_TURN_1, DANGLING_END_ROLLOUT
from tests.support.files import aged_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")

SESSION_ID = "5e5e5e5e-1111-4222-8333-444444444444"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Path]:
    """A broken session written an hour ago that a registered Claude Code is running."""
    processes = Processes(tmp_path)
    registry = Path(os.environ["CLAUDE_CONFIG_DIR"]) / "sessions"
    registry.mkdir()
    try:
        claude = processes.start()
        entry = {
            "pid": claude.pid,
            "sessionId": SESSION_ID,
            "cwd": str(tmp_path),
            "startedAt": int(time.time() * 1000),
            "procStart": _ticks(claude.pid),
        }
        (registry / f"{claude.pid}.json").write_text(json.dumps(entry))
        session = tmp_path / "projects" / "-elsewhere" / f"{SESSION_ID}.jsonl"
        session.parent.mkdir(parents=True)
        yield aged_copy(CODEMIE_TURN_1, session)
    finally:
        processes.stop()
        shutil.rmtree(registry)


async def _command(client: LanguageClient, name: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def test_list_sessions_and_check_file_say_live_from_the_registry(
    client: LanguageClient, running: Path
) -> None:
    listed = await _command(client, "sessionLsp.listSessions", str(running.parent.parent))
    assert isinstance(listed, list)
    assert [(entry["sessionId"], entry["health"]) for entry in listed] == [(SESSION_ID, "live")]
    checked = await _command(client, "sessionLsp.checkFile", str(running))
    assert isinstance(checked, dict)
    assert [finding["code"] for finding in checked["findings"]] == ["live-session"]


async def test_fix_file_refuses_a_session_the_registry_says_runs(
    client: LanguageClient, running: Path
) -> None:
    before = running.read_bytes()
    with pytest.raises(JsonRpcException) as refused:
        await _command(client, "sessionLsp.fixFile", str(running), "stub")
    assert "is running this session" in str(refused.value)
    assert "--force" not in str(refused.value), "no advice the editor cannot follow"
    assert running.read_bytes() == before


async def test_an_open_session_the_registry_says_runs_is_diagnosed_live(
    client: LanguageClient, running: Path
) -> None:
    document = OpenDocument(client, running.as_uri(), running.read_text(encoding="utf-8"))
    assert await document.codes_becoming(["live-session"], tries=50) == ["live-session"]


async def test_the_conversation_view_shows_the_call_the_registry_says_runs_as_running(
    client: LanguageClient, running: Path
) -> None:
    answer = await _command(client, "sessionLsp.conversation", str(running), {"limit": 2000})
    assert isinstance(answer, dict)
    statuses = [item["tool"]["status"] for item in answer["items"] if item["tool"]]
    assert (answer["errors"], statuses[-1]) == (0, "live")


async def test_an_open_codex_rollout_written_just_now_is_live_though_claude_code_keeps_a_registry(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The registry is Claude Code's and says nothing of Codex: its rollouts follow the clock."""
    registry = Path(os.environ["CLAUDE_CONFIG_DIR"]) / "sessions"
    registry.mkdir()
    try:
        rollout = tmp_path / DANGLING_END_ROLLOUT.name
        shutil.copyfile(DANGLING_END_ROLLOUT, rollout)
        document = OpenDocument(client, rollout.as_uri(), rollout.read_text(encoding="utf-8"))
        assert await document.codes_becoming(["live-session"], tries=50) == ["live-session"]
    finally:
        shutil.rmtree(registry)
