"""The linear merge of lines into API messages equals a straightforward reading of Claude Code's.

The reference below is the plain quadratic algorithm of `normalizeMessagesForAPI`
(docs/claude-code-format.md §6.1): walk back over the messages for each assistant line, re-hoist on every user merge, drop the
assistants the API never sees, then merge the user messages that the drop made adjacent. The
production merge keeps indexes instead; on random chains both must give the same messages.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.claude_code.conversation import (
    THINKING_TYPES,
    ApiMessage,
    Part,
    to_api_messages,
)
from session_lsp.core.formats.claude_code.records import Block, Message, Record
from tests.support.corpus import COMPACTED_2_0


def _hoisted(parts: list[Part]) -> list[Part]:
    results = [part for part in parts if part.block.type == "tool_result"]
    return results + [part for part in parts if part.block.type != "tool_result"]


def _reference_add_user(messages: list[ApiMessage], parts: list[Part]) -> None:
    if messages and messages[-1].role == "user":
        messages[-1].parts = _hoisted(messages[-1].parts + parts)
    else:
        messages.append(ApiMessage("user", parts))


def _reference_add_assistant(messages: list[ApiMessage], record: Record) -> None:
    parts = [Part(block, record) for block in record.blocks]
    if record.message_id is not None:
        for earlier in reversed(messages):
            if earlier.role == "assistant":
                if earlier.message_id == record.message_id:
                    earlier.parts.extend(parts)
                    return
                continue
            if not earlier.has_tool_result():
                break
    messages.append(ApiMessage("assistant", parts, record.message_id))


def _reference_is_sent(message: ApiMessage) -> bool:
    if message.role != "assistant":
        return True
    return any(
        part.block.type not in THINKING_TYPES
        and not (part.block.type == "text" and not (part.block.text or "").strip())
        for part in message.parts
    )


def reference_api_messages(chain: list[Record]) -> list[ApiMessage]:
    messages: list[ApiMessage] = []
    for record in chain:
        if record.type == "user":
            _reference_add_user(messages, [Part(block, record) for block in record.blocks])
        elif record.type == "assistant" and not record.isApiErrorMessage:
            _reference_add_assistant(messages, record)
        elif record.type == "system" and record.subtype == "local_command":
            text = Block(type="text", text="(local command)")
            _reference_add_user(messages, [Part(text, record)])
    sent: list[ApiMessage] = []
    for message in messages:
        if not _reference_is_sent(message):
            continue
        if message.role == "user" and sent and sent[-1].role == "user":
            sent[-1] = ApiMessage("user", _hoisted(sent[-1].parts + message.parts))
        else:
            sent.append(message)
    return sent


def _shape(messages: list[ApiMessage]) -> list[tuple[str, str | None, list[tuple[int, str, str]]]]:
    """Messages as comparable data; a synthetic block is compared by its text, not its identity."""
    return [
        (
            message.role,
            message.message_id,
            [
                (part.record.line, part.block.type, part.block.text or part.block.id or "")
                for part in message.parts
            ],
        )
        for message in messages
    ]


user_blocks = st.lists(
    st.sampled_from(
        [
            Block(type="tool_result", tool_use_id="t1"),
            Block(type="tool_result", tool_use_id="t2"),
            Block(type="text", text="a prompt"),
            Block(type="text", text="[Request interrupted by user for tool use]"),
            Block(type="image"),
        ]
    ),
    max_size=3,
)
assistant_blocks = st.lists(
    st.sampled_from(
        [
            Block(type="thinking"),
            Block(type="redacted_thinking"),
            Block(type="text", text="  \n"),
            Block(type="text", text="an answer"),
            Block(type="tool_use", id="t1", name="Bash"),
            Block(type="tool_use", id="t2", name="Read"),
        ]
    ),
    max_size=2,
)


@st.composite
def chains(draw: st.DrawFn) -> list[Record]:
    """Interleaved streaming groups (few message ids), tool-result-only and consecutive users,
    thinking-only assistants, compaction summaries, local commands and API-error lines."""
    chain: list[Record] = []
    for line in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["user", "user", "assistant", "assistant", "assistant", "sys"]))
        if kind == "user":
            content: str | tuple[Block, ...] = (
                "a typed prompt" if draw(st.booleans()) else tuple(draw(user_blocks))
            )
            summary = draw(st.integers(0, 9)) == 0
            record = Record(
                type="user",
                message=Message(role="user", content=content),
                isCompactSummary=summary or None,
                isVisibleInTranscriptOnly=summary or None,
            )
        elif kind == "assistant":
            message_id = draw(st.sampled_from([None, "msg_a", "msg_b", "msg_c"]))
            record = Record(
                type="assistant",
                message=Message(
                    id=message_id, role="assistant", content=tuple(draw(assistant_blocks))
                ),
                isApiErrorMessage=draw(st.integers(0, 14)) == 0 or None,
            )
        else:
            record = Record(
                type="system", subtype=draw(st.sampled_from(["local_command", "compact_boundary"]))
            )
        record.line = line
        chain.append(record)
    return chain


@settings(max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "600")))
@given(chains())
def test_linear_merge_equals_the_reference_merge(chain: list[Record]) -> None:
    assert _shape(to_api_messages(chain)) == _shape(reference_api_messages(chain))


def _user(line: int, *blocks: Block, summary: bool = False) -> Record:
    record = Record(
        type="user",
        message=Message(role="user", content=blocks),
        isCompactSummary=summary or None,
        isVisibleInTranscriptOnly=summary or None,
    )
    record.line = line
    return record


def _assistant(line: int, message_id: str, *blocks: Block) -> Record:
    record = Record(
        type="assistant", message=Message(id=message_id, role="assistant", content=blocks)
    )
    record.line = line
    return record


def test_the_compaction_summary_is_the_first_message_sent() -> None:
    boundary = Record(type="system", subtype="compact_boundary")
    summary = _user(1, Block(type="text", text="This session is being continued"), summary=True)
    answer = _assistant(2, "msg_a", Block(type="text", text="Continuing."))
    messages = to_api_messages([boundary, summary, answer])
    assert [(message.role, message.parts[0].record.line) for message in messages] == [
        ("user", 1),
        ("assistant", 2),
    ]


def test_users_left_adjacent_by_a_dropped_thinking_only_assistant_merge_with_the_hoist() -> None:
    call = _assistant(0, "msg_a", Block(type="tool_use", id="t1", name="Bash"))
    interrupt = _user(1, Block(type="text", text="[Request interrupted by user]"))
    thinking = _assistant(2, "msg_b", Block(type="thinking"))
    result = _user(3, Block(type="tool_result", tool_use_id="t1"))
    messages = to_api_messages([call, interrupt, thinking, result])
    assert [message.role for message in messages] == ["assistant", "user"]
    assert [part.record.line for part in messages[1].parts] == [3, 1]


def test_a_long_tool_run_merges_each_streamed_line_into_its_own_message() -> None:
    chain: list[Record] = []
    for turn in range(2000):
        tool_id = f"t{turn}"
        chain.append(_assistant(2 * turn, f"msg_{turn}", Block(type="tool_use", id=tool_id)))
        chain.append(_user(2 * turn + 1, Block(type="tool_result", tool_use_id=tool_id)))
    messages = to_api_messages(chain)
    assert len(messages) == 4000
    assert _shape(messages) == _shape(reference_api_messages(chain))


def test_a_real_resume_after_compaction_starts_with_the_summary_line() -> None:
    conversation = analyse_bytes(COMPACTED_2_0.read_bytes()).conversation
    first = conversation.messages[0]
    assert first.role == "user"
    assert first.parts[0].record.isCompactSummary
    assert first.parts[0].record.line + 1 == 56
