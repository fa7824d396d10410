"""One seam per format: detection, and the tool ids each line names and where their partners are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats import CLAUDE_CODE, CODEX, detect
from tests.support import damage
from tests.support.corpus import ROLLOUTS, SESSIONS, TOOL_HEAVY, corpus_id


@pytest.mark.parametrize("path", SESSIONS, ids=corpus_id)
def test_every_claude_code_session_is_detected_as_such(path: Path) -> None:
    analysis = analyse_bytes(path.read_bytes())
    assert detect(analysis.lines, analysis.records) is CLAUDE_CODE


@pytest.mark.parametrize("path", ROLLOUTS, ids=lambda p: p.name[:40])
def test_every_codex_rollout_is_detected_as_such(path: Path) -> None:
    analysis = analyse_bytes(path.read_bytes())
    assert detect(analysis.lines, analysis.records) is CODEX


def test_other_jsonl_has_no_format() -> None:
    analysis = analyse_bytes(b'{"name":"a"}\n{"name":"b"}\n')
    assert detect(analysis.lines, analysis.records) is None


def test_a_glued_call_and_its_result_are_both_mentioned_and_paired() -> None:
    lines = TOOL_HEAVY.read_bytes().rstrip(b"\n").split(b"\n")
    records = [json.loads(line) for line in lines]
    use = next(i for i, r in enumerate(records) if damage.tool_uses(r))
    (tool_id,) = damage.tool_uses(records[use])
    result = next(i for i, r in enumerate(records) if tool_id in damage.tool_results(r))
    moved = [line for i, line in enumerate(lines) if i != result]
    moved[use] = lines[use] + lines[result]
    analysis = analyse_bytes(b"\n".join(moved) + b"\n")
    mentions = CLAUDE_CODE.mentions(analysis, use)
    assert [(m.tool_use_id, m.is_result) for m in mentions] == [(tool_id, False), (tool_id, True)]
    assert mentions[0].span.start < mentions[1].span.start
    assert CLAUDE_CODE.pair_lines(analysis, tool_id) == ([use], [use])


def test_hover_halves_of_a_claude_code_pair() -> None:
    analysis = analyse_bytes(TOOL_HEAVY.read_bytes())
    records = [json.loads(line) for line in TOOL_HEAVY.read_bytes().rstrip(b"\n").split(b"\n")]
    use = next(i for i, r in enumerate(records) if damage.tool_uses(r))
    (tool_id,) = damage.tool_uses(records[use])
    (block,) = [b for b in records[use]["message"]["content"] if b.get("id") == tool_id]
    call = CLAUDE_CODE.half(analysis, use, tool_id, False)
    assert (call.name, call.input, call.timestamp) == (
        block["name"],
        block["input"],
        records[use]["timestamp"],
    )
    (_, [result_line]) = CLAUDE_CODE.pair_lines(analysis, tool_id)
    result = CLAUDE_CODE.half(analysis, result_line, tool_id, True)
    assert result.output and result.name is None


def test_hover_halves_of_a_codex_pair() -> None:
    path = ROLLOUTS[0]
    analysis = analyse_bytes(path.read_bytes())
    records = [json.loads(line) for line in path.read_bytes().rstrip(b"\n").split(b"\n")]
    call = next(i for i, r in enumerate(records) if r["payload"].get("type") == "function_call")
    payload = records[call]["payload"]
    half = CODEX.half(analysis, call, payload["call_id"], False)
    assert half.name == payload["name"]
    assert half.input == json.loads(payload["arguments"])
    ([call_line], [output_line]) = CODEX.pair_lines(analysis, payload["call_id"])
    assert call_line == call
    output = CODEX.half(analysis, output_line, payload["call_id"], True)
    assert output.output is not None and output.input is None
