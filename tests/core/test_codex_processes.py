"""A Codex `write_stdin` call reads as what it waits on or types into, and Codex's refusal of a
unified exec call is an error.

The rollouts are built here with the line shapes of the real one in the corpus
(codex/codemie-code/rollout-2026-05-11T11-26-55-…, lines 9-14 and 27-38): an `exec_command` whose
output says `Process running with session ID N`, its `exec_command_end` event naming the
`process_id`, and `write_stdin` polls (`chars` empty) and input (`"\\u0003"`).
"""

from __future__ import annotations

import json
from pathlib import Path

from session_lsp.cli.show_headline import call_headline
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import (
    ConversationModel,
    Item,
    ToolCall,
    ToolStatus,
    build_model,
    page,
)
from session_lsp.view_json import conversation_to_json
from tests.core.test_markdown import assert_inert
from tests.support.cli import run_cli
from tests.support.corpus import CODEMIE_ROLLOUT

STAMP = "2026-05-11T08:33:05.074Z"
SED = "sed -n '1,220p' skills/brainstorming/SKILL.md"


def _line(record_type: str, payload: dict[str, object]) -> str:
    return json.dumps({"timestamp": STAMP, "type": record_type, "payload": payload})


def exec_call(call_id: str, command: str) -> str:
    arguments = {"cmd": command, "workdir": "/w", "yield_time_ms": 1000, "max_output_tokens": 22000}
    return _line(
        "response_item",
        {
            "type": "function_call",
            "name": "exec_command",
            "arguments": json.dumps(arguments),
            "call_id": call_id,
        },
    )


def running(call_id: str, process: int) -> str:
    """The output of a call whose command still runs (corpus line 29)."""
    header = (
        f"Chunk ID: ebd87a\nWall time: 1.0079 seconds\nProcess running with session ID {process}"
    )
    return output(call_id, f"{header}\nOriginal token count: 0\nOutput:\n")


def exited(call_id: str, text: str = "done") -> str:
    header = "Chunk ID: 210e1f\nWall time: 5.0123 seconds\nProcess exited with code 0"
    return output(call_id, f"{header}\nOriginal token count: 1\nOutput:\n{text}")


def output(call_id: str, text: str) -> str:
    return _line(
        "response_item", {"type": "function_call_output", "call_id": call_id, "output": text}
    )


def ended(call_id: str, process: int, command: str) -> str:
    """`exec_command_end` (corpus line 33), which names the process the call's command ran as."""
    return _line(
        "event_msg",
        {
            "type": "exec_command_end",
            "call_id": call_id,
            "process_id": str(process),
            "command": ["/bin/zsh", "-lc", command],
            "exit_code": 0,
        },
    )


def poll(call_id: str, process: int, chars: str = "") -> str:
    arguments = {"session_id": process, "chars": chars, "yield_time_ms": 1000}
    return _line(
        "response_item",
        {
            "type": "function_call",
            "name": "write_stdin",
            "arguments": json.dumps(arguments),
            "call_id": call_id,
        },
    )


