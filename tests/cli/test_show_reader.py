"""`session-lsp show` to read: prompts and replies whole and wrapped, one line per tool call with
its result's first lines, times, thinking as its first line, the broken spot marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.cli.columns import columns
from session_lsp.cli.show_reader import continue_command, local_time, wrap_text
from tests.support.claude_records import Builder, rewound, three_writes
from tests.support.cli import run_cli
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    CODEMIE_TURN_1,
    CORPUS,
    SHORT,
    SOUND_RECORDER,
    WORKTREES,
)
from tests.support.files import aged_copy

NARROW = {"NO_COLOR": "1", "COLUMNS": "60", "TZ": "UTC"}
PROMPT = (
    "Please look at the parser and tell me why the second pass drops trailing commas; "
    "I think it is the tokenizer but I am not sure at all.\n\nSecond paragraph stays apart."
)
REPLY = "Found it.\n\n- the tokenizer is fine\n- the second pass skips a comma before `]`\n"


def _record(number: int, kind: str, content: object, parent: str | None) -> dict[str, object]:
    return {
        "parentUuid": parent,
        "type": kind,
        "uuid": f"u{number}",
        "sessionId": "s",
        "timestamp": f"2026-01-01T10:00:0{number}.000Z",
        "message": {"role": "user" if kind == "user" else "assistant", "content": content},
    }


def _session(tmp_path: Path, result: str) -> Path:
    call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "make test"}}
    answer = {"type": "tool_result", "tool_use_id": "toolu_1", "content": result}
    records = [
        _record(1, "user", PROMPT, None),
        _record(
            2,
            "assistant",
            [{"type": "thinking", "thinking": "Look at pass two.\nThen more."}],
            "u1",
        ),
        _record(3, "assistant", [call], "u2"),
        _record(4, "user", [answer], "u3"),
        _record(5, "assistant", [{"type": "text", "text": REPLY}], "u4"),
    ]
    path = tmp_path / "session.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return aged_copy(path, path)


def test_prompts_and_replies_are_whole_and_wrapped_to_the_width(tmp_path: Path) -> None:
    result = run_cli("show", str(_session(tmp_path, "ok")), env=NARROW)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The command to go on is kept whole on its line, to be copied.
    assert lines[-1].startswith("to continue: session-lsp resume ")
    assert all(len(line) <= 60 for line in lines[1:-1]), "\n".join(lines)
    body = " ".join(line.strip() for line in lines)
    assert " ".join(PROMPT.split("\n\n")[0].split()) in body
    assert "  Second paragraph stays apart." in lines, "paragraphs stay apart"
    assert "  - the second pass skips a comma before `]`" in lines, "the reply's Markdown is kept"


def test_japanese_and_emoji_are_wrapped_to_the_columns_a_terminal_gives_them(
    tmp_path: Path,
) -> None:
    """A wide character takes two columns: a reply in Japanese, which has no spaces, is broken
    between characters, and the title and a call's line are cut by columns too."""
    prompt = "サーバーをバックグラウンドで起動してください。起動したら、ログを調べてください。" * 3
    call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "echo 完成"}}
    answer = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "完成 🎉 " * 40}
    records = [
        _record(1, "user", prompt, None),
        _record(2, "assistant", [call], "u1"),
        _record(3, "user", [answer], "u2"),
        _record(4, "assistant", [{"type": "text", "text": "> 引用です。" * 20}], "u3"),
    ]
    path = tmp_path / "session.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    result = run_cli("show", str(aged_copy(path, path)), env=NARROW)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[:-1]  # the command to go on is kept whole
    assert all(columns(line) <= 60 for line in lines), "\n".join(lines)
    said = "".join(line.strip() for line in lines)
    assert prompt in said, "the prompt is whole"
    quoted = [line for line in lines if "引用" in line]
    assert len(quoted) > 1 and all(line.startswith("  > ") for line in quoted), "quoted on"


