"""Rules that real damage rarely shows but hand edits and other writers do."""

from __future__ import annotations

import json
from typing import Any

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all
from tests.support.findings import check


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _user(uuid: str, parent: str | None, content: Any, second: int) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "type": "user",
        "message": {"role": "user", "content": content},
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
    }


def _call(uuid: str, parent: str, tool_id: str, second: int) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "type": "assistant",
        "message": {
            "id": f"msg_{uuid}",
            "role": "assistant",
            "content": [{"type": "tool_use", "id": tool_id, "name": "Bash", "input": {}}],
        },
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
    }


def _result(tool_id: str) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": "ok"}


def _session(*records: dict[str, Any]) -> bytes:
    return ("\n".join(_line(r) for r in records) + "\n").encode()


def _repaired(data: bytes, strategy: Strategy) -> bytes:
    analysis = analyse_bytes(data)
    return join_lines(apply_edits(analysis.lines, repair_all(analysis, strategy).edits))


TEXT_FIRST = _session(
    _user("u1", None, "go", 0),
    _call("a1", "u1", "toolu_01A", 1),
    _user("u2", "a1", [{"type": "text", "text": "feedback"}, _result("toolu_01A")], 2),
)


def test_result_after_text_in_one_line_is_its_own_finding_not_unpaired() -> None:
    assert check(TEXT_FIRST) == {("tool-result-after-text", "toolu_01A", 3)}


def test_result_after_text_is_fixed_by_moving_results_first() -> None:
    repaired = _repaired(TEXT_FIRST, Strategy.STUB)
    assert check(repaired) == set()
    content = json.loads(repaired.split(b"\n")[2])["message"]["content"]
    assert [block["type"] for block in content] == ["tool_result", "text"]
    assert repaired.split(b"\n")[:2] == TEXT_FIRST.split(b"\n")[:2]


def test_result_after_text_split_over_two_lines_is_hoisted_by_the_merge() -> None:
    data = _session(
        _user("u1", None, "go", 0),
        _call("a1", "u1", "toolu_01A", 1),
        _user("u2", "a1", [{"type": "text", "text": "note"}], 2),
        _user("u3", "u2", [_result("toolu_01A")], 3),
    )
    assert check(data) == set()


def test_two_results_for_one_call_and_the_fix_drops_the_second() -> None:
    data = _session(
        _user("u1", None, "go", 0),
        _call("a1", "u1", "toolu_01A", 1),
        _user("r1", "a1", [_result("toolu_01A")], 2),
        _user("r2", "r1", [_result("toolu_01A")], 3),
    )
    assert check(data) == {("duplicate-tool-result", "toolu_01A", 4)}
    repaired = _repaired(data, Strategy.PURGE)
    assert check(repaired) == set()
    assert repaired.count(b"\n") == 3


def test_parent_cycle_and_missing_parent_on_the_chain() -> None:
    cycle = _session(
        _user("u1", "u2", "a", 0), _user("u2", "u1", "b", 1), _user("u3", "u2", "c", 2)
    )
    assert check(cycle) == {("parent-cycle", None, 1)}
    missing = _session(_user("u1", "nowhere", "a", 0))
    assert check(missing) == {("missing-parent", None, 1)}


def test_consecutive_assistant_turns_leave_the_first_call_unanswered() -> None:
    data = _session(
        _user("u1", None, "go", 0),
        _call("a1", "u1", "toolu_01A", 1),
        _call("a2", "a1", "toolu_01B", 2),
        _user("r2", "a2", [_result("toolu_01B")], 3),
    )
    assert check(data) == {("unpaired-tool-use", "toolu_01A", 2)}


def _assistant(
    uuid: str, parent: str, block: dict[str, Any], second: int, message: str = "msg_s"
) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "type": "assistant",
        "message": {"id": message, "role": "assistant", "content": [block]},
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
    }


SEARCH = {
    "type": "server_tool_use",
    "id": "srvtoolu_01S",
    "name": "web_search",
    "input": {"query": "x"},
}
SEARCH_RESULT = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_01S", "content": []}


def test_server_tool_call_answered_in_its_message_is_clean() -> None:
    data = _session(
        _user("u1", None, "search", 0),
        _assistant("a1", "u1", SEARCH, 1),
        _assistant("a2", "a1", SEARCH_RESULT, 2),
        _assistant("a3", "a2", {"type": "text", "text": "found it"}, 3),
    )
    assert check(data) == set()


def test_server_tool_call_cut_off_mid_response_and_its_fix() -> None:
    data = _session(
        _user("u1", None, "search", 0),
        _assistant("a1", "u1", {"type": "text", "text": "let me look"}, 1),
        _assistant("a2", "a1", SEARCH, 2),
        _user("u2", "a2", "and then?", 3),
    )
    assert check(data) == {("unpaired-server-tool-use", "srvtoolu_01S", 3)}
    for strategy in Strategy:
        repaired = _repaired(data, strategy)
        assert check(repaired) == set()
    assert b"srvtoolu_01S" not in _repaired(data, Strategy.STUB)


def test_server_tool_result_without_its_call_is_an_orphan() -> None:
    data = _session(
        _user("u1", None, "search", 0),
        _assistant("a1", "u1", SEARCH_RESULT, 1),
    )
    ((code, tool_id, line),) = check(data)
    assert (code, tool_id, line) == ("orphan-server-tool-result", "srvtoolu_01S", 2)
    messages = [f.message for f in analyse_bytes(data).findings]
    assert (
        "unexpected `tool_use_id` found in `web_search_tool_result` blocks: srvtoolu_01S"
        in messages[0]
    )