def shell_call(call_id: str) -> str:
    payload = {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": call_id}
    return _line("response_item", payload)


def model_of(lines: list[str]) -> ConversationModel:
    meta = _line("session_meta", {"id": "019e1625-789d-76c0-80ab-3724b5ddb799", "cwd": "/w"})
    data = "\n".join([meta, *lines]) + "\n"
    return build_model(analyse_bytes(data.encode(), modified_seconds_ago=3600.0))


def calls(model: ConversationModel) -> dict[str, Item]:
    return {item.tool.id: item for item in page(model) if item.tool is not None}


def call(model: ConversationModel, call_id: str) -> ToolCall:
    tool = calls(model)[call_id].tool
    assert tool is not None
    return tool


def test_a_poll_is_linked_to_the_command_whose_output_names_its_process() -> None:
    model = model_of(
        [
            exec_call("c_exec", SED),
            running("c_exec", 20936),
            poll("c_poll", 20936),
            exited("c_poll"),
        ]
    )
    found = calls(model)
    process = call(model, "c_poll").process
    assert process is not None
    assert process.command == SED and process.typed == ""
    assert process.call is found["c_exec"] and process.call.index == 0 and process.segment == 0


def test_the_exec_command_end_event_alone_names_the_process() -> None:
    """An exec output without Codex's header (cut, or an older release's): the event says it."""
    model = model_of(
        [
            exec_call("c_exec", SED),
            output("c_exec", "still going"),
            poll("c_poll", 48230),
            ended("c_exec", 48230, SED),
            exited("c_poll"),
        ]
    )
    process = call(model, "c_poll").process
    assert process is not None and process.command == SED


def test_a_process_id_codex_hands_out_again_links_each_poll_to_the_command_before_it() -> None:
    model = model_of(
        [
            exec_call("c_first", "npm test"),
            running("c_first", 500),
            poll("c_poll_first", 500),
            exited("c_poll_first"),
            ended("c_first", 500, "npm test"),
            exec_call("c_second", "npm run build"),
            running("c_second", 500),
            poll("c_poll_second", 500, "\u0003"),
            exited("c_poll_second"),
        ]
    )
    found = calls(model)
    first = call(model, "c_poll_first").process
    second = call(model, "c_poll_second").process
    assert first is not None and first.command == "npm test"
    assert second is not None and second.command == "npm run build" and second.typed == "\x03"
    assert second.call is found["c_second"]


def test_a_poll_written_before_the_command_that_takes_its_id_is_not_linked() -> None:
    model = model_of(
        [
            poll("c_poll", 700),
            output("c_poll", "write_stdin failed: Unknown process id 700"),
            exec_call("c_exec", SED),
            running("c_exec", 700),
        ]
    )
    assert call(model, "c_poll").process is None


def test_a_poll_of_an_id_no_call_named_is_not_linked_and_reads_as_its_arguments() -> None:
    model = model_of(
        [exec_call("c_exec", SED), running("c_exec", 1), poll("c_poll", 2), exited("c_poll")]
    )
    tool = calls(model)["c_poll"].tool
    assert tool is not None and tool.process is None
    assert call_headline(tool) == 'session_id=2 chars="" yield_time_ms=1000'


def test_a_poll_s_own_running_output_does_not_make_it_the_process_s_command() -> None:
    """Every poll of a command still running answers `Process running with session ID N` too."""
    model = model_of(
        [
            exec_call("c_exec", SED),
            running("c_exec", 20936),
            poll("c_poll_1", 20936),
            running("c_poll_1", 20936),
            poll("c_poll_2", 20936),
            exited("c_poll_2"),
        ]
    )
    process = call(model, "c_poll_2").process
    assert process is not None and process.command == SED


def test_a_process_started_before_a_compaction_is_named_with_its_segment() -> None:
    compacted = json.dumps(
        {"timestamp": STAMP, "type": "compacted", "payload": {"message": "summary"}}
    )
    model = model_of(
        [
            exec_call("c_exec", SED),
            running("c_exec", 9),
            compacted,
            poll("c_poll", 9),
            exited("c_poll"),
        ]
    )
    (poll_item,) = [item for item in page(model) if item.tool is not None]
    assert poll_item.tool is not None
    process = poll_item.tool.process
    assert process is not None and process.segment == 0 and process.call.index == 0
    assert len(model.earlier_segments) == 1
    markdown = render_markdown(model)
    assert "Waits on the command of item 1 of part 1 (the history before a compaction)" in markdown


def test_the_real_rollout_s_polls_name_the_commands_they_wait_on() -> None:
    model = build_model(analyse_bytes(CODEMIE_ROLLOUT.read_bytes(), modified_seconds_ago=1e6))
    items = page(model, 0, 13)
    exec_item, ctrl_c = items[8], items[11]
    assert exec_item.tool is not None and ctrl_c.tool is not None
    assert ctrl_c.tool.process is not None and ctrl_c.tool.process.call is exec_item
    assert ctrl_c.tool.process.typed == "\x03"
    assert call_headline(ctrl_c.tool).startswith("types ^C into $ sed -n '1,220p' /Users/")
    assert ctrl_c.tool.status is ToolStatus.ERROR and ctrl_c.tool.is_error


def test_codex_s_refusal_of_a_write_stdin_or_an_exec_command_is_an_error() -> None:
    refusal = (
        "write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true"
    )
    model = model_of(
        [
            exec_call("c_exec", SED),
            running("c_exec", 5),
            poll("c_input", 5, "\u0003"),
            output("c_input", refusal),
            poll("c_unknown", 6),
            output("c_unknown", "write_stdin failed: Unknown process id 6"),
            exec_call("c_denied", "rm -rf /"),
            output("c_denied", "exec_command failed for `rm -rf /`: CreateProcess { message: x }"),
            poll("c_fine", 5),
            exited("c_fine", "grep says: write_stdin failed: not this one"),
            shell_call("c_shell"),
            output("c_shell", "write_stdin failed: a shell's output in the same words"),
        ]
    )
    found = calls(model)
    for call_id in ("c_input", "c_unknown", "c_denied"):
        tool = found[call_id].tool
        assert tool is not None and tool.status is ToolStatus.ERROR and tool.is_error, call_id
    for call_id in ("c_fine", "c_shell"):
        assert call(model, call_id).status is ToolStatus.ANSWERED, call_id
    assert model.errors == 0  # a failed call is no finding, as a failed command is none


def _polled(command: str, chars: str) -> ConversationModel:
    started = [exec_call("c_exec", command), running("c_exec", 3)]
    return model_of([*started, poll("c_poll", 3, chars), exited("c_poll")])


def test_show_says_what_a_poll_waits_on_and_what_input_types_visibly() -> None:
    waits = calls(_polled(SED, ""))["c_poll"].tool
    types = calls(_polled(SED, "\u0003"))["c_poll"].tool
    enter = calls(_polled("python -i", "print(1)\n\u001b[A"))["c_poll"].tool
    assert waits is not None and types is not None and enter is not None
    assert call_headline(waits) == f"waits on $ {SED}"
    assert call_headline(types) == f"types ^C into $ {SED}"
    assert call_headline(enter) == "types print(1)⏎^[[A into $ python -i"


def test_the_markdown_says_which_item_a_poll_waits_on() -> None:
    markdown = render_markdown(_polled(SED, "\u0003"))
    assert f"Types ` ^C ` into the command of item 1: ` $ {SED} `" in markdown


def test_the_conversation_json_carries_the_process_a_call_writes_to(tmp_path: Path) -> None:
    shown = conversation_to_json(_polled(SED, "y\n"), "/r.jsonl", "file:///r.jsonl")
    tools = [item["tool"] for item in shown["items"] if item["tool"] is not None]
    assert tools[0]["process"] is None
    assert tools[1]["process"] == {"command": SED, "typed": "y\n", "index": 0, "segment": 0}


HOSTILE_COMMAND = (
    "echo `x` [x](command:rm) <img src=x onerror=alert(1)>\n\n# heading \x1b]0;pwned\x07"
)
HOSTILE_KEYS = "\x1b[2J\x1b]8;;https://e.com\x07link\u202egnp.exe\n<script>"


def test_a_hostile_command_and_hostile_keys_stay_inert_in_every_renderer(tmp_path: Path) -> None:
    model = _polled(HOSTILE_COMMAND, HOSTILE_KEYS)
    markdown = render_markdown(model)
    assert_inert(markdown)
    (said,) = [line for line in markdown.splitlines() if line.startswith("Types ")]
    assert "\x1b" not in said and "\u202e" not in said and "\n" not in said
    assert "^[[2J^[]8;;https://e.com^Glink\\u202egnp.exe⏎<script>" in said
    tool = calls(model)["c_poll"].tool
    assert tool is not None
    headline = call_headline(tool)
    assert not any(ord(character) < 0x20 or character == "\u202e" for character in headline)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(bytes(line) for line in model.lines if bytes(line)) + b"\n")
    shown = run_cli("show", str(path), env={"NO_COLOR": "1", "COLUMNS": "200"}).stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "types ^[[2J^[]8;;https://e.com^Glink\\u202egnp.exe⏎<script> into $" in shown


def test_show_item_names_the_command_and_its_item_across_a_compaction(tmp_path: Path) -> None:
    compacted = json.dumps(
        {"timestamp": STAMP, "type": "compacted", "payload": {"message": "summary"}}
    )
    model = model_of(
        [exec_call("c_exec", SED), running("c_exec", 9), compacted, poll("c_poll", 9, "q")]
    )
    path = tmp_path / "compacted.jsonl"
    path.write_bytes(b"\n".join(bytes(line) for line in model.lines if bytes(line)) + b"\n")
    shown = run_cli("show", str(path), "--item", "2").stdout.splitlines()
    assert shown[2] == f"types q into the command of item 1 of segment 1: $ {SED}"
