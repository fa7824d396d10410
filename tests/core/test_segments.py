"""The history before the last compaction, one segment per compaction (docs/contract.md).

Claude Code: each compact_boundary closes the chain its `logicalParentUuid` led to, as Claude Code
replayed it then; Codex: each `compacted` record closes the items before it. The last segment is
the conversation a resume sends, and the only one the findings concern.
"""

from __future__ import annotations

import json
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import ConversationModel, ItemKind, build_model, page
from session_lsp.core.turns.segments import segment_items, segments
from tests.support.claude_records import Builder, partial_compaction, two_compactions
from tests.support.corpus import CORPUS

COMPACTED = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
CODEX_COMPACTED = (
    CORPUS
    / "codex/generated/rollout-2026-03-06T09-05-00-019cc264-9e60-7bdd-8164-d8399f767c45.jsonl"
)


def _model(data: bytes, path: Path | None = None) -> ConversationModel:
    return build_model(analyse_bytes(data), path)


def _shape(model: ConversationModel) -> list[list[tuple[str, int]]]:
    """Each segment's items as (kind, 1-based first line)."""
    return [
        [(item.kind.value, item.first_line + 1) for item in segment.items]
        for segment in segments(model)
    ]


def test_a_real_compacted_session_shows_the_history_before_its_compaction() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    earlier, last = segments(model)
    assert last.items is model.items
    assert model.items[0].kind is ItemKind.COMPACTION
    assert earlier.items[0].kind is ItemKind.COMMAND  # /mcp, line 5
    first_prompt = next(item for item in earlier.items if item.kind is ItemKind.PROMPT)
    assert first_prompt.first_line + 1 == 7
    assert first_prompt.text is not None and first_prompt.text.startswith("The LSP diagnostics")
    assert [item.index for item in earlier.items] == list(range(len(earlier.items)))
    assert (earlier.first_line + 1, earlier.last_line + 1) == (5, 54)
    assert earlier.summary is not None and earlier.summary.startswith("Analysis:")
    assert last.summary is None


def test_a_plain_compaction_closes_the_chain_its_logical_parent_led_to() -> None:
    session = Builder()
    session.prompt("u1", None, "fix the parser")
    session.call("a1", "u1", "toolu_01A", command="pytest")
    session.result("r1", "a1", "toolu_01A", "1 failed")
    session.text("a2", "r1", "Fixed.")
    session.prompt("x1", "u1", "an abandoned branch")
    session.boundary("b1", "a2")
    session.summary("s1", "b1")
    session.prompt("u2", "s1", "commit it")
    model = _model(session.data())
    assert _shape(model) == [
        [("prompt", 1), ("tool", 2), ("assistant", 4)],
        [("compaction", 6), ("prompt", 8)],
    ]
    earlier = segments(model)[0]
    assert earlier.items[1].tool is not None and earlier.items[1].tool.result_line == 2
    assert earlier.summary == "The summary below covers the earlier portion of the conversation."


def test_two_compactions_give_three_segments_each_as_it_was_replayed_then() -> None:
    # The middle segment starts at the first (partial) compaction, its kept turn relinked.
    assert _shape(_model(two_compactions(second_keeps=False).data())) == [
        [("prompt", 1), ("assistant", 2), ("prompt", 3), ("assistant", 4)],
        [("compaction", 5), ("prompt", 3), ("assistant", 4), ("prompt", 7), ("assistant", 8)],
        [("compaction", 9), ("prompt", 11), ("assistant", 12)],
    ]


def test_a_partial_compaction_keeps_its_preserved_turn_in_both_segments() -> None:
    kept = [("prompt", 5), ("tool", 6), ("assistant", 8)]
    assert _shape(_model(partial_compaction().data())) == [
        [("prompt", 1), ("tool", 2), ("assistant", 4), *kept],
        [("compaction", 9), *kept, ("prompt", 11), ("tool", 12), ("assistant", 14)],
    ]


def test_a_boundary_without_a_logical_parent_closes_the_messages_written_before_it() -> None:
    session = Builder()
    session.prompt("u1", None, "first")
    session.text("a1", "u1", "one")
    record = session.lines[-1]
    session.boundary("b1", "a1")
    del session.lines[-1]["logicalParentUuid"]
    session.summary("s1", "b1")
    session.prompt("u2", "s1", "second")
    assert record["uuid"] == "a1"
    assert _shape(_model(session.data())) == [
        [("prompt", 1), ("assistant", 2)],
        [("compaction", 3), ("prompt", 5)],
    ]


