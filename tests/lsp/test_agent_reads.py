"""`sessionLsp.conversation` and `sessionLsp.renderTranscript` read sub-agent files, and
`sessionLsp.checkFile`, `fixFile` and `restoreBackup` read a session or its backup, and the view
builds an open document's model, off the event loop: while a file is being read (held at a
gate, `tests/support/gated_server.py`), the server still answers, and what it then returns is what
the CLI gives (`show --format json` or `markdown`, `fix`)."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import build_model
from session_lsp.core.turns.agents import agent_model, sub_agent_usage
from tests.lsp import sessions
from tests.lsp.conftest import make_client
from tests.lsp.support import OpenDocument
from tests.support.cli import run_cli
from tests.support.corpus import WORKTREES
from tests.support.files import age

pytestmark = pytest.mark.asyncio(loop_scope="module")
GATED_SERVER = [sys.executable, "-m", "tests.support.gated_server"]
ANSWER_SECONDS = 30
"""Only a server that has stopped answering waits this long: the passing run never does."""


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=GATED_SERVER, client_factory=make_client),
)
async def gated(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    lsp_client.init = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=Path.cwd().as_uri(),
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


async def _command(client: LanguageClient, name: str, *arguments: object) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


def _copy_with_agents(folder: Path) -> Path:
    session = folder / WORKTREES.name
    shutil.copyfile(WORKTREES, session)
    shutil.copytree(WORKTREES.parent / WORKTREES.stem, folder / WORKTREES.stem)
    for path in [session, *(folder / WORKTREES.stem).rglob("*")]:
        age(path)
    return session


def _dangling_session(folder: Path) -> Path:
    """A session whose last call has no result, written long enough ago not to be live."""
    session = folder / "7a7a7a7a-3333-4222-8333-444444444444.jsonl"
    session.write_text(sessions.dangling(), encoding="utf-8")
    age(session)
    return session


async def _until_exists(path: Path) -> None:
    while not path.exists():
        await asyncio.sleep(0.05)


def _open_gate(gate: Path) -> None:
    """Open the gate's writing end and close it: the held read goes on. The reader may be a
    moment from opening its end after it said it waits, so a missing reader is tried again."""
    for _ in range(600):
        try:
            os.close(os.open(gate, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
        time.sleep(0.05)
    raise AssertionError(f"nothing ever read {gate}")


def _first_agent(session: Path) -> Path:
    shown = run_cli("show", "--format", "json", str(session))
    assert shown.returncode == 0, shown.stderr
    return next(
        Path(item["tool"]["agent"]["file"])
        for item in json.loads(shown.stdout)["items"]
        if item["tool"] is not None and item["tool"]["agent"] is not None
    )


async def _answered_while_held(client: LanguageClient, held: Path, request: Awaitable[Any]) -> Any:
    """`request`'s answer, after checking that the server answers another request while it holds
    the read of the file `held` at its gate."""
    gate = held.with_suffix(".gate")
    os.mkfifo(gate)
    pending = asyncio.ensure_future(request)
    try:
        await asyncio.wait_for(_until_exists(held.with_suffix(".waiting")), 60)
        information = await asyncio.wait_for(
            _command(client, "sessionLsp.debugInformation"), ANSWER_SECONDS
        )
        assert information["settings"]["fixStrategy"] == "stub"
        assert not pending.done()  # answered while the sub-agent's file was still being read
    finally:
        await asyncio.to_thread(_open_gate, gate)
    return await asyncio.wait_for(pending, 60)


async def test_the_server_answers_while_a_page_s_sub_agent_file_is_being_read(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _copy_with_agents(tmp_path)
    expected = json.loads(run_cli("show", "--format", "json", str(session)).stdout)
    request = _command(gated, "sessionLsp.conversation", str(session), {"limit": 2000})
    answer = await _answered_while_held(gated, _first_agent(session), request)
    assert answer == expected
    assert sum(1 for item in answer["items"] if (item["tool"] or {}).get("agent")) == 6


async def test_the_server_answers_while_a_transcript_s_sub_agent_file_is_being_read(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _copy_with_agents(tmp_path)
    # The server's transcript keeps a page's cut (`show --format markdown` exports texts whole).
    model = build_model(analyse_bytes(session.read_bytes()), session)
    expected = render_markdown(
        model, path=str(session), load_agent=agent_model, sub_agents=sub_agent_usage(model)
    )
    request = _command(gated, "sessionLsp.renderTranscript", str(session))
    answer = await _answered_while_held(gated, _first_agent(session), request)
    assert answer["markdown"] == expected
    assert answer["markdown"].count("> **Sub-agent conversation**") == 6


async def test_the_server_answers_while_a_session_is_being_repaired(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _dangling_session(tmp_path)
    expected = tmp_path / "expected.jsonl"
    shutil.copyfile(session, expected)
    age(expected)
    assert run_cli("fix", "--strategy", "stub", "--no-backup", str(expected)).returncode == 0
    request = _command(gated, "sessionLsp.fixFile", str(session), "stub")
    answer = await _answered_while_held(gated, session, request)
    assert answer["changed"] and answer["remainingErrors"] == 0
    assert session.read_bytes() == expected.read_bytes()


async def test_the_server_answers_while_a_backup_is_being_checked_before_a_restore(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _dangling_session(tmp_path)
    original = session.read_bytes()
    assert run_cli("fix", "--strategy", "stub", str(session)).returncode == 0
    (backup,) = tmp_path.glob(f"{session.name}.*.bak")
    request = _command(gated, "sessionLsp.restoreBackup", str(session))
    answer = await _answered_while_held(gated, backup, request)
    assert answer["restored"] == str(backup)
    assert session.read_bytes() == original and not backup.exists()


async def test_the_server_answers_while_a_session_on_disk_is_being_checked(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _dangling_session(tmp_path)
    expected = json.loads(run_cli("check", "--format", "json", str(session)).stdout)
    request = _command(gated, "sessionLsp.checkFile", str(session))
    answer = await _answered_while_held(gated, session, request)
    assert answer["errors"] == 1
    assert [f["code"] for f in answer["findings"]] == [f["code"] for f in expected]


async def test_the_server_answers_while_the_view_builds_an_open_document_s_model(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _dangling_session(tmp_path)
    expected = json.loads(run_cli("show", "--format", "json", str(session)).stdout)
    OpenDocument(gated, session.as_uri(), session.read_text(encoding="utf-8"))
    request = _command(gated, "sessionLsp.conversation", session.as_uri())
    answer = await _answered_while_held(gated, session, request)
    assert answer["items"] == expected["items"] and answer["total"] == expected["total"] > 0


async def test_requests_that_miss_the_view_s_cache_meanwhile_share_one_build(
    gated: LanguageClient, tmp_path: Path
) -> None:
    session = _dangling_session(tmp_path)
    OpenDocument(gated, session.as_uri(), session.read_text(encoding="utf-8"))
    first = _command(gated, "sessionLsp.conversation", session.as_uri())
    second = asyncio.ensure_future(_command(gated, "sessionLsp.conversation", session.as_uri()))
    answer = await _answered_while_held(gated, session, first)
    assert await asyncio.wait_for(second, 60) == answer
    assert session.with_suffix(".builds").read_text().splitlines() == ["built"]


async def test_a_session_saved_in_place_while_its_view_is_built_leaves_the_server_answering(
    gated: LanguageClient, tmp_path: Path
) -> None:
    """An editor saves in place (truncate, then write) and the view is rebuilt from the file
    just written; saved again in place meanwhile, a mapped file's pages were cut from under the
    build (SIGBUS: the server gone). A file written that recently is read, not mapped."""
    session = tmp_path / "7a7a7a7a-5555-4222-8333-444444444444.jsonl"
    session.write_text(sessions.dangling(), encoding="utf-8")  # written now: within the window
    gate, waiting = session.with_suffix(".gate"), session.with_suffix(".waiting")
    os.mkfifo(gate)
    pending = asyncio.ensure_future(_command(gated, "sessionLsp.conversation", str(session)))
    await asyncio.wait_for(_until_exists(waiting), 60)  # the read of the file
    waiting.unlink()
    await asyncio.to_thread(_open_gate, gate)
    await asyncio.wait_for(_until_exists(waiting), 60)  # the build of its model
    os.truncate(session, 0)
    await asyncio.to_thread(_open_gate, gate)
    answer = await asyncio.wait_for(pending, ANSWER_SECONDS)
    assert answer["total"] > 0 and answer["items"][0]["kind"] == "prompt"
    information = await asyncio.wait_for(
        _command(gated, "sessionLsp.debugInformation"), ANSWER_SECONDS
    )
    assert information["version"]  # the server still answers
