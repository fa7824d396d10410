"""New lines written like Claude Code's, whatever the line they are made from holds."""

from __future__ import annotations

import json

import pytest

from session_lsp.core.formats.claude_code.writing import stub_result_line
from session_lsp.core.formats.codex.writing import rollout_output_line
from session_lsp.core.writing import STUB_TEXT
from tests.lsp import sessions

INVALID_UTF8_CALL = (
    sessions.line(sessions.call("a2", "r1", "toolu_01BASH", "Bash", {"command": "MARK"}, 3))
    .encode()
    .replace(b"MARK", b"caf\xe9 \xff\xfe")
)


def test_a_stub_for_a_call_whose_line_holds_invalid_utf8_is_valid_json() -> None:
    stub = stub_result_line(
        INVALID_UTF8_CALL, "toolu_01BASH", parent_uuid="a2", timestamp="2026-01-01T00:00:04.000Z"
    )
    record = json.loads(stub.decode("utf-8"))
    assert record["parentUuid"] == "a2"
    assert record["message"]["content"][0]["tool_use_id"] == "toolu_01BASH"
    assert record["message"]["content"][0]["content"] == STUB_TEXT


def test_a_stub_for_a_call_whose_line_holds_a_lone_surrogate_escape_keeps_the_escape() -> None:
    call = INVALID_UTF8_CALL.replace(
        b'"type":"assistant"', b'"userType":"\\ud83dx","type":"assistant"'
    )
    assert b"\\ud83dx" in call
    stub = stub_result_line(
        call, "toolu_01BASH", parent_uuid="a2", timestamp="2026-01-01T00:00:04.000Z"
    )
    assert b'"userType":"\\ud83dx"' in stub
    assert json.loads(stub.decode("utf-8"))["userType"] == "\ud83dx"


def test_a_codex_output_for_a_call_whose_line_holds_invalid_utf8_is_valid_json() -> None:
    call = (
        b'{"timestamp":"2026-01-01T00:00:00.000Z","type":"response_item","payload":'
        b'{"type":"function_call","call_id":"call_1","name":"shell","arguments":"\xff"}}'
    )
    record = json.loads(rollout_output_line(call, "call_1").decode("utf-8"))
    assert record["payload"] == {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": STUB_TEXT,
    }


@pytest.mark.parametrize("timestamp", ["true", "12", "null", "{}", '"not a time"'])
def test_a_codex_output_for_a_call_whose_timestamp_is_no_time_is_written_at_the_epoch(
    timestamp: str,
) -> None:
    """A damaged call line's `timestamp` may be any JSON value: the stub used to fail on one that
    is not a string (the fix a traceback, the quick fix an error in the editor)."""
    call = (
        f'{{"timestamp":{timestamp},"type":"response_item","payload":'
        '{"type":"function_call","call_id":"call_1","name":"shell","arguments":"{}"}}'
    ).encode()
    record = json.loads(rollout_output_line(call, "call_1"))
    assert record["timestamp"] == "1970-01-01T00:00:00.001Z"
