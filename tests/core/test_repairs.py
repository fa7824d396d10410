"""Every damage x every strategy: the repaired session replays cleanly and loses nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from session_lsp.core import repairs
from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.edits import EditKind, apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all, repairs_for
from session_lsp.core.writing import STUB_TEXT
from tests.support import damage
from tests.support.corpus import (
    CLEAN_SESSIONS,
    CODEMIE_ROLLOUT,
    CODEMIE_TURN_1,
    COMPACTED_2_0,
    SUBAGENT,
    TOOL_HEAVY,
    corpus_id,
)
from tests.support.targets import targets

TARGETS = {path: targets(path) for path in CLEAN_SESSIONS}


def _killed(torn: bool) -> Callable[[damage.Session, Path], None]:
    def make(session: damage.Session, path: Path) -> None:
        line = TARGETS[path].last_chain_tool_use_line
        assert line is not None
        damage.kill_after(session, line, torn=torn)

    return make


def _with_answered(
    recipe: Callable[[damage.Session, str], object],
) -> Callable[[damage.Session, Path], None]:
    def make(session: damage.Session, path: Path) -> None:
        tool_id = TARGETS[path].middle_answered_tool_id
        assert tool_id is not None
        recipe(session, tool_id)

    return make


def _interrupted(session: damage.Session, path: Path) -> None:
    batch = TARGETS[path].parallel_batch
    assert batch is not None
    damage.interrupt_batch(session, batch)


def _one_of_batch_lost(session: damage.Session, path: Path) -> None:
    batch = TARGETS[path].parallel_batch
    assert batch is not None
    damage.lose_result(session, batch[-1])


DAMAGES: dict[str, tuple[Callable[[damage.Session, Path], None], Callable[[Path], bool]]] = {
    "killed": (_killed(False), lambda p: TARGETS[p].last_chain_tool_use_line is not None),
    "killed-torn": (_killed(True), lambda p: TARGETS[p].last_chain_tool_use_line is not None),
    "result-lost": (
        _with_answered(damage.lose_result),
        lambda p: bool(TARGETS[p].middle_answered_tool_id),
    ),
    "batch-interrupted": (_interrupted, lambda p: bool(TARGETS[p].parallel_batch)),
    "one-of-batch-lost": (_one_of_batch_lost, lambda p: bool(TARGETS[p].parallel_batch)),
    "call-deleted": (
        _with_answered(damage.delete_tool_use),
        lambda p: bool(TARGETS[p].middle_answered_tool_id),
    ),
    # Only a duplicate on the walked chain is an error; one replayed only through sibling
    # recovery is information (tests/core/test_damaged_sessions.py) and is left alone.
    "call-duplicated": (_with_answered(damage.duplicate_tool_use), lambda p: _call_walked(p)),
}


def _call_walked(path: Path) -> bool:
    tool_id = TARGETS[path].middle_answered_tool_id
    conversation = analyse_bytes(path.read_bytes()).conversation
    return any(
        part.block.id == tool_id and part.record in conversation.walked
        for message in conversation.messages
        for part in message.tool_use_parts()
    )


CASES = [
    pytest.param(path, kind, id=f"{corpus_id(path)}-{kind}")
    for path in CLEAN_SESSIONS
    for kind, (_, applies) in DAMAGES.items()
    if applies(path)
]


def _damaged(path: Path, kind: str) -> bytes:
    session = damage.Session.load(path)
    DAMAGES[kind][0](session, path)
    torn = kind == "killed-torn"
    return session.data(final_newline=not torn)


def _repair(data: bytes, strategy: Strategy) -> tuple[Analysis, bytes]:
    analysis = analyse_bytes(data)
    repair = repair_all(analysis, strategy)
    return analysis, join_lines(apply_edits(analysis.lines, repair.edits))


def _untouched_lines_survive(before: Analysis, strategy: Strategy) -> None:
    """Lines no edit names come out byte-identical and in order; replaced lines keep their keys."""
    repair = repair_all(before, strategy)
    named = {edit.line for edit in repair.edits if edit.kind is not EditKind.INSERT_AFTER}
    after = apply_edits(before.lines, repair.edits)
    kept = [bytes(line) for index, line in enumerate(before.lines) if index not in named]
    remaining = iter(bytes(line) for line in after)
    assert all(line in remaining for line in kept), "an untouched line changed or moved"
    for edit in repair.edits:
        if edit.kind is EditKind.REPLACE:
            old = json.loads(bytes(before.lines[edit.line]))
            new = json.loads(edit.text)
            assert list(old) == list(new), "key order is kept"
            changed = {key for key in old if old[key] != new[key]}
            assert changed <= {"parentUuid", "message"}
        elif edit.kind is EditKind.INSERT_AFTER:
            stub = json.loads(edit.text)
            assert next(iter(stub)) == "parentUuid"
            (block,) = stub["message"]["content"]
            assert (block["type"], block["content"], block["is_error"]) == (
                "tool_result",
                STUB_TEXT,
                True,
            )


@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
@pytest.mark.parametrize(("path", "kind"), CASES)
def test_repair_leaves_no_error_and_keeps_everything_else(
    path: Path, kind: str, strategy: Strategy
) -> None:
    data = _damaged(path, kind)
    before, repaired = _repair(data, strategy)
    assert before.error_count > 0
    after = analyse_bytes(repaired)
    assert [f for f in after.findings if f.is_error] == []
    assert repaired.endswith(b"\n")
    _untouched_lines_survive(before, strategy)
    _, again = _repair(repaired, strategy)
    assert again == repaired, "a second run changes nothing"
    if strategy is Strategy.STUB:
        leaf = before.conversation.leaf
        assert leaf is not None
        assert leaf.uuid in {record.uuid for record in after.conversation.chain}, (
            "same branch resumed"
        )


def test_stub_in_a_parallel_batch_sits_with_the_real_results_before_the_marker() -> None:
    session = damage.Session.load(SUBAGENT)
    del session.lines[13]  # one of four parallel results lost
    _, repaired = _repair(session.data(), Strategy.STUB)
    after = analyse_bytes(repaired)
    (results,) = [m for m in after.conversation.messages if m.role == "user" and len(m.parts) >= 4][
        :1
    ]
    ids = [part.block.tool_use_id for part in results.parts]
    assert "toolu_01PPH5xRopN6EKFruBKc1giM" in ids
    assert all(part.block.type == "tool_result" for part in results.parts)


def test_stub_before_an_interrupt_marker() -> None:
    path = CLEAN_SESSIONS[0]
    for candidate in CLEAN_SESSIONS:
        if TARGETS[candidate].parallel_batch:
            path = candidate
            break
    data = _damaged(path, "batch-interrupted")
    _, repaired = _repair(data, Strategy.STUB)
    after = analyse_bytes(repaired)
    for message in after.conversation.messages:
        kinds = [part.block.type for part in message.parts]
        if "tool_result" in kinds and "text" in kinds:
            assert kinds.index("text") > max(i for i, k in enumerate(kinds) if k == "tool_result")


def test_stub_in_a_sub_agent_file_carries_its_agent_id() -> None:
    agent = next(
        p
        for p in CLEAN_SESSIONS
        if p.name.startswith("agent-a") and TARGETS[p].last_chain_tool_use_line
    )
    data = _damaged(agent, "killed")
    before = analyse_bytes(data)
    repair = repair_all(before, Strategy.STUB)
    stubs = [json.loads(edit.text) for edit in repair.edits if edit.kind is EditKind.INSERT_AFTER]
    assert stubs
    agent_id = before.conversation.agent_id
    assert agent_id is not None
    assert all(stub["isSidechain"] is True and stub["agentId"] == agent_id for stub in stubs)


def test_stub_is_deterministic_and_follows_its_parent_in_time() -> None:
    data = CODEMIE_TURN_1.read_bytes()
    (first,) = [
        e
        for e in repair_all(analyse_bytes(data), Strategy.STUB).edits
        if e.kind is EditKind.INSERT_AFTER
    ]
    (second,) = [
        e
        for e in repair_all(analyse_bytes(data), Strategy.STUB).edits
        if e.kind is EditKind.INSERT_AFTER
    ]
    assert first == second
    stub = json.loads(first.text)
    call = json.loads(data.split(b"\n")[24])
    assert stub["timestamp"] > call["timestamp"]
    assert stub["sessionId"] == call["sessionId"] and stub["cwd"] == call["cwd"]
    assert stub["toolUseResult"] == f"Error: {STUB_TEXT}"


def test_purge_removes_thinking_left_alone_in_the_message() -> None:
    analysis = analyse_bytes(CODEMIE_TURN_1.read_bytes())
    repair = repair_all(analysis, Strategy.PURGE)
    assert {(e.kind, e.line + 1) for e in repair.edits} == {
        (EditKind.DELETE, 24),
        (EditKind.DELETE, 25),
    }


def test_purge_of_an_orphan_right_after_a_compaction_boundary_never_relinks_across_it() -> None:
    session = damage.Session.load(COMPACTED_2_0)
    tool_id = damage.COMPACTED_CALL
    boundary = next(
        i for i, r in enumerate(session.records()) if r and r.get("subtype") == "compact_boundary"
    )
    summary = session.record(boundary + 1)
    orphan_uuid = "11111111-2222-3333-4444-555555555555"
    session.insert(
        boundary + 1,
        {
            "parentUuid": session.record(boundary)["uuid"],
            "isSidechain": False,
            "type": "user",
            "message": {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": "x"}],
            },
            "uuid": orphan_uuid,
            "timestamp": session.record(boundary)["timestamp"],
        },
    )
    session.set_parent(boundary + 2, orphan_uuid)
    before, repaired = _repair(session.data(), Strategy.PURGE)
    assert {f.code.value for f in before.findings if f.is_error} == {"orphan-tool-result"}
    after = analyse_bytes(repaired)
    assert not [f for f in after.findings if f.is_error]
    assert after.conversation.end.value == "compaction"
    relinked = next(r for r in after.records if r is not None and r.uuid == summary["uuid"])
    assert relinked.parentUuid == session.record(boundary)["uuid"]


def test_every_error_finding_offers_a_fix_with_the_preferred_first() -> None:
    data = _damaged(SUBAGENT, "one-of-batch-lost")
    analysis = analyse_bytes(data)
    for finding in analysis.findings:
        repairs = repairs_for(analysis, finding)
        assert [r.strategy for r in repairs] == [Strategy.STUB, Strategy.PURGE, Strategy.TRUNCATE]
        for repair in repairs:
            repaired = analyse_bytes(join_lines(apply_edits(analysis.lines, repair.edits)))
            assert finding.tool_use_id not in {
                f.tool_use_id for f in repaired.findings if f.is_error
            }


def test_the_fixes_of_every_finding_share_one_truncation_and_one_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A code action over a range asks for each finding's fixes: where to cut (up to 64 analyses)
    and the glued lines split are worked out once per analysis, not once per finding."""
    answered_elsewhere = TOOL_HEAVY.read_bytes().replace(b'"tool_use_id":"', b'"tool_use_id":"x')
    analysis = analyse_bytes(answered_elsewhere)
    errors = [finding for finding in analysis.findings if finding.is_error]
    assert len(errors) > 3
    cuts: list[int] = []
    real_truncation_line = repairs.truncation_line

    def counting(of: Analysis) -> int | None:
        cuts.append(1)
        return real_truncation_line(of)

    monkeypatch.setattr(repairs, "truncation_line", counting)
    offered = [repairs_for(analysis, finding) for finding in errors]
    assert all(any(r.strategy is Strategy.TRUNCATE for r in fixes) for fixes in offered)
    assert len(cuts) == 1
    assert repair_all(analysis, Strategy.TRUNCATE) is offered[0][-1]


