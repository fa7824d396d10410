"""What a reader needs of the conversation model (issue 18): edits as diffs, the plan, sub-agents,
whole items, token use and tool durations, on real sessions of both formats and built ones."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.claude_code import agent_files as claude_agent_files
from session_lsp.core.formats.claude_code import tool_views as claude_tool_views
from session_lsp.core.formats.claude_code import turns as claude_turns
from session_lsp.core.turns import MAX_TEXT, ConversationModel, Item, ItemKind, build_model, page
from session_lsp.core.turns import agents as agents_module
from session_lsp.core.turns.agents import agent_counts, sub_agent_usage
from session_lsp.core.turns.model import Usage
from session_lsp.core.turns.segments import segments
from session_lsp.core.turns.texts import LineReader, last_plan, whole_item
from session_lsp.core.turns.timing import duration_ms
from session_lsp.view_json import conversation_to_json
from tests.support.claude_records import Builder
from tests.support.corpus import (
    CLAUDE_CORPUS,
    CLEAN_SESSIONS,
    CODEMIE_ROLLOUT,
    COMPACTED_2_0,
    COMPACTED_ROLLOUT,
    COMPACTION_AGENT,
    SHORT,
    SUBAGENT,
    WARMUP_AGENT_2_0,
    WORKTREES,
    corpus_id,
)

SAMPLE = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-Users-dain-workspace-claude-code-log-sample"
    / "fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl"
)
"""Claude Code 1.0.24: Edit, MultiEdit, Write and TodoWrite calls, recorded patches."""
RECORDED_EDIT_ID = "toolu_01UtFoNG8cR7FBWkfesVUNzK"
DEEP_MANIFEST = (
    CLAUDE_CORPUS
    / "daaain-claude-code-log"
    / "-src-deep-manifest"
    / "a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl"
)
DEEP_MANIFEST_AGENT = DEEP_MANIFEST.parent / "agent-c8d9b115.jsonl"
"""Claude Code 2.0.x: a Task whose agent file is beside the session."""


def model_of(path: Path) -> ConversationModel:
    return build_model(analyse_bytes(path.read_bytes()), path)


def loaded(path: Path) -> ConversationModel:
    model = model_of(path)
    page(model)
    return model


def tool_items(model: ConversationModel, *names: str) -> list[Item]:
    return [item for item in model.items if item.tool is not None and item.tool.name in names]


def raw_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- edits as diffs ---------------------------------------------------------------------------


def test_an_edit_carries_the_recorded_patch_with_the_files_line_numbers() -> None:
    model = loaded(SAMPLE)
    (edit,) = [item for item in model.items if item.tool and item.tool.id == RECORDED_EDIT_ID]
    assert edit.tool is not None and edit.tool.diff is not None
    assert edit.tool.diff.splitlines()[2] == "@@ -37,4 +37,5 @@"
    assert "+      continue-on-error: true" in edit.tool.diff.splitlines()


def test_every_editing_call_of_a_real_session_has_a_diff_of_its_file() -> None:
    model = loaded(SAMPLE)
    edits = tool_items(model, "Edit", "MultiEdit", "Write")
    assert {item.tool.name for item in edits if item.tool} == {"Edit", "MultiEdit", "Write"}
    for item in edits:
        assert item.tool is not None and item.tool.input is not None and item.tool.diff
        path = json.loads(item.tool.input)["file_path"]
        assert item.tool.diff.splitlines()[1] == f"+++ {path}"
    (write,) = tool_items(model, "Write")
    assert write.tool is not None and write.tool.diff is not None
    assert write.tool.diff.startswith("--- /dev/null\n")


def write_session(recorded: dict[str, Any], content: str) -> bytes:
    session = Builder()
    session.prompt("u1", None, "rewrite it")
    session.call("a1", "u1", "toolu_W", "Write", file_path="/p/notes.txt", content=content)
    session.result("r1", "a1", "toolu_W", "File written")
    session.lines[-1]["toolUseResult"] = recorded
    return session.data()


def test_a_write_over_an_existing_file_is_shown_as_the_change_it_made() -> None:
    data = write_session(
        {
            "type": "update",
            "filePath": "/p/notes.txt",
            "content": "a\nc\n",
            "originalFile": "a\nb\n",
        },
        "a\nc\n",
    )
    model = build_model(analyse_bytes(data))
    (item,) = page(model, 1, 1)
    assert item.tool is not None and item.tool.diff is not None
    assert item.tool.diff.splitlines() == [
        "--- /p/notes.txt",
        "+++ /p/notes.txt",
        "@@ -1,2 +1,2 @@",
        " a",
        "-b",
        "+c",
    ]


def test_a_write_of_a_new_file_adds_all_of_it() -> None:
    data = write_session({"type": "create", "filePath": "/p/notes.txt"}, "a\nc\n")
    (item,) = page(build_model(analyse_bytes(data)), 1, 1)
    assert item.tool is not None and item.tool.diff is not None
    assert item.tool.diff.splitlines()[:3] == [
        "--- /dev/null",
        "+++ /p/notes.txt",
        "@@ -0,0 +1,2 @@",
    ]


def test_a_codex_apply_patch_is_a_diff_of_the_files_it_names() -> None:
    model = loaded(CODEMIE_ROLLOUT)
    patches = tool_items(model, "apply_patch")
    assert len(patches) == 3
    for item in patches:
        assert item.tool is not None and item.tool.diff is not None
        record = json.loads(bytes(model.lines[item.first_line]))
        patch = (
            record["payload"].get("input") or json.loads(record["payload"]["arguments"])["input"]
        )
        named = [
            line.split(": ", 1)[1]
            for line in patch.splitlines()
            if line.startswith("*** ") and ": " in line
        ]
        headers = [line[6:] for line in item.tool.diff.splitlines() if line.startswith("+++ b/")]
        assert headers == named


def test_diffs_and_plans_are_read_only_for_the_page_asked_for() -> None:
    model = model_of(SAMPLE)
    assert all(item.tool.diff is None for item in model.items if item.tool is not None)
    page(model, 0, 10)
    first = [item for item in model.items[:10] if item.tool and item.tool.name == "Write"]
    later = tool_items(model, "Edit", "MultiEdit", "TodoWrite")
    assert first and all(item.tool and item.tool.diff for item in first)
    assert all(
        item.tool and item.tool.diff is None and item.tool.todos is None
        for item in later
        if item.index >= 10
    )


# --- whole items ------------------------------------------------------------------------------


def test_a_page_clips_a_long_diff_and_the_whole_item_has_all_of_it() -> None:
    content = "".join(f"line {number}\n" for number in range(1000))
    model = build_model(analyse_bytes(write_session({"type": "create"}, content)))
    (clipped,) = page(model, 1, 1)
    assert clipped.tool is not None and clipped.tool.diff is not None
    assert clipped.truncated and len(clipped.tool.diff) == MAX_TEXT
    whole = whole_item(model, 1)
    assert whole.tool is not None and whole.tool.diff is not None and whole.tool.input is not None
    assert not whole.truncated and whole.tool.diff.count("\n+line ") == 1000
    assert json.loads(whole.tool.input)["content"] == content
    assert model.items[1].truncated and len(model.items[1].tool.diff or "") == MAX_TEXT


def test_a_whole_prompt_is_read_again_from_its_line() -> None:
    session = Builder()
    long = "x" * (MAX_TEXT * 3)
    session.prompt("u1", None, long)
    model = build_model(analyse_bytes(session.data()))
    assert model.items[0].truncated and len(model.items[0].text or "") == MAX_TEXT
    whole = whole_item(model, 0)
    assert whole.text == long and not whole.truncated
    with pytest.raises(IndexError):
        whole_item(model, 1)


# --- the plan ---------------------------------------------------------------------------------


def test_todo_writes_carry_their_checklist_and_the_last_one_is_the_plan() -> None:
    model = loaded(SAMPLE)
    todo_writes = tool_items(model, "TodoWrite")
    assert len(todo_writes) == 6
    for item in todo_writes:
        assert item.tool is not None and item.tool.input is not None and item.tool.todos
        written = json.loads(item.tool.input)["todos"]
        assert [(t.content, t.status) for t in item.tool.todos] == [
            (entry["content"], entry["status"]) for entry in written
        ]
    plan = last_plan(model_of(SAMPLE))
    last = todo_writes[-1].tool
    assert plan is not None and last is not None
    assert (plan.index, plan.todos, plan.segment) == (todo_writes[-1].index, last.todos, None)


def test_codex_update_plan_is_the_plan() -> None:
    model = loaded(CODEMIE_ROLLOUT)
    plans = tool_items(model, "update_plan")
    assert len(plans) == 2
    plan = last_plan(model)
    assert plan is not None and plan.index == plans[-1].index
    record = json.loads(bytes(model.lines[plans[-1].first_line]))
    steps = json.loads(record["payload"]["arguments"])["plan"]
    assert [(t.content, t.status) for t in plan.todos] == [(s["step"], s["status"]) for s in steps]


def test_a_malformed_last_plan_leaves_the_one_before_as_the_plan() -> None:
    session = Builder()
    session.prompt("u1", None, "plan it")
    good = [{"content": "write tests", "status": "in_progress", "activeForm": "Writing"}]
    session.call("a1", "u1", "toolu_T1", "TodoWrite", todos=good)
    session.result("r1", "a1", "toolu_T1")
    session.call("a2", "r1", "toolu_T2", "TodoWrite", todos="not a list")
    session.result("r2", "a2", "toolu_T2")
    model = build_model(analyse_bytes(session.data()))
    plan = last_plan(model)
    assert plan is not None and plan.index == 1
    assert [(t.content, t.status) for t in plan.todos] == [("write tests", "in_progress")]


def test_a_session_without_a_plan_has_none() -> None:
    assert last_plan(model_of(SHORT)) is None


def test_a_plan_written_before_the_last_compaction_is_still_the_last_plan() -> None:
    # Its TodoWrite calls are all before the compaction; nothing was planned after it.
    model = model_of(COMPACTED_2_0)
    history = segments(model)[0].items
    calls = [item for item in history if item.tool is not None and item.tool.name == "TodoWrite"]
    assert calls and not any(
        item.tool is not None and item.tool.name == "TodoWrite" for item in model.items
    )
    plan = last_plan(model)
    assert plan is not None and (plan.segment, plan.index) == (0, calls[-1].index)
    assert [todo.status for todo in plan.todos].count("completed") == 3
    answer = conversation_to_json(model, "p", "file:///p")
    assert answer["lastTodos"]["segment"] == 0 and answer["segment"] == 1
    last = conversation_to_json(model_of(SAMPLE), "p", "file:///p")["lastTodos"]
    assert last["segment"] == 0, "a session without compaction: its only segment"


def test_every_page_reports_whole_session_facts_worked_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The plan, the first problem and the last segment's lines cover the whole session: a page of
    70,000 items spent most of its time working them out again (40 ms, now 5)."""
    model = model_of(SAMPLE)
    decoded: list[int] = []
    plan_after = model.texts.plan_after

    def counted(items: list[Item], index: int, reader: LineReader) -> object:
        decoded.append(index)
        return plan_after(items, index, reader)

    monkeypatch.setattr(model.texts, "plan_after", counted)
    pages = [conversation_to_json(model, "s.jsonl", "file:///s.jsonl", offset) for offset in (0, 5)]
    assert pages[0]["lastTodos"] == pages[1]["lastTodos"] is not None
    assert len(decoded) == 1
    assert segments(model)[-1] is segments(model)[-1]
    assert pages[0]["segments"] == pages[1]["segments"]
    assert model.first_problem == next((i.index for i in model.items if i.has_error), None)


