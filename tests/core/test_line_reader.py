"""How a page reads a line: a record without what Claude Code recorded of the tool's run
(`toolUseResult`), which is decoded only when asked for; the same whatever the line's length."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import build_model
from session_lsp.core.turns import texts as texts_module
from session_lsp.core.turns.texts import LineReader
from session_lsp.view_json import conversation_to_json
from tests.support.corpus import ROLLOUTS, SESSIONS, corpus_id

RECORDED = {"agentId": "a1b2c3", "structuredPatch": [], "stdout": "é" * 10}


def _line(padding: int, **fields: object) -> bytes:
    record = {"type": "user", "message": {"content": "x"}, "padding": "p" * padding, **fields}
    return json.dumps(record, ensure_ascii=False).encode()


@pytest.mark.parametrize("padding", [0, 2 * texts_module.SPLIT_FROM_BYTES], ids=["short", "long"])
def test_a_record_leaves_out_the_recorded_result_which_is_decoded_when_asked_for(
    padding: int,
) -> None:
    lines = [_line(padding, toolUseResult=RECORDED), _line(padding)]
    reader = LineReader(lines)
    record = reader.record(0)
    assert "toolUseResult" not in record
    assert record == {"type": "user", "message": {"content": "x"}, "padding": "p" * padding}
    assert reader.recorded_result(0) == RECORDED
    assert reader.recorded_result(0) is reader.recorded_result(0), "decoded once"
    assert reader.recorded_result(1) is None
    assert reader.record(1) == json.loads(lines[1])


def test_a_long_line_s_recorded_result_decodes_a_field_only_when_it_is_read() -> None:
    """An Edit's recorded result holds the whole file before it (`originalFile`): its diff
    reads the patch only."""
    long = texts_module.SPLIT_FROM_BYTES
    recorded = b'{"structuredPatch": [1], "originalFile": "\xff' + b"x" * long + b'"}'
    line = b'{"type": "user", "toolUseResult": ' + recorded + b"}"
    reader = LineReader([line, _line(long, toolUseResult="Error: refused")])
    fields = reader.recorded_result(0)
    assert isinstance(fields, Mapping) and sorted(fields) == ["originalFile", "structuredPatch"]
    assert fields.get("structuredPatch") == [1]
    assert fields.get("originalFile") is None, "not UTF-8: read as nothing, the rest kept"
    assert reader.recorded_result(1) == "Error: refused"


def test_a_long_line_that_is_not_an_object_or_not_json_reads_as_before() -> None:
    long = texts_module.SPLIT_FROM_BYTES
    array = json.dumps(["x" * long, 1]).encode()
    broken = b'{"type": "user", "message": "' + b"x" * long
    wrong_utf8 = b'{"type": "user", "toolUseResult": "\xff' + b"x" * long + b'"}'
    reader = LineReader([array, broken, wrong_utf8])
    assert reader.record(0) == json.loads(array)
    assert reader.record(1) is None and reader.recorded_result(1) is None
    assert reader.record(2) == {"type": "user"}, "the rest of the line is read"
    assert reader.recorded_result(2) is None
    assert reader.record(3) is None, "no such line"


def _whole_view(path: Path) -> dict[str, object]:
    model = build_model(analyse_bytes(path.read_bytes()), path)
    return conversation_to_json(model, "", "", 0, 10**9, agents={})


@pytest.mark.parametrize("path", SESSIONS + ROLLOUTS, ids=corpus_id)
def test_every_line_split_into_fields_shows_what_every_line_decoded_whole_shows(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits' diffs (`structuredPatch`, `originalFile`), task lists and sub-agent files are read
    from the recorded result: every line of every corpus session read each way gives one view."""
    monkeypatch.setattr(texts_module, "SPLIT_FROM_BYTES", 10**12)
    whole = _whole_view(path)
    monkeypatch.setattr(texts_module, "SPLIT_FROM_BYTES", 0)
    assert _whole_view(path) == whole