def _findings_of(analysis: Analysis, code: str, tool_id: str) -> list[int]:
    return [f.span.line for f in analysis.findings if f.code == code and f.tool_use_id == tool_id]


def _one_fix_applied(data: bytes, code: str, tool_id: str) -> Analysis:
    """The first fix offered for the finding, applied alone (a quick fix in the editor)."""
    analysis = analyse_bytes(data)
    (finding,) = [f for f in analysis.findings if f.code == code and f.tool_use_id == tool_id]
    fix = next(fix for fix in repairs_for(analysis, finding) if fix.strategy is Strategy.PURGE)
    return analyse_bytes(join_lines(apply_edits(analysis.lines, fix.edits)))


def test_removing_an_unanswered_call_written_twice_removes_both_copies() -> None:
    """A line written twice (a sync tool's merge) replays as one; with one copy removed, the
    other took its place and the call stayed unanswered."""
    path = CLEAN_SESSIONS[0]
    session = damage.Session.load(path)
    line = TARGETS[path].last_chain_tool_use_line
    assert line is not None
    damage.kill_after(session, line, torn=False)
    (tool_id,) = damage.tool_uses(session.record(line))
    session.lines.insert(line, session.lines[line])
    assert _findings_of(analyse_bytes(session.data()), "unpaired-tool-use", tool_id)
    after = _one_fix_applied(session.data(), "unpaired-tool-use", tool_id)
    assert _findings_of(after, "unpaired-tool-use", tool_id) == []
    assert len(after.lines) == len(session.lines) - 2


