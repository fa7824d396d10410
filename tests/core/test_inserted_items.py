"""What Claude Code put in the conversation, and prompts typed while it worked, in replay and model.

Queued prompts (2.1.2xx `queued_command` attachments) are sent as user messages where
`reorderAttachmentsForAPI` puts them and shown as prompts; notifications, API retries, model
switches and sub-agent progress get kinds of their own; an empty thinking block is no item.
"""

from __future__ import annotations

import json
from pathlib import Path

from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.markdown import render_markdown
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.core.turns import build_model
from session_lsp.core.turns.model import ConversationModel, ItemKind
from session_lsp.core.turns.texts import page
from tests.support.claude_records import Builder, inserted_by_claude_code, queued_prompt
from tests.support.corpus import SIDECHAIN_EXCERPT
from tests.support.findings import check


def _model(session: Builder, path: Path | None = None) -> ConversationModel:
    model = build_model(analyse_bytes(session.data()), path)
    page(model)
    return model


def _items(model: ConversationModel) -> list[tuple[ItemKind, int, str]]:
    return [(item.kind, item.first_line + 1, item.text or "") for item in model.items]


def _message_lines(analysis: Analysis) -> list[list[int]]:
    return [[part.record.line + 1 for part in m.parts] for m in analysis.conversation.messages]


def test_a_prompt_typed_while_a_tool_ran_is_shown_as_a_prompt() -> None:
    items = _items(_model(queued_prompt()))
    assert (ItemKind.PROMPT, 4, "also check the linter") in items
    assert [kind for kind, _, _ in items[:4]] == [
        ItemKind.PROMPT,
        ItemKind.TOOL,
        ItemKind.PROMPT,
        ItemKind.ASSISTANT,
    ]


def test_a_queued_prompt_is_sent_in_the_user_message_after_the_tool_result() -> None:
    analysis = analyse_bytes(queued_prompt().data())
    assert _message_lines(analysis)[2] == [3, 4]
    assert check(queued_prompt().data()) == set()


def test_a_queued_prompt_moves_up_to_the_last_assistant_before_it() -> None:
    """`reorderAttachmentsForAPI`: an attachment written after a prompt goes before it."""
    session = Builder()
    session.prompt("u1", None, "hello")
    session.text("a1", "u1", "Hi.")
    session.prompt("u2", "a1", "next")
    session.queued("q1", "u2", "and this too")
    session.text("a2", "q1", "Both done.")
    analysis = analyse_bytes(session.data())
    assert _message_lines(analysis) == [[1], [2], [4, 3], [5]]


def test_a_queued_prompt_with_images_shows_its_text_and_the_images() -> None:
    session = Builder()
    session.prompt("u1", None, "look")
    session.call("a1", "u1", "toolu_01A", command="ls")
    session.result("r1", "a1", "toolu_01A")
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ""}}
    session.queued("q1", "r1", [{"type": "text", "text": "this screen"}, image])
    session.text("a2", "q1", "I see it.")
    assert (ItemKind.PROMPT, 4, "this screen\n[image]") in _items(_model(session))


def test_each_thing_claude_code_inserted_gets_its_own_kind() -> None:
    items = [(kind, line) for kind, line, _ in _items(_model(inserted_by_claude_code()))]
    assert items == [
        (ItemKind.PROMPT, 1),
        (ItemKind.THINKING, 3),
        (ItemKind.TOOL, 4),
        (ItemKind.SUB_AGENT, 5),
        (ItemKind.SUB_AGENT, 6),
        (ItemKind.API_ERROR, 8),
        (ItemKind.API_ERROR, 9),
        (ItemKind.MODEL_FALLBACK, 10),
        (ItemKind.ASSISTANT, 11),
        (ItemKind.MODEL_FALLBACK, 12),
        (ItemKind.NOTIFICATION, 13),
        (ItemKind.NOTIFICATION, 14),
        (ItemKind.NOTIFICATION, 15),
        (ItemKind.NOTIFICATION, 16),
        (ItemKind.ASSISTANT, 17),
    ]
    assert check(inserted_by_claude_code().data()) == set()


def test_inserted_items_say_what_happened() -> None:
    texts = {line: text for _, line, text in _items(_model(inserted_by_claude_code()))}
    assert texts[5] == "user: look into the CI logs"
    assert texts[6] == "assistant: [calls Grep]"
    assert texts[8] == "API error 500: Internal server error (retry 1 of 10 in 1s)"
    assert texts[9] == "API error: ECONNRESET (retry 2 of 10 in 2s)"
    assert texts[10] == "model switched from claude-fable-5 to claude-opus-4-8 (refusal)"
    assert texts[12].endswith("Switched to Opus 4.8.")
    assert texts[16] == "<task-notification>agent b2 finished</task-notification>"


def test_an_empty_thinking_block_is_no_item() -> None:
    lines = [line for kind, line, _ in _items(_model(inserted_by_claude_code()))]
    assert 2 not in lines


