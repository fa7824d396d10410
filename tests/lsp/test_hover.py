"""Hover on a tool id: what was called, with what, what came back; untrusted text stays inert."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, units
from tests.support import damage
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    DANGLING_END_ROLLOUT,
    PARALLEL_ROLLOUT,
    SHORT,
    SOUND_RECORDER,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CODEX_ROLLOUT = PARALLEL_ROLLOUT
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


def _records(path: Path) -> tuple[str, list[Any]]:
    text = path.read_text(encoding="utf-8")
    return text, [json.loads(line) if line.strip() else None for line in text.split("\n")]


def _first_paired_codex_call(records: list[Any]) -> tuple[int, int, dict[str, Any], str]:
    """The first function call answered in the file: its line, its output's, the call, the output."""
    for call_line, record in enumerate(records):
        payload = (record or {}).get("payload", {})
        if payload.get("type") != "function_call":
            continue
        for output_line, other in enumerate(records):
            answer = (other or {}).get("payload", {})
            if (
                answer.get("type") == "function_call_output"
                and answer.get("call_id") == payload["call_id"]
            ):
                return call_line, output_line, payload, answer["output"]
    raise AssertionError("no answered call")


def _fenced_after(value: str, label: str) -> str:
    """The body of the code fence that follows `label` in a hover."""
    lines = value.split("\n")
    start = lines.index(label) + 1
    fence = lines[start].removesuffix("text")
    end = lines.index(fence, start + 1)
    return "\n".join(lines[start + 1 : end])


async def test_hover_on_a_codex_call_shows_its_decoded_arguments_and_its_output(
    client: LanguageClient,
) -> None:
    text, records = _records(CODEX_ROLLOUT)
    call_line, output_line, call, output = _first_paired_codex_call(records)
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    await document.diagnostics()
    hover = await _hover(document, call_line, call["call_id"])
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    value = hover.contents.value
    assert f"`` {call['name']} ``" not in value and f"` {call['name']} `" in value
    assert "Status: answered" in value and f"Result at line {output_line + 1}" in value
    shown_input = json.loads(_fenced_after(value, "Input:"))
    assert shown_input == json.loads(call["arguments"]), "the arguments string is decoded"
    assert output.startswith(_fenced_after(value, "Result:").split("\n… (")[0])
    assert "took " in value
    on_output = await _hover(document, output_line, call["call_id"])
    assert on_output is not None and isinstance(on_output.contents, types.MarkupContent)
    assert f"Call at line {call_line + 1}" in on_output.contents.value
    assert f"` {call['name']} `" in on_output.contents.value


async def test_hover_on_a_claude_code_corpus_call_shows_its_input_and_result(
    client: LanguageClient,
) -> None:
    text, records = _records(SHORT)
    found = [
        (line, block)
        for line, record in enumerate(records)
        for block in ((record or {}).get("message") or {}).get("content") or []
        if isinstance(block, dict) and block.get("type") in ("tool_use", "tool_result")
    ]
    call_line, call = next((line, block) for line, block in found if block["type"] == "tool_use")
    result_line, result = next(
        (line, block)
        for line, block in found
        if block["type"] == "tool_result" and block["tool_use_id"] == call["id"]
    )
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    hover = await _hover(document, result_line, call["id"])
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    value = hover.contents.value
    assert f"` {call['name']} `" in value and f"Call at line {call_line + 1}" in value
    assert json.loads(_fenced_after(value, "Input:")) == call["input"]
    content = result["content"]
    expected = content if isinstance(content, str) else content[0]["text"]
    assert expected.startswith(_fenced_after(value, "Result:").split("\n… (")[0][:100])


async def test_hover_on_a_failed_codex_command_says_so_as_the_outline_does(
    client: LanguageClient,
) -> None:
    """The exit code is in the poll's output, which the conversation model reads (the output's
    line alone says nothing of an error)."""
    text = CODEMIE_ROLLOUT.read_text(encoding="utf-8")
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    await document.diagnostics()
    hover = await _hover(document, 141, "call_6YhDEiPvTJjMNdn6h89qlZOC")
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Status: answered with an error output" in hover.contents.value


async def test_hover_on_a_call_answered_twice_says_so_and_names_both_results(
    client: LanguageClient,
) -> None:
    lines = sessions.dangling().split("\n")[:3]
    again = sessions.result("r1b", "r1", "toolu_01READ", "file contents again", 3)
    document = OpenDocument(client, fresh_uri(client), "\n".join([*lines, sessions.line(again)]))
    assert "duplicate-tool-result" in [d.code for d in await document.diagnostics()]
    for line in (1, 2, 3):
        hover = await _hover(document, line, "toolu_01READ")
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "Status: answered twice: a resume sends a second tool_result" in hover.contents.value
    call = await _hover(document, 1, "toolu_01READ")
    assert call is not None and isinstance(call.contents, types.MarkupContent)
    assert call.contents.value.endswith("Results at lines 3, 4")


async def test_hover_on_an_unanswered_codex_call_words_it_for_outputs(
    client: LanguageClient,
) -> None:
    text, _ = _records(DANGLING_END_ROLLOUT)
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    (diagnostic,) = await document.diagnostics()
    line = diagnostic.range.start.line
    call_id = re.search(r'"call_id":"([^"]+)"', text.split("\n")[line])
    assert call_id is not None
    hover = await _hover(document, line, call_id.group(1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Status: unpaired: a resume sends it with no output" in hover.contents.value


async def test_hover_on_a_duplicate_only_through_recovered_lines_says_answered(
    client: LanguageClient,
) -> None:
    """Such a duplicate is information (no version fails on it): the hover must not call it a
    second result the API refuses."""
    start = len(damage.Session.load(SOUND_RECORDER).lines) // 3
    text = damage.rewritten_span(SOUND_RECORDER, start).decode()
    document = OpenDocument(client, fresh_uri(client), text)
    await document.diagnostics()
    line = next(
        index
        for index, row in enumerate(text.split("\n"))
        if index >= start and '"tool_use_id"' in row
    )
    tool_id = re.search(r'"tool_use_id":"([^"]+)"', text.split("\n")[line])
    assert tool_id is not None
    hover = await _hover(document, line, tool_id.group(1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Status: answered\n" in hover.contents.value