def test_removing_an_orphan_result_written_twice_removes_both_copies() -> None:
    path = CLEAN_SESSIONS[0]
    tool_id = TARGETS[path].middle_answered_tool_id
    assert tool_id is not None
    session = damage.Session.load(path)
    damage.delete_tool_use(session, tool_id)
    result = damage.result_line(session, tool_id)
    assert result is not None
    session.lines.insert(result, session.lines[result])
    after = _one_fix_applied(session.data(), "orphan-tool-result", tool_id)
    assert _findings_of(after, "orphan-tool-result", tool_id) == []


def test_removing_an_unanswered_codex_call_written_twice_removes_both_copies() -> None:
    lines = CODEMIE_ROLLOUT.read_bytes().split(b"\n")
    call = next(i for i, line in enumerate(lines) if b'"type":"function_call"' in line)
    tool_id = json.loads(lines[call])["payload"]["call_id"]
    kept = [line for line in lines if tool_id.encode() not in line or line == lines[call]]
    copied = [*kept[: call + 1], kept[call], *kept[call + 1 :]]
    data = b"\n".join(line for line in copied if line) + b"\n"
    assert _findings_of(analyse_bytes(data), "unpaired-tool-use", tool_id)
    after = _one_fix_applied(data, "unpaired-tool-use", tool_id)
    assert _findings_of(after, "unpaired-tool-use", tool_id) == []


