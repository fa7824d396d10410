"""The conversation model on every real session, on damaged variants, and on Codex rollouts."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.findings import Code
from session_lsp.core.markdown import render_markdown
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.core.turns import (
    MAX_TEXT,
    ConversationModel,
    ItemKind,
    ToolStatus,
    build_model,
    page,
)
from session_lsp.core.turns.texts import TOO_DEEP
from tests.core.test_deep_nesting import deeply_nested_session
from tests.core.test_markdown import assert_inert
from tests.support import damage
from tests.support.claude_records import Builder
from tests.support.cli import run_cli
from tests.support.corpus import (
    CLAUDE_CORPUS,
    CODEMIE_ROLLOUT,
    CODEMIE_TURN_1,
    COMPACTED_2_0,
    COMPACTED_ROLLOUT,
    DANGLING_END_ROLLOUT,
    DANGLING_MID_ROLLOUT,
    ROLLOUTS,
    SESSIONS,
    SHORT,
    SOUND_RECORDER,
    SUBAGENT,
    TOOL_HEAVY,
    WORKTREES,
    corpus_id,
)
from tests.support.targets import targets

ALL_FILES = SESSIONS + ROLLOUTS
DANGLING_ID = "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz"
DEEP_MANIFEST = CLAUDE_CORPUS / "daaain-claude-code-log" / "-src-deep-manifest"


def model_of(data: bytes, path: Path | None = None, **options: float) -> ConversationModel:
    return build_model(analyse_bytes(data, **options), path)


def tools(model: ConversationModel) -> dict[str, ToolStatus]:
    return {item.tool.id: item.tool.status for item in model.items if item.tool is not None}


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: path.name)
def test_every_finding_lands_on_exactly_one_item(path: Path) -> None:
    analysis = analyse_bytes(path.read_bytes())
    model = build_model(analysis, path)
    on_items = [finding for item in model.items for finding in item.findings]
    assert Counter(map(id, on_items)) == Counter(map(id, analysis.findings))
    for item in model.items:
        for finding in item.findings:
            touched = {item.first_line, item.last_line}
            if item.tool is not None:
                touched |= {item.tool.call_line, item.tool.result_line}
            assert finding.span.line in touched


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: path.name)
def test_items_are_numbered_in_order_and_carry_their_lines(path: Path) -> None:
    model = model_of(path.read_bytes(), path)
    assert model.items, "every corpus file has a conversation"
    assert [item.index for item in model.items] == list(range(len(model.items)))
    line_count = len(path.read_bytes().splitlines())
    for item in model.items:
        assert 0 <= item.first_line <= item.last_line < line_count
        if item.tool is not None and item.tool.result_line is not None:
            assert item.last_line == item.tool.result_line
    expected = "codex" if path in ROLLOUTS else "claude-code"
    assert model.format == expected


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: path.name)
def test_a_page_loads_the_text_of_its_items_only(path: Path) -> None:
    model = model_of(path.read_bytes(), path)
    chosen = page(model, 1, 3)
    assert chosen == model.items[1:4]
    assert all(item.loaded for item in chosen)
    assert not any(item.loaded for item in model.items[4:] if item.kind is ItemKind.TOOL)
    for item in page(model):
        texts = [item.text]
        if item.tool is not None:
            texts += [item.tool.input, item.tool.result]
        assert all(text is None or len(text) <= MAX_TEXT for text in texts)
        if item.kind in (ItemKind.PROMPT, ItemKind.ASSISTANT):
            assert item.text and item.text.strip()
        tool = item.tool
        if path in SESSIONS and tool is not None and tool.input and not item.truncated:
            json.loads(tool.input)


@pytest.mark.parametrize("path", SESSIONS, ids=corpus_id)
def test_a_call_is_unpaired_exactly_when_a_finding_says_so(path: Path) -> None:
    analysis = analyse_bytes(path.read_bytes())
    model = build_model(analysis, path)
    unpaired = {f.tool_use_id for f in analysis.findings if f.code is Code.UNPAIRED_TOOL_USE}
    assert {
        tool_id for tool_id, status in tools(model).items() if status is ToolStatus.UNPAIRED
    } == (unpaired)


def test_a_dangling_call_at_the_tail_is_the_first_problem() -> None:
    model = model_of(CODEMIE_TURN_1.read_bytes(), CODEMIE_TURN_1)
    last = model.items[-1]
    assert last.tool is not None
    assert (last.tool.id, last.tool.name, last.tool.status) == (
        DANGLING_ID,
        "Bash",
        ToolStatus.UNPAIRED,
    )
    assert (last.tool.call_line, last.tool.result_line) == (24, None)
    assert model.first_problem == last.index
    assert [finding.code for finding in last.findings] == [Code.UNPAIRED_TOOL_USE]
    (page_item,) = page(model, last.index, 1)
    assert json.loads(page_item.tool.input or "")["command"].startswith("find . -name")  # type: ignore[union-attr]


def test_a_recently_written_dangling_call_is_live() -> None:
    model = model_of(CODEMIE_TURN_1.read_bytes(), modified_seconds_ago=1.0)
    assert tools(model)[DANGLING_ID] is ToolStatus.LIVE
    assert model.errors == 0 and model.first_problem is None


def test_calls_rejected_at_esc_are_rejected_with_nothing_said() -> None:
    model = model_of(SHORT.read_bytes())
    calls = [item.tool for item in model.items if item.tool is not None]
    assert [(call.status, call.rejection) for call in calls] == [(ToolStatus.REJECTED, None)] * 2


def test_a_parallel_group_tells_the_rejected_call_and_its_reason_from_the_cancelled_ones() -> None:
    """7acd37a8: "No" at the prompt of a three-way parallel call (REJECT, two CANCELs, the
    interrupt marker), and later a rejection with a reason."""
    model = model_of(SOUND_RECORDER.read_bytes())
    counts = Counter(tools(model).values())
    assert counts[ToolStatus.REJECTED] == 2
    assert counts[ToolStatus.INTERRUPTED] == 2
    assert counts[ToolStatus.ERROR] == 2
    assert sum(item.kind is ItemKind.INTERRUPT for item in model.items) == 1
    said = [item.tool.rejection for item in model.items if item.tool and item.tool.rejection]
    assert said == ["use pnpm"]


@pytest.mark.parametrize(
    ("result", "status", "said"),
    [
        (
            "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if"
            " it was a file edit, the new_string was NOT written to the file). To tell you how to"
            " proceed, the user said:\nrun the tests first\nthen commit",
            ToolStatus.REJECTED,
            "run the tests first\nthen commit",
        ),
        (
            "Permission for this tool use was denied. The tool use was rejected (eg. if it was a"
            " file edit, the new_string was NOT written to the file). The user said:\nnot in prod",
            ToolStatus.REJECTED,
            "not in prod",
        ),
        (
            "Permission to use Bash has been denied. IMPORTANT: You *may* attempt …",
            ToolStatus.REJECTED,
            None,
        ),
        ("Interrupted by user", ToolStatus.INTERRUPTED, None),
        ("Exit code 1\nboom", ToolStatus.ERROR, None),
    ],
)
def test_an_error_result_tells_a_rejection_and_what_the_user_said(
    result: str, status: ToolStatus, said: str | None
) -> None:
    session = Builder()
    session.prompt("u1", None, "go")
    session.call("a1", "u1", "toolu_R", "Bash", command="rm -rf build")
    session.result("r1", "a1", "toolu_R", result)
    session.lines[-1]["message"]["content"][0]["is_error"] = True
    (call,) = [item.tool for item in model_of(session.data()).items if item.tool is not None]
    assert (call.status, call.rejection) == (status, said)


def test_our_stub_shows_as_stubbed_and_the_session_turns_clean() -> None:
    analysis = analyse_bytes(CODEMIE_TURN_1.read_bytes())
    repair = repair_all(analysis, Strategy.STUB)
    repaired = model_of(join_lines(apply_edits(analysis.lines, repair.edits)))
    assert tools(repaired)[DANGLING_ID] is ToolStatus.STUBBED
    assert repaired.errors == 0 and repaired.first_problem is None


def test_sub_agent_calls_link_to_their_2_1_agent_files() -> None:
    model = model_of(WORKTREES.read_bytes(), WORKTREES)
    linked = {
        item.tool.agent_file.name
        for item in model.items
        if item.tool is not None and item.tool.agent_file is not None
    }
    on_disk = {
        path.name for path in (WORKTREES.parent / WORKTREES.stem / "subagents").glob("*.jsonl")
    }
    assert linked == on_disk and len(linked) == 6
    names = {item.tool.name for item in model.items if item.tool and item.tool.agent_file}
    assert names == {"Agent"}


def test_a_task_call_links_to_its_2_0_agent_file_beside_the_session() -> None:
    (session,) = [
        path for path in DEEP_MANIFEST.glob("*.jsonl") if not path.name.startswith("agent-")
    ]
    model = model_of(session.read_bytes(), session)
    linked = [item.tool for item in model.items if item.tool and item.tool.agent_file]
    assert [(tool.name, tool.agent_file) for tool in linked] == [
        ("Task", (DEEP_MANIFEST / "agent-c8d9b115.jsonl").resolve())
    ]


def test_no_agent_link_without_the_session_path() -> None:
    model = model_of(WORKTREES.read_bytes())
    assert not any(item.tool and item.tool.agent_file for item in model.items)


def test_a_sub_agent_file_is_its_own_conversation() -> None:
    agent = DEEP_MANIFEST / "agent-c8d9b115.jsonl"
    model = model_of(agent.read_bytes(), agent)
    assert model.items[0].kind is ItemKind.ASSISTANT  # 2.0.x agent files may start with a reply
    assert sum(item.kind is ItemKind.TOOL for item in model.items) == 15


def test_compaction_shows_its_summary_and_spans_boundary_and_summary_lines() -> None:
    model = model_of(COMPACTED_2_0.read_bytes())
    first = page(model, 0, 1)[0]
    assert first.kind is ItemKind.COMPACTION
    lines = COMPACTED_2_0.read_bytes().splitlines()
    assert b'"compact_boundary"' in lines[first.first_line]
    assert b'"isCompactSummary":true' in lines[first.last_line]
    assert first.text and first.text.startswith("This session is being continued")
    assert model.start_note == "the conversation starts at the last compaction"


def test_an_orphan_result_after_compaction_is_an_orphan_item() -> None:
    session = damage.Session.load(COMPACTED_2_0)
    damage.answer_compacted_call(session)
    model = model_of(session.data())
    last = page(model)[-1]
    assert last.kind is ItemKind.ORPHAN_RESULT and last.tool is not None
    assert (last.tool.status, last.tool.call_line, last.tool.result) == (
        ToolStatus.ORPHAN,
        None,
        "late",
    )
    assert [finding.code for finding in last.findings] == [Code.ORPHAN_TOOL_RESULT]
    assert model.first_problem == last.index


def _lines_after_last_call(path: Path) -> int:
    line = targets(path).last_chain_tool_use_line
    return -1 if line is None else len(damage.Session.load(path).lines) - line - 1


CUT_AFTER_A_CALL = [path for path in SESSIONS if _lines_after_last_call(path) > 0]


@pytest.mark.parametrize("path", CUT_AFTER_A_CALL, ids=corpus_id)
def test_a_torn_tail_is_a_damaged_item_after_the_unpaired_call(path: Path) -> None:
    session = damage.Session.load(path)
    line = targets(path).last_chain_tool_use_line
    assert line is not None
    expected = damage.kill_after(session, line, torn=True)
    model = model_of(session.data(final_newline=False))
    last = model.items[-1]
    assert last.kind is ItemKind.DAMAGED
    assert last.first_line == len(session.lines) - 1
    assert [finding.code for finding in last.findings] == [Code.TRUNCATED_LINE]
    unpaired = {tool_id for code, tool_id, _ in expected.findings if code == "unpaired-tool-use"}
    statuses = tools(model)
    assert unpaired and all(statuses[tool_id] is ToolStatus.UNPAIRED for tool_id in unpaired)


def test_a_lost_parallel_result_leaves_its_call_unpaired_among_answered_siblings() -> None:
    session = damage.Session.load(SUBAGENT)
    del session.lines[13]
    statuses = tools(model_of(session.data()))
    assert statuses.pop("toolu_01PPH5xRopN6EKFruBKc1giM") is ToolStatus.UNPAIRED
    assert set(statuses.values()) == {ToolStatus.ANSWERED}


def test_a_batch_replaced_by_an_interrupt_marker_is_unpaired_then_interrupted() -> None:
    session = damage.Session.load(SOUND_RECORDER)
    batch = targets(SOUND_RECORDER).parallel_batch
    assert batch is not None
    damage.interrupt_batch(session, batch)
    model = model_of(session.data())
    statuses = tools(model)
    assert all(statuses[tool_id] is ToolStatus.UNPAIRED for tool_id in batch)
    assert sum(item.kind is ItemKind.INTERRUPT for item in model.items) == 2


def test_a_duplicated_call_carries_the_duplicate_finding() -> None:
    session = damage.Session.load(TOOL_HEAVY)
    (tool_id,) = damage.tool_uses(session.record(33))
    damage.duplicate_tool_use(session, tool_id)
    model = model_of(session.data())
    flagged = [item for item in model.items if item.findings]
    assert [finding.code for item in flagged for finding in item.findings] == [
        Code.DUPLICATE_TOOL_USE_ID
    ]
    assert flagged[0].tool is not None and flagged[0].tool.call_line == 34


def test_a_rewound_branch_is_counted_as_abandoned() -> None:
    session = damage.Session.load(SUBAGENT)
    records = session.records()
    start = next(
        r
        for r in records
        if r and r.get("type") == "user" and isinstance(r["message"].get("content"), str)
    )
    assert model_of(session.data()).abandoned_branches == 0
    session.insert(
        len(session.lines),
        {
            "parentUuid": start["uuid"],
            "isSidechain": False,
            "type": "assistant",
            "message": {
                "id": "msg_abandoned",
                "role": "assistant",
                "content": [{"type": "text", "text": "an answer the user rewound"}],
            },
            "uuid": "99999999-2222-3333-4444-555555555555",
            "timestamp": start["timestamp"],
        },
    )
    model = model_of(session.data())
    assert model.abandoned_branches == 1
    assert "an answer the user rewound" not in [item.text for item in page(model)]


def test_a_tail_ending_on_system_lines_off_the_replay_is_an_abandoned_branch() -> None:
    """short.jsonl lines 13-15: an interrupt, then a `/model` command four minutes later, hang
    off the second parallel result; the first result, in the same millisecond and first in the
    file, is the leaf a resume picks. The branch's leaf is a system line, walked back to the
    interrupt as Claude Code walks leaves."""
    model = model_of(SHORT.read_bytes())
    assert model.items[-1].last_line < 12
    assert model.abandoned_branches == 1


def test_a_system_tail_on_the_replay_is_no_abandoned_branch_beside_one_that_is() -> None:
    """The leaf walk runs (a rewound reply is off the replay): the `/model` output hanging from
    the reply a resume ends on walks back onto the replay, so only the rewound one counts."""
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "looking")
    session.prompt("u1", "a0", "first try")
    session.text("a1", "u1", "an answer the user rewound")
    session.prompt("u2", "a0", "second try")
    session.text("a2", "u2", "the answer kept")
    session.system(
        "s1", "a2", "local_command", content="<local-command-stdout>ok</local-command-stdout>"
    )
    model = model_of(session.data())
    assert [item.text for item in model.items if item.kind is ItemKind.ASSISTANT] == [
        "looking",
        "the answer kept",
    ]
    assert model.abandoned_branches == 1


def test_a_sub_agent_transcript_opened_alone_is_titled_by_its_task_calls_description(
    tmp_path: Path,
) -> None:
    """2.1.x writes `agent-<id>.meta.json` beside the transcript; without it, the task the
    sub-agent was given; without that, its agent id."""
    folder = WORKTREES.parent / WORKTREES.stem / "subagents"
    agent = folder / "agent-a36efb2a1231c41e2.jsonl"
    assert model_of(agent.read_bytes(), agent).title == "Round 2: alice comparison"
    alone = tmp_path / agent.name
    shutil.copyfile(agent, alone)
    title = model_of(alone.read_bytes(), alone).title
    assert title is not None and title.startswith("You are **alice**")
    (tmp_path / "agent-a36efb2a1231c41e2.meta.json").write_text('{"description": 7}')
    assert model_of(alone.read_bytes(), alone).title == title, "a description that is no text"
    session = damage.Session.load(agent)
    first_prompt = next(
        number
        for number, line in enumerate(session.records())
        if line and line.get("type") == "user" and isinstance(line["message"]["content"], str)
    )
    del session.lines[: first_prompt + 1]
    session.lines[0] = session.lines[0].replace(b'"parentUuid":"', b'"parentUuid":null,"x":"', 1)
    assert model_of(session.data()).title == "sub-agent a36efb2a1231c41e2"


def test_a_hostile_agent_description_titles_show_escaped_and_the_markdown_inert(
    tmp_path: Path,
) -> None:
    """The `.meta.json` beside a sub-agent's transcript is another file the title comes from:
    its text reaches the terminal only escaped and the Markdown only as a code span."""
    folder = WORKTREES.parent / WORKTREES.stem / "subagents"
    agent = tmp_path / "agent-a36efb2a1231c41e2.jsonl"
    shutil.copyfile(folder / agent.name, agent)
    hostile = "Round \x1b]0;pwned\x07 [x](javascript:alert(1)) <img src=x> \u202e evil"
    (tmp_path / "agent-a36efb2a1231c41e2.meta.json").write_text(
        json.dumps({"description": hostile}), encoding="utf-8"
    )
    shown = run_cli("show", str(agent)).stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown.splitlines()[0].startswith("Round \\x1b]0;pwned\\x07 [x](javascript:alert(1))")
    markdown = render_markdown(model_of(agent.read_bytes(), agent))
    assert_inert(markdown)


def test_claude_codes_recaps_are_items_of_their_own_without_their_settings_hint() -> None:
    model = model_of(WORKTREES.read_bytes(), WORKTREES)
    recaps = [item for item in page(model) if item.kind is ItemKind.RECAP]
    assert [item.first_line + 1 for item in recaps] == [115, 174]
    assert recaps[1].text == (
        "Three teammates (alice/bob/carol) researched plan mode, teammates, and Beads in their"
        " own worktrees, then added cross-comparison sections; both rounds are merged into"
        " master. No next action unless you want to inspect the docs or push."
    )


def test_long_texts_are_cut_and_marked() -> None:
    session = damage.Session.load(SHORT)
    index = next(i for i, r in enumerate(session.records()) if r and r.get("type") == "user")
    record = session.record(index)
    record["message"]["content"] = "x" * (MAX_TEXT + 10)
    session.lines[index] = json.dumps(record).encode()
    model = model_of(session.data())
    (prompt,) = [item for item in page(model) if item.kind is ItemKind.PROMPT]
    assert prompt.truncated and prompt.text == "x" * MAX_TEXT


def test_title_is_the_first_real_prompt_on_one_line() -> None:
    assert model_of(SHORT.read_bytes()).title == "mix phx.server doesnt seem to start"
    assert model_of(SHORT.read_bytes()).session_id == "55604662-cf2a-4331-851a-ec234028f8ca"


def test_the_session_id_is_the_first_one_written_read_from_its_line() -> None:
    """Records leave `sessionId` out (85 bytes a line kept): the model and a fork read it from the
    lines, skipping a line without one or with a value of the wrong type."""
    lines = [
        b'{"type":"user","uuid":"u0","parentUuid":null,"message":{"role":"user","content":"a"}}',
        b'{"type":"user","uuid":"u1","parentUuid":"u0","sessionId":5,'
        b'"message":{"role":"user","content":"b"}}',
        b'{"type":"user","uuid":"u2","parentUuid":"u1","sessionId":"abc-1",'
        b'"message":{"role":"user","content":"c"}}',
        b'{"type":"user","uuid":"u3","parentUuid":"u2","sessionId":"abc-2",'
        b'"message":{"role":"user","content":"d"}}',
    ]
    data = b"\n".join(lines) + b"\n"
    analysis = analyse_bytes(data)
    assert model_of(data).session_id == "abc-1"
    forked = analysis.format.forked(analysis, analysis.lines, "new-9")
    assert [json.loads(line).get("sessionId") for line in forked] == [None, 5, "new-9", "abc-2"]


# Codex -------------------------------------------------------------------------------------

DANGLING_MID = DANGLING_MID_ROLLOUT
DANGLING_END = DANGLING_END_ROLLOUT
COMPACTED = COMPACTED_ROLLOUT


def test_codex_calls_pair_with_their_outputs_by_call_id() -> None:
    model = model_of(CODEMIE_ROLLOUT.read_bytes())
    calls = [item.tool for item in page(model) if item.tool is not None]
    by_kind = Counter(
        (tool.name, tool.status)
        for tool in calls
        if tool.name in ("apply_patch", "web_search_call")
    )
    assert by_kind == {
        ("apply_patch", ToolStatus.ANSWERED): 3,
        ("web_search_call", ToolStatus.ANSWERED): 3,
    }
    answered = [tool for tool in calls if tool.result_line is not None]
    assert len(answered) == 102
    assert all(tool.result is not None and tool.input is not None for tool in answered)
    assert model.session_id == "019e1625-789d-76c0-80ab-3724b5ddb799"
    assert model.title == "show tools"


@pytest.mark.parametrize("path", [DANGLING_MID, DANGLING_END], ids=lambda path: path.name)
def test_an_unanswered_codex_call_is_unpaired_and_the_first_problem(path: Path) -> None:
    model = model_of(path.read_bytes())
    problem = model.first_problem
    assert problem is not None
    tool = model.items[problem].tool
    assert tool is not None and tool.status is ToolStatus.UNPAIRED and tool.result_line is None
    assert [f.code for f in model.items[problem].findings] == [Code.UNPAIRED_TOOL_USE]


def test_a_codex_compaction_is_an_item() -> None:
    model = model_of(COMPACTED.read_bytes())
    (compaction,) = [item for item in page(model) if item.kind is ItemKind.COMPACTION]
    assert compaction.text is not None


def test_a_stubbed_codex_call_shows_as_stubbed() -> None:
    analysis = analyse_bytes(DANGLING_END.read_bytes())
    problem = build_model(analysis).first_problem
    assert problem is not None
    repair = repair_all(analysis, Strategy.STUB)
    repaired = model_of(join_lines(apply_edits(analysis.lines, repair.edits)))
    tool = repaired.items[problem].tool
    assert tool is not None and tool.status is ToolStatus.STUBBED
    assert repaired.errors == 0


def test_commands_show_as_typed_and_their_output_without_tags_or_colours() -> None:
    model = model_of(TOOL_HEAVY.read_bytes())
    commands = [item.text for item in page(model) if item.kind is ItemKind.COMMAND]
    assert commands[:2] == ["/mcp", "Reconnected to tidewave."]
    assert not any("<" in (text or "") or "\x1b" in (text or "") for text in commands)


def test_an_agent_id_that_is_a_glob_pattern_links_to_nothing(tmp_path: Path) -> None:
    """`*` would match every agent file in the session's folder if it reached a glob."""
    shutil.copytree(WORKTREES.parent / WORKTREES.stem, tmp_path / WORKTREES.stem)
    data = WORKTREES.read_bytes()
    for agent in (WORKTREES.parent / WORKTREES.stem / "subagents").glob("*.jsonl"):
        agent_id = agent.stem.removeprefix("agent-").encode()
        data = data.replace(b'"agentId":"' + agent_id + b'"', b'"agentId":"*"')
    copy = tmp_path / WORKTREES.name
    copy.write_bytes(data)
    model = model_of(data, copy)
    calls = [item.tool for item in model.items if item.tool and item.tool.name == "Agent"]
    assert calls and not any(tool.agent_file for tool in calls)


@pytest.mark.parametrize(
    "data", [b"", b'{"a":1}\n{"b":2}\n', b"not json\n"], ids=["empty", "other-jsonl", "garbage"]
)
def test_a_file_that_is_no_session_has_no_conversation(data: bytes) -> None:
    model = model_of(data)
    assert model.format == "unknown"
    assert [item.kind for item in model.items] == [ItemKind.DAMAGED] * len(model.findings)
    assert model.title is None and model.session_id is None


def test_a_call_nested_five_thousand_levels_is_shown_and_rendered() -> None:
    model = build_model(analyse_bytes(deeply_nested_session(5_000)))
    (call,) = [item for item in page(model) if item.tool is not None and item.tool.name == "Bash"]
    assert call.tool is not None and call.tool.input is not None
    assert call.tool.input == TOO_DEEP or call.tool.input.startswith("{")
    assert "Bash" in render_markdown(model)


def test_a_line_nested_past_every_limit_is_rendered_as_damaged_without_raising() -> None:
    model = build_model(analyse_bytes(deeply_nested_session(100_000)))
    assert any(item.kind is ItemKind.DAMAGED for item in page(model))
    assert "invalid-json" in render_markdown(model)
