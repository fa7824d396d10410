"""Partial compaction (`compactMetadata.preservedSegment`, 2.1.205+) replayed as Claude Code loads it.

`applyPreservedSegmentRelinks` (sessionStorage.ts, 2.1.88) re-parents the preserved head to the
anchor and the anchor's other children to the tail, and drops every line before the last boundary
that it does not preserve. Check, fix and the conversation model must see that conversation.
"""

from __future__ import annotations

from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.edits import EditKind, apply_edits, join_lines
from session_lsp.core.formats.claude_code.conversation import ChainEnd
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.core.turns import build_model
from session_lsp.core.turns.model import ItemKind
from tests.support.claude_records import (
    Builder,
    compaction_kept_a_dangling_call,
    partial_compaction,
    two_compactions,
)
from tests.support.findings import check


def _analysis(session: Builder) -> Analysis:
    return analyse_bytes(session.data())


def _chain_lines(session: Builder) -> list[int]:
    return [record.line + 1 for record in _analysis(session).conversation.chain]


def test_a_partial_compaction_replays_the_summary_then_the_kept_turns_then_the_later_work() -> None:
    analysis = _analysis(partial_compaction())
    conversation = analysis.conversation
    assert [record.line + 1 for record in conversation.chain] == [9, 10, 5, 6, 7, 8, 11, 12, 13, 14]
    assert conversation.end is ChainEnd.COMPACTION
    # summary + kept prompt, 3 kept messages, then prompt, call, result, reply
    assert len(conversation.messages) == 8
    assert [part.record.line + 1 for part in conversation.messages[0].parts] == [10, 5]


def test_a_result_lost_before_a_partial_compaction_is_pruned_not_reported() -> None:
    assert check(partial_compaction(lose_pre_compact_result=True).data()) == set()


def test_check_quotes_the_message_index_claude_code_sends_after_a_partial_compaction() -> None:
    analysis = _analysis(partial_compaction(lose_last_result=True))
    [finding] = analysis.findings
    assert (finding.code.value, finding.tool_use_id, finding.span.line + 1) == (
        "unpaired-tool-use",
        "toolu_01NEW",
        12,
    )
    assert "messages.5: `tool_use` ids were found" in finding.message


def test_truncate_after_a_partial_compaction_keeps_the_compaction_and_the_work_after_it() -> None:
    session = partial_compaction(lose_pre_compact_result=True, lose_last_result=True)
    analysis = _analysis(session)
    repair = repair_all(analysis, Strategy.TRUNCATE)
    assert {edit.line + 1 for edit in repair.edits} == {11, 12}
    repaired = join_lines(apply_edits(analysis.lines, repair.edits))
    assert repaired.split(b"\n")[:10] == session.data().split(b"\n")[:10]
    assert check(repaired) == set()


def test_truncate_refuses_to_cut_among_the_turns_a_partial_compaction_kept() -> None:
    repair = repair_all(_analysis(compaction_kept_a_dangling_call()), Strategy.TRUNCATE)
    assert repair.edits == ()
    assert repair.refusal is not None
    assert "compaction at line 5" in repair.refusal


def test_a_call_dangling_on_the_kept_tail_is_stubbed_after_the_boundary_by_stub_and_purge() -> None:
    """A line written before the boundary is dropped on load unless the tail-to-head walk reaches
    it, and removing the tail breaks that walk: both strategies write the stub after the summary,
    parented on the tail, and the compaction survives."""
    session = compaction_kept_a_dangling_call()
    analysis = _analysis(session)
    original = session.data().split(b"\n")
    for strategy in (Strategy.STUB, Strategy.PURGE):
        repair = repair_all(analysis, strategy)
        assert [(edit.kind, edit.line + 1) for edit in repair.edits] == [
            (EditKind.INSERT_AFTER, 6),
            (EditKind.REPLACE, 7),
        ]
        repaired = analyse_bytes(join_lines(apply_edits(analysis.lines, repair.edits)))
        assert repaired.findings == []
        assert repaired.conversation.end is ChainEnd.COMPACTION
        lines = [bytes(line) for line in repaired.lines]
        assert lines[:6] == original[:6]
        assert lines[8:] == original[7:-1]