def test_nested_list_items_are_wrapped_under_their_bullet_and_indented_code_is_kept() -> None:
    text = (
        "Changes:\n"
        "- Renderer\n"
        "    - New private: `render_message_enriched/2`, `render_assistant_content/2`,"
        " `render_user_block/2`\n"
        "\n"
        "Run it:\n"
        "\n"
        "    mix test test/spotter/services/transcript_renderer_test.exs --trace --seed 0"
    )
    rows = list(wrap_text(text, 40))
    assert rows[:5] == [
        "Changes:",
        "- Renderer",
        "    - New private:",
        "      `render_message_enriched/2`,",
        "      `render_assistant_content/2`,",
    ]
    assert rows[5] == "      `render_user_block/2`"
    assert rows[-1].startswith("    mix test test/spotter/") and len(rows[-1]) > 40


def test_a_word_longer_than_the_width_is_left_whole_on_its_line() -> None:
    path = "/home/dev/project/src/plugins/codemie-code.plugin.ts:99"
    assert list(wrap_text(f"See {path} for the hook.", 30)) == ["See", path, "for the hook."]


def test_an_edit_cut_to_the_width_keeps_its_file_name_counts_and_duration(tmp_path: Path) -> None:
    session = Builder()
    session.prompt("u1", None, "edit it")
    folder = "/home/dev/a-rather-long-project-folder-name/docs/research"
    session.call("a1", "u1", "toolu_E", "Write", file_path=f"{folder}/plan-mode.md", content="x\n")
    session.result("r1", "a1", "toolu_E", "File created successfully")
    path = tmp_path / "session.jsonl"
    path.write_bytes(session.data())
    lines = run_cli("show", str(aged_copy(path, path)), env=NARROW).stdout.splitlines()
    (call,) = [line for line in lines if "Write" in line]
    assert len(call) <= 60
    assert "plan-mode.md  +1 -0  (" in call and call.endswith("#2 · line 2")


def test_a_rejected_call_shows_what_the_user_said_instead_of_the_stock_wording() -> None:
    lines = run_cli("show", str(SOUND_RECORDER), env=NARROW).stdout.splitlines()
    call = next(index for index, line in enumerate(lines) if "[rejected] $ npm install" in line)
    assert lines[call + 1].strip() == "│ the user said: use pnpm"
    rejected = [index for index, line in enumerate(lines) if "[rejected]" in line]
    assert len(rejected) == 2
    # The rejection without a reason: its stock wording is not repeated under it.
    assert "doesn't want to proceed" not in lines[rejected[0] + 1]
    number = lines[call].rsplit("#", 1)[1].split()[0]
    item = run_cli("show", "--item", number, str(SOUND_RECORDER), env=NARROW).stdout
    assert "Bash · toolu_011v8qQUhd84LQXKGc9RVofA · rejected" in item
    assert "the user said: use pnpm\n" in item


def test_a_recap_is_printed_whole_under_its_own_heading_and_rendered_in_the_markdown() -> None:
    lines = run_cli("show", str(WORKTREES), env=NARROW).stdout.splitlines()
    heading = lines.index("── Recap · 13:53:43 · #52 · line 174")
    assert lines[heading + 1] == "  Three teammates (alice/bob/carol) researched plan mode,"
    markdown = run_cli("show", "--format", "markdown", str(WORKTREES)).stdout
    assert "## 52. Recap (Claude Code's, of where the session stood) · line 174" in markdown
    assert "(disable recaps in /config)" not in markdown


def test_a_codex_plan_shows_its_explanation_in_show_and_the_markdown() -> None:
    """update_plan's `explanation` says why the plan is what it is (codemie rollout, item 93)."""
    said = "I\u2019m treating \u201ccontext compact to 90 in env var\u201d as the OpenCode generated config"
    lines = run_cli("show", str(CODEMIE_ROLLOUT), env=WIDE).stdout.splitlines()
    call = next(
        index for index, line in enumerate(lines) if "update_plan [ok] plan: 0 of 3" in line
    )
    assert lines[call + 1].startswith(f"     │ {said}")
    markdown = run_cli("show", "--format", "markdown", str(CODEMIE_ROLLOUT)).stdout
    assert f"Plan:\n\n{said}" in markdown


