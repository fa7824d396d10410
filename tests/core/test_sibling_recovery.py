"""Sibling recovery, as the replay does it, equals a plain reading of Claude Code's.

`recoverOrphanedParallelToolResults` (docs/claude-code-format.md §4, step 5), read plainly: for
each message id on the chain, every assistant line of the file with that id is its group; the
group's off-chain lines, then the off-chain tool_result lines whose parent is any line of the
group, each sorted by timestamp, go right after the group's last line on the chain. The replay
looks only at what lies off the chain (and at nothing when the walk took every line); on random
trees of lines both must give the same conversation.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core.formats.claude_code.conversation import (
    ReplayIndex,
    load,
    pick_leaf,
    replay,
    walk_chain,
)
from session_lsp.core.formats.claude_code.history import earlier_chains
from session_lsp.core.formats.claude_code.records import Block, Message, Record


def _group_results(
    group: list[Record], off_chain: list[Record], index: ReplayIndex
) -> list[Record]:
    results: list[Record] = []
    for member in group:
        for record in off_chain:
            parent = index.parent.get(record.uuid or "")
            answers = any(block.type == "tool_result" for block in record.blocks)
            taken = any(record is result for result in results)
            if record.type == "user" and answers and parent == member.uuid and not taken:
                results.append(record)
    return results


def reference_recovery(walked: list[Record], index: ReplayIndex) -> list[Record]:
    chain = list(walked)
    message_ids: list[str] = []
    for record in walked:
        message_id = record.message_id
        if record.type == "assistant" and message_id is not None and message_id not in message_ids:
            message_ids.append(message_id)
    for message_id in message_ids:
        on_chain = [id(record) for record in chain]
        off_chain = [record for record in index.order if id(record) not in on_chain]
        group = [
            record
            for record in index.order
            if record.type == "assistant" and record.message_id == message_id
        ]
        siblings = [record for record in group if id(record) not in on_chain]
        results = _group_results(group, off_chain, index)
        if not siblings and not results:
            continue
        last = max(
            position
            for position, record in enumerate(chain)
            if record.type == "assistant" and record.message_id == message_id
        )
        by_time = sorted(siblings, key=lambda record: record.timestamp or "")
        by_time += sorted(results, key=lambda record: record.timestamp or "")
        chain[last + 1 : last + 1] = by_time
    return chain


@st.composite
def trees(draw: st.DrawFn) -> list[Record]:
    """Lines whose parent is any earlier line (branches, parallel calls written as siblings),
    assistants of a few message ids, users answering calls or typing, timestamps with ties."""
    records: list[Record] = []
    for line in range(draw(st.integers(1, 24))):
        parent = draw(st.sampled_from([None, *range(line)])) if line else None
        timestamp = f"2026-05-01T09:00:{draw(st.integers(0, 9)):02d}.000Z"
        if draw(st.booleans()):
            content: tuple[Block, ...] = (Block(type="tool_use", id=f"t{line}", name="Bash"),)
            message = Message(
                id=draw(st.sampled_from(["msg_a", "msg_b", "msg_c"])),
                role="assistant",
                content=content,
            )
            kind = "assistant"
        else:
            answer = draw(st.booleans())
            content = (
                (Block(type="tool_result", tool_use_id=f"t{parent}"),)
                if answer and parent is not None
                else (Block(type="text", text="a prompt"),)
            )
            message = Message(role="user", content=content)
            kind = "user"
        record = Record(
            type=kind,
            uuid=f"u{line}",
            parentUuid=None if parent is None else f"u{parent}",
            timestamp=timestamp,
            message=message,
        )
        record.line = line
        records.append(record)
    return records


@settings(max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "600")))
@given(trees())
def test_recovered_chain_equals_the_plain_reading_of_sibling_recovery(
    records: list[Record],
) -> None:
    index = load(records, None)
    leaf = pick_leaf(index, include_sidechains=False)
    assert leaf is not None
    walked, _, _ = walk_chain(leaf, index)
    expected = [record.line for record in reference_recovery(walked, index)]
    assert [record.line for record in replay(records).chain] == expected


def _at(second: int) -> str:
    return f"2026-05-01T09:00:{second:02d}.000Z"


def _calls(uuid: str, parent: str | None, second: int, *tool_ids: str) -> Record:
    blocks = tuple(Block(type="tool_use", id=tool_id, name="Bash") for tool_id in tool_ids)
    message = Message(id="msg_a", role="assistant", content=blocks)
    return Record(
        type="assistant", uuid=uuid, parentUuid=parent, timestamp=_at(second), message=message
    )


def _result(uuid: str, parent: str, second: int, tool_id: str) -> Record:
    message = Message(role="user", content=(Block(type="tool_result", tool_use_id=tool_id),))
    return Record(type="user", uuid=uuid, parentUuid=parent, timestamp=_at(second), message=message)


def _numbered(records: list[Record]) -> list[Record]:
    for line, record in enumerate(records):
        record.line = line
    return records


def test_a_result_off_the_chain_to_a_call_on_it_is_spliced_in_after_the_call() -> None:
    """The walk follows the second result; the first, a sibling of it under the same call, is
    only found by recovery, which looks for results of the group's lines, not only its
    off-chain ones."""
    lines = _numbered(
        [_calls("a", None, 1, "t1", "t2"), _result("r1", "a", 2, "t1"), _result("r2", "a", 3, "t2")]
    )
    conversation = replay(lines)
    assert [record.uuid for record in conversation.chain] == ["a", "r1", "r2"]
    assert [record.uuid for record in conversation.recovered] == ["r1"]


def test_the_history_before_a_compaction_recovers_its_siblings_too() -> None:
    """The earlier segments go through the same recovery, over the lines before each boundary."""
    lines = _numbered(
        [
            Record(type="user", uuid="p", message=Message(role="user", content="do it")),
            _calls("a1", "p", 1, "t1"),
            _calls("a2", "p", 2, "t2"),
            _result("r2", "a2", 3, "t2"),
            Record(
                type="system",
                subtype="compact_boundary",
                uuid="b",
                logicalParentUuid="r2",
                timestamp=_at(4),
            ),
            Record(
                type="user",
                uuid="s",
                parentUuid="b",
                timestamp=_at(5),
                message=Message(role="user", content="the summary"),
            ),
        ]
    )
    (history,) = earlier_chains(lines, replay(lines))
    assert [record.uuid for record in history] == ["p", "a2", "a1", "r2"]
