"""The C unescaping of a didOpen's text (`_json_string.c`) against the Python it replaces."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.lsp import opening
from tests.support.threads import counted_threads
from tests.support.tools import missing

PIECES = [
    b"a",
    b" ",
    b"\\\\",
    b'\\"',
    b"\\/",
    b"\\b",
    b"\\f",
    b"\\n",
    b"\\r",
    b"\\t",
    b"\\u0000",
    b"\\u00e9",
    b"\\u00E9",
    b"\\u2028",
    b"\\ud83d\\ude00",
    b"\\uD83D\\uDE00",
    b"\\ud800",
    b"\\udc00",
    b"\\ud800\\u0041",
    b"\\u12",
    b"\\u12g4",
    b"\\x41",
    b"\\a",
    b"\\'",
    b"\\0",
    b"\\",
    b'"',
    b"\x00",
    b"\x1f",
    b"\x7f",
    "é".encode(),
    "修".encode(),
    "😀".encode(),
    b"\xc3",
    b"\xff",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xe0\x80\x80",
]
"""Every escape JSON has (both cases of hex), ones it lacks, surrogate pairs and halves, cut
escapes, quotes and controls, and UTF-8 well-formed, cut, overlong, a surrogate, past U+10FFFF."""


def did_open(text: str) -> dict[str, object]:
    return {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {
            "textDocument": {"uri": "file:///s", "languageId": "j", "version": 1, "text": text}
        },
    }


def native() -> opening.Unescape:
    if opening.NATIVE_UNESCAPE is None:
        missing("the C unescaping was not built (no C compiler when the package was installed)")
        raise AssertionError("unreachable")
    return opening.NATIVE_UNESCAPE


def python_reference(inside: bytes) -> bytes | None:
    escaped = bytearray(b'"' + inside)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(opening, "NATIVE_UNESCAPE", None)
        return opening._unescaped_in_place(escaped, len(escaped))


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(PIECES) | st.binary(max_size=4), max_size=24).map(b"".join))
def test_the_c_unescaping_gives_what_python_gives_or_refuses_what_it_refuses(
    inside: bytes,
) -> None:
    assert native()(memoryview(inside)) == python_reference(inside)


@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 15, 16, 17, 64])
def test_the_c_unescaping_finds_a_quote_or_escape_at_any_offset_of_a_word(length: int) -> None:
    """The C scans eight bytes at a time for what needs care: one at every position of a word."""
    for special in (b'"', b"\\n", b"\x01", "é".encode(), b"\x80"):
        inside = b"x" * length + special + b"y" * 9
        assert native()(memoryview(inside)) == python_reference(inside), (length, special)


def test_a_chunk_refused_in_the_middle_sends_the_body_the_ordinary_way_whole() -> None:
    """A lone surrogate far from the end: the unescaping thread refuses its chunk while later
    chunks are still with it; the body goes the ordinary way, rebuilt with all of them."""
    lines = [json.dumps({"n": n, "text": f"line {n} é"}) for n in range(400)]
    lines[150] = '{"n": 150, "text": "\ud800"}'  # the character itself: escaped on the wire
    text = "\n".join(lines) + "\n"
    message = did_open(text)
    body = json.dumps(message).encode()
    streamed = opening.StreamedDidOpen(chunk_bytes=64)
    for start in range(0, len(body), 100):
        streamed.feed(body[start : start + 100])
    rebuilt = streamed.finish()
    assert isinstance(rebuilt, bytes | bytearray)
    assert json.loads(rebuilt) == message


def test_no_unescaping_thread_is_left_once_a_text_is_in() -> None:
    """A thread left behind would make every later pool of this process forkserver, not fork."""
    native()
    text = "".join(f'{{"n":{n},"text":"line {n} é"}}\n' for n in range(2000))
    body = json.dumps(did_open(text)).encode()
    before = len(counted_threads())
    streamed = opening.StreamedDidOpen(chunk_bytes=1000)
    for start in range(0, len(body), 4096):
        streamed.feed(body[start : start + 4096])
        if start == 8192:
            assert len(counted_threads()) == before + 1  # the chunks so far are with it
    opened = streamed.finish()
    assert isinstance(opened, opening.OpenedDocument)
    assert len(opened.text.lines) == 2000
    assert len(counted_threads()) == before


def test_the_loop_waits_for_the_thread_rather_than_hold_the_whole_escaped_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Handing a chunk over costs the loop nothing; unescaping it takes the thread a while. With
    no bound, every chunk that had arrived waited at once (a 107 MB open peaked 70 MB higher)."""
    unescape = native()

    def slow(inside: memoryview) -> bytes | None:
        time.sleep(0.002)
        return unescape(inside)

    monkeypatch.setattr(opening, "NATIVE_UNESCAPE", slow)
    text = "".join(f'{{"n":{n},"text":"line {n} é"}}\n' for n in range(3000))
    body = json.dumps(did_open(text)).encode()
    streamed = opening.StreamedDidOpen(chunk_bytes=500)
    waiting = []
    for start in range(0, len(body), 8192):
        streamed.feed(body[start : start + 8192])
        waiting.append(len(streamed._in_flight))
    opened = streamed.finish()
    assert isinstance(opened, opening.OpenedDocument)
    assert len(opened.text.lines) == 3000
    assert max(waiting) <= opening._MOST_IN_FLIGHT


def test_the_unescaping_thread_ends_when_a_chunk_fails_with_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unescape = native()
    calls = []

    def failing(inside: memoryview) -> bytes | None:
        calls.append(len(inside))
        if len(calls) == 3:
            raise MemoryError
        return unescape(inside)

    monkeypatch.setattr(opening, "NATIVE_UNESCAPE", failing)
    text = "".join(f'{{"n":{n},"text":"line {n} é"}}\n' for n in range(2000))
    before = len(counted_threads())
    with pytest.raises(MemoryError):
        opening.decode_did_open(json.dumps(did_open(text)).encode(), chunk_bytes=1000)
    assert len(counted_threads()) == before
