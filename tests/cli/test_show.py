"""`session-lsp show`: one line per item, tool status, the broken spot marked, safe for terminals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.markdown import render_markdown
from session_lsp.core.turns import build_model
from session_lsp.core.turns.agents import agent_model, sub_agent_usage
from session_lsp.sessions import project_folder_name
from tests.support.cli import REPO, run_cli
from tests.support.corpus import (
    CODEMIE_TURN_1,
    DANGLING_END_ROLLOUT,
    PARALLEL_ROLLOUT,
    SHORT,
    SOUND_RECORDER,
    SUBAGENT,
    WORKTREES,
)
from tests.support.files import aged_copy

DANGLING_ID = "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz"
SESSION_ID = "3f7b8a2c-1111-4222-8333-444455556666"


def test_brief_has_one_line_per_tool_call_with_its_status_and_marks_the_broken_one() -> None:
    result = run_cli("show", "--brief", str(CODEMIE_TURN_1))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("claude-code · session ") and "1 error, 0 warnings" in lines[1]
    assert lines[2] == "first problem: item 17, line 25"
    tool_lines = [line for line in lines if line[14:24].strip() == "tool"]
    assert len(tool_lines) == 7
    assert sum("[ok] Bash" in line for line in tool_lines) == 5
    assert "[ok] Task toolu_bdrk_019PUUtqzQg8U5ogfuyQ7yLV Analyze CLI" in tool_lines[0]
    broken = next(index for index, line in enumerate(lines) if DANGLING_ID in line)
    assert lines[broken].split()[:5] == ["#17", "25", "tool", "[NO", "RESULT]"]
    finding = [lines[broken + 1]]
    finding += [line for line in lines[broken + 2 :] if line.startswith(" " * 9)][:3]
    said = " ".join(row.strip() for row in finding)
    assert said.startswith(
        f">> {CODEMIE_TURN_1}:25:429: error unpaired-tool-use Bash call {DANGLING_ID}"
    )
    assert all(len(line) <= 120 or str(CODEMIE_TURN_1) in line for line in lines), "wrapped"
    assert "\033[" not in result.stdout


def test_brief_fits_the_terminal_width_cutting_what_an_item_says_not_its_number() -> None:
    result = run_cli("show", "--brief", str(SOUND_RECORDER), env={"NO_COLOR": "1", "COLUMNS": "60"})
    items = [line for line in result.stdout.splitlines() if line.lstrip().startswith("#")]
    assert len(items) > 100
    assert max(len(line) for line in items) == 60
    assert items[0].split()[:3] == ["#1", "3", "command"]
    title = result.stdout.splitlines()[0]
    assert len(title) == 60 and title.endswith("…")


def test_the_markdown_names_a_rejection_and_fences_what_the_user_said() -> None:
    markdown = run_cli("show", "--format", "markdown", str(SOUND_RECORDER)).stdout
    assert markdown.count("`: rejected · lines ") == 2
    assert "The user said:\n\n```text\nuse pnpm\n```\n" in markdown


def test_a_file_with_no_transcript_record_is_refused_as_no_session(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Sources\n\n- a list, not a transcript\n", encoding="utf-8")
    result = run_cli("show", str(notes))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"session-lsp: {notes}: not a session transcript: no line is a Claude Code or Codex"
        " record (`session-lsp check` names each line's problem)\n"
    )
    empty = tmp_path / "new.jsonl"
    empty.write_bytes(b"")
    assert run_cli("show", str(empty)).returncode == 0, "a session just created shows as empty"


def test_json_that_no_format_claims_is_no_transcript_for_show_and_check_alike(
    tmp_path: Path,
) -> None:
    """A list, or a line without the fields of a record: `show` refuses it, and `check` says
    so too rather than "all resumable"; neither points at line problems there are none of."""
    said = "not a session transcript: no line is a Claude Code or Codex record"
    for name, text in (("list.jsonl", "[]\n"), ("typed.jsonl", '{"type": "user"}\n')):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        shown = run_cli("show", str(path))
        assert (shown.returncode, shown.stderr) == (2, f"session-lsp: {path}: {said}\n")
        checked = run_cli("check", str(path))
        assert checked.returncode == 2
        assert checked.stderr == f"session-lsp: {path}: {said}\n"
        assert "all resumable" not in checked.stdout
    empty = tmp_path / "new.jsonl"
    empty.write_bytes(b"")
    assert run_cli("check", str(empty)).returncode == 0, "a session just created"
    walked = run_cli("check", str(tmp_path))
    assert walked.returncode == 0 and said not in walked.stderr, "found in a folder: by its lines"


def test_a_sub_agents_messages_kept_in_the_main_file_are_fenced_as_written() -> None:
    """Their text is composed: a prompt, calls with their input, tools' results; a command in a
    call's input must read as the agent ran it, not as Markdown."""
    markdown = run_cli("show", "--format", "markdown", str(SUBAGENT)).stdout
    assert "```text\nuser: Draft bead content for setting up Credo" in markdown
    assert "```text\nuser: [result] EISDIR: illegal operation on a directory" in markdown
    call = '```text\nassistant: [calls Read {"file_path":"/home/marco/projects/spotter"}]\n```'
    assert call in markdown


