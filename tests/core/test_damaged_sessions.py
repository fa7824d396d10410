"""Real sessions damaged the ways they break in the wild give exactly the expected findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Severity
from session_lsp.core.repairs import Strategy, repair_all
from tests.support import damage
from tests.support.corpus import (
    CLEAN_SESSIONS,
    COMPACTED_2_0,
    SOUND_RECORDER,
    SUBAGENT,
    TOOL_HEAVY,
    WORKTREES,
    corpus_id,
)
from tests.support.findings import check, keys
from tests.support.targets import targets

TARGETS = {path: targets(path) for path in CLEAN_SESSIONS}
WITH_TOOLS = [path for path in CLEAN_SESSIONS if TARGETS[path].chain_tool_ids]
WITH_ANSWERED = [path for path in CLEAN_SESSIONS if TARGETS[path].middle_answered_tool_id]
WITH_BATCH = [path for path in CLEAN_SESSIONS if TARGETS[path].parallel_batch]


def test_the_corpus_offers_every_kind_of_damage_site() -> None:
    assert len(WITH_TOOLS) >= 12
    assert len(WITH_BATCH) >= 5


@pytest.mark.parametrize("torn", [False, True], ids=["clean-cut", "torn-tail"])
@pytest.mark.parametrize("path", WITH_TOOLS, ids=corpus_id)
def test_killed_right_after_a_tool_use(path: Path, torn: bool) -> None:
    session = damage.Session.load(path)
    line = TARGETS[path].last_chain_tool_use_line
    assert line is not None
    expected = damage.kill_after(session, line, torn=torn)
    assert expected.findings
    assert check(session.data(final_newline=not torn)) == expected.findings


@pytest.mark.parametrize("path", WITH_ANSWERED, ids=corpus_id)
def test_result_lost_mid_file_with_chain_relinked(path: Path) -> None:
    session = damage.Session.load(path)
    tool_id = TARGETS[path].middle_answered_tool_id
    assert tool_id is not None
    assert check(session.data()) == set(), "intact file is clean"
    assert check(damage.Session.load(path).data()) == set()
    assert check((lambda s: (damage.lose_result(s, tool_id), s)[1])(session).data()) == {
        ("unpaired-tool-use", tool_id, _use_line(session, tool_id))
    }


def _use_line(session: damage.Session, tool_id: str) -> int:
    return next(i for i, r in enumerate(session.records()) if tool_id in damage.tool_uses(r)) + 1


@pytest.mark.parametrize("path", WITH_BATCH, ids=corpus_id)
def test_parallel_batch_results_replaced_by_interrupt_marker(path: Path) -> None:
    session = damage.Session.load(path)
    batch = TARGETS[path].parallel_batch
    assert batch is not None
    expected = damage.interrupt_batch(session, batch)
    assert len(expected.findings) == len(batch) >= 2
    assert check(session.data()) == expected.findings


@pytest.mark.parametrize("path", WITH_ANSWERED, ids=corpus_id)
def test_deleted_tool_use_leaves_an_orphan_result(path: Path) -> None:
    session = damage.Session.load(path)
    tool_id = TARGETS[path].middle_answered_tool_id
    assert tool_id is not None
    expected = damage.delete_tool_use(session, tool_id)
    assert check(session.data()) == expected.findings


@pytest.mark.parametrize("path", WITH_ANSWERED, ids=corpus_id)
def test_duplicated_tool_use_line(path: Path) -> None:
    """An error when the call is on the walked chain; information when both copies are replayed
    only through sibling recovery (before 2.1.80 neither is seen, from 2.1.80 one is dropped)."""
    session = damage.Session.load(path)
    tool_id = TARGETS[path].middle_answered_tool_id
    assert tool_id is not None
    walked = {record.uuid for record in analyse_bytes(path.read_bytes()).conversation.walked}
    call_walked = any(
        tool_id in damage.tool_uses(record) and record["uuid"] in walked
        for record in session.records()
        if record is not None
    )
    expected = damage.duplicate_tool_use(session, tool_id)
    analysis = analyse_bytes(session.data())
    assert keys(analysis, worst=Severity.INFORMATION) == expected.findings
    (duplicate,) = analysis.findings
    assert duplicate.severity is (Severity.ERROR if call_walked else Severity.INFORMATION)


def test_lost_parallel_result_on_a_2_1_dag() -> None:
    session = damage.Session.load(SUBAGENT)
    del session.lines[13]
    assert check(session.data()) == {("unpaired-tool-use", "toolu_01PPH5xRopN6EKFruBKc1giM", 11)}


def test_orphan_result_after_deleting_tool_use_line_9_of_a_2_0_session() -> None:
    session = damage.Session.load(SOUND_RECORDER)
    record = session.record(8)
    (tool_id,) = damage.tool_uses(record)
    expected = damage.delete_tool_use(session, tool_id)
    assert check(session.data()) == expected.findings


def test_result_for_a_call_before_the_compaction_boundary_is_an_orphan() -> None:
    session = damage.Session.load(COMPACTED_2_0)
    line = damage.answer_compacted_call(session)
    assert check(session.data()) == {("orphan-tool-result", damage.COMPACTED_CALL, line + 1)}


def test_duplicate_id_in_an_interleaved_streaming_group() -> None:
    session = damage.Session.load(TOOL_HEAVY)
    (tool_id,) = damage.tool_uses(session.record(33))
    expected = damage.duplicate_tool_use(session, tool_id)
    assert check(session.data()) == expected.findings == {("duplicate-tool-use-id", tool_id, 35)}


@pytest.mark.parametrize("path", [SUBAGENT, WORKTREES, SOUND_RECORDER], ids=corpus_id)
def test_damage_on_an_abandoned_branch_is_not_an_error(path: Path) -> None:
    """A rewound branch: older than the leaf, so the resume never walks it."""
    session = damage.Session.load(path)
    records = session.records()
    chain_start = next(
        r
        for r in records
        if r and r.get("type") == "user" and isinstance(r["message"].get("content"), str)
    )
    session.insert(
        len(session.lines),
        {
            "parentUuid": chain_start["uuid"],
            "isSidechain": False,
            "type": "assistant",
            "message": {
                "id": "msg_abandoned",
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "toolu_abandoned", "name": "Bash", "input": {}}
                ],
            },
            "uuid": "99999999-2222-3333-4444-555555555555",
            "timestamp": chain_start["timestamp"],
        },
    )
    assert check(session.data()) == set()


def test_a_rewritten_span_duplicates_only_through_recovered_lines_is_information() -> None:
    path = SOUND_RECORDER
    start = len(damage.Session.load(path).lines) // 3
    data = damage.rewritten_span(path, start)
    analysis = analyse_bytes(data)
    assert analysis.conversation.recovered
    assert check(data) == set()
    duplicates = [f for f in analysis.findings if f.code.value.startswith("duplicate-")]
    assert duplicates
    assert {f.severity for f in duplicates} == {Severity.INFORMATION}
    assert all("no version fails" in f.message for f in duplicates)
    for strategy in Strategy:
        assert repair_all(analysis, strategy).edits == ()
