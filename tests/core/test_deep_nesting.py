"""JSON nested deeper than Python's recursion limit: read, checked and repaired, never a crash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Code
from session_lsp.core.nesting import MAX_NESTING
from session_lsp.core.repairs import Strategy
from session_lsp.core.turns import build_model
from session_lsp.disk import fix_file
from tests.lsp import sessions
from tests.support.files import age


def deeply_nested_session(depth: int) -> bytes:
    """`sessions.dangling` whose unanswered Bash call holds `depth` nested arrays in its input."""
    text = sessions.dangling(tool_input={"deep": "DEPTH"})
    return text.replace('"DEPTH"', "[" * depth + "]" * depth).encode()


def test_a_tool_input_nested_a_thousand_levels_is_read_and_its_call_checked() -> None:
    limit = sys.getrecursionlimit()
    analysis = analyse_bytes(deeply_nested_session(1_000))
    assert [(f.code, f.span.line, f.tool_use_id) for f in analysis.findings] == [
        (Code.UNPAIRED_TOOL_USE, 3, "toolu_01BASH")
    ]
    assert sys.getrecursionlimit() == limit


@pytest.mark.parametrize("strategy", list(Strategy))
def test_every_strategy_repairs_a_session_whose_call_is_nested_a_thousand_levels(
    tmp_path: Path, strategy: Strategy
) -> None:
    session = tmp_path / "deep.jsonl"
    session.write_bytes(deeply_nested_session(1_000))
    age(session)
    outcome = fix_file(session, strategy)
    assert outcome.changed and not outcome.refused, outcome.message
    assert analyse_bytes(session.read_bytes()).error_count == 0


def test_a_line_nested_beyond_the_limit_is_a_located_finding_and_reading_goes_on() -> None:
    data = deeply_nested_session(MAX_NESTING + 2_000)
    analysis = analyse_bytes(data + sessions.line(sessions.prompt("u9", "more", "a2", 9)).encode())
    deep = [f for f in analysis.findings if f.code is Code.INVALID_JSON]
    assert [f.span.line for f in deep] == [3]
    assert f"nested more than {MAX_NESTING} levels deep" in deep[0].message
    assert analysis.records[4] is not None, "the line after it is still read"


def test_the_session_id_is_read_from_a_first_line_nested_a_thousand_levels() -> None:
    """Records leave `sessionId` out and the model and a fork read it from the line: a line whose
    other fields nest 1,500 levels deep is read with the same room as the records."""
    deep = "[" * 1_500 + "]" * 1_500
    first = (
        '{"type":"user","uuid":"u0","parentUuid":null,"sessionId":"abc-1",'
        f'"toolUseResult":{deep},"message":{{"role":"user","content":"hello"}}}}'
    )
    data = (first + "\n").encode()
    analysis = analyse_bytes(data)
    assert build_model(analysis).session_id == "abc-1"
    assert analysis.format is not None
    (forked,) = analysis.format.forked(analysis, analysis.lines, "new-9")
    assert b'"sessionId":"new-9"' in forked
