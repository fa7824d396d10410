"""Spans of ids inside a line: the id's own characters, in code points, found in one pass."""

from __future__ import annotations

import gc
import json
import weakref

import pytest

from session_lsp.core import locate
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Span
from session_lsp.core.formats.base import locator_of
from session_lsp.core.locate import Locator
from tests.support.corpus import TOOL_HEAVY


def _many_calls_line(count: int) -> bytes:
    blocks = [
        {"type": "tool_use", "id": f"toolu_{index:05d}", "name": "Read", "input": {"p": "é🙂"}}
        for index in range(count)
    ]
    record = {"parentUuid": "p1", "message": {"content": blocks}, "note": "日本語 🙂"}
    return json.dumps(record, ensure_ascii=False).encode()


def test_every_id_of_a_line_with_many_calls_is_located_on_its_own_characters() -> None:
    raw = _many_calls_line(300)
    text = raw.decode()
    locator = Locator([raw])
    for index in range(300):
        tool_id = f"toolu_{index:05d}"
        span = locator.tool_use_id(0, tool_id)
        assert text[span.start : span.end] == tool_id
    parent = locator.parent_uuid(0, "p1")
    assert text[parent.start : parent.end] == "p1"


def test_a_line_is_indexed_once_however_many_ids_are_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real_index = locate._index

    def counting(raw: bytes) -> locate._LineIndex:
        calls.append(len(raw))
        return real_index(raw)

    monkeypatch.setattr(locate, "_index", counting)
    raw = _many_calls_line(50)
    locator = Locator([raw, raw])
    for index in range(50):
        locator.tool_use_id(0, f"toolu_{index:05d}")
    locator.line(0)
    locator.tool_use_id(1, "toolu_00001")
    assert calls == [len(raw), len(raw)]


def test_the_value_of_the_named_key_wins_over_the_same_string_elsewhere() -> None:
    raw = b'{"note":"toolu_1","tool_use_id" : "toolu_1"}'
    span = Locator([raw]).tool_result_id(0, "toolu_1")
    assert raw.decode()[span.start : span.end] == "toolu_1"
    assert span.start == raw.decode().rindex("toolu_1")


def test_a_string_under_another_key_is_found_when_the_key_is_absent() -> None:
    raw = b'{"tool_use_id":["x"],"other":"toolu_2"}'
    span = Locator([raw]).tool_result_id(0, "toolu_2")
    assert raw.decode()[span.start : span.end] == "toolu_2"


def test_an_absent_id_spans_the_whole_line_without_its_carriage_return() -> None:
    raw = '{"a":"é"}\r'.encode()
    assert Locator([raw]).tool_use_id(0, "toolu_9") == Span(0, 0, len('{"a":"é"}'))


def test_escaped_quotes_do_not_shift_the_columns() -> None:
    raw = '{"text":"say \\"hi\\" 🙂","id":"toolu_3"}'.encode()
    span = Locator([raw]).tool_use_id(0, "toolu_3")
    assert raw.decode()[span.start : span.end] == "toolu_3"


def test_a_long_string_stays_out_of_the_index_and_a_long_value_is_still_found() -> None:
    """A tool's output is not copied into the line's index; a value longer than what is kept is
    found all the same (never in practice: ids and uuids are what is looked up)."""
    output = "x" * 100_000
    long_id = "toolu_" + "y" * (locate.LONGEST_INDEXED + 10)
    raw = json.dumps({"content": output, "tool_use_id": long_id, "id": "toolu_1"}).encode()
    index = locate._index(raw)
    assert all(len(string) <= locate.LONGEST_INDEXED for string in index.strings)
    text = raw.decode()
    span = Locator([raw]).tool_result_id(0, long_id)
    assert text[span.start : span.end] == long_id
    span = Locator([raw]).tool_use_id(0, "toolu_1")
    assert text[span.start : span.end] == "toolu_1"


def test_the_ids_of_a_line_are_located_once_per_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hover, highlight and inlay hints ask about the same line at each cursor move."""
    analysis = analyse_bytes(TOOL_HEAVY.read_bytes())
    assert analysis.format is not None
    line = next(i for i, raw in enumerate(analysis.lines) if b'"tool_use"' in bytes(raw))
    calls: list[int] = []
    real_index = locate._index

    def counting(raw: bytes, limit: int = locate.LONGEST_INDEXED) -> locate._LineIndex:
        calls.append(len(raw))
        return real_index(raw, limit)

    monkeypatch.setattr(locate, "_index", counting)
    first = analysis.format.mentions(analysis, line)
    assert first and analysis.format.mentions(analysis, line) == first
    assert len(calls) == 1


def test_what_is_kept_for_the_last_analysis_goes_with_it() -> None:
    """A closed document's analysis is not kept alive by what was worked out for it."""
    analysis = analyse_bytes(TOOL_HEAVY.read_bytes())
    assert analysis.format is not None
    line = next(i for i, raw in enumerate(analysis.lines) if b'"tool_use"' in bytes(raw))
    assert analysis.format.mentions(analysis, line)
    assert locator_of(analysis) is locator_of(analysis)
    gone = weakref.ref(analysis)
    del analysis
    gc.collect()
    assert gone() is None