def test_each_tool_call_is_one_line_with_the_first_lines_of_its_result(tmp_path: Path) -> None:
    output = "\n".join(f"row {number}" for number in range(1, 9))
    lines = run_cli("show", str(_session(tmp_path, output)), env=NARROW).stdout.splitlines()
    call = next(index for index, line in enumerate(lines) if "Bash" in line)
    assert lines[call].startswith(" ▸ Bash [ok] $ make test")
    assert [line.strip() for line in lines[call + 1 : call + 5]] == [
        "│ row 1",
        "│ row 2",
        "│ row 3",
        "│ … 5 more lines",
    ]


@pytest.mark.parametrize("rows", [3, 4])
def test_a_result_one_line_over_the_shown_lines_is_shown_whole_not_counted(
    tmp_path: Path, rows: int
) -> None:
    output = "\n".join(f"row {number}" for number in range(1, rows + 1))
    lines = run_cli("show", str(_session(tmp_path, output)), env=NARROW).stdout.splitlines()
    call = next(index for index, line in enumerate(lines) if "Bash" in line)
    shown = [line.strip() for line in lines[call + 1 : call + 1 + rows + 1]]
    assert shown[:rows] == [f"│ row {number}" for number in range(1, rows + 1)]
    assert not shown[rows].startswith("│")


def test_times_are_shown_the_day_once_and_thinking_as_its_first_line(tmp_path: Path) -> None:
    lines = run_cli("show", str(_session(tmp_path, "ok")), env=NARROW).stdout.splitlines()
    headings = [line for line in lines if line.startswith("── ")]
    assert headings == [
        "── You · 2026-01-01 10:00:01 · #1 · line 1",
        "── Claude · 10:00:05 · #4 · line 5",
    ]
    thinking = next(line for line in lines if "thinking" in line)
    assert "Look at pass two." in thinking and "Then more." not in result_text(lines)


def result_text(lines: list[str]) -> str:
    return "\n".join(lines)


def test_the_broken_call_is_marked_where_it_is_with_its_finding(tmp_path: Path) -> None:
    """Read from a copy written an hour ago: a corpus file checked out seconds before would be a
    live session, its unanswered call not broken but running."""
    session = aged_copy(CODEMIE_TURN_1, tmp_path / CODEMIE_TURN_1.name)
    lines = run_cli("show", str(session), env=NARROW).stdout.splitlines()
    assert "first problem: item 17, line 25" in lines[:8]
    broken = next(index for index, line in enumerate(lines) if "[NO RESULT]" in line)
    assert lines[broken].startswith(">> Bash [NO RESULT] $ find . -name")
    assert lines[broken + 1].lstrip().startswith(">> ") and "unpaired-tool-use" in lines[broken + 1]
    assert all(len(line) <= 60 for line in lines[broken:-1]), "the finding is wrapped too"


def test_escapes_in_a_tool_result_and_a_reply_never_reach_the_terminal(tmp_path: Path) -> None:
    session = _session(tmp_path, "\x1b]0;pwned\x07\n\x1b[2Jcleared")
    text = session.read_text(encoding="utf-8").replace("Found it.", "Found \\u001b[31mit")
    session.write_text(text, encoding="utf-8")
    shown = run_cli("show", str(aged_copy(session, session)), env={**NARROW, "FORCE_COLOR": "1"})
    without_ours = shown.stdout
    for code in ("\033[1m", "\033[2m", "\033[0m", "\033[32m", "\033[36m", "\033[31m>>"):
        without_ours = without_ours.replace(code, "")
    assert "\033" not in without_ours and "\x07" not in without_ours
    assert "\\x1b]0;pwned\\x07" in without_ours and "Found \\x1b[31mit" in without_ours


DEEP_MANIFEST = (
    CORPUS
    / "claude-code/daaain-claude-code-log/-src-deep-manifest/a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl"
)


