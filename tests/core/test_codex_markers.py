"""Codex's own user-role messages (`<turn_aborted>`, `<environment_context>`, ...) are one list:
the history replay and the conversation view skip the same ones."""

from __future__ import annotations

import json

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.codex.rollout import CONTEXTUAL_PREFIXES
from session_lsp.core.turns import ItemKind, build_model, page

META = json.dumps({"timestamp": "2026-01-01T00:00:00.000Z", "type": "session_meta", "payload": {}})


def _user(text: str) -> str:
    payload = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    record = {"timestamp": "2026-01-01T00:00:01.000Z", "type": "response_item", "payload": payload}
    return json.dumps(record)


def _prompts(lines: list[str]) -> tuple[list[str | None], str | None]:
    model = build_model(analyse_bytes(("\n".join(lines) + "\n").encode()))
    prompts = [item.text for item in page(model) if item.kind is ItemKind.PROMPT]
    return prompts, model.title


def test_a_turn_aborted_message_is_neither_a_prompt_nor_the_title() -> None:
    aborted = _user("<turn_aborted>\nThe user interrupted the previous turn.\n</turn_aborted>")
    assert _prompts([META, aborted, _user("fix the parser")]) == (
        ["fix the parser"],
        "fix the parser",
    )


@pytest.mark.parametrize("prefix", CONTEXTUAL_PREFIXES)
def test_no_message_codex_writes_itself_shows_as_a_prompt(prefix: str) -> None:
    assert _prompts([META, _user(f"{prefix} written by Codex"), _user("go")]) == (["go"], "go")
