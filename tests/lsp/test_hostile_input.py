"""The server keeps working on hostile input: deep JSON gets diagnostics, a FIFO is not read."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.core.test_deep_nesting import deeply_nested_session
from tests.lsp.support import OpenDocument, fresh_uri

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_call_nested_a_thousand_levels_still_gets_its_diagnostic(
    client: LanguageClient,
) -> None:
    text = deeply_nested_session(1_000).decode()
    document = OpenDocument(client, fresh_uri(client), text)
    diagnostics = await document.diagnostics()
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("unpaired-tool-use", 3)]


async def test_check_file_on_a_fifo_answers_at_once_without_reading_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(
            client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="sessionLsp.checkFile", arguments=[str(fifo)])
            ),
            timeout=20,
        )
    assert "not a regular file (a FIFO)" in str(raised.value)
