"""`session-lsp show PATH --item N`: one item whole, as `sessionLsp.item` returns it."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from session_lsp.cli.show_item import write_item
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import build_model
from tests.support.claude_records import Builder
from tests.support.cli import run_cli
from tests.support.corpus import (
    CLAUDE_CORPUS,
    CODEMIE_ROLLOUT,
    SIDECHAIN_EXCERPT,
    SOUND_RECORDER,
    WORKTREES,
)

SAMPLE = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-Users-dain-workspace-claude-code-log-sample"
    / "fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl"
)


def long_result_session(path: Path, output: str) -> Path:
    lines = [
        {
            "type": "user",
            "uuid": "u1",
            "parentUuid": None,
            "sessionId": "s-1",
            "timestamp": "2026-01-01T00:00:00Z",
            "message": {"role": "user", "content": "run it"},
        },
        {
            "type": "assistant",
            "uuid": "a1",
            "parentUuid": "u1",
            "sessionId": "s-1",
            "timestamp": "2026-01-01T00:00:01Z",
            "message": {
                "id": "msg_1",
                "role": "assistant",
                "model": "claude-opus-4-8",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "Bash",
                        "input": {"command": "make"},
                    }
                ],
            },
        },
        {
            "type": "user",
            "uuid": "r1",
            "parentUuid": "a1",
            "sessionId": "s-1",
            "timestamp": "2026-01-01T00:00:03.5Z",
            "message": {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": output}],
            },
        },
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def test_an_item_is_printed_whole_with_its_result(tmp_path: Path) -> None:
    output = "".join(f"compiling unit {number}\n" for number in range(600)) + "\x1b]0;owned\x07done"
    path = long_result_session(tmp_path / "s.jsonl", output)
    done = run_cli("show", str(path), "--item", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("item 2 · tool · lines 2-3")
    assert "Bash · toolu_1 · answered · result after 2.5 s" in done.stdout
    assert "compiling unit 0\n" in done.stdout and "compiling unit 599\n" in done.stdout
    assert "\x1b" not in done.stdout and "\\x1b]0;owned" in done.stdout


def test_an_items_time_is_in_local_time_as_the_reading_layout_gives_it(tmp_path: Path) -> None:
    path = long_result_session(tmp_path / "s.jsonl", "ok")
    zone = {"NO_COLOR": "1", "TZ": "America/New_York"}
    item = run_cli("show", str(path), "--item", "1", env=zone).stdout
    assert item.splitlines()[0] == "item 1 · prompt · line 1 · 2025-12-31 19:00:00"
    reading = run_cli("show", str(path), env=zone).stdout
    assert "── You · 2025-12-31 19:00:00 · #1 · line 1" in reading


def test_an_item_of_a_file_that_is_no_transcript_is_refused_as_show_refuses_it(
    tmp_path: Path,
) -> None:
    notes = tmp_path / "README.md"
    notes.write_text("# Notes\n\nnot a transcript\n", encoding="utf-8")
    done = run_cli("show", "--item", "1", str(notes))
    assert (done.returncode, done.stdout) == (2, "")
    assert "not a session transcript" in done.stderr


def test_json_is_the_item_the_server_returns(tmp_path: Path) -> None:
    output = "x" * 9000
    path = long_result_session(tmp_path / "s.jsonl", output)
    done = run_cli("show", str(path), "--item", "2", "--format", "json")
    item = json.loads(done.stdout)
    assert item["tool"]["result"] == output and not item["truncated"]
    assert item["index"] == 1 and item["tool"]["durationMs"] == 2500


def test_an_edit_prints_its_diff_and_a_plan_its_checklist() -> None:
    edit = run_cli("show", str(SAMPLE), "--item", "16")
    assert "--- diff\n" in edit.stdout and "@@ -37,4 +37,5 @@" in edit.stdout
    plan = run_cli("show", str(SAMPLE), "--item", "57")
    assert "--- plan\n[x] Update GitHub Action to run on all pushes\n" in plan.stdout
    patch = run_cli("show", str(CODEMIE_ROLLOUT), "--item", "99", "--format", "json")
    assert json.loads(patch.stdout)["tool"]["diff"].startswith("--- a/")


def test_an_item_the_session_does_not_have_is_a_usage_error(tmp_path: Path) -> None:
    path = long_result_session(tmp_path / "s.jsonl", "ok")
    done = run_cli("show", str(path), "--item", "4")
    assert done.returncode == 2 and "no item 4: the conversation has items 1 to 2" in done.stderr
    prompt_only = tmp_path / "prompt.jsonl"
    prompt_only.write_text(path.read_text().splitlines()[0] + "\n")
    one = run_cli("show", str(prompt_only), "--item", "2")
    assert one.returncode == 2 and "no item 2: the conversation has item 1 only" in one.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    none = run_cli("show", str(empty), "--item", "1")
    assert none.returncode == 2 and "no item 1: the conversation has no items" in none.stderr
    zero = run_cli("show", str(path), "--item", "0")
    assert zero.returncode == 2 and "Traceback" not in zero.stderr
    markdown = run_cli("show", str(path), "--item", "1", "--format", "markdown")
    assert markdown.returncode == 2 and "prints text or json" in markdown.stderr


def test_an_items_input_is_shown_field_by_field_with_real_line_breaks() -> None:
    shown = run_cli("show", "--item", "45", str(SOUND_RECORDER)).stdout
    input_part = shown.split("--- input\n", 1)[1].split("\n--- ", 1)[0].splitlines()
    assert input_part[:3] == [
        "file_path: /Users/dain/workspace/JSSoundRecorder/CLAUDE.md",
        "old_string:",
        "    ## Development Commands",
    ]
    assert "new_string:" in input_part and not any("\\n" in line for line in input_part)
    raw = json.loads(
        run_cli("show", "--item", "45", "--format", "json", str(SOUND_RECORDER)).stdout
    )
    assert json.loads(raw["tool"]["input"])["old_string"].startswith("## Development Commands\n")


def test_a_sub_agent_whose_turns_are_nowhere_says_so(tmp_path: Path) -> None:
    session = Builder()
    session.prompt("u1", None, "look into the logs")
    session.call("a1", "u1", "toolu_01T1", "Task", description="logs", prompt="read the CI log")
    session.result("r1", "a1", "toolu_01T1", "nothing wrong")
    path = tmp_path / "session.jsonl"
    path.write_bytes(session.data())
    shown = run_cli("show", "--item", "2", str(path)).stdout.splitlines()
    assert (
        shown[2] == "sub-agent: no transcript of its turns (no agent file, no turns in this file)"
    )


def test_a_1_0_sub_agent_s_turns_inline_in_the_file_are_named_under_its_call() -> None:
    shown = run_cli("show", "--item", "1", str(SIDECHAIN_EXCERPT)).stdout.splitlines()
    assert shown[2] == "sub-agent: its turns follow in this file (6 items)"


def test_a_sub_agent_with_its_own_file_says_the_tokens_its_requests_used() -> None:
    """A Task's cost beyond the session's own requests: read from the sub-agent's file, each
    request once, as the session's totals are."""
    model = build_model(analyse_bytes(WORKTREES.read_bytes()), WORKTREES)
    index, file = next(
        (at, item.tool.agent_file)
        for at, item in enumerate(model.items)
        if item.tool is not None and item.tool.agent_file is not None
    )
    sub_agent = build_model(analyse_bytes(file.read_bytes()), file)
    spent = sub_agent.usage
    assert spent is not None
    shown = run_cli("show", "--item", str(index + 1), str(WORKTREES)).stdout.splitlines()
    assert shown[2] == (
        f"sub-agent: {file} ({len(sub_agent.items)} items,"
        f" {spent.context:,} tokens in, {spent.output_said})"
    )


def test_a_sub_agent_file_gone_since_the_model_was_built_is_said_to_be_unreadable(
    tmp_path: Path,
) -> None:
    session = tmp_path / WORKTREES.name
    shutil.copyfile(WORKTREES, session)
    shutil.copytree(WORKTREES.with_suffix(""), session.with_suffix(""))
    model = build_model(analyse_bytes(session.read_bytes()), session)
    item = next(item for item in model.items if item.tool and item.tool.agent_file)
    assert item.tool is not None and item.tool.agent_file is not None
    item.tool.agent_file.unlink()
    shown = io.StringIO()
    write_item(item, str(session), shown)
    assert f"sub-agent: {item.tool.agent_file} (could not be read)\n" in shown.getvalue()