def test_the_header_has_the_token_use_and_the_last_plan() -> None:
    lines = run_cli("show", str(DEEP_MANIFEST), env=NARROW).stdout.splitlines()
    tokens = next(i for i, line in enumerate(lines) if line.startswith("tokens: "))
    assert lines[tokens] == "tokens: 8,682,623 in (8,505,166 cached)"
    # 83 of its 103 API messages end on a line written before they stopped: a lower bound.
    assert lines[tokens + 1] == "at least 31,430 out · last context 134,276", "the width is 60"
    assert lines[tokens + 2].startswith("sub-agents (1 file) · tokens: ")
    assert lines[tokens + 4] == "plan (item 183): 6 of 6 done"
    assert lines[tokens + 5 : tokens + 11][-1] == "  [x] Run tests and verify coverage"


def _sub_agents_used(session: Path) -> tuple[int, int, int, str]:
    """Files, tokens in, cached and out (as said: "at least" where any file's is a lower bound)
    of the session's sub-agent files, summed from each file's own `show --format json`."""
    owns = [
        json.loads(run_cli("show", "--format", "json", str(path)).stdout)["usage"]
        for path in sorted((session.parent / session.stem / "subagents").glob("*.jsonl"))
    ]
    total = {key: sum(own[key] for own in owns) for key in owns[0]}
    tokens_in = total["input"] + total["cacheRead"] + total["cacheCreation"]
    at_least = "at least " if any(own["outputPartial"] for own in owns) else ""
    return len(owns), tokens_in, total["cacheRead"], f"{at_least}{total['output']:,} out"


def test_the_header_says_what_the_sessions_sub_agent_files_used_apart() -> None:
    files, tokens_in, cached, tokens_out = _sub_agents_used(WORKTREES)
    lines = run_cli("show", str(WORKTREES), env=WIDE).stdout.splitlines()
    tokens = next(i for i, line in enumerate(lines) if line.startswith("tokens: "))
    assert lines[tokens + 1] == (
        f"sub-agents ({files} files) · tokens: {tokens_in:,} in ({cached:,} cached) · {tokens_out}"
    )
    markdown = run_cli("show", "--format", "markdown", str(WORKTREES)).stdout
    assert (
        f" · sub-agents ({files} files): {tokens_in:,} tokens in ({cached:,} cached),"
        f" {tokens_out}\n"
    ) in markdown.split("\n## 1.", 1)[0]
    beside = run_cli("show", str(DEEP_MANIFEST), env=WIDE).stdout  # 2.0.x: named by its call
    assert "\nsub-agents (1 file) · tokens: " in beside
    assert "sub-agents (" not in run_cli("show", str(SHORT), env=WIDE).stdout


def test_an_edit_shows_its_path_and_how_many_lines_it_changed() -> None:
    lines = run_cli("show", str(DEEP_MANIFEST), env={"NO_COLOR": "1", "COLUMNS": "120"}).stdout
    assert (
        " ▸ Edit [ok] /src/deep-manifest/.gitignore  +2 -1  (10 s)  #18 · line 33"
        in lines.splitlines()
    )


def test_a_reply_longer_than_a_page_cuts_is_shown_whole(tmp_path: Path) -> None:
    session = _session(tmp_path, "ok")
    long_reply = " ".join(f"word{number}" for number in range(1500)) + " THE-END"
    text = session.read_text(encoding="utf-8").replace(json.dumps(REPLY)[1:-1], long_reply)
    session.write_text(text, encoding="utf-8")
    shown = run_cli("show", str(aged_copy(session, session)), env=NARROW).stdout
    assert "THE-END" in shown and "cut here" not in shown


def test_the_header_counts_the_history_before_the_last_compaction() -> None:
    compacted = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    lines = run_cli("show", str(compacted), env=NARROW).stdout.splitlines()
    assert "1 earlier part before a compaction (--segment 1 shows it)" in lines[:6]
    assert "note: the conversation starts at the last compaction" in lines


WIDE = {"NO_COLOR": "1", "COLUMNS": "140", "TZ": "UTC"}


