"""Search over every segment's texts, inputs and results, uncut (core/search.py).

The byte prefilter must never lose a match the decoded texts hold, however the writer escaped
them: raw UTF-8 (Claude Code), `\\u00e9` escapes (Python's json.dumps), a Codex call's arguments
escaped twice, and tool inputs shown as indented JSON.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from session_lsp.core import search
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.search import (
    CONTEXT,
    MAX_QUERY,
    Field,
    Hit,
    QueryError,
    candidate_lines,
    candidate_lines_of,
    compile_query,
    runs_of,
    search_model,
    snippet,
)
from session_lsp.core.turns import ConversationModel, build_model, page
from session_lsp.core.turns.model import MAX_TEXT, ItemKind
from session_lsp.core.turns.segments import segments
from session_lsp.core.turns.texts import whole_item
from session_lsp.lsp.text_chunks import split_utf8
from tests.support.claude_records import Builder, inserted_by_claude_code
from tests.support.corpus import CORPUS, ROLLOUTS, SESSIONS
from tests.support.tools import missing

COMPACTED = CORPUS / "claude-code/generated/compacted-2.0.76.jsonl"
CODEX = (
    CORPUS
    / "codex/codemie-code/rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl"
)


@pytest.fixture(params=["c", "python"], autouse=True)
def scan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs with the C scan (`_byte_search.c`) and with the Python one."""
    if request.param == "python":
        monkeypatch.setattr(search, "LINES_HOLDING", None)
    elif search.LINES_HOLDING is None:
        missing("the C scan was not built (no C compiler when the package was installed)")
    return str(request.param)


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


def test_a_tool_input_matches_as_a_person_reads_it_and_a_result_across_lines() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    [hit, *_] = _search(model, "command: pytest -q tests/")
    assert hit.field is Field.INPUT
    assert hit.snippet.startswith("Bash ⏎ command: pytest -q tests/")
    assert _search(model, '"command": "pytest -q tests/"') == []
    [exit_hit] = _search(model, "Exit code 1\n    # Call")
    assert exit_hit.field is Field.RESULT
    assert exit_hit.snippet.startswith("Exit code 1 ⏎     # Call")


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
    hits = _search(model, "cmd: sed -n '1,180p' /Users")
    assert [hit.field for hit in hits] == [Field.INPUT]
    assert hits[0].snippet.startswith("exec_command ⏎ cmd: sed -n '1,180p' /Users")
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
    assert _where(_search(model, '"')) == [(0, 1, "text")]  # both quotes in one snippet


def test_matches_one_snippet_shows_are_one_hit_and_matches_apart_are_each_a_hit() -> None:
    """A word a prompt says three times within a few words is one hit, whose snippet shows all
    three; the same word again past what that snippet shows is a hit of its own."""
    near = "test this test and that test"
    far = near + " " + "x" * CONTEXT + " one more test"
    session = Builder()
    session.prompt("u1", None, near)
    session.prompt("u2", "u1", far)
    hits = _search(_model(session.data()), "test")
    assert _where(hits) == [(0, 0, "text"), (0, 1, "text"), (0, 1, "text")]
    assert hits[0].snippet == near and hits[1].snippet.count("test") == 3
    assert hits[2].snippet.endswith("one more test")


def test_a_match_is_a_hit_of_its_own_once_it_starts_past_what_the_last_snippet_shows() -> None:
    """The snippet of a match at s shows up to s + CONTEXT + the query's length: a match starting
    at s + CONTEXT is shown whole in it, one at s + CONTEXT + 1 is a hit."""
    shown = "ab" + "x" * (CONTEXT - 2) + "ab"
    apart = "ab" + "x" * (CONTEXT - 1) + "ab"
    session = Builder()
    session.prompt("u1", None, shown)
    session.prompt("u2", "u1", apart)
    assert _where(_search(_model(session.data()), "ab")) == [
        (0, 0, "text"),
        (0, 1, "text"),
        (0, 1, "text"),
    ]


