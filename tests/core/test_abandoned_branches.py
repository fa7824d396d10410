"""Abandoned branches as segments of their own: the lines a resume leaves out, readable.

A rewind (or an edited prompt) leaves the reply it replaced in the file, off the chain a resume
walks. The model keeps such a branch as a segment between the compactions' history and the last
segment (docs/contract.md), walked back from its leaf to where it left the conversation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from session_lsp.core.analysis import Transcript, analyse_bytes
from session_lsp.core.formats.claude_code import history
from session_lsp.core.markdown import render_markdown
from session_lsp.core.search import compile_query, search_model
from session_lsp.core.turns import ConversationModel, ItemKind, ToolStatus, build_model, page
from session_lsp.core.turns.segments import (
    SegmentKind,
    live_segment,
    other_parts,
    segment_items,
    segment_place,
    segments,
)
from session_lsp.view_json import conversation_to_json
from tests.support.claude_records import Builder, rewound
from tests.support.corpus import SHORT


def _model(data: bytes, path: Path | None = None) -> ConversationModel:
    return build_model(analyse_bytes(data), path)


def _shape(model: ConversationModel) -> list[tuple[str, int | None, list[tuple[str, int]]]]:
    """Each segment: its kind, the 1-based line it hangs off, its items as (kind, 1-based line)."""
    return [
        (
            segment.kind.value,
            None if segment.fork_line is None else segment.fork_line + 1,
            [(item.kind.value, item.first_line + 1) for item in segment.items],
        )
        for segment in segments(model)
    ]


def _compacted() -> Builder:
    """A prompt and its reply (lines 1-2), compacted: the boundary (3) and its summary (4)."""
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    session.boundary("b1", "a0")
    session.summary("s1", "b1")
    return session


def test_a_rewound_reply_is_a_segment_before_the_conversation_hanging_off_where_it_left() -> None:
    model = _model(rewound(with_call=True).data())
    assert _shape(model) == [
        ("abandoned", 2, [("prompt", 3), ("tool", 4)]),
        ("current", None, [("prompt", 1), ("assistant", 2), ("prompt", 6), ("assistant", 7)]),
    ]
    branch = segments(model)[0]
    assert branch.summary == "rewrite it with regexes"
    assert [item.index for item in branch.items] == [0, 1]
    call = branch.items[1].tool
    assert call is not None and call.status is ToolStatus.ANSWERED and call.result_line == 4
    assert model.abandoned_branches == 1 and live_segment(model) == 1
    assert all(not item.findings for item in branch.items)


def test_a_branch_pages_and_searches_like_any_segment() -> None:
    model = _model(rewound(with_call=True).data())
    texts = [item.text for item in page(model, 0, 10, 0)]
    assert texts[0] == "rewrite it with regexes"
    hits = search_model(model, compile_query("regexes"), 10)
    assert [(hit.segment, hit.index, hit.field) for hit in hits] == [(0, 0, "text")]
    answer = conversation_to_json(model, "/p/s.jsonl", "file:///p/s.jsonl")
    assert [(part["kind"], part["forkLine"], part["items"]) for part in answer["segments"]] == [
        ("abandoned", 1, 2),
        ("current", None, 4),
    ]
    assert answer["abandonedBranches"] == 1 and answer["segment"] == 1


def test_an_unanswered_call_on_a_branch_is_shown_without_a_result_and_is_no_finding() -> None:
    """A resume never sends it; the branch still says, as it is, that it got no result."""
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    session.prompt("u1", "a0", "clean the build")
    session.call("a1", "u1", "toolu_01X", command="rm -rf build")  # rewound before it ran
    session.prompt("u2", "a0", "leave the build alone")
    session.text("a2", "u2", "Left alone.")
    model = _model(session.data())
    assert model.findings == []
    (branch, _) = segments(model)
    call = branch.items[1].tool
    assert call is not None and call.status is ToolStatus.UNPAIRED and call.result_line is None


def test_a_branch_that_forks_again_shows_its_newest_attempt_whole_and_the_older_tip_after_it() -> (
    None
):
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    session.prompt("u1", "a0", "rewrite it with regexes")
    session.call("a1", "u1", "toolu_01R", command="sed -i s/a/b/ parser.py")
    session.result("r1", "a1", "toolu_01R", "done")
    session.call("a3", "r1", "toolu_01B", command="pytest")  # the regex attempt went on...
    session.prompt("u3", "r1", "no, try lookahead")  # ...rewound to its result, asked again
    session.text("a4", "u3", "Lookahead added.")
    session.prompt("u2", "a0", "rewrite it with a state machine")  # and all of it rewound
    session.text("a2", "u2", "The state machine is in.")
    model = _model(session.data())
    assert _shape(model) == [
        ("abandoned", 2, [("prompt", 3), ("tool", 4), ("prompt", 7), ("assistant", 8)]),
        ("abandoned", 5, [("tool", 6)]),
        ("current", None, [("prompt", 1), ("assistant", 2), ("prompt", 9), ("assistant", 10)]),
    ]


def test_a_command_hanging_off_a_reply_inside_a_branch_is_no_branch_of_its_own() -> None:
    session = rewound(with_call=True)
    session.system(
        "s1", "r1", "local_command", content="<local-command-stdout>ok</local-command-stdout>"
    )
    model = _model(session.data())
    assert model.abandoned_branches == 1


def test_a_branch_before_the_last_compaction_is_no_segment() -> None:
    session = rewound(with_call=True)
    session.boundary("b1", "a2")
    session.summary("s1", "b1")
    session.prompt("u9", "s1", "commit it")
    model = _model(session.data())
    assert [segment.kind for segment in segments(model)] == [
        SegmentKind.COMPACTED,
        SegmentKind.CURRENT,
    ]


def test_a_branch_after_a_compaction_comes_after_its_history_and_headers_name_both() -> None:
    session = _compacted()
    session.prompt("u1", "s1", "rewrite it with regexes")
    session.text("a1", "u1", "Regexes in.")
    session.prompt("u2", "s1", "rewrite it with a state machine")
    model = _model(session.data())
    assert [segment.kind for segment in segments(model)] == [
        SegmentKind.COMPACTED,
        SegmentKind.ABANDONED,
        SegmentKind.CURRENT,
    ]
    assert segment_items(model, 1)[0].first_line + 1 == 5
    assert other_parts(model) == "1 earlier part before a compaction, 1 abandoned branch"
    assert segment_place(model, 0) == "segment 1 of 3: history before compaction 1"
    assert segment_place(model, 1) == (
        "segment 2 of 3: an abandoned branch off line 4, which a resume leaves out"
    )
    assert segment_place(model, 2) == "segment 3 of 3: the conversation a resume sends"
    markdown = render_markdown(model, path="/p/s.jsonl", segment=1)
    assert "segment 2 of 3: an abandoned branch off line 4" in markdown
    assert "Regexes in." in markdown
    assert "1 earlier part before a compaction, 1 abandoned branch" in render_markdown(model)


def test_a_real_tail_written_beside_the_leaf_reads_as_a_branch() -> None:
    """short.jsonl: an interrupt in the millisecond of the first parallel result, first in the
    file, is the tail a resume leaves out (lines 13-15)."""
    model = _model(SHORT.read_bytes(), SHORT)
    branch, _ = segments(model)
    assert branch.kind is SegmentKind.ABANDONED and branch.fork_line == 11
    assert [item.kind for item in branch.items] == [ItemKind.INTERRUPT]
    assert branch.summary == "[Request interrupted by user for tool use]"


def test_past_the_most_branches_built_the_newest_are_kept_and_all_are_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history, "MAX_BRANCHES", 2)
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    for attempt in range(3):
        session.prompt(f"t{attempt}", "a0", f"attempt {attempt}")
    session.prompt("u9", "a0", "the one kept")
    model = _model(session.data())
    assert model.abandoned_branches == 3
    assert [segment.summary for segment in model.abandoned_segments] == ["attempt 1", "attempt 2"]
    assert other_parts(model) == "3 abandoned branches (the newest 2 kept)"


def test_a_rewound_reply_with_parallel_calls_is_one_branch_with_each_call_answered() -> None:
    """Claude Code parents each parallel result on its own call's line: off the conversation,
    the results are spliced back as a resume splices them, not left as branches of their own."""
    session = _parallel_rewound()
    model = _model(session.data())
    assert model.abandoned_branches == 1
    (branch, _) = segments(model)
    calls = [item.tool for item in branch.items if item.tool is not None]
    assert [(call.id, call.status.value, call.result_line) for call in calls] == [
        ("toolu_01A", "answered", 5),
        ("toolu_01B", "answered", 6),
    ]
    assert branch.fork_line == 1


def test_a_cycle_inside_a_branch_ends_its_walk_with_no_line_to_hang_off() -> None:
    session = rewound(with_call=True)
    session.lines[2]["parentUuid"] = "r1"  # u1 -> r1 -> a1 -> u1: a loop off the conversation
    session.text("t1", "r1", "a reply hanging off the loop")
    session.prompt("u9", "a2", "go on")  # the newest leaf: the conversation a resume sends
    model = _model(session.data())
    branch = segments(model)[0]
    assert branch.kind is SegmentKind.ABANDONED
    assert branch.fork_line is None
    assert sorted(item.first_line for item in branch.items) == [2, 3, 7]


def test_a_branch_that_shows_nothing_is_neither_shown_nor_counted() -> None:
    session = rewound(with_call=True)
    session.prompt("m1", "a0", "<local-command-caveat>Caveat</local-command-caveat>", isMeta=True)
    session.prompt("u9", "a0", "and now?")
    model = _model(session.data())
    assert model.abandoned_branches == 2
    assert all(segment.items for segment in model.abandoned_segments)


def _parallel_rewound() -> Builder:
    """A turn of two parallel calls (lines 4-5, results 6-7, reply 8), rewound to line 2."""
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    session.prompt("u1", "a0", "run both suites")
    session.call("c1", "u1", "toolu_01A", command="pytest unit")
    session.lines[-1]["message"]["id"] = "msg_parallel"
    session.call("c2", "c1", "toolu_01B", command="pytest e2e")
    session.lines[-1]["message"]["id"] = "msg_parallel"
    session.result("r1", "c1", "toolu_01A", "12 passed")
    session.result("r2", "c2", "toolu_01B", "3 failed")
    session.text("a3", "r2", "The e2e suite fails.")
    session.prompt("u2", "a0", "run only the unit suite")
    session.text("a4", "u2", "It passes.")
    return session


def test_branches_past_the_most_built_are_counted_as_those_built_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted, not built: a parallel call's result is still no branch, and a prompt rewound
    off a branch's reply still one."""
    session = _parallel_rewound()
    session.prompt("uo", "a3", "a prompt rewound off the branch's reply")
    session.prompt("un", "a3", "asked again")
    session.text("an", "un", "Answered.")
    session.prompt("u9", "a4", "go on")  # the newest leaf: the conversation
    built = _model(session.data())
    monkeypatch.setattr(history, "MAX_BRANCHES", 0)
    counted = _model(session.data())
    assert built.abandoned_branches == counted.abandoned_branches == 2
    assert counted.abandoned_segments == []


