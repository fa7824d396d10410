"""A session whose file name is not UTF-8, from `listSessions` to the conversation view.

Such a name is listed with its undecodable bytes as lone surrogates (`\\udcxx`, which JSON
carries as escapes), and the client hands the very same string back: the server must read the
file it names, and answer with a URI that names the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from session_lsp.lsp import api, views
from session_lsp.lsp.api import CommandError
from session_lsp.lsp.server import SessionServer
from tests.support.corpus import CODEMIE_TURN_1
from tests.support.files import aged_copy

pytestmark = pytest.mark.asyncio(loop_scope="module")

NAME = b"11111111-1111-4111-8111-caf\xe9\xff00000.jsonl"


async def command(client: LanguageClient, name: str, *arguments: object) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


@pytest.fixture
def badly_named(tmp_path: Path) -> Path:
    project = tmp_path / "projects" / "-work-demo"
    project.mkdir(parents=True)
    target = Path(os.fsdecode(os.path.join(os.fsencode(project), NAME)))
    return aged_copy(CODEMIE_TURN_1, target)


async def test_the_conversation_accepts_the_very_path_list_sessions_returned(
    client: LanguageClient, badly_named: Path
) -> None:
    (listed,) = await command(client, "sessionLsp.listSessions", str(badly_named.parent.parent))
    assert os.fsencode(listed["path"]) == os.fsencode(badly_named)
    answer = await command(client, "sessionLsp.conversation", listed["path"])
    assert (answer["total"], answer["errors"]) == (17, 1)
    assert os.fsencode(answer["path"]) == os.fsencode(badly_named)
    assert unquote_to_bytes(answer["uri"].removeprefix("file://")) == os.fsencode(badly_named)
    again = await command(client, "sessionLsp.conversation", answer["uri"])
    assert (again["total"], again["errors"]) == (17, 1)
    markdown = await command(client, "sessionLsp.renderTranscript", listed["path"])
    assert "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz" in markdown["markdown"]


async def test_an_unreadable_root_is_an_error_not_an_empty_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "projects"
    (root / "-work").mkdir(parents=True)

    def denied(path: str | Path) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    server = SessionServer()
    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(CommandError, match="cannot read the sessions folder: Permission denied"):
        await views.list_sessions(server, api.ListSessionsArguments(root=str(root)))