def test_the_limit_keeps_the_first_matches_in_conversation_order() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    every = _search(model, "the")
    assert len(every) > 20
    assert _search(model, "the", limit=7) == every[:7]
    order = [(hit.segment, hit.index) for hit in every]
    assert order == sorted(order)


def test_every_field_one_line_shows_is_searched_in_conversation_order() -> None:
    """A line can show several fields: a reply and two calls written as one message, the two
    results answered on one line. Each is searched, and the hits come in item order (a call's
    input, then its result), not in line order."""
    session = Builder()
    session.prompt("u1", None, "start")
    blocks = [
        {"type": "text", "text": "needle in the reply"},
        *(
            {"type": "tool_use", "id": f"t{n}", "name": "Bash", "input": {"command": f"needle {n}"}}
            for n in (1, 2)
        ),
    ]
    session.add(
        "a1", "u1", "assistant", message={"id": "m1", "role": "assistant", "content": blocks}
    )
    results = [
        {"type": "tool_result", "tool_use_id": f"t{n}", "content": f"needle out {n}"}
        for n in (1, 2)
    ]
    session.user_blocks("r1", "a1", results)
    hits = _search(_model(session.data()), "needle")
    assert [(hit.index, hit.line, hit.field.value) for hit in hits] == [
        (1, 1, "text"),
        (2, 1, "input"),
        (2, 2, "result"),
        (3, 1, "input"),
        (3, 2, "result"),
    ]
    assert [hit.snippet for hit in hits][-2:] == ["Bash ⏎ command: needle 2", "needle out 2"]


def test_an_empty_or_overlong_query_is_refused() -> None:
    for query in ("", "   ", "x" * (MAX_QUERY + 1)):
        with pytest.raises(QueryError):
            compile_query(query)


def test_candidate_lines_are_exactly_the_lines_holding_every_piece() -> None:
    rng = random.Random(7)
    words = ["alpha", "Beta", "gamma\\n", "délta", "\\u00e9psilon", "ALPHA beta", r"\"alpha\""]
    words += ['"key":"alpha"', "key: beta"]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 6))) for _ in range(400)]
    buffer = "\n".join(lines).encode()
    for query in ("alpha beta", "délta", "éPSILON", 'alpha"', "gamma\n", "key: alpha", "y:be"):
        compiled = compile_query(query)
        expected = [
            number
            for number, line in enumerate(buffer.split(b"\n"))
            if all(any(form in line.lower() for form in forms) for forms in compiled.pieces)
        ]
        assert candidate_lines(buffer, compiled) == expected, query


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n"])
def test_a_scan_begun_in_stretches_then_finished_finds_every_candidate_line(ending: bytes) -> None:
    """`scan_start` then `ScanStart.rest` (the server scans the rest beside the analysis) give
    `candidate_lines` exactly, wherever the stretches end; a file nothing can match is None."""
    rng = random.Random(ending)
    words = ["alpha", "beta", "gamma", "délta", "\\u00e9psilon", "x" * 40, ""]
    for _ in range(30):
        lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 5))) for _ in range(60)]
        buffer = ending.join(line.encode() for line in lines) + rng.choice([b"", ending])
        for query in ("alpha", "délta", "éPSILON", "beta gamma", "--", ":", "absent-word"):
            compiled = compile_query(query)
            expected = candidate_lines(buffer, compiled)
            for first in (1, 7, 64, 10_000):
                started = search.scan_start(buffer, compiled, first)
                if started is None:
                    assert expected == [], (query, first)
                else:
                    assert started.lines and started.lines == expected[: len(started.lines)]
                    assert started.rest(buffer, compiled) == expected, (query, first)


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