# --- sub-agents -------------------------------------------------------------------------------


def test_agent_calls_sum_up_their_sub_agent_files() -> None:
    model = loaded(WORKTREES)
    calls = tool_items(model, "Agent")
    assert len(calls) == 6
    for item in calls:
        tool = item.tool
        assert tool is not None and tool.agent is not None and tool.input is not None
        assert tool.agent.file == tool.agent_file and tool.agent.file is not None
        sub_agent = model_of(tool.agent.file)
        counts = agent_counts(tool.agent)
        assert (counts.items, counts.errors) == (len(sub_agent.items), sub_agent.errors)
        assert counts.items and counts.items > 0
        assert counts.usage is not None and counts.usage == sub_agent.usage
        assert tool.agent.title == json.loads(tool.input)["description"]


def test_without_an_agent_file_the_progress_turns_are_the_sub_agent() -> None:
    model = loaded(SUBAGENT)
    (task,) = tool_items(model, "Task")
    assert task.tool is not None and task.tool.agent is not None
    assert task.tool.agent.file is None
    turns = [item for item in model.items if item.parent_tool == task.tool.id]
    assert len(turns) == 19 and all(item.kind is ItemKind.SUB_AGENT for item in turns)
    counts = agent_counts(task.tool.agent)
    assert (counts.items, counts.errors, counts.usage) == (19, 0, None)
    assert task.tool.agent.title == "Draft beads for linting setup"


