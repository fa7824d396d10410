"""A rollout's model built from its lines alone and judged with findings worked out elsewhere
(what the server does beside a worker process, `beside.py`) is the model of the whole analysis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from session_lsp.core.analysis import analyse_bytes, unjudged_analysis
from session_lsp.core.formats import CODEX, claimant
from session_lsp.core.reading import split_lines
from session_lsp.core.turns import ConversationModel, ToolStatus, build_model
from session_lsp.core.turns.build import judge_model, unjudged_model
from session_lsp.core.turns.segments import segments
from session_lsp.view_json import conversation_to_json
from tests.support.corpus import DANGLING_END_ROLLOUT, ROLLOUTS, SESSIONS, SHORT


def _every_page(model: ConversationModel) -> list[dict[str, Any]]:
    return [
        conversation_to_json(model, "", "", 0, 10**9, segment, agents={})
        for segment in range(len(segments(model)))
    ]


def _cuts(data: bytes) -> list[bytes]:
    """The whole file and the file cut after a third and two thirds of its lines: a rollout
    killed mid-turn, its last calls unanswered."""
    lines = data.splitlines(keepends=True)
    return [data, *(b"".join(lines[: len(lines) * part // 3]) for part in (1, 2))]


def _joined(data: bytes, findings_from: bytes, path: Path, live: float | None) -> ConversationModel:
    lines, ends_with_newline = split_lines(data)
    claiming = claimant(lines)
    assert claiming is CODEX
    model = unjudged_model(unjudged_analysis(lines, ends_with_newline, claiming), path)
    return judge_model(model, analyse_bytes(findings_from, modified_seconds_ago=live).findings)


@pytest.mark.parametrize("live", [None, 1.0], ids=["quiet", "live"])
@pytest.mark.parametrize("path", ROLLOUTS, ids=lambda path: path.name)
def test_a_rollout_built_from_its_lines_then_judged_is_the_whole_analysis_model(
    path: Path, live: float | None
) -> None:
    for data in _cuts(path.read_bytes()):
        whole = build_model(analyse_bytes(data, modified_seconds_ago=live), path)
        assert _every_page(_joined(data, data, path, live)) == _every_page(whole)


@pytest.mark.parametrize(("live", "status"), [(None, ToolStatus.UNPAIRED), (1.0, ToolStatus.LIVE)])
def test_the_findings_joined_later_mark_a_dangling_call(
    live: float | None, status: ToolStatus
) -> None:
    data = DANGLING_END_ROLLOUT.read_bytes()
    unjudged = _joined(data, b"", DANGLING_END_ROLLOUT, live)
    judged = _joined(data, data, DANGLING_END_ROLLOUT, live)
    (dangling,) = [item for item in judged.items if item.tool and item.tool.status is status]
    assert dangling.findings and not unjudged.items[dangling.index].findings


@pytest.mark.parametrize("path", SESSIONS, ids=lambda path: path.name)
def test_a_claude_code_session_is_claimed_by_no_format_from_its_lines(path: Path) -> None:
    """Its model needs its records and its replay: it is never built from lines alone."""
    assert claimant(split_lines(path.read_bytes())[0]) is None


def test_a_rollout_followed_by_claude_code_lines_is_claimed_but_read_as_claude_code() -> None:
    """Why the server compares the worker's format with the claimant's before joining."""
    data = DANGLING_END_ROLLOUT.read_bytes() + SHORT.read_bytes()
    assert claimant(split_lines(data)[0]) is CODEX
    assert analyse_bytes(data).format is not CODEX


def _rollout(*payloads: dict[str, Any]) -> bytes:
    """A rollout of these response items after a session's start and a prompt."""
    stamp = "2026-05-11T10:29:46.102Z"
    meta = {"id": "019e1695-0522-7c83-8b39-0dd379793f80", "timestamp": stamp, "cwd": "/x"}
    prompt = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    lines = [{"timestamp": stamp, "type": "session_meta", "payload": {**meta, "source": "cli"}}]
    lines += [
        {"timestamp": stamp, "type": "response_item", "payload": payload}
        for payload in (prompt, *payloads)
    ]
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


CALL = {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": "call_X"}


@pytest.mark.parametrize(("live", "status"), [(None, ToolStatus.UNPAIRED), (1.0, ToolStatus.LIVE)])
def test_a_call_answered_by_an_output_of_another_kind_is_shown_as_the_api_sees_it(
    live: float | None, status: ToolStatus
) -> None:
    """The file pairs them by id; the API wants a `function_call_output`, and finds none."""
    data = _rollout(CALL, {"type": "custom_tool_call_output", "call_id": "call_X", "output": "ok"})
    model = build_model(analyse_bytes(data, modified_seconds_ago=live))
    (call,) = [item.tool for item in model.items if item.tool is not None]
    assert (call.status, call.result_line) == (status, 3)


def test_of_calls_sharing_an_id_the_findings_mark_the_first_only() -> None:
    data = _rollout(CALL, CALL)
    analysis = analyse_bytes(data)
    assert {finding.tool_use_id for finding in analysis.findings} == {"call_X"}
    unjudged = unjudged_model(analysis)
    before = [item.tool.status for item in unjudged.items if item.tool is not None]
    judged = judge_model(unjudged, analysis.findings)
    after = [item.tool.status for item in judged.items if item.tool is not None]
    assert after == [ToolStatus.UNPAIRED, before[1]]