def test_the_lines_of_a_file_are_searched_in_place_and_edited_lines_around_the_edit() -> None:
    from session_lsp.core.reading import BOM, split_lines

    data = BOM + b"one\ntwo\nthree\n"
    lines, _ = split_lines(data)
    [run] = runs_of(lines)
    assert run.buffer is data and (run.first_line, run.start, run.stop) == (
        0,
        len(BOM),
        len(data) - 1,
    )
    edited = lines.copy()
    edited.replace(1, 2, [b"TWO"])
    assert [
        (run.first_line, bytes(run.buffer[run.start : run.stop])) for run in runs_of(edited)
    ] == [
        (0, b"one"),
        (1, b"TWO"),
        (2, b"three"),
    ]
    assert all(run.buffer is data for run in runs_of(edited) if run.first_line != 1)


def test_a_document_in_chunks_is_searched_where_it_lies_without_a_joined_copy() -> None:
    """A big didOpen arrives in chunks: each chunk's lines are one run, scanned in place."""
    chunks = [b'{"n":1,"t":"needle"}\n{"n":2}\n', b'{"n":3}\n{"n":4,"t":"NEEDLE"}\n', b'{"n":5}']
    lines, _ = split_utf8(chunks)
    runs = runs_of(lines)
    assert [run.buffer for run in runs] == chunks
    assert candidate_lines_of(runs, compile_query("needle")) == [0, 3]


TEXTS = ["", "needle", "Needle x", "完成", "x", "ne", "edle"]
edited_lines = st.lists(st.sampled_from(TEXTS), max_size=12)
chunk_lines = st.lists(st.sampled_from([*TEXTS, "x\rneedle", "a\r\nne"]), max_size=12)
"""A chunk's lines may end at a lone `\\r` or a `\\r\\n` too (an editor's line ends)."""


@settings(max_examples=300)
@given(
    st.lists(chunk_lines, min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), edited_lines), max_size=5),
    st.sampled_from(["needle", "完成", "ne", "x"]),
    st.sampled_from([0, 5, search.SMALL_RUN]),
)
@example([["x", "needle", "x"]], [(1, 2, [])], "needle", 0)  # a line deleted inside a chunk
def test_lines_in_chunks_and_edits_are_searched_as_their_joined_bytes(
    chunk_lines: list[list[str]],
    edits: list[tuple[int, int, list[str]]],
    text: str,
    joined_below: int,
) -> None:
    """Each run in place, small runs joined with their neighbours, or some of each."""
    chunks = [b"".join(line.encode() + b"\n" for line in lines) for lines in chunk_lines]
    lines, _ = split_utf8(chunks)
    for start, stop, new in edits:
        start = min(start, len(lines))
        lines.replace(start, max(start, min(stop, len(lines))), [line.encode() for line in new])
    query = compile_query(text)
    joined = b"\n".join(bytes(line) for line in lines)
    found = candidate_lines_of(runs_of(lines), query, joined_below=joined_below)
    assert found == candidate_lines(joined, query)


