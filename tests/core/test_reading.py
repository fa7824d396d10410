"""Reading never stops at a bad line and locates what is wrong."""

from __future__ import annotations

import json

from session_lsp.core.analysis import Transcript, analyse_bytes
from session_lsp.core.reading import split_lines
from tests.support.corpus import SHORT


def _line(record: dict[str, object]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


USER = {
    "parentUuid": None,
    "type": "user",
    "message": {"role": "user", "content": "hi"},
    "uuid": "u1",
    "timestamp": "2026-01-01T00:00:00.000Z",
}


def _codes(data: bytes) -> list[tuple[str, int, int]]:
    return [(f.code.value, f.span.line + 1, f.span.start + 1) for f in analyse_bytes(data).findings]


def test_split_keeps_unicode_line_separators_inside_records() -> None:
    data = _line({**USER, "message": {"role": "user", "content": "a\u2028b\u2029c\x85d"}}) + b"\n"
    lines, ends_with_newline = split_lines(data)
    assert len(lines) == 1 and ends_with_newline
    assert _codes(data) == []


def test_invalid_json_mid_file_is_located_at_the_decoders_column() -> None:
    data = (
        _line(USER)
        + b'\n{"type":"user",,}\n'
        + _line({**USER, "uuid": "u2", "parentUuid": "u1"})
        + b"\n"
    )
    assert _codes(data) == [("invalid-json", 2, 16)]


def test_two_records_glued_on_one_line_are_named_at_the_second_records_start() -> None:
    glued = _line(USER) + _line({**USER, "uuid": "u2", "parentUuid": "u1"})
    analysis = analyse_bytes(glued + b"\n")
    (finding,) = analysis.findings
    assert finding.code.value == "glued-records"
    assert finding.span.start == len(_line(USER).decode())
    assert "user (uuid u1) and user (uuid u2)" in finding.message
    assert [record.uuid for record in analysis.conversation.chain] == ["u1", "u2"]
    assert {record.line for record in analysis.conversation.chain} == {0}


def test_one_record_followed_by_garbage_is_invalid_json_not_glued() -> None:
    for tail in (b"xyz", b"{", b'{"type":', b"[1]", b"NaN", b'{"a":NaN}'):
        (finding,) = analyse_bytes(_line(USER) + tail + b"\n").findings
        assert finding.code.value == "invalid-json", tail
        assert "glued" in finding.message


def test_torn_last_line_is_truncated_not_invalid() -> None:
    tail = _line({**USER, "uuid": "u2", "parentUuid": "u1"})
    data = _line(USER) + b"\n" + tail[: len(tail) // 2]
    assert _codes(data) == [("truncated-line", 2, 1)]


def test_torn_last_line_padded_with_nul_bytes_after_a_power_loss() -> None:
    tail = _line({**USER, "uuid": "u2", "parentUuid": "u1"})
    assert _codes(_line(USER) + b"\n" + tail[:30] + b"\x00" * 64)[0][:2] == ("truncated-line", 2)
    assert _codes(_line(USER) + b"\n" + b"\x00" * 64)[0][:2] == ("truncated-line", 2)


def test_nul_byte_inside_a_line_is_invalid_json() -> None:
    data = _line(USER).replace(b'"hi"', b'"h\x00i"') + b"\n" + _line({**USER, "uuid": "u2"}) + b"\n"
    assert [code for code, *_ in _codes(data)] == ["invalid-json"]


def test_invalid_utf8_is_a_warning_and_the_record_is_still_read() -> None:
    data = _line(USER).replace(b'"hi"', b'"h\xffi"') + b"\n"
    analysis = analyse_bytes(data)
    assert [(f.code.value, f.severity.label) for f in analysis.findings] == [
        ("invalid-utf8", "warning")
    ]
    assert analysis.conversation.messages


def test_bom_crlf_and_empty_lines_are_tolerated() -> None:
    data = (
        b"\xef\xbb\xbf"
        + _line(USER)
        + b"\r\n\r\n\n"
        + _line({**USER, "uuid": "u2", "parentUuid": "u1"})
        + b"\r\n"
    )
    analysis = analyse_bytes(data)
    assert analysis.findings == []
    assert [r.uuid for r in analysis.conversation.chain] == ["u1", "u2"]


def test_nan_is_rejected_like_javascript_json_parse() -> None:
    data = _line(USER).replace(b'"u1"', b'"u1","x":NaN') + b"\n"
    assert _codes(data) == [("invalid-json", 1, len(_line(USER).decode().split('"u1"')[0]) + 10)]


def test_lone_surrogate_escape_is_a_warning_and_keeps_the_record() -> None:
    data = _line(USER).replace(b'"hi"', b'"h\\ud83di"') + b"\n"
    analysis = analyse_bytes(data)
    assert [f.code.value for f in analysis.findings] == ["lone-surrogate"]
    assert analysis.conversation.messages


def test_records_missing_needed_fields_are_invalid_records() -> None:
    no_message = {k: v for k, v in USER.items() if k != "message"}
    partial_call = {
        **USER,
        "uuid": "a1",
        "type": "assistant",
        "message": {
            "id": "m",
            "role": "assistant",
            "content": [{"type": "tool_use", "name": "Bash"}],
        },
    }
    data = (
        _line(USER)
        + b"\n"
        + _line({**no_message, "uuid": "u2"})
        + b"\n"
        + _line(partial_call)
        + b"\n"
    )
    assert [(c, line) for c, line, _ in _codes(data)] == [
        ("invalid-record", 2),
        ("invalid-record", 3),
    ]


def test_json_values_that_are_not_objects_are_invalid_records_in_a_transcript() -> None:
    data = _line(USER) + b"\n[1,2]\n42\n"
    assert [(c, line) for c, line, _ in _codes(data)] == [
        ("invalid-record", 2),
        ("invalid-record", 3),
    ]


def test_a_jsonl_file_that_is_not_a_transcript_gets_only_reading_findings() -> None:
    data = b'[1,2]\n{"a":1}\n{"type":"response_item","payload":{}}\n{"b":'
    assert _codes(data) == [("truncated-line", 4, 1)]


def test_a_record_with_wrong_field_types_keeps_its_place_in_the_chain() -> None:
    bad = {**USER, "uuid": "u2", "parentUuid": "u1", "message": {"role": "user", "content": 5}}
    child = {**USER, "uuid": "u3", "parentUuid": "u2", "timestamp": "2026-01-01T00:00:01.000Z"}
    analysis = analyse_bytes(_line(USER) + b"\n" + _line(bad) + b"\n" + _line(child) + b"\n")
    assert [(f.code.value, f.span.line) for f in analysis.findings] == [("invalid-record", 1)]
    assert [r.uuid for r in analysis.conversation.chain] == ["u1", "u2", "u3"]


def test_huge_lines_are_read() -> None:
    big = {**USER, "message": {"role": "user", "content": "x" * 30_000_000}}
    assert _codes(_line(big) + b"\n") == []


def test_replacing_lines_rereads_only_them_and_matches_a_fresh_read() -> None:
    data = SHORT.read_bytes()
    transcript = Transcript.from_bytes(data)
    lines, ends = split_lines(data)
    torn = lines[10][:40]
    transcript.replace_lines(10, 12, [torn], ends)
    fresh = Transcript.from_bytes(b"\n".join([*lines[:10], torn, *lines[12:]]) + b"\n")
    assert transcript.analyse().findings == fresh.analyse().findings
    assert [r.line for r in transcript.records if r] == [r.line for r in fresh.records if r]


def test_a_broken_last_line_that_ends_with_a_newline_is_corrupt_not_torn() -> None:
    """Claude Code writes a record and its newline together: with the newline, nothing was cut."""
    tail = _line({**USER, "uuid": "u2", "parentUuid": "u1"})
    assert _codes(_line(USER) + b"\n" + tail[: len(tail) // 2] + b"\n")[0][:2] == (
        "invalid-json",
        2,
    )