def test_a_line_left_on_the_summary_is_relinked_to_the_kept_tail() -> None:
    """The anchor's other children go to the tail (a writer that raced the compaction)."""
    assert _chain_lines(partial_compaction(resumed_from="s1")) == [
        9,
        10,
        5,
        6,
        7,
        8,
        11,
        12,
        13,
        14,
    ]


def test_a_segment_whose_tail_never_reaches_its_head_changes_nothing() -> None:
    """Claude Code validates the tail-to-head walk first: a malformed segment is a no-op, prune
    included, so the plain walk goes past the boundary."""
    analysis = _analysis(partial_compaction(head="not-a-line"))
    assert [record.line + 1 for record in analysis.conversation.chain] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        11,
        12,
        13,
        14,
    ]
    assert analysis.conversation.end is ChainEnd.ROOT


def test_only_the_last_boundarys_segment_is_relinked() -> None:
    assert _chain_lines(two_compactions(second_keeps=True)) == [9, 10, 7, 8, 11, 12]


def test_a_segment_made_stale_by_a_later_plain_compaction_is_not_relinked() -> None:
    assert _chain_lines(two_compactions(second_keeps=False)) == [9, 10, 11, 12]


def test_a_parent_pruned_with_a_stale_segment_is_named_as_compacted_not_absent() -> None:
    """After a plain compaction the earlier segment is stale: Claude Code relinks nothing but
    still drops every line before the boundary, so a line resumed from the old tip loses it."""
    analysis = _analysis(two_compactions(second_keeps=False, resumed_from="a3"))
    assert [record.line + 1 for record in analysis.conversation.chain] == [11, 12]
    [finding] = analysis.findings
    assert (finding.code.value, finding.span.line + 1) == ("missing-parent", 11)
    assert "names a line before the last compaction boundary" in finding.message


def test_the_conversation_model_draws_the_compaction_first_and_no_abandoned_branch() -> None:
    model = build_model(_analysis(partial_compaction()))
    kinds = [(item.kind, item.first_line + 1) for item in model.items]
    assert kinds[:2] == [(ItemKind.COMPACTION, 9), (ItemKind.PROMPT, 5)]
    assert kinds[-1] == (ItemKind.ASSISTANT, 14)
    assert model.abandoned_branches == 0
    assert model.start_note == "the conversation starts at the last compaction"


def test_odd_values_in_the_new_fields_are_read_as_absent_never_as_a_broken_line() -> None:
    """`compactMetadata`, `preservedSegment`, `attachment`, `data` and `parentToolUseID` of any
    JSON shape: no finding, no crash, and a malformed segment relinks nothing."""
    for odd in ("x", 7, [1], {"headUuid": 5, "anchorUuid": None, "tailUuid": ["a4"]}, {}):
        session = partial_compaction()
        session.lines[8]["compactMetadata"] = {"trigger": "manual", "preservedSegment": odd}
        session.lines[10]["attachment"] = odd
        session.lines[10]["data"] = odd
        session.lines[10]["parentToolUseID"] = odd
        analysis = _analysis(session)
        assert analysis.findings == []
        assert [record.line + 1 for record in analysis.conversation.chain][:2] == [1, 2]
        build_model(analysis)
    session = partial_compaction()
    session.lines[8]["compactMetadata"] = "manual"
    assert _analysis(session).findings == []


def test_a_segment_without_an_anchor_makes_its_head_a_root_and_relinks_no_other_root() -> None:
    """Claude Code sets the head's parent to the missing anchor (so the head starts the chain)
    and re-parents only lines whose parent equals it: never the file's roots."""
    session = partial_compaction()
    del session.lines[8]["compactMetadata"]["preservedSegment"]["anchorUuid"]
    analysis = _analysis(session)
    assert [record.line + 1 for record in analysis.conversation.chain] == [
        5,
        6,
        7,
        8,
        11,
        12,
        13,
        14,
    ]
    assert analysis.conversation.relinked == {"u2": None}