def test_a_document_whose_every_line_was_edited_is_not_searched_line_by_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A replace-all leaves every line a run of its own: searched one by one, 140,000 of them
    took 570 ms where the old joined copy took 70."""
    lines, _ = split_utf8([b'{"n":0}\n' * 10_000])
    for number in range(len(lines)):
        lines.replace(number, number + 1, [b'{"n":"needle"}' if number % 1000 == 7 else b"{}"])
    runs = runs_of(lines)
    assert len(runs) == 10_000
    scans: list[int] = []
    scan = search.candidate_lines

    def counted(*args: Any, **kwargs: Any) -> list[int]:
        scans.append(1)
        return scan(*args, **kwargs)

    monkeypatch.setattr(search, "candidate_lines", counted)
    assert candidate_lines_of(runs, compile_query("needle")) == list(range(7, 10_000, 1000))
    assert len(scans) <= 2


def _call_session(name: str, **tool_input: object) -> ConversationModel:
    session = Builder()
    session.prompt("u1", None, "do it")
    session.call("a1", "u1", "toolu_01CALL", name, **tool_input)
    session.result("r1", "a1", "toolu_01CALL", "done")
    return _model(session.data())


def test_an_edit_is_searched_and_shown_in_its_strings_not_their_json_escapes() -> None:
    old = 'def greet():\n    return "hi"\n'
    model = _call_session("Edit", file_path="/src/a.py", old_string=old, new_string="pass")
    [hit] = _search(model, 'greet():\n    return "hi"')
    assert (hit.index, hit.field) == (1, Field.INPUT)
    assert hit.snippet == (
        'Edit ⏎ file_path: /src/a.py ⏎ old_string: def greet(): ⏎     return "hi" ⏎⏎ '
        "new_string: pass"
    )
    assert "\\\\n" not in hit.snippet and '\\"' not in hit.snippet


def test_a_bash_command_with_a_newline_and_quotes_matches_as_typed() -> None:
    model = _call_session("Bash", command='cd src &&\ngrep -n "retry" *.py', timeout=5000)
    assert _where(_search(model, 'cd src &&\ngrep -n "retry"')) == [(0, 1, "input")]
    assert _where(_search(model, "timeout: 5000")) == [(0, 1, "input")]
    assert _where(_search(model, "command: cd src")) == [(0, 1, "input")]


def test_the_tool_name_of_a_call_is_searched_in_its_input() -> None:
    model = _call_session("mcp__github__create_issue", title="crash on start", labels=["bug"])
    [hit] = _search(model, "mcp__github__create_issue")
    assert (hit.index, hit.field) == (1, Field.INPUT)
    assert hit.snippet == "mcp__github__create_issue ⏎ title: crash on start ⏎ labels: ⏎ bug"
    assert _where(_search(model, "create_issue\ntitle: crash")) == [(0, 1, "input")]


def test_a_codex_call_is_searched_by_its_name_and_its_decoded_arguments() -> None:
    arguments = json.dumps({"cmd": 'rg "fn main"\n', "workdir": "/w"})
    call = {"type": "function_call", "name": "exec_command", "arguments": arguments}
    call["call_id"] = "call_1"
    output = {"type": "function_call_output", "call_id": "call_1", "output": "src/main.rs"}
    model = _model(_rollout(call, output))
    [named] = _search(model, "EXEC_COMMAND")
    assert named.field is Field.INPUT
    assert named.snippet == 'exec_command ⏎ cmd: rg "fn main" ⏎⏎ workdir: /w'
    assert _where(_search(model, 'rg "fn main"\n')) == [(0, 0, "input")]


def _rollout(*payloads: dict[str, object]) -> bytes:
    lines = [{"timestamp": "2026-11-20T10:00:00.000Z", "type": "session_meta", "payload": {}}]
    lines += [
        {"timestamp": f"2026-11-20T10:00:{i:02d}.000Z", "type": "response_item", "payload": p}
        for i, p in enumerate(payloads, 1)
    ]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def test_a_hostile_tool_name_and_input_give_one_escaped_line() -> None:
    model = _call_session("Bash\x1b[31m\u202e", command="rm -rf /\x07\u2066x")
    [hit] = _search(model, "rm -rf")
    assert hit.snippet == "Bash\\x1b[31m\\u202e ⏎ command: rm -rf /\\x07\\u2066x"
    assert _where(_search(model, "bash\x1b[31m")) == [(0, 1, "input")]
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in hit.snippet)


def test_texts_claude_code_composes_are_searched_as_shown() -> None:
    session = inserted_by_claude_code()
    tags = "<command-name>/model</command-name>\n<command-args>opus</command-args>"
    session.prompt("c1", "a6", tags)
    stdout = "<local-command-stdout>Set model to \x1b[1mopus\x1b[22m</local-command-stdout>"
    session.prompt("c2", "c1", stdout)
    said = "<local-command-stdout>See ya\x1b[2m!</local-command-stdout>"
    session.system("c3", "c2", "local_command", content=said)
    session.text("a7", "c3", "Back.")
    model = _model(session.data())
    kinds = {item.index: item.kind for item in model.items}
    expected = {
        "API error 500: Internal": ItemKind.API_ERROR,
        "ECONNRESET (retry 2 of 10": ItemKind.API_ERROR,
        "model switched from claude-fable-5": ItemKind.MODEL_FALLBACK,
        "assistant: [calls Grep]": ItemKind.SUB_AGENT,
        "user: look into the CI logs": ItemKind.SUB_AGENT,
        "/model opus": ItemKind.COMMAND,
        "Set model to opus": ItemKind.COMMAND,
        "See ya!": ItemKind.COMMAND,
        "build 42 passed": ItemKind.NOTIFICATION,
        "agent b2 finished": ItemKind.NOTIFICATION,
    }
    for query, kind in expected.items():
        [hit] = _search(model, query)
        assert (kinds[hit.index], hit.field) == (kind, Field.TEXT), query
        assert query.lower() in hit.snippet.lower()
        # The item a reader opens whole says what the page and the search say.
        shown = next(item.text for item in page(model) if item.index == hit.index)
        assert whole_item(model, hit.index).text == shown, query


def test_a_compaction_summary_is_searched() -> None:
    model = _model(COMPACTED.read_bytes(), COMPACTED)
    summaries = [
        (number, item.index)
        for number, segment in enumerate(segments(model))
        for item in segment.items
        if item.kind is ItemKind.COMPACTION and item.source is not None
    ]
    assert summaries
    hits = _search(model, "continued from a previous conversation")
    assert {(hit.segment, hit.index) for hit in hits} >= set(summaries)


_ALPHABET = "ab Zé日\n\t\"\\/:<>&'{}[],😀\x1b\u202e0123"


def _random_text(rng: random.Random, most: int = 12) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, most)))


def _random_value(rng: random.Random, depth: int = 0) -> object:
    choice = rng.random()
    if depth < 2 and choice < 0.2:
        return {_random_text(rng, 5): _random_value(rng, depth + 1) for _ in range(2)}
    if depth < 2 and choice < 0.3:
        return [_random_value(rng, depth + 1) for _ in range(2)]
    if choice < 0.4:
        return rng.choice([0, -7, 5000, 2.5, True, False, None])
    return _random_text(rng)


def _random_sessions(rng: random.Random) -> list[bytes]:
    """One session's calls and texts, as Claude Code writes it (raw UTF-8), as json.dumps
    escapes it, and the calls as a Codex rollout (function arguments escaped twice, custom
    inputs once)."""
    session = Builder()
    calls = []
    parent = session.prompt("u0", None, _random_text(rng, 30))
    for number in range(6):
        tool_input = {_random_text(rng, 6): _random_value(rng) for _ in range(3)}
        name = "".join(rng.choice("abcXYZ_:é") for _ in range(rng.randint(1, 8)))
        parent = session.call(f"a{number}", parent, f"toolu_{number}", name, **tool_input)
        parent = session.result(f"r{number}", parent, f"toolu_{number}", _random_text(rng, 30))
        calls.append((name, tool_input))
    raw = session.data()
    escaped = b"".join(json.dumps(json.loads(line)).encode() + b"\n" for line in raw.splitlines())
    codex: list[dict[str, object]] = []
    for number, (name, tool_input) in enumerate(calls):
        arguments = json.dumps(tool_input, ensure_ascii=rng.random() < 0.5)
        if number % 2:
            codex.append({"type": "function_call", "name": name, "arguments": arguments})
        else:
            # A custom tool's input is a string as it is, which may hold JSON or not.
            custom = arguments if rng.random() < 0.5 else _random_text(rng, 40)
            codex.append({"type": "custom_tool_call", "name": name, "input": custom})
        codex[-1]["call_id"] = f"call_{number}"
    return [raw, escaped, _rollout(*codex)]


def test_the_byte_prefilter_never_loses_a_match_the_fields_hold() -> None:
    """Any piece of any field's text, as a person reads it, is found through the byte prefilter
    exactly as without it (every line decoded), whatever the writer escaped."""
    from session_lsp.core.search import input_text

    rng = random.Random(18)
    for _ in range(12):
        for data in _random_sessions(rng):
            model = _model(data)
            every_line = range(len(model.lines))
            fields = [
                text
                for item in page(model)
                for text in (
                    item.text,
                    input_text(item.tool, item.tool.input) if item.tool else None,
                    item.tool.result if item.tool else None,
                )
                if text
            ]
            for _ in range(15):
                text = rng.choice(fields)
                start = rng.randrange(len(text))
                query = text[start : start + rng.randint(1, 14)]
                if not query.strip():
                    continue
                compiled = compile_query(query)
                through_bytes = search_model(model, compiled, 1000)
                assert through_bytes, (query, data)
                assert through_bytes == search_model(model, compiled, 1000, every_line), query


def _words_of(model: ConversationModel, rng: random.Random) -> list[str]:
    """Pieces of the session's texts, inputs and results as a person reads them, and its
    composed labels: queries that find something, some of them everywhere."""
    from session_lsp.core.search import input_text

    texts = [
        text
        for item in page(model, 0, 10_000)
        for text in (
            item.text,
            input_text(item.tool, item.tool.input) if item.tool else None,
            item.tool.result if item.tool else None,
        )
        if text
    ]
    words = ["e", "the", "error", "tool", ":"]
    for text in rng.sample(texts, min(12, len(texts))):
        start = rng.randrange(len(text))
        words.append(text[start : start + rng.randint(1, 12)])
    return [word for word in words if word.strip()]


@pytest.mark.parametrize("path", [*SESSIONS, *ROLLOUTS], ids=lambda path: path.name)
def test_a_first_search_walked_in_order_finds_what_the_index_finds(path: Path) -> None:
    """A model searched for the first time with its lines scanned is walked until the limit,
    with no index kept: its hits are the index's, in the same order, at every limit."""
    data = path.read_bytes()
    model = _model(data, path)
    rng = random.Random(path.name)
    for word in _words_of(model, rng):
        query = compile_query(word)
        lines = candidate_lines(data, query)
        indexed = search_model(model, query, 1000)
        for limit in (1, 3, 1000):
            search.forget_index(model)
            walked = search_model(model, query, limit, lines)
            assert search._INDEX._last is None, "no index kept"
            assert walked == indexed[:limit], (word, limit)


