"""The command contract: one enum of names, typed arguments and results, an exported schema."""

from __future__ import annotations

import json
import os
from pathlib import Path

import msgspec
import pytest

from session_lsp.core.repairs import Strategy
from session_lsp.lsp import api, commands, views
from session_lsp.lsp.api import Command
from session_lsp.lsp.main import create_server

SCHEMA = Path(__file__).resolve().parents[2] / "client-vscode/src/common/commands.schema.json"


def _exported() -> str:
    return json.dumps(api.schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_committed_schema_is_the_current_contract() -> None:
    """Regenerate with `SESSION_LSP_WRITE_SCHEMA=1 pytest tests/lsp/test_api.py`."""
    if os.environ.get("SESSION_LSP_WRITE_SCHEMA") == "1":
        SCHEMA.write_text(_exported(), encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == _exported(), (
        f"{SCHEMA.name} is stale: run SESSION_LSP_WRITE_SCHEMA=1 pytest tests/lsp/test_api.py"
    )


def test_every_command_has_a_contract_and_the_server_registers_exactly_those() -> None:
    assert set(api.COMMANDS) == set(Command)
    registered = set(create_server().protocol.fm.commands)
    assert registered == {command.value for command in Command}
    assert not set(commands.HANDLERS) & set(views.HANDLERS)
    assert set(commands.HANDLERS) | set(views.HANDLERS) == set(Command)


def test_positional_arguments_decode_in_order_with_optional_tails() -> None:
    parsed = api.parse_arguments(Command.FIX_ALL, ["file:///s.jsonl", "purge"])
    assert parsed == api.FixAllArguments("file:///s.jsonl", Strategy.PURGE)
    assert api.parse_arguments(Command.FIX_FILE, ["/s.jsonl"]) == api.FixFileArguments("/s.jsonl")
    assert api.parse_arguments(Command.DEBUG_INFORMATION, []) == api.NoArguments()
    page = api.parse_arguments(Command.CONVERSATION, ["/s.jsonl", {"offset": 200}])
    assert page == api.ConversationArguments("/s.jsonl", api.Page(offset=200))


@pytest.mark.parametrize(
    ("command", "arguments", "reason"),
    [
        (Command.FIX_ALL, [], "at least length 1"),
        (Command.FIX_ALL, ["u", "stub", 3], "at most length 2"),
        (Command.FIX_ALL, ["u", "nope"], "Invalid enum value 'nope'"),
        (Command.CHECK_FILE, [5], "Expected `str`, got `int`"),
        (Command.DEBUG_INFORMATION, ["x"], "at most length 0"),
        (Command.CONVERSATION, ["p", {"offset": "1"}], "Expected `int`"),
    ],
)
def test_arguments_that_do_not_fit_are_one_line_errors(
    command: Command, arguments: list[object], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason) as raised:
        api.parse_arguments(command, arguments)
    assert "\n" not in str(raised.value) and command.value in str(raised.value)


def test_results_encode_to_the_camel_case_the_schema_names() -> None:
    result = api.FixFileResult(
        path="/s.jsonl", changed=True, backup=None, remaining_errors=0, message="ok"
    )
    encoded = msgspec.to_builtins(result)
    assert encoded == {
        "path": "/s.jsonl",
        "changed": True,
        "backup": None,
        "remainingErrors": 0,
        "message": "ok",
    }
    properties = api.schema()["$defs"]["FixFileResult"]["properties"]
    assert set(properties) == set(encoded)
