"""The conversation's outline, workspace symbols, inlay hints and the first-line code lens."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri, span_text
from tests.support.claude_records import rewound
from tests.support.corpus import ROLLOUTS

CODEX_ROLLOUTS = ROLLOUTS
CODEX_CONTEXT = ("<environment_context>", "<user_instructions>", "# AGENTS.md")

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_outline_lists_prompts_turns_and_tool_calls_with_status(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document.identifier)
    )
    assert symbols is not None
    names = [s.name for s in symbols]  # type: ignore[union-attr]
    assert names == ["User: fix the build 🙂 修复", "Assistant"]
    calls = [(c.name, c.detail) for s in symbols for c in (s.children or [])]  # type: ignore[union-attr]
    assert calls == [
        ("Read toolu_01READ", "answered"),
        ("Bash toolu_01BASH", "NO RESULT (unpaired)"),
    ]
    turn = symbols[1]
    assert isinstance(turn, types.DocumentSymbol)
    assert (turn.range.start.line, turn.range.end.line) == (1, 3), "the turn spans its results"


async def test_outline_holds_an_abandoned_branch_in_one_symbol_apart_from_the_turns(
    client: LanguageClient,
) -> None:
    session = rewound(with_call=True)
    session.call("a3", "a2", "toolu_01S", command="python gen.py")
    session.result("r3", "a3", "toolu_01S", "done")
    document = OpenDocument(client, fresh_uri(client), session.data().decode())
    await document.diagnostics()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document.identifier)
    )
    assert symbols is not None
    shape = [
        (s.name, s.range.start.line, s.range.end.line, [c.name for c in s.children or []])
        for s in symbols
        if isinstance(s, types.DocumentSymbol)
    ]
    assert shape == [
        (
            "Abandoned branch: rewrite it with regexes",
            2,
            4,
            ["User: rewrite it with regexes", "Assistant"],
        ),
        ("User: look at the parser", 0, 0, []),
        ("Assistant: Looking.", 1, 1, []),
        ("User: rewrite it with a state machine", 5, 5, []),
        ("Assistant: The state machine is in.", 6, 8, ["Bash toolu_01S"]),
    ]


async def test_workspace_symbols_find_tool_calls_in_open_transcripts(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client, "findme.jsonl"), sessions.dangling())
    await document.diagnostics()
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="toolu_01bash"))
    assert any(
        getattr(s.location, "uri", None) == document.uri and s.name == "Bash toolu_01BASH"
        for s in found or []
    )


async def test_inlay_hint_names_the_tool_beside_each_result(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=document.identifier,
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=4, character=0)
            ),
        )
    )
    assert [(h.position.line, h.label) for h in hints or []] == [(2, "Read")]
    (hint,) = hints or []
    before = types.Range(start=types.Position(line=2, character=0), end=hint.position)
    assert span_text(document.text, before, document.encoding).endswith('"toolu_01READ')


async def test_inlay_hints_come_only_from_the_part_of_a_line_asked_for(
    client: LanguageClient,
) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.dangling())
    await document.diagnostics()

    async def hints_between(start: int, end: int) -> list[types.InlayHint]:
        asked = types.Range(
            start=types.Position(line=2, character=start), end=types.Position(line=2, character=end)
        )
        hints = await client.text_document_inlay_hint_async(
            types.InlayHintParams(text_document=document.identifier, range=asked)
        )
        return hints or []

    (hint,) = await hints_between(0, 10_000)
    at = hint.position.character
    assert [h.label for h in await hints_between(at, at + 1)] == ["Read"]
    assert await hints_between(0, at) == [], "a range's end is not in it"
    assert await hints_between(at + 1, 10_000) == []


async def test_code_lens_counts_problems_and_offers_fix_all(client: LanguageClient) -> None:
    document = OpenDocument(client, fresh_uri(client), sessions.EXAMPLE.read_text(encoding="utf-8"))
    await document.diagnostics()
    (lens,) = (
        await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=document.identifier)
        )
        or []
    )
    assert lens.command is not None
    assert lens.command.title == "2 problems · Fix all (stub)"
    assert lens.command.command == "sessionLsp.fixAll"


def _codex_outline(records: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """What the outline of a rollout must hold, read from its records independently of the
    server: prompts (a user message, or a `user_message` event that is not the echo of the
    message beside it), assistant turns with their calls (and whether an output answers each),
    compactions."""
    answered = {
        record["payload"]["call_id"]
        for record in records
        if record["payload"].get("type") in ("function_call_output", "custom_tool_call_output")
    }
    failed = {  # a command that exited non-zero: its output's header, or its end event, says so;
        # or a poll Codex refused, its output its own failure text
        payload["call_id"]
        for payload in (record["payload"] for record in records)
        if (payload.get("type") == "exec_command_end" and payload.get("exit_code"))
        or re.match(
            r"(?:[^\n]*\n)*?Process exited with code -?[1-9][^\n]*\n(?:[^\n]*\n)*?Output:\n",
            str(payload.get("output", "")),
        )
        or str(payload.get("output", "")).startswith("write_stdin failed: ")
    }
    expected: list[tuple[str, list[tuple[str, str]]]] = []
    said: list[tuple[str, str]] = []  # (where from, text) of the prompts since the last answer
    for line, record in enumerate(records):
        payload = record["payload"]
        kind = payload.get("type")
        if record["type"] == "compacted":
            expected.append(("Compaction", []))
        elif (kind == "message" and payload.get("role") == "user") or kind == "user_message":
            if kind == "user_message":
                source, text = "event", payload.get("message", "")
            else:
                source = "message"
                text = "".join(part.get("text", "") for part in payload["content"])
            if not text.strip() or text.lstrip().startswith(CODEX_CONTEXT):
                continue
            if said and said[-1][0] not in (source, "both") and said[-1][1] == text.strip():
                said[-1] = ("both", text.strip())
                continue
            said.append((source, text.strip()))
            expected.append(("User", []))
        elif kind in ("function_call", "custom_tool_call", "reasoning", "web_search_call") or (
            kind == "message" and payload.get("role") == "assistant"
        ):
            said.clear()
            if not expected or expected[-1][0] != "Assistant":
                expected.append(("Assistant", []))
            if kind == "web_search_call":  # answered inside the call; it carries no call_id
                name = f"web_search_call (no call_id, line {line + 1})"
                expected[-1][1].append((name, "answered"))
            elif kind in ("function_call", "custom_tool_call"):
                status = "answered" if payload["call_id"] in answered else "NO RESULT (unpaired)"
                status = "error result" if payload["call_id"] in failed else status
                expected[-1][1].append((f"{payload['name']} {payload['call_id']}", status))
    return expected


@pytest.mark.parametrize("rollout", CODEX_ROLLOUTS, ids=lambda path: path.name[8:27])
async def test_outline_of_a_codex_rollout_lists_prompts_turns_calls_and_compaction(
    client: LanguageClient, rollout: Path
) -> None:
    text = rollout.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.split("\n") if line.strip()]
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    await document.diagnostics()
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=document.identifier)
    )
    outline = [
        (
            symbol.name.split(":")[0].split(" (")[0],
            [(child.name, child.detail or "") for child in symbol.children or []],
        )
        for symbol in symbols or []
        if isinstance(symbol, types.DocumentSymbol) and not symbol.name.startswith("Interrupted")
    ]
    assert outline == _codex_outline(records)


async def test_inlay_hint_names_the_function_beside_each_codex_output(
    client: LanguageClient,
) -> None:
    rollout = CODEX_ROLLOUTS[0]
    text = rollout.read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.split("\n") if line.strip()]
    names = {
        record["payload"]["call_id"]: record["payload"]["name"]
        for record in records
        if record["payload"].get("type") in ("function_call", "custom_tool_call")
    }
    expected = [
        (line, names.get(record["payload"]["call_id"], "no call"))
        for line, record in enumerate(records)
        if record["payload"].get("type") in ("function_call_output", "custom_tool_call_output")
    ]
    document = OpenDocument(client, fresh_uri(client, "rollout.jsonl"), text)
    await document.diagnostics()
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=document.identifier,
            range=types.Range(
                start=types.Position(line=0, character=0),
                end=types.Position(line=len(records), character=0),
            ),
        )
    )
    assert [(h.position.line, h.label) for h in hints or []] == expected
    assert len(expected) > 10