def test_a_write_longer_than_a_page_keeps_its_path_and_whole_line_count() -> None:
    # Its input (CLAUDE.md, 107 lines) is past the 4,000 characters a page keeps of it.
    lines = run_cli("show", str(SOUND_RECORDER), env=WIDE).stdout.splitlines()
    write = next(line for line in lines if line.endswith("#24 · line 41"))
    assert write.startswith(
        " ▸ Write [ok] /Users/dain/workspace/JSSoundRecorder/CLAUDE.md  +107 -0"
    )


def test_a_plan_call_says_how_far_the_plan_got_and_the_step_under_way() -> None:
    lines = run_cli("show", str(SOUND_RECORDER), env=WIDE).stdout.splitlines()
    plan = next(line for line in lines if line.endswith("#127 · line 206"))
    assert plan.startswith(
        " ▸ TodoWrite [ok] plan: 5 of 7 done · now: Test recording with new AudioWorklet"
    )


def test_a_codex_patch_names_the_file_it_changed_and_an_update_plan_its_progress() -> None:
    lines = run_cli("show", str(CODEMIE_ROLLOUT), env=WIDE).stdout.splitlines()
    assert any(
        line.startswith(" ▸ apply_patch [ok] src/agents/plugins/codemie-code.plugin.ts  +5 -0")
        for line in lines
    )
    assert any(
        line.startswith(" ▸ update_plan [ok] plan: 2 of 3 done · now: Run focused verification")
        for line in lines
    )


def test_the_header_gives_a_codex_rollouts_last_context() -> None:
    lines = run_cli("show", str(CODEMIE_ROLLOUT), env=WIDE).stdout.splitlines()
    assert lines[2] == "tokens: 6,055,836 in (4,929,536 cached) · 9,118 out · last context 131,573"


def test_a_call_of_a_few_arguments_shows_them_as_names_and_values_not_json() -> None:
    lines = run_cli("show", str(WORKTREES), env=WIDE).stdout.splitlines()
    assert any(
        line.startswith(" ▸ TaskUpdate [ok] taskId=1 status=in_progress owner=alice  (")
        for line in lines
    )
    assert any(
        line.startswith(" ▸ TaskCreate [ok] Research plan mode (alice)  (") for line in lines
    )
    assert not any(line.startswith(" ▸ Task") and "] {" in line for line in lines)


def test_a_search_call_shows_its_pattern_and_where_it_looked() -> None:
    lines = run_cli("show", str(SOUND_RECORDER), env=WIDE).stdout.splitlines()
    grep = next(line for line in lines if line.endswith("#77 · line 124"))
    assert grep.startswith(" ▸ Grep [ok] ") and "  in app/js  (" in grep


def test_segment_shows_the_history_before_a_compaction_as_search_numbers_it() -> None:
    compacted = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    lines = run_cli("show", "--segment", "1", str(compacted), env=WIDE).stdout.splitlines()
    assert lines[1].endswith(
        " · 34 items · 0 errors, 0 warnings · segment 1 of 2: history before compaction 1"
    )
    assert not any(line.startswith("note: ") for line in lines), "the start note is the last part's"
    prompt = lines.index("── You · 2026-03-14 09:31:14 · #3 · line 7")
    assert "off by one column on lines with emoji" in lines[prompt + 1]


def test_segment_and_item_print_an_item_of_the_history_whole() -> None:
    compacted = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    utc = {"NO_COLOR": "1", "TZ": "UTC"}
    shown = run_cli("show", "--segment", "1", "--item", "3", str(compacted), env=utc).stdout
    assert shown.startswith("item 3 · prompt · line 7 · 2026-03-14 09:31:14")
    last = run_cli("show", "--item", "3", str(compacted)).stdout
    assert not last.startswith("item 3 · prompt · line 7"), "without --segment: the last part"