def _with_unreadable_line(uuid_in_input: bool = False) -> tuple[bytes, int]:
    """A session whose fourth line holds a `NaN` (no JSON) but all its keys, with a child after
    it; the line's content may hold a "uuid" key of an existing line too."""
    from tests.support.claude_records import Builder

    session = Builder()
    session.prompt("u1", None, "start")
    session.call("a1", "u1", "toolu_A", "Read", file_path="/x")
    session.result("r1", "a1", "toolu_A", "text")
    session.text("x1", "r1", "looked")
    session.text("a2", "x1", "done")
    lines = session.data().split(b"\n")
    torn = lines[3]
    if uuid_in_input:
        torn = torn.replace(b'"content":[', b'"content":[{"input":{"uuid":"r1"}},', 1)
    lines[3] = torn.replace(b'"text":"looked"', b'"text":NaN')
    return b"\n".join(lines), 3


def test_an_unreadable_line_is_removed_and_its_child_relinked_to_its_parent() -> None:
    data, bad = _with_unreadable_line()
    analysis = analyse_bytes(data)
    (finding,) = [f for f in analysis.findings if f.code.value == "invalid-json"]
    repaired_by = repairs_for(analysis, finding)
    assert [r.title for r in repaired_by][:1] == [f"Remove the unreadable line {bad + 1}"]
    (remove,) = [r for r in repaired_by if r.title.startswith("Remove")]
    lines = apply_edits(analysis.lines, remove.edits)
    assert len(lines) == len(analysis.lines) - 1
    child = json.loads(bytes(lines[bad]))
    assert child["uuid"] == "a2" and child["parentUuid"] == "r1"
    before = [
        bytes(line) for index, line in enumerate(analysis.lines) if index not in (bad, bad + 1)
    ]
    after = [bytes(line) for index, line in enumerate(lines) if index != bad]
    assert before == after, "no other line changes"
    assert analyse_bytes(join_lines(lines)).findings == []