def test_boundaries_whose_history_loops_end_the_walk() -> None:
    """Hand-edited boundaries that name each other's tips: each is followed once."""
    session = Builder()
    session.boundary("b1", "t2")
    session.text("t1", "b1", "after the first")
    session.boundary("b2", "t1")
    session.text("t2", "b2", "after the second")
    session.boundary("b3", "t2")
    session.prompt("u", "b3", "now")
    model = _model(session.data())
    assert len(segments(model)) <= 4
    assert _shape(model)[-1] == [("compaction", 5), ("prompt", 6)]


def test_only_the_last_segment_carries_findings() -> None:
    session = Builder()
    session.prompt("u1", None, "run it")
    session.call("a1", "u1", "toolu_01LOST", command="ls")
    session.boundary("b1", "a1")
    session.summary("s1", "b1")
    session.prompt("u2", "s1", "again")
    session.call("a2", "u2", "toolu_01DANGLING", command="ls")
    session.prompt("u3", "a2", "and?")
    model = _model(session.data())
    earlier, last = segments(model)
    assert all(not item.findings for item in earlier.items)
    assert earlier.items[1].tool is not None and earlier.items[1].tool.status.value == "unpaired"
    assert any(item.findings for item in last.items)


def test_page_reads_the_texts_of_an_earlier_segment() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    items = page(model, 0, 40, segment=0)
    assert items == segment_items(model, 0)
    thinking = next(item for item in items if item.kind is ItemKind.THINKING)
    assert thinking.loaded and thinking.text


def test_a_segment_the_session_does_not_have_is_named_in_the_error() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    for wrong in (2, 99, -1):
        try:
            segment_items(model, wrong)
        except IndexError as error:
            assert "2 segments" in str(error)
        else:
            raise AssertionError(f"segment {wrong} was accepted")


def test_a_codex_rollout_is_cut_at_each_compacted_record() -> None:
    data = CODEX_COMPACTED.read_bytes()
    model = _model(data)
    earlier, last = segments(model)
    compacted = [
        number
        for number, line in enumerate(data.splitlines())
        if json.loads(line).get("type") == "compacted"
    ]
    assert (last.items[0].kind, last.items[0].first_line) == (ItemKind.COMPACTION, compacted[-1])
    assert all(item.first_line < compacted[0] for item in earlier.items)
    assert earlier.items and earlier.items[0].kind is ItemKind.PROMPT


def test_a_codex_compaction_summary_names_the_segment_it_closed() -> None:
    lines = [
        {"type": "session_meta", "payload": {"id": "019c0000-0000-7000-8000-000000000000"}},
        _codex_message("user", "fix the build"),
        _codex_message("assistant", "Fixed."),
        {"type": "compacted", "payload": {"message": "The user asked\nto fix the build."}},
        _codex_message("user", "now release it"),
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    model = _model(data)
    earlier, last = segments(model)
    assert [item.kind for item in earlier.items] == [ItemKind.PROMPT, ItemKind.ASSISTANT]
    assert earlier.summary == "The user asked to fix the build."
    assert [item.kind for item in last.items] == [ItemKind.COMPACTION, ItemKind.PROMPT]


def _codex_message(role: str, text: str) -> dict[str, object]:
    kind = "input_text" if role == "user" else "output_text"
    return {
        "timestamp": "2026-03-06T09:00:00.000Z",
        "type": "response_item",
        "payload": {"type": "message", "role": role, "content": [{"type": kind, "text": text}]},
    }


def test_a_session_without_compaction_is_one_segment() -> None:
    session = Builder()
    session.prompt("u1", None, "hello")
    model = _model(session.data())
    assert len(segments(model)) == 1 and model.earlier_segments == []


def _compactions(count: int, *, partial: bool) -> Builder:
    """`count` compactions in a row, each closing one prompt and its reply."""
    session = Builder()
    parent = session.prompt("u0", None, "start")
    for number in range(count):
        tip = session.text(f"a{number}", parent, f"reply {number}")
        kept = {"head": f"a{number}", "anchor": f"s{number}", "tail": f"a{number}"}
        session.boundary(f"b{number}", tip, **(kept if partial else {}))
        session.summary(f"s{number}", f"b{number}")
        parent = session.prompt(f"u{number + 1}", tip if partial else f"s{number}", "go on")
    return session


def test_many_compactions_each_give_a_segment() -> None:
    model = _model(_compactions(300, partial=False).data())
    assert len(segments(model)) == 301
    assert [item.kind.value for item in segments(model)[150].items] == [
        "compaction",
        "prompt",
        "assistant",
    ]


def test_thousands_of_partial_compactions_leave_the_oldest_history_out() -> None:
    """Each replays the lines before it: past a budget of replays, older segments are not built."""
    model = _model(_compactions(400, partial=True).data())
    count = len(segments(model))
    assert 2 <= count < 401
    newest = segments(model)[-2]
    assert newest.items[0].kind is ItemKind.COMPACTION
    assert newest.items[0].first_line + 1 == 4 * 398 + 3