def test_an_agent_file_is_analysed_once_while_it_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / WORKTREES.stem / "subagents"
    folder.mkdir(parents=True)
    source = next((WORKTREES.parent / WORKTREES.stem / "subagents").glob("agent-*.jsonl"))
    copy = folder / source.name
    copy.write_bytes(source.read_bytes())
    analysed: list[object] = []
    real = agents_module.analyse_bytes

    def counting(data: Any, **options: Any) -> Any:
        analysed.append(data)
        return real(data, **options)

    monkeypatch.setattr(agents_module, "analyse_bytes", counting)
    agent = agents_module.SubAgent(copy)
    first = agent_counts(agent)
    assert agent_counts(agent) == first and len(analysed) == 1
    copy.write_bytes(copy.read_bytes() + copy.read_bytes().splitlines(keepends=True)[-1])
    agent_counts(agent)
    assert len(analysed) == 2


def test_an_unreadable_agent_file_counts_nothing(tmp_path: Path) -> None:
    counts = agent_counts(agents_module.SubAgent(tmp_path / "agent-gone.jsonl"))
    assert (counts.items, counts.errors) == (None, None)


def _session_with_sub_agents(tmp_path: Path) -> Path:
    """The worktrees session and its six linked agent files, plus a compaction agent's file that
    no call names (from the spotter corpus), as Claude Code 2.1.x lays them out."""
    session = tmp_path / WORKTREES.name
    session.write_bytes(WORKTREES.read_bytes())
    folder = tmp_path / WORKTREES.stem / "subagents"
    folder.mkdir(parents=True)
    for source in (WORKTREES.parent / WORKTREES.stem / "subagents").glob("*.jsonl"):
        (folder / source.name).write_bytes(source.read_bytes())
    (folder / COMPACTION_AGENT.name).write_bytes(COMPACTION_AGENT.read_bytes())
    return session


def test_a_sessions_sub_agents_are_the_files_its_calls_ran_and_the_rest_of_its_folder(
    tmp_path: Path,
) -> None:
    session = _session_with_sub_agents(tmp_path)
    model = model_of(session)
    linked = {
        item.tool.agent_file
        for item in tool_items(model, "Agent")
        if item.tool is not None and item.tool.agent_file is not None
    }
    compaction = (tmp_path / WORKTREES.stem / "subagents" / COMPACTION_AGENT.name).resolve()
    assert len(linked) == 6 and compaction not in linked
    assert model.agent_files == sorted({*linked, compaction})


def test_sub_agent_usage_sums_each_sub_agent_files_own_requests(tmp_path: Path) -> None:
    model = model_of(_session_with_sub_agents(tmp_path))
    expected = [model_of(path).usage for path in model.agent_files]
    assert all(usage is not None for usage in expected)
    used = sub_agent_usage(model)
    assert used is not None and (used.files, used.unreadable) == (7, 0)
    assert used.usage == Usage(
        sum(usage.input for usage in expected if usage),
        sum(usage.output for usage in expected if usage),
        sum(usage.cache_read for usage in expected if usage),
        sum(usage.cache_creation for usage in expected if usage),
        any(usage.output_partial for usage in expected if usage),
    )
    assert used.usage != model.usage  # the session's own requests are apart


def test_a_sub_agent_file_gone_since_is_named_unreadable_and_left_out(tmp_path: Path) -> None:
    model = model_of(_session_with_sub_agents(tmp_path))
    gone = model.agent_files[0]
    kept = [model_of(path).usage for path in model.agent_files[1:]]
    gone.unlink()
    used = sub_agent_usage(model)
    assert used is not None and (used.files, used.unreadable) == (7, 1)
    assert used.usage is not None
    assert used.usage.output == sum(usage.output for usage in kept if usage)
    assert used.files_label() == "7 files, 1 unreadable"