def test_an_unreadable_line_that_names_another_lines_uuid_is_relinked_by_its_own() -> None:
    """Its content names an existing line's uuid too: only the uuid no readable line holds and
    some line names as its parent can be its own."""
    data, bad = _with_unreadable_line(uuid_in_input=True)
    analysis = analyse_bytes(data)
    (finding,) = [f for f in analysis.findings if f.code.value == "invalid-json"]
    (remove, *_) = repairs_for(analysis, finding)
    lines = apply_edits(analysis.lines, remove.edits)
    assert json.loads(bytes(lines[bad]))["parentUuid"] == "r1"


def _removal_offered(data: bytes) -> bool:
    analysis = analyse_bytes(data)
    invalid = [f for f in analysis.findings if f.code.value == "invalid-json"]
    assert invalid, "the line is reported"
    return any(
        repair.title.startswith("Remove the unreadable line")
        for finding in invalid
        for repair in repairs_for(analysis, finding)
    )


def test_a_line_only_too_long_for_session_lsp_or_after_a_nul_hole_is_never_removed() -> None:
    """Claude Code reads a line of 10,001 blocks (session-lsp does not): removing it would lose a
    message. After a NUL hole the file is unreliable: truncating is the fix."""
    from tests.support.claude_records import Builder

    session = Builder()
    session.prompt("u1", None, "start")
    session.text("a1", "u1", "many")
    session.text("a2", "a1", "done")
    many = [{"type": "text", "text": "x"}] * 10_001
    session.lines[1]["message"]["content"] = many
    assert not _removal_offered(session.data())
    lines = _with_unreadable_line()[0].split(b"\n")
    lines[3] = lines[3].replace(b"NaN", b'"lo\x00\x00\x00st"')
    assert not _removal_offered(b"\n".join(lines))
    assert _removal_offered(_with_unreadable_line()[0])


def test_an_unreadable_line_holding_two_records_is_removed_without_relinking() -> None:
    """A torn record with a whole one glued after it: whose parent is whose cannot be told, so
    the child is left to its missing parent rather than re-linked past a line."""
    data, bad = _with_unreadable_line()
    lines = data.split(b"\n")
    lines[bad] = lines[bad][:60] + lines[bad]
    analysis = analyse_bytes(b"\n".join(lines))
    (finding,) = [f for f in analysis.findings if f.code.value == "invalid-json"]
    (remove, *_) = repairs_for(analysis, finding)
    kept = apply_edits(analysis.lines, remove.edits)
    assert [bytes(line) for line in kept] == [
        bytes(line) for index, line in enumerate(analysis.lines) if index != bad
    ]