def test_calls_rejected_at_esc_are_shown_as_rejected() -> None:
    lines = run_cli("show", "--brief", str(SHORT)).stdout.splitlines()
    assert [line.split()[3] for line in lines if "[rejected]" in line] == [
        "[rejected]",
        "[rejected]",
    ]


def test_tail_shows_only_the_last_items() -> None:
    lines = run_cli("show", "--brief", "--tail", "2", str(CODEMIE_TURN_1)).stdout.splitlines()
    assert lines[3] == "… 15 earlier items"
    items = [line for line in lines[4:] if line.lstrip().startswith("#")]
    assert [line.split()[1] for line in items] == [
        "24",
        "25",
    ]


def test_json_is_the_server_shape_for_the_whole_session() -> None:
    result = run_cli("show", "--format", "json", str(CODEMIE_TURN_1))
    page = json.loads(result.stdout)
    assert (page["total"], len(page["items"]), page["firstProblem"]) == (17, 17, 16)
    assert page["uri"] == CODEMIE_TURN_1.resolve().as_uri()
    assert page["items"][16]["tool"]["status"] == "unpaired"
    tail = json.loads(
        run_cli("show", "--format", "json", "--tail", "1", str(CODEMIE_TURN_1)).stdout
    )
    assert (tail["offset"], [item["index"] for item in tail["items"]]) == (16, [16])


def test_markdown_is_the_shared_rendering() -> None:
    result = run_cli("show", "--format", "markdown", str(CODEMIE_TURN_1))
    model = build_model(analyse_bytes(CODEMIE_TURN_1.read_bytes()), CODEMIE_TURN_1)
    assert result.stdout == render_markdown(
        model, path=str(CODEMIE_TURN_1), load_agent=agent_model, whole=True
    )


def test_colours_on_request_and_no_color_wins() -> None:
    coloured = run_cli("show", "--brief", str(CODEMIE_TURN_1), env={"FORCE_COLOR": "1"})
    assert "\033[31m[NO RESULT]\033[0m" in coloured.stdout
    plain = run_cli("show", str(CODEMIE_TURN_1), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\033[" not in plain.stdout


def test_escape_sequences_in_the_transcript_never_reach_the_terminal(tmp_path: Path) -> None:
    record = {
        "parentUuid": None,
        "type": "user",
        "uuid": "u1",
        "sessionId": "s",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "message": {"role": "user", "content": "hi \x1b]0;pwned\x07 \x1b[2J there"},
    }
    path = tmp_path / "escape.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run_cli("show", str(path), env={"FORCE_COLOR": "1"})
    without_ours = result.stdout
    for code in ("\033[1m", "\033[2m", "\033[0m", "\033[36m"):
        without_ours = without_ours.replace(code, "")
    assert "\033" not in without_ours and "\x07" not in without_ours
    assert "hi \\x1b]0;pwned\\x07 \\x1b[2J there" in without_ours


def test_a_session_id_or_its_prefix_names_the_file(tmp_path: Path) -> None:
    project = tmp_path / "projects" / "-work-demo"
    project.mkdir(parents=True)
    aged_copy(CODEMIE_TURN_1, project / f"{SESSION_ID}.jsonl")
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path)}
    by_id = run_cli("show", SESSION_ID, env=env)
    by_prefix = run_cli("show", SESSION_ID[:8], env=env)
    assert by_id.returncode == by_prefix.returncode == 0, by_id.stderr + by_prefix.stderr
    assert DANGLING_ID in by_id.stdout and by_id.stdout == by_prefix.stdout