def test_links_in_the_sub_agent_folder_are_read_once_and_never_followed_into_folders(
    tmp_path: Path,
) -> None:
    """A linked transcript counts as the file it names (once, beside the call that names it); a
    link to a folder, or back to the folder itself, is not walked."""
    session = _session_with_sub_agents(tmp_path)
    folder = tmp_path / WORKTREES.stem / "subagents"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "agent-outside.jsonl").write_bytes(COMPACTION_AGENT.read_bytes())
    (folder / "to-elsewhere").symlink_to(outside, target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    linked_call = next(iter(sorted(folder.glob("agent-a*.jsonl"))))
    (folder / "agent-twin.jsonl").symlink_to(linked_call)
    model = model_of(session)
    assert len(model.agent_files) == 7 and linked_call.resolve() in model.agent_files
    assert not any("outside" in path.name for path in model.agent_files)


def test_past_the_most_sub_agent_files_read_the_rest_are_named_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of thousands of transcripts would hold the first page for as many reads."""
    model = model_of(_session_with_sub_agents(tmp_path))
    monkeypatch.setattr(agents_module, "CACHED_AGENTS", 3)
    counted = [model_of(path).usage for path in model.agent_files[:3]]
    used = sub_agent_usage(model)
    assert used is not None and (used.files, used.unreadable, used.uncounted) == (7, 0, 4)
    assert used.usage is not None
    assert used.usage.output == sum(usage.output for usage in counted if usage)
    assert used.files_label() == "7 files, 4 not read: too many"


def _session_2_0_with_agents_beside(tmp_path: Path) -> Path:
    """The 2.0.76 session and its Warmup agent beside it, as 2.0.x laid them out, with the
    deep-manifest session's agent file (another session's) beside them too."""
    session = tmp_path / COMPACTED_2_0.name
    session.write_bytes(COMPACTED_2_0.read_bytes())
    (tmp_path / WARMUP_AGENT_2_0.name).write_bytes(WARMUP_AGENT_2_0.read_bytes())
    (tmp_path / DEEP_MANIFEST_AGENT.name).write_bytes(DEEP_MANIFEST_AGENT.read_bytes())
    return session


def test_a_2_0_session_s_agents_beside_it_count_though_no_call_names_them(
    tmp_path: Path,
) -> None:
    """Every 2.0.x session started a Warmup agent, written beside it and named by no call."""
    model = model_of(_session_2_0_with_agents_beside(tmp_path))
    assert model.agent_files == [(tmp_path / WARMUP_AGENT_2_0.name).resolve()]
    used = sub_agent_usage(model)
    assert used is not None and used.usage == model_of(WARMUP_AGENT_2_0).usage


def test_an_agent_file_beside_a_session_and_named_by_its_call_counts_once() -> None:
    model = model_of(DEEP_MANIFEST)
    (named,) = {item.tool.agent_file for item in tool_items(model, "Task") if item.tool}
    assert model.agent_files == [named]


@pytest.mark.parametrize(
    "first_line",
    [
        b"not json",
        b'{"sessionId": 7}',
        b"[]",
        b'{"sessionId": "d99fb29e-ab5b-4def-872c-d7aac544c424"',
    ],
)
def test_an_agent_file_beside_whose_first_line_names_no_session_is_not_counted(
    tmp_path: Path, first_line: bytes
) -> None:
    session = _session_2_0_with_agents_beside(tmp_path)
    (tmp_path / "agent-odd.jsonl").write_bytes(first_line + b"\n" + WARMUP_AGENT_2_0.read_bytes())
    assert [path.name for path in model_of(session).agent_files] == [WARMUP_AGENT_2_0.name]


def test_past_the_most_agent_files_beside_opened_the_rest_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of thousands of `agent-*.jsonl` would be opened file by file at every build."""
    session = _session_2_0_with_agents_beside(tmp_path)
    (tmp_path / "agent-0000.jsonl").write_bytes(WARMUP_AGENT_2_0.read_bytes())
    monkeypatch.setattr(claude_agent_files, "BESIDE_READ", 1)
    assert [path.name for path in model_of(session).agent_files] == ["agent-0000.jsonl"]


def test_a_session_without_sub_agent_files_has_no_sub_agent_usage(tmp_path: Path) -> None:
    assert sub_agent_usage(model_of(SHORT)) is None
    assert build_model(analyse_bytes(WORKTREES.read_bytes())).agent_files == []  # no path
    (tmp_path / "s" / "subagents").mkdir(parents=True)
    session = tmp_path / "s.jsonl"
    session.write_bytes(SHORT.read_bytes())
    assert sub_agent_usage(model_of(session)) is None


# --- use and time -----------------------------------------------------------------------------


def test_one_api_message_written_as_five_lines_counts_once() -> None:
    model = loaded(SHORT)
    carrying = [item for item in model.items if item.usage is not None]
    assert len(carrying) == 1
    # Every line of it was written while it streamed (no stop reason): 13 is the count so far.
    expected = Usage(
        input=3, output=13, cache_read=11515, cache_creation=13835, output_partial=True
    )
    assert carrying[0].usage == expected and model.usage == expected
    assert model.context_tokens == 3 + 11515 + 13835
    assert {item.model for item in model.items if item.kind is not ItemKind.PROMPT} == {
        "claude-opus-4-6"
    }


def claude_usage_oracle(path: Path) -> Usage | None:
    """Every assistant line's usage, the last line of each (message.id, requestId) kept; its
    output partial where that last line was written before the message stopped."""
    requests: dict[object, Usage] = {}
    for number, record in enumerate(raw_lines(path)):
        message = record.get("message")
        if record.get("type") != "assistant" or not isinstance(message, dict):
            continue
        usage = message.get("usage")
        if not isinstance(usage, dict) or message.get("model") == "<synthetic>":
            continue
        key = (message["id"], record.get("requestId")) if message.get("id") else number
        requests[key] = Usage(
            usage.get("input_tokens", 0),
            usage.get("output_tokens", 0),
            usage.get("cache_read_input_tokens", 0),
            usage.get("cache_creation_input_tokens", 0),
            message.get("stop_reason") is None,
        )
    return sum(requests.values(), Usage()) if requests else None