class _CountingBytes(bytes):
    """Bytes that count what is sliced out of them: what the scan lower-cases."""

    sliced = 0

    def __getitem__(self, key: Any) -> Any:
        part = super().__getitem__(key)
        if isinstance(key, slice):
            _CountingBytes.sliced += len(part)
        return part


def test_a_query_on_every_line_lower_cases_each_byte_about_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A word on each of 20,000 lines: the Python scan goes on in the chunk it lower-cased,
    instead of lower-casing a megabyte again after every line it takes."""
    monkeypatch.setattr(search, "LINES_HOLDING", None)
    lines = [f'{{"n":{number},"text":"the needle {number}}}"}}' for number in range(20_000)]
    buffer = _CountingBytes("\n".join(lines).encode())
    _CountingBytes.sliced = 0
    assert candidate_lines(buffer, compile_query("needle")) == list(range(20_000))
    assert _CountingBytes.sliced <= 2 * len(buffer)
    assert candidate_lines(buffer, compile_query("needle 1234}")) == [1234]


class _SearchedChunk(bytes):
    """A lower-cased chunk that counts the bytes its `find` calls scan."""

    scanned = 0

    def find(self, sub: Any, start: Any = 0, *rest: Any) -> int:
        spot = super().find(sub, start, *rest)
        _SearchedChunk.scanned += (spot if spot >= 0 else len(self)) - start
        return spot


class _BytesOfSearchedChunks(bytes):
    def __getitem__(self, key: Any) -> Any:
        part = super().__getitem__(key)
        return _ChunkToLower(part) if isinstance(key, slice) else part


class _ChunkToLower(bytes):
    def lower(self) -> bytes:
        return _SearchedChunk(super().lower())


def test_a_character_whose_escape_is_nowhere_does_not_rescan_per_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`完` is raw UTF-8 on every line and never `\\u5b8c`: the Python scan looks for the escape
    once per chunk, not again from each line taken to the end (quadratic: 5.7 s on 105 MB). The
    C scan's answer is held to this one (`test_byte_search`), its cost by `bench_scaling`."""
    monkeypatch.setattr(search, "LINES_HOLDING", None)
    lines = [f'{{"n":{number},"text":"完成 {number}"}}' for number in range(20_000)]
    buffer = _BytesOfSearchedChunks("\n".join(lines).encode())
    _SearchedChunk.scanned = 0
    assert candidate_lines(buffer, compile_query("完成")) == list(range(20_000))
    assert 0 < _SearchedChunk.scanned <= 4 * len(buffer)
    escaped = _BytesOfSearchedChunks(json.dumps({"text": "完成"}).encode() + b"\n" + buffer)
    assert candidate_lines(escaped, compile_query("完成")) == list(range(20_001))


