"""Codex CLI rollouts: calls and outputs paired by call_id after the last compaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import EditKind, apply_edits, join_lines
from session_lsp.core.formats.codex import rollout
from session_lsp.core.formats.codex.outputs import readable_output
from session_lsp.core.formats.codex.rollout import call_half
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.core.tools import ToolHalf
from session_lsp.core.turns import ItemKind, ToolCall, build_model, page
from session_lsp.core.turns.model import clip
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    DANGLING_END_ROLLOUT,
    DANGLING_MID_ROLLOUT,
    PARALLEL_ROLLOUT,
    ROLLOUTS,
)
from tests.support.findings import check

DANGLING = {
    DANGLING_MID_ROLLOUT.name: ("call_a3Pz6DVe1wpJ2oC912ZJyAlc", 218),
    DANGLING_END_ROLLOUT.name: ("call_QtFumeQbLLP5kXewYeHlOanZ", 95),
}
REAL_DANGLING = {
    "rollout-2026-02-23T12-47-42-019c8a53-a0dd-7130-bcd7-95445d84846a.jsonl": (
        "call_BpTazJ89W9PntRqGPwDNfwEY",
        826,
    ),
    "rollout-2026-02-23T13-19-38-019c8a70-dda7-7f33-98ea-f30553347322.jsonl": (
        "call_UtYwHmwWekzvq83m8Rb9K8jJ",
        18,
    ),
}
"""The dangling calls of the real rollouts the generated ones stand in for (madshn/localpush,
tests/corpus/SOURCES.md), for an extended run over a corpus that has them (SESSION_LSP_CORPUS)."""
FOLDER = DANGLING_MID_ROLLOUT.parent


@pytest.mark.parametrize("path", ROLLOUTS, ids=lambda p: p.name[:40])
def test_corpus_rollouts_give_exactly_their_known_dangling_calls(path: Path) -> None:
    expected = DANGLING.get(path.name) or REAL_DANGLING.get(path.name)
    found = check(path.read_bytes())
    assert found == ({("unpaired-tool-use", *expected)} if expected else set())


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def test_a_lost_output_and_a_lost_call() -> None:
    lines = _lines(PARALLEL_ROLLOUT)
    outputs = [i for i, line in enumerate(lines) if '"type":"function_call_output"' in line]
    calls = [i for i, line in enumerate(lines) if '"type":"function_call"' in line]
    lost_output = outputs[len(outputs) // 2]
    call_id = json.loads(lines[lost_output])["payload"]["call_id"]
    call_line = next(i for i in calls if json.loads(lines[i])["payload"]["call_id"] == call_id)
    without_output = [line for i, line in enumerate(lines) if i != lost_output]
    assert check(("\n".join(without_output) + "\n").encode()) == {
        ("unpaired-tool-use", call_id, call_line + 1)
    }
    without_call = [line for i, line in enumerate(lines) if i != call_line]
    assert check(("\n".join(without_call) + "\n").encode()) == {
        ("orphan-tool-result", call_id, lost_output)
    }


def test_truncate_cuts_a_rollout_before_its_dangling_call() -> None:
    data = DANGLING_MID_ROLLOUT.read_bytes()
    analysis = analyse_bytes(data)
    repaired = join_lines(
        apply_edits(analysis.lines, repair_all(analysis, Strategy.TRUNCATE).edits)
    )
    assert check(repaired) == set()
    assert repaired.count(b"\n") == 217


@pytest.mark.parametrize("name", sorted(DANGLING))
def test_stub_answers_a_dangling_codex_call_right_after_it(name: str) -> None:
    data = (FOLDER / name).read_bytes()
    call_id, line = DANGLING[name]
    analysis = analyse_bytes(data)
    repaired = join_lines(apply_edits(analysis.lines, repair_all(analysis, Strategy.STUB).edits))
    assert check(repaired) == set()
    lines = repaired.decode().rstrip("\n").split("\n")
    output = json.loads(lines[line])
    assert output["type"] == "response_item"
    assert output["payload"]["type"] == "function_call_output"
    assert output["payload"]["call_id"] == call_id
    assert output["timestamp"] > json.loads(lines[line - 1])["timestamp"]
    assert lines[:line] + lines[line + 1 :] == data.decode().rstrip("\n").split("\n")
    again = analyse_bytes(repaired)
    assert not repair_all(again, Strategy.STUB).edits


@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
@pytest.mark.parametrize("name", sorted(DANGLING))
def test_every_strategy_leaves_no_dangling_call_and_untouched_lines_identical(
    name: str, strategy: Strategy
) -> None:
    data = (FOLDER / name).read_bytes()
    analysis = analyse_bytes(data)
    repair = repair_all(analysis, strategy)
    assert repair.refusal is None and repair.edits
    repaired = join_lines(apply_edits(analysis.lines, repair.edits))
    assert check(repaired) == set()
    named = {edit.line for edit in repair.edits if edit.kind is not EditKind.INSERT_AFTER}
    kept = [bytes(line) for index, line in enumerate(analysis.lines) if index not in named]
    remaining = iter(repaired.rstrip(b"\n").split(b"\n"))
    assert all(line in remaining for line in kept), "an untouched line changed or moved"
    again = analyse_bytes(repaired)
    assert not repair_all(again, strategy).edits, "a second run changes nothing"


def test_purge_removes_the_call_and_the_reasoning_that_led_to_it_alone() -> None:
    name = DANGLING_MID_ROLLOUT.name
    lines = _lines(DANGLING_MID_ROLLOUT)
    call_id, line = DANGLING[name]
    analysis = analyse_bytes(("\n".join(lines) + "\n").encode())
    deleted = sorted(edit.line for edit in repair_all(analysis, Strategy.PURGE).edits)
    kinds = [json.loads(lines[index])["payload"]["type"] for index in deleted]
    assert kinds == ["reasoning", "function_call"]
    assert deleted == [line - 2, line - 1]
    assert json.loads(lines[line - 1])["payload"]["call_id"] == call_id


def test_purge_keeps_reasoning_that_also_led_to_a_message() -> None:
    name = DANGLING_END_ROLLOUT.name
    analysis = analyse_bytes((FOLDER / name).read_bytes())
    _, line = DANGLING[name]
    edits = repair_all(analysis, Strategy.PURGE).edits
    assert [(edit.kind, edit.line) for edit in edits] == [(EditKind.DELETE, line - 1)]


def _item(payload: dict[str, object]) -> str:
    record = {"timestamp": "2026-01-01T00:00:00.000Z", "type": "response_item", "payload": payload}
    return json.dumps(record, separators=(",", ":"))


META = json.dumps({"timestamp": "2026-01-01T00:00:00.000Z", "type": "session_meta", "payload": {}})


def test_calls_are_answered_only_by_their_own_output_kind() -> None:
    """As Codex's normalize.rs pairs them: a local shell call by a function_call_output, a custom
    tool call only by a custom_tool_call_output; a web search needs no output."""
    lines = [
        META,
        _item({"type": "local_shell_call", "call_id": "call_shell", "action": {}}),
        _item({"type": "function_call_output", "call_id": "call_shell", "output": "ok"}),
        _item({"type": "web_search_call", "status": "completed"}),
        _item({"type": "custom_tool_call", "call_id": "call_patch", "name": "apply_patch"}),
        _item({"type": "function_call_output", "call_id": "call_patch", "output": "ok"}),
    ]
    assert check(("\n".join(lines) + "\n").encode()) == {
        ("unpaired-tool-use", "call_patch", 5),
        ("orphan-tool-result", "call_patch", 6),
    }


def _event(payload: dict[str, object], kind: str = "event_msg") -> str:
    record = {"timestamp": "2026-01-01T00:00:01.000Z", "type": kind, "payload": payload}
    return json.dumps(record, separators=(",", ":"))


def _user(text: str) -> str:
    return _item(
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    )


CALL = _item(
    {"type": "function_call", "call_id": "call_a", "name": "exec_command", "arguments": "{}"}
)
OUTPUT = _item({"type": "function_call_output", "call_id": "call_a", "output": "ok"})


def _checked(lines: list[str]) -> set[tuple[str, str | None, int]]:
    return check(("\n".join(lines) + "\n").encode())


def test_a_compactions_replacement_history_is_the_history_it_continues_from() -> None:
    replacement = [json.loads(_user("fix it"))["payload"], json.loads(CALL)["payload"]]
    compacted = _event({"message": "", "replacement_history": replacement}, "compacted")
    assert _checked([META, compacted, OUTPUT]) == set()
    assert _checked([META, compacted]) == {("unpaired-tool-use", "call_a", 2)}


def test_a_compaction_without_replacement_history_keeps_no_call() -> None:
    compacted = _event({"message": "summary"}, "compacted")
    assert _checked([META, _user("go"), CALL, compacted]) == set()
    assert _checked([META, _user("go"), CALL, compacted, OUTPUT]) == {
        ("orphan-tool-result", "call_a", 5)
    }


def test_a_rolled_back_turn_takes_its_dangling_call_with_it() -> None:
    rollback = _event({"type": "thread_rolled_back", "num_turns": 1})
    context = _user("<environment_context>cwd</environment_context>")
    assert _checked([META, _user("one"), _user("two"), context, CALL, rollback]) == set()
    assert _checked([META, _user("one"), CALL, _user("two"), rollback]) == {
        ("unpaired-tool-use", "call_a", 3)
    }


def test_turn_aborted_keeps_the_call_in_the_history_and_says_so() -> None:
    aborted = _event({"type": "turn_aborted", "reason": "interrupted"})
    analysis = analyse_bytes(("\n".join([META, _user("go"), CALL, aborted]) + "\n").encode())
    (finding,) = analysis.findings
    assert finding.code.value == "unpaired-tool-use"
    assert "turn was aborted" in finding.message


def test_an_orphan_codex_output_is_removed_and_a_replacement_call_is_never_purged() -> None:
    data = ("\n".join([META, _user("go"), OUTPUT, _user("next")]) + "\n").encode()
    for strategy in (Strategy.STUB, Strategy.PURGE):
        analysis = analyse_bytes(data)
        repaired = join_lines(apply_edits(analysis.lines, repair_all(analysis, strategy).edits))
        assert check(repaired) == set()
        assert OUTPUT.encode() not in repaired
    replacement = [json.loads(CALL)["payload"]]
    compacted = _event({"message": "", "replacement_history": replacement}, "compacted")
    analysis = analyse_bytes(("\n".join([META, compacted, _user("go")]) + "\n").encode())
    assert repair_all(analysis, Strategy.PURGE).edits == ()


def _shown_pairs(path: Path, data: bytes) -> list[tuple[ToolCall, ToolHalf, ToolHalf | None]]:
    """Each call as the conversation view shows it, beside hover's reading of its two lines."""
    model = build_model(analyse_bytes(data), path)
    lines = data.split(b"\n")
    shown = []
    for item in page(model):
        tool = item.tool
        if tool is None or tool.call_line is None or tool.searches_the_web:
            continue
        call = call_half(lines[tool.call_line], tool.id, is_output=False)
        output = None
        if tool.result_line is not None:
            output = call_half(lines[tool.result_line], tool.id, is_output=True)
        shown.append((tool, call, output))
    return shown