@pytest.mark.parametrize("path", CLEAN_SESSIONS, ids=corpus_id)
def test_session_usage_counts_each_api_message_of_the_file_once(path: Path) -> None:
    model = model_of(path)
    assert model.usage == claude_usage_oracle(path)
    page(model)
    on_items = [item.usage for item in model.items if item.usage is not None]
    assert sum(on_items, Usage()).output <= (model.usage or Usage()).output
    reader = LineReader(model.lines)
    requests = [model.texts.request(item, reader) for item in model.items if item.usage]
    assert len({request.key for request in requests if request}) == len(requests)


def test_codex_usage_is_its_token_count_events() -> None:
    model = model_of(CODEMIE_ROLLOUT)
    events = [
        record["payload"]["info"]
        for record in raw_lines(CODEMIE_ROLLOUT)
        if record.get("type") == "event_msg" and record["payload"].get("type") == "token_count"
    ]
    total, last = events[-1]["total_token_usage"], events[-1]["last_token_usage"]
    assert model.usage == Usage(
        input=total["input_tokens"] - total["cached_input_tokens"],
        output=total["output_tokens"],
        cache_read=total["cached_input_tokens"],
    )
    assert model.context_tokens == last["input_tokens"]
    carrying = [item for item in model.items if item.usage is not None]
    assert len(carrying) == len(events)
    assert all(
        item.kind in (ItemKind.ASSISTANT, ItemKind.THINKING, ItemKind.TOOL) for item in carrying
    )
    assert {item.model for item in carrying} == {"gpt-5.5"}


def test_a_repeated_token_count_event_counts_nothing_again(tmp_path: Path) -> None:
    lines = COMPACTED_ROLLOUT.read_bytes().splitlines(keepends=True)
    position = next(n for n, line in enumerate(lines) if b'"token_count"' in line)
    repeated = b"".join([*lines[: position + 1], lines[position], *lines[position + 1 :]])
    once, twice = (build_model(analyse_bytes(data)) for data in (b"".join(lines), repeated))
    assert once.usage == twice.usage
    assert [item.usage for item in once.items] == [item.usage for item in twice.items]


def test_odd_usage_values_count_as_zero_and_never_make_a_line_unreadable() -> None:
    session = Builder()
    session.prompt("u1", None, "hi")
    session.text("a1", "u1", "hello")
    session.lines[-1]["message"]["usage"] = {
        "input_tokens": "many",
        "output_tokens": -4,
        "cache_read_input_tokens": True,
        "cache_creation_input_tokens": 7,
    }
    session.text("a2", "a1", "again")
    session.lines[-1]["message"]["usage"] = "not an object"
    analysis = analyse_bytes(session.data())
    assert analysis.findings == []
    model = build_model(analysis)
    assert model.usage == Usage(cache_creation=7, output_partial=True)
    assert model.context_tokens == 7
    session.text("a3", "a2", "and a good one beside the odd ones")
    session.lines[-1]["message"]["usage"] = {
        "input_tokens": 1,
        "output_tokens": 2,
        "cache_read_input_tokens": 3,
        "cache_creation_input_tokens": 4,
    }
    assert build_model(analyse_bytes(session.data())).usage == Usage(1, 2, 3, 11, True)


def test_an_output_count_written_while_its_message_streamed_is_a_lower_bound() -> None:
    """Claude Code writes a message's lines as it streams: a message whose last line has no stop
    reason was counted before it ended, and the session's output is then "at least" its sum."""
    session = Builder()
    session.prompt("u1", None, "hi")
    session.text("a1", "u1", "hello")
    message = session.lines[-1]["message"]
    message["usage"] = {"input_tokens": 5, "output_tokens": 40}
    message["stop_reason"] = "end_turn"
    stopped = build_model(analyse_bytes(session.data())).usage
    assert stopped == Usage(5, 40) and stopped.output_said == "40 out"
    session.prompt("u2", "a1", "more")
    session.text("a2", "u2", "streaming")
    session.lines[-1]["message"]["usage"] = {"input_tokens": 5, "output_tokens": 1}
    streamed = build_model(analyse_bytes(session.data())).usage
    assert streamed == Usage(10, 41, output_partial=True)
    assert streamed.output_said == "at least 41 out"


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.mark.parametrize("path", [SAMPLE, CODEMIE_ROLLOUT], ids=corpus_id)
def test_tool_durations_are_result_time_minus_call_time(path: Path) -> None:
    model = model_of(path)
    records = raw_lines(path)
    answered = [
        item
        for item in model.items
        if item.tool and item.tool.result_line is not None and item.tool.call_line is not None
    ]
    assert len(answered) > 10
    for item in answered:
        tool = item.tool
        assert tool is not None and tool.call_line is not None and tool.result_line is not None
        elapsed = timestamp(records[tool.result_line]["timestamp"]) - timestamp(
            records[tool.call_line]["timestamp"]
        )
        assert tool.duration_ms == round(elapsed.total_seconds() * 1000)


@pytest.mark.parametrize(
    ("started", "ended", "expected"),
    [
        ("2026-01-01T00:00:00.100Z", "2026-01-01T00:00:01.350Z", 1250),
        ("2026-01-01T00:00:02Z", "2026-01-01T00:00:01Z", None),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00", None),
        ("yesterday", "2026-01-01T00:00:00Z", None),
        (None, "2026-01-01T00:00:00Z", None),
        (12, 13, None),
    ],
)
def test_a_duration_needs_two_timestamps_in_order(
    started: object, ended: object, expected: int | None
) -> None:
    assert duration_ms(started, ended) == expected


