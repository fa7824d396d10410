"""Codex's `wait`, `send_input` and `close_agent` read as the sub-agents they act on.

No rollout of the corpus has these calls: the lines are built with the shapes Codex writes
(codex-rs/core/src/tools/handlers/multi_agents: `spawn_agent` answered with `{"agent_id",
"nickname"}`; `wait` taking `ids`, `wait_agent` `targets`, `send_input` and `close_agent` an `id`
or a `target`), as tests/core/test_codex_sub_agents.py builds its spawns.
"""

from __future__ import annotations

import json
from pathlib import Path

from session_lsp.cli.show_headline import call_headline
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.codex.agent_calls import named_agents
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import ConversationModel, ToolCall, build_model, page
from session_lsp.view_json import conversation_to_json
from tests.core.test_markdown import assert_inert
from tests.support.cli import run_cli

CURIE = "019e1700-0000-7000-8000-000000000001"
UNNAMED = "019e1700-0000-7000-8000-000000000002"
NEVER_SPAWNED = "019e1700-0000-7000-8000-00000000000f"


def _line(record_type: str, payload: dict[str, object]) -> str:
    return json.dumps(
        {"timestamp": "2026-05-11T10:00:00.000Z", "type": record_type, "payload": payload}
    )


def call(call_id: str, name: str, arguments: dict[str, object]) -> list[str]:
    """The call and a plain answer (what the answer says does not matter here)."""
    payload = {"type": "function_call", "name": name, "arguments": json.dumps(arguments)}
    answer = {"type": "function_call_output", "call_id": call_id, "output": "{}"}
    return [_line("response_item", {**payload, "call_id": call_id}), _line("response_item", answer)]


def spawn(call_id: str, thread: str, task: str, nickname: str | None) -> list[str]:
    arguments = json.dumps({"message": task, "agent_type": "worker"})
    payload = {"type": "function_call", "name": "spawn_agent", "arguments": arguments}
    answered = {"agent_id": thread, **({"nickname": nickname} if nickname else {})}
    answer = {"type": "function_call_output", "call_id": call_id, "output": json.dumps(answered)}
    return [_line("response_item", {**payload, "call_id": call_id}), _line("response_item", answer)]


def model_of(*parts: list[str]) -> ConversationModel:
    lines = [_line("session_meta", {"id": "019e1625-789d-76c0-80ab-3724b5ddb799", "cwd": "/w"})]
    data = "\n".join(lines + [line for part in parts for line in part]) + "\n"
    return build_model(analyse_bytes(data.encode(), modified_seconds_ago=3600.0))


def tool(model: ConversationModel, call_id: str) -> ToolCall:
    (found,) = [item.tool for item in page(model) if item.tool and item.tool.id == call_id]
    assert found is not None
    return found


def spawned_two() -> list[list[str]]:
    return [
        spawn("c_curie", CURIE, "Audit the parser\nfor torn lines", "Curie"),
        spawn("c_unnamed", UNNAMED, "Check the docs for stale flags\nthen report", None),
    ]


def test_wait_send_input_and_close_agent_name_the_agents_their_ids_were_spawned_as() -> None:
    model = model_of(
        *spawned_two(),
        call("c_wait", "wait", {"ids": [CURIE, UNNAMED], "timeout_ms": 30000}),
        call("c_send", "send_input", {"target": CURIE, "message": "go on"}),
        call("c_close", "close_agent", {"id": CURIE}),
        call("c_wait_agent", "wait_agent", {"targets": [UNNAMED]}),
    )
    assert call_headline(tool(model, "c_wait")) == "waits for Curie, Check the docs for stale flags"
    assert call_headline(tool(model, "c_send")) == "sends to Curie"
    assert call_headline(tool(model, "c_close")) == "closes Curie"
    assert call_headline(tool(model, "c_wait_agent")) == "waits for Check the docs for stale flags"
    acted = tool(model, "c_wait").acts_on
    assert acted is not None
    assert [(agent.call.index, agent.segment) for agent in acted.agents] == [(0, 0), (1, 0)]