def test_a_raw_character_on_every_line_and_its_escape_nowhere_lower_case_each_byte_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over several megabytes: in Python the raw UTF-8 is found at its rare byte and the escape in
    lower-cased chunks, whose answer (none left) holds for every later line taken; asked again
    from each line, the chunks were lower-cased from there to the end every time."""
    monkeypatch.setattr(search, "LINES_HOLDING", None)
    padding = "x" * 1000
    lines = [f'{{"n":{number},"text":"完成 {padding}"}}' for number in range(2_500)]
    buffer = _CountingBytes("\n".join(lines).encode())
    assert len(buffer) > 2 * search.CHUNK
    _CountingBytes.sliced = 0
    assert candidate_lines(buffer, compile_query("完成")) == list(range(2_500))
    assert _CountingBytes.sliced <= 2 * len(buffer)


def test_lines_split_at_a_lone_carriage_return_are_not_searched_in_their_bytes() -> None:
    """An editor ends a line at a lone `\\r` too: the bytes split at `\\n` would number them apart."""
    lines, _ = split_utf8([b'{"a":"x"}\r{"b":"needle"}\n'])
    assert len(lines) == 2
    assert len(runs_of(lines)) == 2
    assert candidate_lines_of(runs_of(lines), compile_query("needle")) == [1]
    clean, _ = split_utf8([b'{"a":"x"}\n{"b":"needle"}\n'])
    assert len(runs_of(clean)) == 1


def test_a_crlf_document_is_one_run_its_lines_numbered_as_the_editor_numbers_them() -> None:
    """Lines ending `\\r\\n` are searched where they lie too, not one by one (a 105 MB
    document saved with Windows line ends would otherwise be 140,000 searches)."""
    lines, _ = split_utf8([b'{"a":"x"}\r\n{"b":"needle"}\r\n{"c":"needle"}'])
    assert len(runs_of(lines)) == 1
    assert candidate_lines_of(runs_of(lines), compile_query("needle")) == [1, 2]


def test_a_snippet_shows_line_breaks_as_a_return_symbol_and_other_controls_escaped() -> None:
    """One line a person reads: a line break (LF or CRLF) is a return symbol, a tab a space; a
    lone carriage return, an escape sequence or a bidirectional override stays a visible
    escape, never acted on."""
    text = "cd src &&\r\ngrep\t-n x\nthen \r\x1b[2J \u202e end"
    assert snippet(text, 0, len(text)) == ("cd src && ⏎ grep -n x ⏎ then \\r\\x1b[2J \\u202e end")