def test_a_message_claude_code_wrote_itself_names_no_model_and_costs_nothing() -> None:
    session = Builder()
    session.prompt("u1", None, "hi")
    session.text("a1", "u1", "hello")
    session.prompt("u2", "a1", "and now?")
    session.text("a2", "u2", "API Error: 529 Overloaded")
    message = session.lines[-1]["message"]
    message["model"] = "<synthetic>"
    message["usage"] = {"input_tokens": 0, "output_tokens": 0}
    model = build_model(analyse_bytes(session.data()))
    error = page(model)[-1]
    assert error.text == "API Error: 529 Overloaded"
    assert (error.model, error.usage) == (None, None)
    assert model.items[1].model == "claude-opus-4-8"
    assert model.usage == Usage(input=10, output=5, output_partial=True)
    assert model.context_tokens == 10


@pytest.mark.parametrize("path", [SHORT, SAMPLE, WORKTREES], ids=corpus_id)
def test_paging_in_small_pieces_puts_each_requests_usage_on_the_same_item(path: Path) -> None:
    whole = loaded(path)
    pieces = model_of(path)
    for offset in range(0, len(pieces.items), 3):
        page(pieces, offset, 3)
    assert [(item.model, item.usage) for item in pieces.items] == [
        (item.model, item.usage) for item in whole.items
    ]
    assert any(item.usage for item in whole.items)
    reader = LineReader(whole.lines)
    for item in whole.items:
        request = whole.texts.request(item, reader) if item.is_assistant_side else None
        if request is not None and item.usage is None:
            later = [i for i in whole.items[item.index + 1 :] if i.is_assistant_side]
            following = whole.texts.request(later[0], reader) if later else None
            assert following is not None and following.key == request.key


def test_an_earlier_segments_requests_are_counted_within_that_segment() -> None:
    model = model_of(COMPACTED_2_0)
    assert len(model.earlier_segments) == 1
    items = page(model, 0, None, 0)
    reader = LineReader(model.lines)
    keys = [
        request.key if (request := model.texts.request(item, reader)) else None
        for item in items
        if item.is_assistant_side
    ]
    carrying = [item for item in items if item.usage is not None]
    assert len(carrying) == len({key for key in keys if key is not None}) > 5
    for item in carrying:
        request = model.texts.request(item, reader)
        later = [i for i in items[item.index + 1 :] if i.is_assistant_side]
        assert request is not None
        assert (
            not later or getattr(model.texts.request(later[0], reader), "key", None) != request.key
        )


def test_a_notebook_edit_shows_the_cell_it_wrote() -> None:
    session = Builder()
    session.prompt("u1", None, "add a cell")
    session.call(
        "a1",
        "u1",
        "toolu_N",
        "NotebookEdit",
        notebook_path="/p/analysis.ipynb",
        cell_id="c1",
        new_source="import pandas\nframe = pandas.read_csv('x')",
        edit_mode="insert",
    )
    session.result("r1", "a1", "toolu_N", "Inserted cell c1")
    (item,) = page(build_model(analyse_bytes(session.data())), 1, 1)
    assert item.tool is not None and item.tool.diff is not None
    assert item.tool.diff.splitlines()[1:] == [
        "+++ /p/analysis.ipynb",
        "@@ -0,0 +1,2 @@",
        "+import pandas",
        "+frame = pandas.read_csv('x')",
        "\\ No newline at end of file",
    ]


def test_the_task_list_of_2_1_is_the_plan_replayed_from_its_calls() -> None:
    model = model_of(WORKTREES)
    plan = last_plan(model)
    assert plan is not None
    updates = tool_items(model, "TaskUpdate")
    assert plan.index == updates[-1].index
    assert [(todo.content, todo.status) for todo in plan.todos] == [
        ("Research plan mode (alice)", "completed"),
        ("Research teammates (bob)", "completed"),
        ("Research Beads (carol)", "completed"),
        ("Merge round-1 branches into master", "completed"),
        ("Round 2: comparison sections", "completed"),
        ("Merge round-2 branches into master", "completed"),
    ]
    midway = model.texts.plan_after(model.items, updates[0].index, LineReader(model.lines))
    assert midway is not None
    assert [todo.status for todo in midway] == ["in_progress", *["pending"] * 5]


def test_task_updates_rename_delete_and_ignore_what_they_do_not_know() -> None:
    calls = [
        ("TaskCreate", {"subject": "write the parser"}, {"task": {"id": "7"}}),
        ("TaskCreate", {"subject": "test it"}, None),
        ("TaskCreate", {"subject": "ship"}, "Task #3 created"),
        ("TaskCreate", {"description": "no subject"}, None),
        (
            "TaskUpdate",
            {"taskId": "7", "status": "in_progress", "subject": "write the lexer"},
            None,
        ),
        ("TaskUpdate", {"taskId": "3", "status": "deleted"}, None),
        ("TaskUpdate", {"taskId": "99", "status": "completed"}, None),
        ("TaskUpdate", {"taskId": "2", "status": "blocked"}, None),
        ("TaskUpdate", "not an object", None),
    ]
    tasks = claude_tool_views.task_list(calls)
    assert tasks is not None
    assert [(t.content, t.status) for t in tasks] == [
        ("write the lexer", "in_progress"),
        ("test it", "pending"),
    ]


CHECKED_STEP = {"content": "check it", "status": "completed", "activeForm": "Checking it"}