def test_an_unknown_name_is_a_clear_usage_error(tmp_path: Path) -> None:
    result = run_cli("show", str(tmp_path / "nope.jsonl"), env={"CLAUDE_CONFIG_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.startswith("session-lsp: ") and "Traceback" not in result.stderr


def test_a_codex_rollout_shows_its_calls(tmp_path: Path) -> None:
    rollout = aged_copy(DANGLING_END_ROLLOUT, tmp_path / DANGLING_END_ROLLOUT.name)
    lines = run_cli("show", "--brief", str(rollout)).stdout.splitlines()
    assert lines[1].startswith("codex · session ")
    last_item = max(index for index, line in enumerate(lines) if line.lstrip().startswith("#"))
    assert "[NO RESULT]" in lines[last_item]
    assert "error unpaired-tool-use" in " ".join(lines[last_item + 1 :])


def test_last_shows_the_session_claude_continue_would_resume(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    project = tmp_path / "projects" / project_folder_name(str(work.resolve()))
    project.mkdir(parents=True)
    aged_copy(CODEMIE_TURN_1, project / f"{SESSION_ID}.jsonl")
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", "show", "--last"],
        capture_output=True,
        text=True,
        check=False,
        cwd=work,
        env={**os.environ, "CLAUDE_CONFIG_DIR": str(tmp_path), "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert DANGLING_ID in result.stdout
    both = run_cli("show", "--last", str(CODEMIE_TURN_1), env={"CLAUDE_CONFIG_DIR": str(tmp_path)})
    assert both.returncode == 2 and "either PATH or --last" in both.stderr


def long_session(path: Path, prompts: int) -> Path:
    """A linear session of `prompts` prompts: its `show` output is far bigger than a pipe."""
    lines = []
    parent = None
    for number in range(prompts):
        uuid = f"u{number}"
        record = {
            "parentUuid": parent,
            "type": "user",
            "uuid": uuid,
            "sessionId": "s",
            "timestamp": f"2026-01-01T00:00:00.{number % 1000:03d}Z",
            "message": {"role": "user", "content": f"prompt number {number} " + "x" * 60},
        }
        lines.append(json.dumps(record))
        parent = uuid
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return aged_copy(path, path)


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    session = long_session(tmp_path / "long.jsonl", 3000)
    shown = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "show", str(session)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"},
    )
    assert shown.stdout is not None and shown.stderr is not None
    shown.stdout.read(10)
    shown.stdout.close()
    assert shown.wait(timeout=60) == 0
    assert b"Traceback" not in shown.stderr.read()


def test_a_negative_tail_is_a_usage_error() -> None:
    result = run_cli("show", "--tail", "-1", str(CODEMIE_TURN_1))
    assert result.returncode == 2 and "--tail" in result.stderr


def test_markdown_expands_each_sub_agent_file_under_its_call() -> None:
    result = run_cli("show", "--format", "markdown", str(WORKTREES))
    model = build_model(analyse_bytes(WORKTREES.read_bytes()), WORKTREES)
    assert result.stdout == render_markdown(
        model,
        path=str(WORKTREES),
        load_agent=agent_model,
        whole=True,
        sub_agents=sub_agent_usage(model),
    )
    assert result.stdout.count("> **Sub-agent conversation**") == 6


def test_markdown_with_tail_renders_only_the_last_items() -> None:
    shown = run_cli("show", "--format", "markdown", "--tail", "1", str(SHORT)).stdout
    headings = [line for line in shown.splitlines() if line.startswith("## ")]
    assert len(headings) == 1 and headings[0].startswith("## 5. Tool ` Glob `")
    assert "*… 4 earlier items (not shown).*" in shown


def test_brief_names_a_long_writes_file_though_its_input_was_cut() -> None:
    lines = run_cli("show", "--brief", str(SOUND_RECORDER)).stdout.splitlines()
    write = next(line for line in lines if line.split()[:2] == ["#24", "41"])
    assert write.endswith(
        " Write toolu_01B9UpQDXUgSFs2pyr3K3HC4 /Users/dain/workspace/JSSoundRecorder/CLAUDE.md"
    )


def test_the_markdown_export_holds_every_text_whole() -> None:
    # Item 24 writes CLAUDE.md (107 lines), past the 4,000 characters a page keeps.
    shown = run_cli("show", "--format", "markdown", str(SOUND_RECORDER)).stdout
    assert "cut off here" not in shown
    assert "\n+- Monitor worker messages for processing errors\n" in shown
    model = build_model(analyse_bytes(SOUND_RECORDER.read_bytes()), SOUND_RECORDER)
    assert "cut off here" in render_markdown(model), "a page's cut, which the export undoes"


def test_brief_says_reasoning_is_encrypted_rather_than_counting_its_placeholder() -> None:
    """Codex reasoning written only encrypted has no text: `(21 characters)` counted the words
    that say so."""
    shown = run_cli("show", "--brief", str(PARALLEL_ROLLOUT)).stdout.splitlines()
    thinking = [line for line in shown if " thinking " in line]
    assert thinking and all(line.endswith(" (encrypted reasoning)") for line in thinking)