def test_sub_agent_messages_hang_under_their_task_call() -> None:
    model = _model(inserted_by_claude_code())
    agents = [item for item in model.items if item.kind is ItemKind.SUB_AGENT]
    assert {item.parent_tool for item in agents} == {"toolu_01TASK"}


def test_sub_agent_progress_is_not_repeated_when_the_sub_agent_file_exists(tmp_path: Path) -> None:
    session = inserted_by_claude_code()
    path = tmp_path / "session.jsonl"
    path.write_bytes(session.data())
    agent = tmp_path / "session" / "subagents" / "agent-a1b2c3d.jsonl"
    agent.parent.mkdir(parents=True)
    agent.write_text(json.dumps({"type": "user", "isSidechain": True}) + "\n")
    model = _model(session, path)
    assert not [item for item in model.items if item.kind is ItemKind.SUB_AGENT]
    [task] = [item for item in model.items if item.tool is not None]
    assert task.tool is not None and task.tool.agent_file == agent.resolve()


def _sidechain(session: Builder) -> None:
    session.lines[-1]["isSidechain"] = True


def test_a_sub_agent_s_lines_inline_in_the_file_hang_under_the_task_call_that_prompted_them() -> (
    None
):
    """1.0.x wrote a sub-agent's lines into the main file (`isSidechain`), its first the Task's
    prompt without a parent: each run shows under its own call, two calls of one prompt in turn."""
    session = Builder()
    session.prompt("u1", None, "check the logs twice")
    session.call("a1", "u1", "toolu_01T1", "Task", description="logs", prompt="look into the logs")
    session.prompt("s1", None, "look into the logs", isSidechain=True)
    session.text("s2", "s1", "found it")
    _sidechain(session)
    session.call("s3", "s2", "toolu_01GREP", "Grep", pattern="error")
    _sidechain(session)
    session.result("r1", "a1", "toolu_01T1", "one error")
    session.call("a2", "r1", "toolu_01T2", "Task", description="again", prompt="look into the logs")
    session.prompt("s4", None, "look into the logs", isSidechain=True)
    session.text("s5", "s4", "still there")
    _sidechain(session)
    session.result("r2", "a2", "toolu_01T2", "still one")
    session.text("a3", "r2", "Both looks found the same error.")
    model = _model(session)
    shown = [(item.kind, item.first_line + 1, item.parent_tool) for item in model.items]
    assert shown == [
        (ItemKind.PROMPT, 1, None),
        (ItemKind.TOOL, 2, None),
        (ItemKind.SUB_AGENT, 3, "toolu_01T1"),
        (ItemKind.SUB_AGENT, 4, "toolu_01T1"),
        (ItemKind.SUB_AGENT, 5, "toolu_01T1"),
        (ItemKind.TOOL, 7, None),
        (ItemKind.SUB_AGENT, 8, "toolu_01T2"),
        (ItemKind.SUB_AGENT, 9, "toolu_01T2"),
        (ItemKind.ASSISTANT, 11, None),
    ]
    texts = {line: text for _, line, text in _items(model)}
    assert texts[3] == "user: look into the logs"
    assert texts[4] == "assistant: found it"
    assert texts[5] == 'assistant: [calls Grep {"pattern":"error"}]'
    [first, second] = [item.tool for item in model.items if item.kind is ItemKind.TOOL]
    assert first is not None and first.agent is not None and len(first.agent.progress) == 3
    assert second is not None and second.agent is not None and len(second.agent.progress) == 2
    assert check(session.data()) == set()


def test_a_real_1_0_session_shows_its_sub_agent_s_inline_lines_under_the_task() -> None:
    """The excerpt's parent links have a gap: the line whose parent is missing is left out."""
    model = build_model(analyse_bytes(SIDECHAIN_EXCERPT.read_bytes()), SIDECHAIN_EXCERPT)
    page(model)
    [task, *turns] = model.items
    assert task.tool is not None and task.tool.name == "Task"
    assert [(item.kind, item.first_line + 1) for item in turns] == [
        (ItemKind.SUB_AGENT, line) for line in range(2, 8)
    ]
    texts = [text for _, _, text in _items(model)][1:]
    assert texts[0].startswith("user: I need to debug a failing test")
    assert texts[3].startswith("user: [result] ")
    assert task.tool.agent is not None and task.tool.agent.progress == turns


def test_the_markdown_transcript_names_the_inserted_kinds() -> None:
    markdown = render_markdown(_model(inserted_by_claude_code()))
    for title in ("Notification", "API error", "Model switch", "Sub-agent message"):
        assert title in markdown


def test_truncate_counts_a_queued_prompt_among_the_prompts_it_would_drop() -> None:
    session = Builder()
    session.prompt("u1", None, "run it")
    session.call("a1", "u1", "toolu_01LOST", command="make")
    session.queued("q1", "a1", "and then deploy")
    session.text("a2", "q1", "Deploying.")
    title = repair_all(analyse_bytes(session.data()), Strategy.TRUNCATE).title
    assert title == "Truncate: drops 3 of 4 lines (1 prompt, 1 tool call)"