@pytest.mark.parametrize("path", ROLLOUTS, ids=lambda path: path.name)
def test_the_view_shows_a_call_as_hover_does_with_its_arguments_decoded(path: Path) -> None:
    shown = _shown_pairs(path, path.read_bytes())
    assert shown
    for tool, call, output in shown:
        assert call.input is not None
        text = (
            call.input
            if isinstance(call.input, str)
            else json.dumps(call.input, ensure_ascii=False, indent=1)
        )
        assert tool.input == clip(text)[0]
        if output is not None:
            assert output.output is not None
            assert tool.result == clip(readable_output(output.output).text)[0]


def test_an_output_that_is_not_a_string_reads_the_same_in_the_view_and_hover() -> None:
    path = ROLLOUTS[0]
    lines = path.read_bytes().split(b"\n")
    line = next(
        index
        for index, line in enumerate(lines)
        if b'"function_call_output"' in line and b'"call_id"' in line
    )
    record = json.loads(lines[line])
    record["payload"]["output"] = [{"type": "input_text", "text": "listed"}, {"type": "image"}]
    lines[line] = json.dumps(record).encode()
    (shown,) = [
        output
        for tool, _, output in _shown_pairs(path, b"\n".join(lines))
        if tool.result_line == line
    ]
    assert shown is not None and shown.output == "listed\n[image]"


