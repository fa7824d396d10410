"""Search over every segment's texts, inputs and results, uncut (core/search.py).

The byte prefilter must never lose a match the decoded texts hold, however the writer escaped
them: raw UTF-8 (Claude Code), `\\uXXXX` (Python's json.dumps), a Codex call's arguments escaped
twice, and tool inputs shown as indented JSON.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.search import (
    MAX_QUERY,
    Field,
    Hit,
    QueryError,
    candidate_lines,
    compile_query,
    search_model,
    snippet,
)
from session_lsp.core.turns import ConversationModel, build_model
from session_lsp.core.turns.model import MAX_TEXT
from tests.support.claude_records import Builder
from tests.support.corpus import CORPUS

COMPACTED = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
CODEX = (
    CORPUS
    / "codex/codemie-code/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl"
)


def _model(data: bytes, path: Path | None = None) -> ConversationModel:
    return build_model(analyse_bytes(data), path)


def _search(model: ConversationModel, query: str, limit: int = 1000) -> list[Hit]:
    return search_model(model, compile_query(query), limit)


def _where(hits: list[Hit]) -> list[tuple[int, int, str]]:
    return [(hit.segment, hit.index, hit.field.value) for hit in hits]


def test_a_match_before_the_last_compaction_is_found_in_its_segment() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    hits = _search(model, "off by one column")
    assert _where(hits)[0] == (0, 2, "text")
    assert "off by one column" in hits[0].snippet
    assert hits[0].line + 1 == 7


def test_matches_ignore_case_ascii_and_not() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    assert _where(_search(model, "PYTEST -Q")) == _where(_search(model, "pytest -q"))
    assert _search(model, "pytest -q")
    assert _where(_search(model, "CAFÉ NAÏVE")) == _where(_search(model, "café naïve"))
    assert _search(model, "café naïve")


def test_a_tool_input_matches_as_it_is_shown_and_a_result_across_lines() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    [hit, *_] = _search(model, '"command": "pytest -q tests/"')
    assert hit.field is Field.INPUT
    [exit_hit] = _search(model, "Exit code 1\n    # Call")
    assert exit_hit.field is Field.RESULT
    assert exit_hit.snippet.startswith("Exit code 1\\n    # Call")


def test_a_file_escaped_as_json_dumps_escapes_finds_the_same_matches() -> None:
    raw = COMPACTED.read_bytes()
    escaped = b"".join(
        json.dumps(json.loads(line), ensure_ascii=True).encode() + b"\n"
        for line in raw.splitlines()
    )
    assert "日本語".encode() not in escaped and b"\\u65e5" in escaped
    for query in ("日本語のテキスト", "café naïve résumé", "😀👍🏽", "Exit code 1\n"):
        expected = _where(_search(_model(raw), query))
        assert expected, query
        assert _where(_search(_model(escaped), query)) == expected, query


def test_a_codex_call_input_escaped_twice_is_found() -> None:
    data = CODEX.read_bytes()
    model = _model(data)
    hits = _search(model, """"cmd": "sed -n '1,180p' /Users""")
    assert [hit.field for hit in hits] == [Field.INPUT]
    assert b'"arguments":"{\\"cmd\\": \\"sed -n \'1,180p\'' in data.splitlines()[hits[0].line]


def test_a_match_past_what_a_page_sends_is_found_uncut() -> None:
    session = Builder()
    session.prompt("u1", None, "read the log")
    session.call("a1", "u1", "toolu_01LOG", command="cat log")
    filler = "x" * (MAX_TEXT * 3)
    session.result("r1", "a1", "toolu_01LOG", filler + " the needle at the end")
    [hit] = _search(_model(session.data()), "NEEDLE")
    assert (hit.index, hit.field) == (1, Field.RESULT)
    assert hit.snippet.endswith("the needle at the end")
    assert hit.snippet.startswith("\u2026x")