def test_updates_of_tasks_created_elsewhere_are_no_plan_rather_than_an_emptied_one() -> None:
    """A sub-agent marking its parent's task done (`TaskUpdate taskId=2`) knows no list."""
    session = Builder()
    session.prompt("u1", None, "do task 2")
    session.call("a1", "u1", "toolu_T", "TodoWrite", todos=[CHECKED_STEP])
    session.result("r1", "a1", "toolu_T", "Todos have been modified successfully.")
    session.call("a2", "r1", "toolu_U", "TaskUpdate", taskId="2", status="completed")
    session.result("r2", "a2", "toolu_U", "Updated task #2 status")
    plan = last_plan(build_model(analyse_bytes(session.data())))
    assert plan is not None and plan.index == 1
    assert [(t.content, t.status) for t in plan.todos] == [("check it", "completed")]
    created_and_deleted = [
        ("TaskCreate", {"subject": "ship"}, None),
        ("TaskUpdate", {"taskId": "1", "status": "deleted"}, None),
        ("TaskUpdate", {"taskId": "2", "status": "completed"}, None),
    ]
    assert claude_tool_views.task_list(created_and_deleted) == []


def _tasks_then_compaction(updates: int) -> Builder:
    """Two tasks made, a compaction, then `updates` marking the first done (and re-done)."""
    session = Builder()
    session.prompt("u1", None, "plan it")
    session.call("a1", "u1", "toolu_C1", "TaskCreate", subject="write lexer", description="d")
    session.result("r1", "a1", "toolu_C1", "Task #1 created successfully: write lexer")
    session.call("a2", "r1", "toolu_C2", "TaskCreate", subject="write parser", description="d")
    session.result("r2", "a2", "toolu_C2", "Task #2 created successfully: write parser")
    session.boundary("b1", "r2")
    _task_updates(session, session.summary("s1", "b1"), "1", updates)
    return session


def _task_updates(session: Builder, parent: str, task_id: str, count: int) -> str:
    """`count` TaskUpdate calls of `task_id`, each answered, marking it done and re-done in
    turn; the last line's uuid."""
    for number in range(count):
        status = "completed" if number % 2 == 0 else "in_progress"
        call = f"toolu_U{number}"
        session.call(f"aU{number}", parent, call, "TaskUpdate", taskId=task_id, status=status)
        parent = session.result(f"rU{number}", f"aU{number}", call, f"Updated task #{task_id}")
    return parent


def test_a_task_list_made_before_a_compaction_and_updated_after_is_the_plan_as_updated() -> None:
    plan = last_plan(build_model(analyse_bytes(_tasks_then_compaction(1).data())))
    assert plan is not None and plan.segment is None
    assert [(t.content, t.status) for t in plan.todos] == [
        ("write lexer", "completed"),
        ("write parser", "pending"),
    ]


def test_a_task_made_in_turns_a_partial_compaction_kept_is_one_task() -> None:
    """The preserved turns are in both segments; the TaskCreate in them is replayed once."""
    session = Builder()
    session.prompt("u1", None, "set up")
    session.text("a1", "u1", "Set up.")
    session.prompt("u2", "a1", "track the lint")
    session.call("a2", "u2", "toolu_C", "TaskCreate", subject="lint", description="d")
    session.result("r2", "a2", "toolu_C", "Task #1 created successfully: lint")
    session.text("a3", "r2", "Tracked.")
    session.boundary("b1", "a3", head="u2", anchor="s1", tail="a3")
    session.summary("s1", "b1")
    session.prompt("u3", "a3", "done with it")
    session.call("a4", "u3", "toolu_U", "TaskUpdate", taskId="1", status="completed")
    session.result("r4", "a4", "toolu_U", "Updated task #1 status")
    model = build_model(analyse_bytes(session.data()))
    kept = [item for item in model.items if item.tool is not None and item.tool.id == "toolu_C"]
    assert kept, "the preserved TaskCreate is in the last segment too"
    plan = last_plan(model)
    assert plan is not None and [(t.content, t.status) for t in plan.todos] == [
        ("lint", "completed")
    ]


