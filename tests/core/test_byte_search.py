"""The scan for the lines that may hold a query: the C one (`_byte_search.c`) against the Python
one, and the Python one against `bytes.lower().find`."""

from __future__ import annotations

import mmap
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from session_lsp.core import search
from tests.support.tools import missing

PIECES = [b"a", b"A", b"e", b"E", b"z", b"Z", b"q", b" ", b'"', b":", b"\n", b"5", b"\\u5b8c"]
PIECES += [b"\xe5\xae\x8c", b"\xe6\x88\x90", b"\xf0\x9f\x9a\x80", b"\xff", b"@", b"[", b"`", b"{"]
"""Letters in both cases (and the bytes beside the capitals, `@ [ \\` {`, which a careless fold
would take for letters), JSON punctuation, raw and escaped CJK, an emoji, a byte no UTF-8 has."""


def _python_lines(buffer: bytes, query: search.Query, start: int, stop: int) -> list[int]:
    """The reference: `candidate_lines` as Python scans where the C module was not built."""
    with mock.patch.object(search, "LINES_HOLDING", None):
        return search.candidate_lines(buffer, query, start, stop)


def _native() -> search.LinesHolding:
    if search.LINES_HOLDING is None:
        missing("the C scan was not built (no C compiler when the package was installed)")
        raise AssertionError("unreachable")
    return search.LINES_HOLDING


def _c_lines(buffer: search.Buffer, query: search.Query, start: int, stop: int) -> list[int]:
    _native()
    return search.candidate_lines(buffer, query, start, stop)


def _query(pieces: list[tuple[bytes, ...]]) -> search.Query:
    """A query of these pieces, as `compile_query` makes them: lower case, no line break."""
    return search.Query("", "", tuple(dict.fromkeys(pieces)))


pieces = st.lists(st.sampled_from(PIECES) | st.binary(max_size=3), max_size=30).map(b"".join)
form = st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map(
    lambda parts: b"".join(parts).lower().replace(b"\n", b"").replace(b"\r", b"")
)
piece = st.lists(form, min_size=1, max_size=3).map(tuple)


@settings(max_examples=3000)
@example(b"x\nA@y a@\n\na@", [(b"a@",)], 0, None)
@example("完成\n\\u5b8c成\n".encode(), [(b"\xe5\xae\x8c", b"\\u5b8c"), (b"\xe6\x88\x90",)], 0, None)
@example(b"ab\nab\r\nab", [(b"ab",), (b"",)], 1, 8)  # an empty form, a line begun past `start`
@given(
    pieces,
    st.lists(piece, min_size=1, max_size=3),
    st.integers(0, 40),
    st.none() | st.integers(0, 40),
)
def test_the_c_scan_takes_the_lines_the_python_scan_takes(
    haystack: bytes, drawn: list[tuple[bytes, ...]], start: int, stop: int | None
) -> None:
    """Arbitrary bytes (capitals, line breaks, CJK raw and escaped, bytes no UTF-8 has), arbitrary
    pieces, any range of the buffer: the same lines, numbered alike."""
    start = min(start, len(haystack))
    stop = len(haystack) if stop is None else min(max(stop, start), len(haystack))
    query = _query(drawn)
    assert _c_lines(haystack, query, start, stop) == _python_lines(haystack, query, start, stop)


@settings(max_examples=500)
@given(pieces, st.integers(0, 29), st.integers(1, 6))
def test_a_form_cut_from_a_line_takes_that_line(haystack: bytes, at: int, length: int) -> None:
    """Forms that occur, in whatever case the bytes have them."""
    cut = haystack[at : at + length].lower().split(b"\n")[0]
    query = _query([(cut or b"a",)])
    taken = _c_lines(haystack, query, 0, len(haystack))
    assert taken == _python_lines(haystack, query, 0, len(haystack))
    if cut and at < len(haystack):
        assert haystack[:at].count(b"\n") in taken