def test_a_hostile_query_and_text_give_one_escaped_line() -> None:
    session = Builder()
    text = "evil \x1b]0;owned\x07 title\u202e\u2028 and \x00 nul"
    session.prompt("u1", None, text)
    [hit] = _search(_model(session.data()), "\x1b]0;owned\x07")
    assert hit.snippet == "evil \\x1b]0;owned\\x07 title\\u202e\\u2028 and \\x00 nul"
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in hit.snippet)
    assert _search(_model(session.data()), "\x00\x01\x02") == []


def test_a_query_of_separators_alone_still_searches_every_line() -> None:
    session = Builder()
    session.prompt("u1", None, "path a/b")
    session.prompt("u2", "u1", 'say "hi"')
    model = _model(session.data())
    assert _where(_search(model, "/")) == [(0, 0, "text")]
    assert _where(_search(model, '"')) == [(0, 1, "text"), (0, 1, "text")]


def test_the_limit_keeps_the_first_matches_in_conversation_order() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    every = _search(model, "the")
    assert len(every) > 20
    assert _search(model, "the", limit=7) == every[:7]
    order = [(hit.segment, hit.index) for hit in every]
    assert order == sorted(order)


def test_an_empty_or_overlong_query_is_refused() -> None:
    for query in ("", "   ", "x" * (MAX_QUERY + 1)):
        with pytest.raises(QueryError):
            compile_query(query)


def test_candidate_lines_are_exactly_the_lines_holding_every_piece() -> None:
    rng = random.Random(7)
    words = ["alpha", "Beta", "gamma\\n", "délta", "\\u00e9psilon", "ALPHA beta", r"\"alpha\""]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 6))) for _ in range(400)]
    buffer = "\n".join(lines).encode()
    for query in ("alpha beta", "délta", "éPSILON", 'alpha"', "gamma\n"):
        compiled = compile_query(query)
        expected = [
            number
            for number, line in enumerate(buffer.split(b"\n"))
            if all(any(form in line.lower() for form in forms) for forms in compiled.pieces)
        ]
        assert candidate_lines(buffer, compiled) == expected, query


def test_candidate_lines_take_a_line_once_however_often_it_matches() -> None:
    buffer = b"a\n" + b"needle " * 100_000 + b"\nb\nneedle"
    assert candidate_lines(buffer, compile_query("needle")) == [1, 3]


def test_a_snippet_is_cut_around_the_match() -> None:
    text = "a" * 200 + "MATCH" + "b" * 200
    shown = snippet(text, 200, 5, context=10)
    assert shown == "\u2026" + "a" * 10 + "MATCH" + "b" * 10 + "\u2026"


def test_a_phrase_filters_as_a_phrase_but_json_layout_spaces_do_not_count() -> None:
    buffer = b'{"a":"session and walker"}\n{"a":"the session walker"}\n{"command":"ls"}'
    assert candidate_lines(buffer, compile_query("Session Walker")) == [1]
    assert candidate_lines(buffer, compile_query('"command": "ls"')) == [2]
    assert candidate_lines(buffer, compile_query('{\n  "command"')) == [2]


def test_a_match_across_chunks_and_in_a_mapped_file_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mmap

    from session_lsp.core import search

    monkeypatch.setattr(search, "CHUNK", 7)
    lines = [b"first line", b"a needle here", b"x" * 30, b"two NEEDLE needle", b"", b"needle"]
    buffer = b"\n".join(lines)
    query = compile_query("needle")
    assert candidate_lines(buffer, query) == [1, 3, 5]
    path = tmp_path / "mapped.jsonl"
    path.write_bytes(buffer)
    with (
        path.open("rb") as handle,
        mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
    ):
        assert candidate_lines(mapped, query) == [1, 3, 5]
        assert candidate_lines(mapped, compile_query("/")) == list(range(6))


def test_the_lines_of_a_file_are_searched_in_place_and_edited_lines_joined() -> None:
    from session_lsp.core.reading import BOM, split_lines
    from session_lsp.core.search import owner_buffer

    data = BOM + b"one\ntwo\nthree\n"
    lines, _ = split_lines(data)
    assert owner_buffer(lines) is data
    assert owner_buffer([lines[0], b"TWO", lines[2]]) is None
    assert owner_buffer([lines[0], lines[2]]) is None
