"""The server keeps working on hostile input: deep JSON gets diagnostics, a FIFO is not read."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import attrs
import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.nesting import MAX_NESTING
from tests.core.test_deep_nesting import deeply_nested_session
from tests.lsp import sessions
from tests.lsp.support import OpenDocument, apply_text_edits, fresh_uri

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEEP = MAX_NESTING - 100
"""Deeper than Python's own limit, within what the reading makes room for."""


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


async def test_hover_on_a_call_nested_five_thousand_levels_answers(
    client: LanguageClient,
) -> None:
    text = deeply_nested_session(DEEP).decode()
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    body = text.split("\n")[3]
    column = body.index("toolu_01BASH") + 3
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=document.identifier,
            position=types.Position(line=3, character=column),  # ASCII up to there
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "toolu_01BASH" in hover.contents.value and "Bash" in hover.contents.value
    assert "unpaired" in hover.contents.value


def _orphan_beside_a_deep_result(depth: int) -> str:
    """An answered Read whose result nests `depth` levels, sharing its line with an orphan
    result: removing the orphan means rewriting that deep line."""
    answer = sessions.result("r1", "a1", "toolu_01READ", "DEEP", 2)
    answer["message"]["content"].append(
        {"type": "tool_result", "tool_use_id": "toolu_01GHOST", "content": "x"}
    )
    lines = [
        sessions.prompt("u1", "read it"),
        sessions.call("a1", "u1", "toolu_01READ", "Read", {"file_path": "/x"}, 1),
        answer,
    ]
    text = "\n".join(sessions.line(record) for record in lines) + "\n"
    return text.replace('"DEEP"', "[" * depth + "]" * depth)


async def test_removing_an_orphan_from_a_line_nested_five_thousand_levels_is_offered(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), _orphan_beside_a_deep_result(DEEP))
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "orphan-tool-result"
    actions = [a for a in await document.actions(diagnostic) if isinstance(a, types.CodeAction)]
    assert actions[0].title == "Remove the orphan tool_result for toolu_01GHOST"
    repaired = apply_text_edits(
        document.text, await document.resolved_edits(actions[0]), document.encoding
    )
    assert "toolu_01GHOST" not in repaired
    assert repaired.split("\n")[:2] == document.text.split("\n")[:2]
    assert analyse_bytes(repaired.encode()).findings == []


async def test_hover_and_code_actions_on_a_line_too_deep_to_read_answer(
    client: LanguageClient,
) -> None:
    """Past the reading's room the line is an unreadable line: no hover, the fixes still come."""
    document = OpenDocument(
        client, fresh_uri(client), _orphan_beside_a_deep_result(MAX_NESTING + 1_000)
    )
    diagnostics = await document.diagnostics()
    assert sorted(str(d.code) for d in diagnostics) == ["invalid-json", "unpaired-tool-use"]
    body = document.text.split("\n")[2]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=document.identifier,
            position=types.Position(line=2, character=body.index("toolu_01READ") + 3),
        )
    )
    assert hover is None
    for diagnostic in diagnostics:
        assert await document.actions(diagnostic), diagnostic.code


async def test_a_diagnostic_sent_back_with_odd_data_gets_its_line_s_fixes_or_none_never_an_error(
    client: LanguageClient,
) -> None:
    """A client sends back whatever `data` and `code` it likes: data that is not an object is
    ignored (the diagnostic's range says the line), a line that is not a number or a tool id
    that is not a string names no finding, and no request fails."""
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    [diagnostic] = await document.diagnostics()

    def quick_fixes(actions: list[types.CodeAction | types.Command]) -> list[str]:
        return sorted(a.title for a in actions if isinstance(a, types.CodeAction) and a.diagnostics)

    expected = quick_fixes(await document.actions(diagnostic))
    assert expected
    odd = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    not_an_object = attrs.evolve(diagnostic, data=["line", 0])
    assert quick_fixes(await document.actions(not_an_object)) == expected
    for data in (
        {**odd, "line": "0", "toolUseId": 5},
        {"line": 10**12, "toolUseId": None},
        {"line": -1, "toolUseId": {"nested": True}},
    ):
        assert quick_fixes(await document.actions(attrs.evolve(diagnostic, data=data))) == []
    assert quick_fixes(await document.actions(attrs.evolve(diagnostic, code=12345))) == []