def test_the_c_scan_goes_over_each_byte_a_few_times_however_many_lines_it_takes() -> None:
    """`完` raw on each of 20,000 lines and never as its `\\u5b8c` escape: the escape is looked for
    once, not again from each line taken to the end (quadratic: 5.7 s on 105 MB), and a word on
    every line is found from where the last one was."""
    lines = [f'{{"n":{number},"text":"完成 {number}"}}' for number in range(20_000)]
    buffer = "\n".join(lines).encode()
    for text in ("完成", "text", "完成 1"):
        query = search.compile_query(text)
        others = tuple(piece for piece in query.pieces if piece != query.anchor)
        taken, scanned = _native()(buffer, 0, len(buffer), (query.anchor, *others))
        assert len(taken) // 8 == (20_000 if text != "完成 1" else 11_111)
        assert scanned <= 6 * len(buffer), text


def test_a_mapped_file_and_a_big_range_are_searched_in_place(tmp_path: Path) -> None:
    """Over 64 KB the lock is given up during the scan: the mapped bytes stay valid."""
    body = b'{"text":"x"}\n' * 100_000
    path = tmp_path / "s.jsonl"
    path.write_bytes(body + b'{"text":"Sample TASK 00017"}\n{"text":"sample"}\n')
    query = search.compile_query("Sample task 00017")
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert _c_lines(mapped, query, 0, len(mapped)) == [100_000]
        assert _c_lines(mapped, query, 0, len(body) + 10) == []  # the line cut short by `stop`
        assert _c_lines(mapped, _query([(b"sample",), (b"Sample",)]), 0, len(mapped)) == []


def test_the_c_scan_refuses_what_is_no_query_or_no_range() -> None:
    scan = _native()
    for pieces_given in ((), ((),), ("a",), ((b"a", "b"),), [(b"a",)]):
        with pytest.raises(TypeError):
            scan(b"a\nb", 0, 3, pieces_given)  # type: ignore[arg-type]
    for start, stop in ((-1, 3), (2, 1), (0, 4)):
        with pytest.raises(ValueError):
            scan(b"a\nb", start, stop, ((b"a",),))


@settings(max_examples=2000)
@example(b"xA@y a@", [b"a@"], [], [0, 3], False)  # found at its rare `@`, its letter in capital
@example("{完A 完a".encode(), ["完a".encode()], [], [0], False)
@example(b"@@@@a@", [b"a@"], [], [0, 1], True)  # the rare byte given up for chunks
@given(
    pieces,
    st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map(b"".join), max_size=2),
    st.lists(st.tuples(st.integers(0, 60), st.integers(1, 6)), max_size=2),
    st.lists(st.integers(-5, 120), max_size=8),
    st.booleans(),
)
def test_the_python_scan_finds_the_first_form_lower_then_find_finds(
    haystack: bytes,
    forms: list[bytes],
    cuts: list[tuple[int, int]],
    ats: list[int],
    rare_bytes_common: bool,
) -> None:
    """Forms drawn, and cut from the haystack (so that they occur, in any case); asked from
    offsets that grow as the scan of `candidate_lines` asks (from each line taken).
    `rare_bytes_common`: every form found at its rare byte is given up for lower-cased chunks at
    its first miss, as in a file full of that byte."""
    cut = [haystack[at : at + length] for at, length in cuts if haystack[at : at + length]]
    anchor = tuple(dict.fromkeys(form.lower() for form in forms + cut)) or (b"a",)
    allowed = 0 if rare_bytes_common else search._MISSES_ALLOWED
    with mock.patch.object(search, "_MISSES_ALLOWED", allowed):
        scan = search._python_scan(haystack, anchor)
        for at in sorted(at for at in ats if at >= 0):
            found = [spot for form in anchor if (spot := haystack.lower().find(form, at)) >= 0]
            assert scan.next_match(at) == min(found, default=-1)