def _prompts(path: Path) -> list[str]:
    model = build_model(analyse_bytes(path.read_bytes()), path)
    return [item.text or "" for item in model.items if item.kind is ItemKind.PROMPT]


def _user_message_events(path: Path) -> list[str]:
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [
        event["payload"]["message"]
        for event in events
        if event.get("type") == "event_msg" and event["payload"].get("type") == "user_message"
    ]


def test_a_desktop_rollout_s_prompts_are_its_user_message_events_and_titled_by_the_request() -> (
    None
):
    """Codex Desktop writes what the person typed only as `user_message` events (no user
    message item): each is a prompt, and the title is the request after the files the app
    mentions before it."""
    assert _prompts(PARALLEL_ROLLOUT) == _user_message_events(PARALLEL_ROLLOUT)
    model = build_model(analyse_bytes(PARALLEL_ROLLOUT.read_bytes()), PARALLEL_ROLLOUT)
    assert model.title is not None
    assert model.title.startswith("analyze trascript and summarzie action items")


def test_a_cli_rollout_shows_each_prompt_once_though_it_writes_it_twice() -> None:
    """Codex CLI writes the message it sends and then the event echoing it: one prompt."""
    assert _prompts(CODEMIE_ROLLOUT) == _user_message_events(CODEMIE_ROLLOUT)