def test_updates_of_tasks_made_nowhere_in_the_file_are_replayed_once_not_each_from_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2,000 updates of tasks made elsewhere: one replay finds no plan, and the calls before
    it are not each replayed again (quadratic: 4 s where it is 50 ms)."""
    session = Builder()
    session.prompt("u1", None, "do the parent's task")
    _task_updates(session, "u1", "9", 2000)
    model = build_model(analyse_bytes(session.data()))
    replays: list[int] = []
    replay = claude_tool_views.task_list

    def counted(calls: Any) -> Any:
        replays.append(1)
        return replay(calls)

    monkeypatch.setattr(claude_turns, "task_list", counted)
    assert last_plan(model) is None
    assert len(replays) == 1


def test_a_failed_task_update_changes_nothing() -> None:
    session = Builder()
    session.prompt("u1", None, "track it")
    session.call("a1", "u1", "toolu_C", "TaskCreate", subject="parse", description="d")
    session.result("r1", "a1", "toolu_C", "Task #1 created successfully: parse")
    session.call("a2", "r1", "toolu_U", "TaskUpdate", taskId="1", status="completed")
    session.result("r2", "a2", "toolu_U", "<tool_use_error>Task not found</tool_use_error>")
    session.lines[-1]["message"]["content"][0]["is_error"] = True
    plan = last_plan(build_model(analyse_bytes(session.data())))
    assert plan is not None and [(t.content, t.status) for t in plan.todos] == [
        ("parse", "pending")
    ]


def _write_then_rewrite(*, rejected_edit: bool) -> bytes:
    session = Builder()
    session.prompt("u1", None, "write it")
    session.call("a1", "u1", "toolu_W1", "Write", file_path="/w/a.md", content="one\ntwo\n")
    session.result("r1", "a1", "toolu_W1", "File created successfully at: /w/a.md")
    session.call(
        "a2", "r1", "toolu_E", "Edit", file_path="/w/a.md", old_string="two", new_string="2"
    )
    session.result("r2", "a2", "toolu_E", "The file /w/a.md has been updated.")
    if rejected_edit:
        session.lines[-1]["message"]["content"][0]["is_error"] = True
    session.call("a3", "r2", "toolu_W2", "Write", file_path="/w/a.md", content="one\n2\nthree\n")
    session.result("r3", "a3", "toolu_W2", "The file /w/a.md has been updated successfully.")
    for line in session.lines:
        line.pop("toolUseResult", None)  # as a 2.1.x sub-agent's transcript keeps none
    return session.data()


def test_a_write_over_a_file_the_transcript_wrote_shows_the_change() -> None:
    model = build_model(analyse_bytes(_write_then_rewrite(rejected_edit=False)))
    rewrite = tool_items(model, "Write")[-1]
    diff = whole_item(model, rewrite.index).tool.diff  # type: ignore[union-attr]
    assert diff == "--- /w/a.md\n+++ /w/a.md\n@@ -1,2 +1,3 @@\n one\n 2\n+three\n"
    paged = page(model)[rewrite.index].tool
    assert paged is not None and paged.diff == diff, "a page and the whole item agree"
    rejected = build_model(analyse_bytes(_write_then_rewrite(rejected_edit=True)))
    diff = whole_item(rejected, tool_items(rejected, "Write")[-1].index).tool.diff  # type: ignore[union-attr]
    assert diff is not None and "-two\n+2\n+three\n" in diff, "an edit that failed changed nothing"


def test_a_sub_agents_edit_of_the_file_it_wrote_is_diffed_with_the_files_real_lines() -> None:
    # 2.1.114 sub-agent transcripts record no structuredPatch: the file is the Write before it.
    agent = next(WORKTREES.parent.rglob("agent-a4ca7529859c158c2.jsonl"))
    model = model_of(agent)
    edit = tool_items(model, "Edit")[0]
    diff = whole_item(model, edit.index).tool.diff  # type: ignore[union-attr]
    assert diff is not None and diff.splitlines()[2] == "@@ -5,10 +5,9 @@"
    assert diff.splitlines()[3].startswith(" **Plan Mode** is a built-in operating mode")


def test_an_edit_long_after_the_files_write_still_has_the_files_lines() -> None:
    session = Builder()
    session.prompt("u0", None, "write it")
    session.call("a0", "u0", "toolu_W", "Write", file_path="/w/a.md", content="one\ntwo\n")
    session.result("r0", "a0", "toolu_W", "File created successfully at: /w/a.md")
    parent = "r0"
    for number in range(3000):
        parent = session.prompt(f"p{number}", parent, f"and {number}")
    session.call(
        "a1", parent, "toolu_E", "Edit", file_path="/w/a.md", old_string="two", new_string="2"
    )
    session.result("r1", "a1", "toolu_E", "The file /w/a.md has been updated.")
    for line in session.lines:
        line.pop("toolUseResult", None)
    model = build_model(analyse_bytes(session.data()))
    diff = whole_item(model, tool_items(model, "Edit")[0].index).tool.diff  # type: ignore[union-attr]
    assert diff == "--- /w/a.md\n+++ /w/a.md\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n"


def test_a_page_with_a_failed_edit_does_not_work_out_its_files_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed edit changed nothing and its result records nothing: placing it by the history of
    every edit before it cost a page of a 12,000-edit session 190 ms; its diff is the input's."""
    session = Builder()
    parent = session.prompt("u0", None, "edit it")
    parent = session.call("a0", parent, "toolu_W", "Write", file_path="/w/a.md", content="one\n")
    parent = session.result("r0", parent, "toolu_W", "File created successfully at: /w/a.md")
    parent = session.call(
        "a1", parent, "toolu_E", "Edit", file_path="/w/a.md", old_string="two", new_string="2"
    )
    session.result("r1", parent, "toolu_E", "<tool_use_error>String to replace not found")
    session.lines[-1]["message"]["content"][0]["is_error"] = True
    histories: list[object] = []

    class CountedHistory(claude_turns._FileHistory):
        def __init__(self, *arguments: Any) -> None:
            histories.append(arguments)
            super().__init__(*arguments)

    monkeypatch.setattr(claude_turns, "_FileHistory", CountedHistory)
    model = build_model(analyse_bytes(session.data()))
    edit = page(model)[tool_items(model, "Edit")[0].index].tool
    assert edit is not None and edit.diff == "--- /w/a.md\n+++ /w/a.md\n@@ -1 +1 @@\n-two\n+2\n"
    assert histories == []


def test_whether_an_edit_was_made_is_read_from_its_result_not_from_its_pairing() -> None:
    """A result after text still says the edit was made (the pairing finding is the API's
    business); a second call of an id gets no result (results go to the first) and is unpaired,
    its change not confirmed."""
    session = Builder()
    session.prompt("u1", None, "edit it")
    session.call("a1", "u1", "toolu_E", "Edit", file_path="/p/a.py", old_string="a", new_string="b")
    done = {
        "type": "tool_result",
        "tool_use_id": "toolu_E",
        "content": "The file has been updated.",
    }
    session.user_blocks("r1", "a1", [{"type": "text", "text": "note"}, done])
    session.call("a2", "r1", "toolu_E", "Write", file_path="/p/b.py", content="b\n")
    model = build_model(analyse_bytes(session.data()))
    tools = [item.tool for item in page(model) if item.tool is not None]
    assert [(tool.name, tool.status.value, tool.applied) for tool in tools] == [
        ("Edit", "unpaired", True),
        ("Write", "unpaired", None),
    ]