def test_an_edit_that_keeps_the_replay_shows_the_branch_as_the_lines_now_read() -> None:
    """A replay reused after an edit (`Transcript.replace_lines`) keeps the leaves it found; the
    branch is walked from the records now read, so its tip is listed once, as now written."""
    session = _parallel_rewound()
    transcript = Transcript.from_bytes(session.data())
    transcript.analyse()
    line = session.data().splitlines()[7].replace(b"The e2e suite fails.", b"The e2e suite broke.")
    transcript.replace_lines(7, 8, [line], ends_with_newline=True)
    model = build_model(transcript.analyse(), None)
    (branch, _) = segments(model)
    assert [item.first_line + 1 for item in branch.items] == [3, 4, 5, 8]
    texts = [item.text for item in page(model, 0, 10, 0)]
    assert texts[-1] == "The e2e suite broke."


def test_a_branch_off_the_history_before_the_last_compaction_hangs_off_no_line() -> None:
    session = _compacted()
    session.prompt("x1", "a0", "a question asked of the history, after the compaction")
    session.prompt("u9", "s1", "commit it")
    model = _model(session.data())
    branch = model.abandoned_segments[0]
    assert [item.first_line + 1 for item in branch.items] == [5]
    assert branch.fork_line is None


def test_a_branch_hanging_off_one_with_nothing_to_show_hangs_off_no_line() -> None:
    session = Builder()
    session.prompt("u0", None, "look at the parser")
    session.text("a0", "u0", "Looking.")
    caveat = "<local-command-caveat>Caveat</local-command-caveat>"
    session.prompt("m1", "a0", caveat, isMeta=True)
    session.prompt("p1", "m1", "a prompt after a local command")
    session.prompt("m2", "m1", caveat, isMeta=True)
    session.prompt("u9", "a0", "go on")
    model = _model(session.data())
    assert [segment.summary for segment in model.abandoned_segments] == [
        "a prompt after a local command"
    ]
    assert model.abandoned_segments[0].fork_line is None
    assert model.abandoned_branches == 1
