"""Truncate never deletes a session, and says what it drops before it does."""

from __future__ import annotations

import json
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all, repairs_for
from session_lsp.disk import fix_file
from tests.support import damage
from tests.support.cli import run_cli
from tests.support.corpus import SOUND_RECORDER, TOOL_HEAVY
from tests.support.files import aged_copy
from tests.support.findings import check
from tests.support.targets import targets


def _starting_at_an_orphan() -> bytes:
    """A partial transcript: tool_heavy.jsonl cut to begin at its first tool_result line."""
    lines = TOOL_HEAVY.read_bytes().rstrip(b"\n").split(b"\n")
    first = next(i for i, line in enumerate(lines) if damage.tool_results(json.loads(line)))
    return b"\n".join(lines[first:]) + b"\n"


def test_truncate_refuses_to_keep_no_prompt_and_names_the_strategy_that_helps() -> None:
    data = _starting_at_an_orphan()
    analysis = analyse_bytes(data)
    assert ("orphan-tool-result", 1) in {(code, line) for code, _, line in check(data)}
    repair = repair_all(analysis, Strategy.TRUNCATE)
    assert repair.edits == ()
    assert repair.refusal is not None
    assert "keep no user prompt" in repair.refusal
    assert "use --strategy stub instead" in repair.refusal
    (orphan,) = [f for f in analysis.findings if f.code.value == "orphan-tool-result"]
    assert [r.strategy for r in repairs_for(analysis, orphan)] == [Strategy.PURGE]
    stubbed = join_lines(apply_edits(analysis.lines, repair_all(analysis, Strategy.STUB).edits))
    assert {code for code, _, _ in check(stubbed)} <= {"missing-parent"}


def test_fix_with_truncate_refuses_and_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "partial.jsonl"
    path.write_bytes(_starting_at_an_orphan())
    path = aged_copy(path, tmp_path / "session.jsonl")
    before = path.read_bytes()
    outcome = fix_file(path, Strategy.TRUNCATE)
    assert outcome.refused and not outcome.changed
    assert "keep no user prompt" in outcome.message
    assert path.read_bytes() == before
    result = run_cli("fix", "--strategy", "truncate", str(path))
    assert result.returncode == 2
    assert "use --strategy stub instead" in result.stderr
    assert path.read_bytes() == before


def test_truncate_refuses_a_file_with_no_session_records(tmp_path: Path) -> None:
    data = b'{"name":"a"}\n{"name":\n{"name":"c"}\n'
    analysis = analyse_bytes(data)
    assert analysis.error_count == 1
    repair = repair_all(analysis, Strategy.TRUNCATE)
    assert repair.edits == () and repair.refusal is not None
    assert "no Claude Code or Codex session records" in repair.refusal


def test_truncate_says_how_many_lines_prompts_and_tool_calls_it_drops() -> None:
    session = damage.Session(SOUND_RECORDER.read_bytes().rstrip(b"\n").split(b"\n"))
    tool_id = targets(SOUND_RECORDER).middle_answered_tool_id
    assert tool_id is not None
    damage.lose_result(session, tool_id)
    analysis = analyse_bytes(session.data())
    repair = repair_all(analysis, Strategy.TRUNCATE)
    cut = min(edit.line for edit in repair.edits)
    dropped = [json.loads(line) for line in session.lines[cut:]]
    calls = sum(len(damage.tool_uses(record)) for record in dropped)
    prompts = sum(
        1
        for record in dropped
        if record.get("type") == "user"
        and not damage.tool_results(record)
        and not record.get("isMeta")
        and not str(record["message"]["content"]).startswith(
            ("[Request interrupted", "[{'type': 'text', 'text': '[Request interrupted")
        )
    )
    total = len(session.lines)
    assert repair.title == (
        f"Truncate: drops {total - cut} of {total} lines ({prompts} prompt"
        f"{'s' * (prompts != 1)}, {calls} tool call{'s' * (calls != 1)})"
    )
    assert prompts and calls
    unpaired = next(f for f in analysis.findings if f.code.value == "unpaired-tool-use")
    assert repair.title in [r.title for r in repairs_for(analysis, unpaired)]