def test_an_event_before_its_message_is_still_one_prompt() -> None:
    def line(record_type: str, payload: dict[str, object]) -> str:
        stamp = "2026-05-11T11:26:55.000Z"
        return json.dumps({"timestamp": stamp, "type": record_type, "payload": payload})

    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}
    lines = [
        line("session_meta", {"id": "019e1625-789d-76c0-80ab-3724b5ddb799", "cwd": "/w"}),
        line("event_msg", {"type": "user_message", "message": "go"}),
        line("response_item", message),
        line("response_item", {"type": "message", "role": "assistant", "content": []}),
        line("event_msg", {"type": "user_message", "message": "go"}),
    ]
    model = build_model(analyse_bytes("\n".join(lines).encode() + b"\n"), None)
    assert [item.text for item in model.items if item.kind is ItemKind.PROMPT] == ["go", "go"]


def test_a_rollout_line_the_view_cannot_read_is_no_call_for_the_findings_either() -> None:
    """Invalid UTF-8 in a field only the view decodes (here the timestamp) makes the line no
    record for the view; the findings must not read a call there the view does not show. A
    reading of fewer fields skipped the bad bytes unchecked and took the call (reverted)."""
    line = (
        b'{"timestamp":"\xc3a\xa92026-03-06T09:06:04.931Z","type":"response_item","payload":'
        b'{"type":"function_call","name":"shell","arguments":"{}","call_id":"call_1"}}'
    )
    assert rollout.read_line(line) is None
    assert rollout.call_mentions(line) == []
    assert rollout.findings_key(line) == ()
