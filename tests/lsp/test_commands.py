"""Commands that work on disk (for files VS Code never syncs), and live-session awareness."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument
from tests.support.corpus import CODEMIE_TURN_1
from tests.support.files import aged_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _command(client: LanguageClient, name: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def test_check_fix_and_restore_a_file_on_disk(client: LanguageClient, tmp_path: Path) -> None:
    path = aged_copy(CODEMIE_TURN_1, tmp_path / "big.jsonl")
    checked = await _command(client, "sessionLsp.checkFile", str(path))
    assert isinstance(checked, dict) and checked["errors"] == 1
    (finding,) = checked["findings"]
    assert (finding["code"], finding["line"], finding["toolUseId"]) == (
        "unpaired-tool-use",
        25,
        "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz",
    )
    fixed = await _command(client, "sessionLsp.fixFile", str(path), "stub")
    assert isinstance(fixed, dict) and fixed["changed"] and fixed["remainingErrors"] == 0
    assert fixed["backup"] and Path(fixed["backup"]).read_bytes() == CODEMIE_TURN_1.read_bytes()
    restored = await _command(client, "sessionLsp.restoreBackup", str(path))
    assert isinstance(restored, dict) and restored["restored"] == fixed["backup"]
    assert path.read_bytes() == CODEMIE_TURN_1.read_bytes()


async def test_failed_disk_commands_are_errors_not_results(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A missing file once came back as `errors: 0`, which VS Code showed as "no problems"."""
    missing = str(tmp_path / "nope.jsonl")
    for command in ("sessionLsp.checkFile", "sessionLsp.fixFile", "sessionLsp.restoreBackup"):
        with pytest.raises(JsonRpcException) as raised:
            await _command(client, command, missing)
        assert raised.value.code == -32603, command
        assert "nope.jsonl" in raised.value.message and "\n" not in raised.value.message
    listed = tmp_path / "list.jsonl"
    listed.write_text("[]\n", encoding="utf-8")
    with pytest.raises(JsonRpcException) as raised:
        await _command(client, "sessionLsp.checkFile", str(listed))
    assert raised.value.message.endswith(
        "list.jsonl: not a session transcript: no line is a Claude Code or Codex record"
    ), "no transcript: an error, as the command line says it, not zero findings"


async def test_a_fork_that_cannot_be_written_is_an_error(
    client: LanguageClient, tmp_path: Path
) -> None:
    """It once answered `{"path": null}`, which the extension reported as an unexpected result."""
    path = tmp_path / "no-session-id.jsonl"
    text = "".join(
        json.dumps({k: v for k, v in json.loads(line).items() if k != "sessionId"}) + "\n"
        for line in sessions.dangling().splitlines()
    )
    path.write_text(text, encoding="utf-8")
    document = OpenDocument(client, path.as_uri(), text)
    await document.diagnostics()
    with pytest.raises(JsonRpcException) as raised:
        await _command(client, "sessionLsp.forkSession", document.uri, "stub")
    assert raised.value.code == -32603 and "sessionId" in raised.value.message
    with pytest.raises(JsonRpcException) as raised:
        await _command(client, "sessionLsp.forkSession", "file:///never/opened.jsonl")
    assert raised.value.code == -32603 and "not open" in raised.value.message


async def test_fork_writes_a_repaired_copy_beside_the_open_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "open.jsonl"
    path.write_text(sessions.dangling(), encoding="utf-8")
    document = OpenDocument(client, path.as_uri(), path.read_text(encoding="utf-8"))
    await document.diagnostics()
    forked = await _command(client, "sessionLsp.forkSession", document.uri, "stub")
    assert isinstance(forked, dict)
    target = Path(forked["path"])
    assert (
        target.parent == tmp_path
        and forked["resumeCommand"] == f"claude --resume {forked['sessionId']}"
    )
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and {json.loads(line)["sessionId"] for line in lines} == {
        forked["sessionId"]
    }
    assert path.read_text(encoding="utf-8") == sessions.dangling()


async def test_a_session_claude_code_is_writing_is_live_not_broken(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "live.jsonl"
    shutil.copy(CODEMIE_TURN_1, path)
    old = time.time() - 3600
    os.utime(path, (old, old))
    document = OpenDocument(client, path.as_uri(), path.read_text(encoding="utf-8"))
    assert [d.code for d in await document.diagnostics()] == ["unpaired-tool-use"]
    os.utime(path, None)  # Claude Code appends: the file on disk was just written
    assert await document.codes_becoming(["live-session"]) == ["live-session"]
    pulls = client.init.capabilities.diagnostic_provider is not None  # type: ignore[attr-defined]
    (diagnostic,) = (
        await document.diagnostics() if pulls else list(client.diagnostics[document.uri])
    )
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    titles = [a.title for a in await document.actions(diagnostic)]
    assert titles and all(
        "Claude Code is still writing this file" in t for t in titles if "Fork" not in t
    )