def test_an_abandoned_branch_is_named_in_the_header_and_shown_by_its_segment(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rewound.jsonl"
    path.write_bytes(rewound().data())
    lines = run_cli("show", str(path), env=WIDE).stdout.splitlines()
    assert lines[1].endswith(
        " · 4 items · 0 errors, 0 warnings · 1 abandoned branch (--segment 1 shows it)"
    )
    assert not any("Regexes are in" in line for line in lines)
    branch = run_cli("show", "--segment", "1", str(path), env=WIDE).stdout.splitlines()
    assert branch[1].endswith(" · 2 items · 0 errors, 0 warnings")
    assert "segment 1 of 2: an abandoned branch off line 2, which a resume leaves out" in branch[2]
    assert any("Regexes are in." in line for line in branch)
    assert not any(line.startswith("continue with") for line in branch), "no resume from a branch"


def test_a_segment_the_session_does_not_have_is_a_usage_error() -> None:
    compacted = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    result = run_cli("show", "--segment", "3", str(compacted))
    assert result.returncode == 2 and result.stdout == ""
    assert "no segment 3: the session has segments 1 to 2" in result.stderr
    missing = run_cli("show", "--segment", "1", "--item", "35", str(compacted))
    assert missing.returncode == 2 and "no item 35: segment 1 has items 1 to 34" in missing.stderr


def test_a_plan_written_before_the_compaction_heads_show_with_where_it_is() -> None:
    compacted = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    lines = run_cli("show", str(compacted), env=NARROW).stdout.splitlines()
    assert "plan (segment 1, item 31): 3 of 7 done" in lines[:10]
    history = run_cli("show", "--segment", "1", str(compacted), env=NARROW).stdout.splitlines()
    assert "plan (item 31): 3 of 7 done" in history[:10]
    markdown = run_cli("show", "--format", "markdown", str(compacted)).stdout
    assert "**Plan** (segment 1, item 31):" in markdown


def test_the_header_is_wrapped_to_the_width_too() -> None:
    for session in (
        CODEMIE_TURN_1,
        WORKTREES,
        CORPUS / "claude-code/generated/compacted-2.0.76.jsonl",
    ):
        lines = run_cli("show", str(session), env=NARROW).stdout.splitlines()
        header = lines[: lines.index("")]
        assert all(len(line) <= 60 for line in header), "\n".join(header)
    wide = run_cli("show", str(WORKTREES), env=WIDE).stdout.splitlines()
    assert wide[1] == (
        "claude-code · session ef958aa1-0e93-49f0-bb71-150f63befcd1 · 54 items · 0 errors, 0 warnings"
    ), "facts share a line as far as the width goes"


def test_an_emptied_plan_heads_show_as_emptied(tmp_path: Path) -> None:
    session = Builder()
    session.prompt("u1", None, "done?")
    session.call("a1", "u1", "toolu_T", "TodoWrite", todos=[])
    session.result("r1", "a1", "toolu_T")
    path = tmp_path / "emptied.jsonl"
    path.write_bytes(session.data())
    lines = run_cli("show", str(aged_copy(path, path)), env=WIDE).stdout.splitlines()
    assert "plan (item 2): emptied" in lines[:5]
    assert any(line.startswith(" ▸ TodoWrite [ok] plan: emptied") for line in lines)


def test_a_compaction_shows_what_its_summary_kept_not_claude_codes_opening() -> None:
    compacted = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    lines = run_cli("show", str(compacted), env=WIDE).stdout.splitlines()
    compaction = next(line for line in lines if line.endswith("#1 · line 55"))
    assert compaction.startswith("   compacted Analysis: nt the result next recovery to.")


def test_show_ends_with_where_the_session_stopped_and_how_to_go_on() -> None:
    lines = run_cli("show", str(CODEMIE_TURN_1), env=WIDE).stdout.splitlines()
    assert lines[-2:] == [
        "end: #17 · line 25 · 2026-01-14 19:26:41",
        f"to continue: session-lsp resume {CODEMIE_TURN_1}",
    ]
    history = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
    earlier = run_cli("show", "--segment", "1", str(history), env=WIDE).stdout.splitlines()
    assert not any(line.startswith("to continue: ") for line in earlier), "history is not resumed"


def test_the_command_to_go_on_never_reads_a_file_name_as_an_option() -> None:
    assert continue_command("-rf.jsonl") == "session-lsp resume ./-rf.jsonl"
    assert continue_command("a b;rm x.jsonl") == "session-lsp resume 'a b;rm x.jsonl'"


def test_a_sub_agents_transcript_offers_no_resume() -> None:
    agent = CORPUS / "claude-code/daaain-claude-code-log/-src-deep-manifest/agent-c8d9b115.jsonl"
    lines = run_cli("show", str(agent), env=WIDE).stdout.splitlines()
    assert lines[-1].startswith("end: #20 · line ")


def test_times_are_local_as_the_sessions_listing_gives_them(tmp_path: Path) -> None:
    kolkata = {**NARROW, "TZ": "Asia/Kolkata"}  # UTC+05:30, no summer time
    lines = run_cli("show", str(_session(tmp_path, "ok")), env=kolkata).stdout.splitlines()
    assert "── You · 2026-01-01 15:30:01 · #1 · line 1" in lines
    assert "end: #4 · line 5 · 2026-01-01 15:30:05" in lines
    assert local_time("0001-01-01T00:00:00Z") in ("0001-01-01T00:00:00Z", "0001-01-01 00:00:00")
    assert local_time("yesterday\x1b[2J") == "yesterday\\x1b[2J"


def test_a_sub_agents_rewrite_of_its_own_file_shows_as_the_change() -> None:
    # 2.1.114 sub-agent transcripts keep no toolUseResult: the second Write's old text is the first's.
    agent = next(WORKTREES.parent.rglob("agent-ab1e6e141221a29ab.jsonl"))
    lines = run_cli("show", str(agent), env=WIDE).stdout.splitlines()
    writes = [line for line in lines if line.startswith(" ▸ Write [ok] ")]
    assert [write.split("  ")[1] for write in writes] == ["+140 -0", "+82 -96"]


def test_an_edit_rejected_or_never_answered_is_not_counted_as_written(tmp_path: Path) -> None:
    path = tmp_path / "session.jsonl"
    path.write_bytes(three_writes().data())
    lines = run_cli("show", str(aged_copy(path, path)), env=NARROW).stdout.splitlines()
    calls = [line.split(".md", 1)[1] for line in lines if " Write [" in line]
    assert [call.split("(")[0].split("#")[0].strip() for call in calls] == [
        "+1 -0",
        "+1 -0 not applied",
        "+1 -0 not confirmed",
    ]


def test_an_item_shown_whole_says_when_its_diff_was_not_applied_or_not_confirmed(
    tmp_path: Path,
) -> None:
    written = tmp_path / "session.jsonl"
    written.write_bytes(three_writes().data())
    path = aged_copy(written, written)
    headings = []
    for number in (2, 3, 4):
        shown = run_cli("show", "--item", str(number), str(path), env=NARROW).stdout
        headings += [line for line in shown.splitlines() if line.startswith("--- diff")]
    assert headings == ["--- diff", "--- diff (not applied)", "--- diff (not confirmed)"]


def test_an_item_shown_whole_gives_a_structured_input_as_indented_json_under_its_name(
    tmp_path: Path,
) -> None:
    session = Builder()
    session.prompt("u1", None, "ask me")
    options = [{"label": "Rig A", "description": "the old one"}, {"label": "Rig B"}]
    question = {"question": "Which rig?", "header": "Rig", "options": options}
    session.call("a1", "u1", "toolu_Q", "AskUserQuestion", questions=[question])
    session.result("r1", "a1", "toolu_Q", "User answered: Rig A")
    path = tmp_path / "session.jsonl"
    path.write_bytes(session.data())
    shown = run_cli("show", "--item", "2", str(aged_copy(path, path)), env=NARROW).stdout
    lines = shown.splitlines()
    start = lines.index("questions:")
    assert lines[start + 1 : start + 4] == ["    [", "      {", '        "question": "Which rig?",']
    assert '            "label": "Rig A",' in lines
