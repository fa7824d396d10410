"""Every call-like response item of current codex-rs, paired the way `normalize.rs` pairs it.

A `tool_search_call` with a `call_id` needs its `tool_search_output` exactly as a function call
needs its output (`ensure_call_outputs_present` inserts an empty one in memory); a server-run
`tool_search_output` needs no call (`remove_orphan_outputs` keeps it); calls without a `call_id`,
web searches and image generations need no output at all.
"""

from __future__ import annotations

import json

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.core.turns import build_model, page
from session_lsp.core.turns.model import ItemKind, ToolStatus
from tests.support.findings import check

SEARCH = {
    "type": "tool_search_call",
    "call_id": "tsc_call_1",
    "status": "completed",
    "execution": "client",
    "arguments": {"query": "calendar tools", "limit": 5},
}
FOUND = {
    "type": "tool_search_output",
    "call_id": "tsc_call_1",
    "status": "completed",
    "execution": "client",
    "tools": [{"type": "function", "name": "calendar_list"}],
}


def _rollout(*payloads: dict[str, object]) -> bytes:
    lines = [{"timestamp": "2026-11-20T10:00:00.000Z", "type": "session_meta", "payload": {}}]
    lines += [
        {"timestamp": f"2026-11-20T10:00:{i:02d}.000Z", "type": "response_item", "payload": p}
        for i, p in enumerate(payloads, 1)
    ]
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()


def test_a_client_tool_search_without_its_output_is_unpaired() -> None:
    assert check(_rollout(SEARCH)) == {("unpaired-tool-use", "tsc_call_1", 2)}
    assert check(_rollout(SEARCH, FOUND)) == set()


def test_a_tool_search_is_answered_only_by_a_tool_search_output() -> None:
    function_output = {"type": "function_call_output", "call_id": "tsc_call_1", "output": "x"}
    assert check(_rollout(SEARCH, function_output)) == {
        ("unpaired-tool-use", "tsc_call_1", 2),
        ("orphan-tool-result", "tsc_call_1", 3),
    }


def test_a_tool_search_output_without_its_call_is_an_orphan_unless_the_server_ran_it() -> None:
    assert check(_rollout(FOUND)) == {("orphan-tool-result", "tsc_call_1", 2)}
    assert check(_rollout({**FOUND, "execution": "server"})) == set()


def test_calls_codex_asks_no_output_of_are_not_unpaired() -> None:
    no_call_id = {**SEARCH, "call_id": None, "execution": "server"}
    shell = {"type": "local_shell_call", "call_id": None, "status": "completed", "action": {}}
    web = {"type": "web_search_call", "status": "completed", "action": {"query": "x"}}
    image = {"type": "image_generation_call", "status": "completed", "result": "", "id": "ig_1"}
    data = _rollout(no_call_id, shell, web, image)
    assert check(data) == set()
    model = build_model(analyse_bytes(data))
    tools = [item.tool for item in model.items if item.kind is ItemKind.TOOL]
    assert [tool.status for tool in tools if tool is not None] == [ToolStatus.ANSWERED] * 4


def test_the_conversation_model_shows_a_tool_search_and_what_it_found() -> None:
    model = build_model(analyse_bytes(_rollout(SEARCH, FOUND)))
    [item] = page(model)
    assert item.tool is not None
    assert (item.tool.name, item.tool.status) == ("tool_search_call", ToolStatus.ANSWERED)
    assert item.tool.input is not None and "calendar tools" in item.tool.input
    assert item.tool.result == "1 tool found: calendar_list"


def test_stub_answers_a_tool_search_with_the_output_codex_itself_would_insert() -> None:
    data = _rollout(SEARCH, {"type": "message", "role": "assistant", "content": []})
    analysis = analyse_bytes(data)
    repair = repair_all(analysis, Strategy.STUB)
    repaired = join_lines(apply_edits(analysis.lines, repair.edits))
    assert check(repaired) == set()
    stub = json.loads(repaired.split(b"\n")[2])["payload"]
    assert stub == {
        "type": "tool_search_output",
        "call_id": "tsc_call_1",
        "status": "completed",
        "execution": "client",
        "tools": [],
    }
    assert repaired.split(b"\n")[:2] + repaired.split(b"\n")[3:] == data.split(b"\n")