def test_an_id_no_earlier_spawn_was_answered_with_keeps_the_arguments() -> None:
    model = model_of(
        call("c_early", "close_agent", {"id": CURIE}),
        *spawned_two(),
        call("c_unknown", "wait", {"ids": [CURIE, NEVER_SPAWNED]}),
    )
    for call_id in ("c_early", "c_unknown"):
        assert tool(model, call_id).acts_on is None
    assert call_headline(tool(model, "c_early")) == f"id={CURIE}"


def test_the_markdown_and_the_json_name_the_spawning_items() -> None:
    model = model_of(*spawned_two(), call("c_close", "close_agent", {"id": CURIE}))
    assert "Closes the sub-agent ` Curie ` (spawned by item 1)" in render_markdown(model)
    shown = conversation_to_json(model, "/r.jsonl", "file:///r.jsonl")
    acts_on = [item["tool"]["actsOn"] for item in shown["items"]]
    assert acts_on[:2] == [None, None]
    assert acts_on[2] == {"verb": "closes", "agents": [{"name": "Curie", "index": 0, "segment": 0}]}


def test_a_hostile_nickname_stays_inert_in_show_and_the_markdown(tmp_path: Path) -> None:
    nickname = "Curie [x](command:rm) <img src=x onerror=alert(1)>\n\n# h \x1b]0;pwned\x07\u202e"
    lines = [
        _line("session_meta", {"id": "019e1625-789d-76c0-80ab-3724b5ddb799", "cwd": "/w"}),
        *spawn("c_curie", CURIE, "task", nickname),
        *call("c_close", "close_agent", {"id": CURIE}),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = build_model(analyse_bytes(path.read_bytes(), modified_seconds_ago=3600.0))
    markdown = render_markdown(model)
    assert_inert(markdown)
    assert (
        "Closes the sub-agent ` Curie [x](command:rm) <img src=x onerror=alert(1)> # h" in markdown
    )
    shown = run_cli("show", str(path), env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "closes Curie [x](command:rm) <img src=x onerror=alert(1)> # h \\x1b" in shown


def test_a_spawn_whose_task_is_nested_too_deep_to_read_is_named_by_its_id() -> None:
    """The task is read while building, for a call naming the agent: it never fails the build."""
    arguments = '{"message": ' + "[" * 100_000 + "]" * 100_000 + "}"
    payload = {"type": "function_call", "name": "spawn_agent", "arguments": arguments}
    output = json.dumps({"agent_id": UNNAMED})
    answer = {"type": "function_call_output", "call_id": "c_deep", "output": output}
    deep = [
        _line("response_item", {**payload, "call_id": "c_deep"}),
        _line("response_item", answer),
    ]
    model = model_of(deep, call("c_close", "close_agent", {"id": UNNAMED}))
    assert call_headline(tool(model, "c_close")) == f"closes {UNNAMED}"


def test_show_item_names_the_agent_and_the_item_that_spawned_it(tmp_path: Path) -> None:
    lines = [
        _line("session_meta", {"id": "019e1625-789d-76c0-80ab-3724b5ddb799", "cwd": "/w"}),
        *[line for part in spawned_two() for line in part],
        *call("c_wait", "wait", {"ids": [CURIE, UNNAMED]}),
    ]
    path = tmp_path / "waits.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shown = run_cli("show", str(path), "--item", "3").stdout.splitlines()
    assert shown[2] == (
        "waits for Curie (spawned by item 1), Check the docs for stale flags (spawned by item 2)"
    )


def test_the_agents_a_call_names_are_each_kept_once_in_the_order_first_named() -> None:
    """`id`, `target`, `ids`, `targets`, in that order; a repeat is dropped where it repeats
    (kept unique by a scan per id, a wait naming 100,000 agents took 50 s to show:
    bench/bench_hostile_limits.py)."""
    arguments = {"id": "a", "target": "b", "ids": ["c", "a", "d", "c"], "targets": ["e", "b", 5]}
    assert named_agents(json.dumps(arguments)) == ["a", "b", "c", "d", "e"]
    assert named_agents(json.dumps({"ids": [f"t{n}" for n in range(3)] * 2})) == ["t0", "t1", "t2"]
