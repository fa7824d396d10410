"""Sessions with Windows line ends (CRLF), as an editor or a `git` checkout with autocrlf on
Windows leaves them: the same findings at the same places as with LF, and a repair that keeps
CRLF on every line, its own included, and every untouched line byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file

RECORDS = [
    {
        "type": "user",
        "uuid": "u1",
        "parentUuid": None,
        "sessionId": "s1",
        "message": {"role": "user", "content": "hi"},
    },
    {
        "type": "assistant",
        "uuid": "a1",
        "parentUuid": "u1",
        "sessionId": "s1",
        "message": {
            "role": "assistant",
            "id": "m1",
            "content": [
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}
            ],
        },
    },
    {
        "type": "user",
        "uuid": "u2",
        "parentUuid": "a1",
        "sessionId": "s1",
        "message": {"role": "user", "content": "next"},
    },
]


def session(line_end: bytes, damage: bytes = b"") -> bytes:
    data = b"".join(json.dumps(record).encode() + line_end for record in RECORDS)
    if not damage:
        return data
    return data + damage + line_end + json.dumps(RECORDS[0]).encode() + line_end


DAMAGE = [
    b'{"type":"user","uuid":',  # torn, with lines after it
    b'{"type":"user"} {"type":"user"}',  # extra data
    b'{"type":"user","n":NaN}',  # not JSON as JavaScript reads it
    b"   ",  # a blank line
]


def located(data: bytes) -> list[tuple[str, int, int, int]]:
    findings = analyse_bytes(data, modified_seconds_ago=3600).findings
    return [(str(f.code), f.span.line, f.span.start, f.span.end) for f in findings]


@pytest.mark.parametrize("damage", [b"", *DAMAGE])
def test_crlf_and_lf_sessions_give_the_same_findings_at_the_same_places(damage: bytes) -> None:
    """A CRLF line's \\r is its line end: no finding points at it (the editor shows none)."""
    assert located(session(b"\r\n", damage)) == located(session(b"\n", damage))
    assert located(session(b"\r\n", damage))


def test_a_repair_of_a_crlf_session_keeps_crlf_and_every_untouched_line(tmp_path: Path) -> None:
    path = tmp_path / "s1.jsonl"
    original = session(b"\r\n")
    path.write_bytes(original)
    fix_file(path, Strategy.STUB, backup=False, force=True)
    repaired = path.read_bytes()
    lines = repaired.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line for line in lines)  # CRLF on every line
    assert len(lines) - 1 == len(RECORDS) + 1  # the stub answer was added
    original_lines = original.split(b"\r\n")[:-1]
    assert lines[:2] == original_lines[:2]
    assert b"toolu_1" in lines[2] and b"tool_result" in lines[2]
    assert json.loads(lines[3])["uuid"] == "u2"
    assert located(repaired) == []


def test_glued_records_on_a_crlf_line_are_split_with_nothing_lost(tmp_path: Path) -> None:
    """The split writes `\\n` between the parts, as Claude Code writes every line (also on
    Windows): a reader splits at `\\n` and JSON.parse takes a trailing `\\r` as whitespace."""
    answer = {
        "type": "user",
        "uuid": "r1",
        "parentUuid": "a1",
        "sessionId": "s1",
        "message": {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}],
        },
    }
    first = dict(RECORDS[2], uuid="u3", parentUuid="u2")
    second = dict(RECORDS[2], uuid="u4", parentUuid="u3")
    lines = [json.dumps(r).encode() for r in (RECORDS[0], RECORDS[1], answer, RECORDS[2])]
    glued = json.dumps(first).encode() + json.dumps(second).encode()
    path = tmp_path / "s1.jsonl"
    path.write_bytes(b"".join(line + b"\r\n" for line in [*lines, glued]))
    fix_file(path, Strategy.STUB, backup=False, force=True)
    repaired = path.read_bytes()
    assert repaired.startswith(b"".join(line + b"\r\n" for line in lines))
    assert repaired.replace(b"\r\n", b"\n").split(b"\n") == [
        *lines,
        json.dumps(first).encode(),
        json.dumps(second).encode(),
        b"",
    ]
    assert located(repaired) == []
