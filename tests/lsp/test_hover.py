"""Hover on a tool id: what was called, with what, what came back; untrusted text stays inert."""

from __future__ import annotations

import re

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, units

pytestmark = pytest.mark.asyncio(loop_scope="module")

HOSTILE = (
    "[click me](command:workbench.action.terminal.new) <img src=x onerror=alert(1)> "
    "![pixel](https://example.invalid/p.png) ```` </code> <script>x</script>"
)


def _position(text: str, line: int, needle: str, encoding: str) -> types.Position:
    body = text.split("\n")[line]
    return types.Position(line=line, character=units(body[: body.index(needle) + 2], encoding))


async def _hover(document: OpenDocument, line: int, needle: str) -> types.Hover | None:
    return await document.client.text_document_hover_async(
        types.HoverParams(
            text_document=document.identifier,
            position=_position(document.text, line, needle, document.encoding),
        )
    )


def _outside_fences(markdown: str) -> str:
    """The markdown a renderer would interpret: everything not inside a code fence."""
    outside, fence = [], None
    for line in markdown.split("\n"):
        if fence is None and re.fullmatch(r"`{3,}\w*", line):
            fence = line.rstrip("abcdefghijklmnopqrstuvwxyz")
            continue
        if fence is not None and line == fence:
            fence = None
            continue
        if fence is None:
            outside.append(line)
    assert fence is None, "an unclosed fence"
    return "\n".join(outside)


async def test_hover_on_a_call_shows_tool_input_result_status_and_timing(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    hover = await _hover(document, 1, "toolu_01READ")
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    value = hover.contents.value
    assert "Read" in value and "toolu_01READ" in value
    assert "Status: answered" in value and "/x" in value and "file contents" in value
    assert "took 1.0 s" in value and "Result at line 3" in value


async def test_hover_on_a_result_and_on_an_unpaired_call(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    result = await _hover(document, 2, "toolu_01READ")
    assert result is not None and "Call at line 2" in result.contents.value  # type: ignore[union-attr]
    unpaired = await _hover(document, 3, "toolu_01BASH")
    assert unpaired is not None and "unpaired" in unpaired.contents.value  # type: ignore[union-attr]
    nothing = await document.client.text_document_hover_async(
        types.HoverParams(
            text_document=document.identifier, position=types.Position(line=0, character=2)
        )
    )
    assert nothing is None


async def test_transcript_text_can_never_render_as_link_command_html_or_image(
    client: LanguageClient,
) -> None:
    text = sessions.dangling(tool_input={"command": HOSTILE, "description": "````\n```"})
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    hover = await _hover(document, 3, "toolu_01BASH")
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "command:workbench" in value, "the input is shown"
    rendered = _outside_fences(value)
    for dangerous in ("command:", "<img", "](", "<script", "https://"):
        assert dangerous not in rendered
