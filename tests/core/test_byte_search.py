"""The case-insensitive byte search against `bytes.lower().find`: the C one (`_byte_search.c`),
and the Python scan used where it was not built."""

from __future__ import annotations

import mmap
from pathlib import Path
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from session_lsp.core import search
from tests.support.tools import missing

PIECES = [b"a", b"A", b"e", b"E", b"z", b"Z", b"q", b" ", b'"', b":", b"\n", b"5", b"\\u5b8c"]
PIECES += [b"\xe5\xae\x8c", b"\xe6\x88\x90", b"\xf0\x9f\x9a\x80", b"\xff", b"@", b"[", b"`", b"{"]
"""Letters in both cases (and the bytes beside the capitals, `@ [ \\` {`, which a careless fold
would take for letters), JSON punctuation, raw and escaped CJK, an emoji, a byte no UTF-8 has."""


def native() -> search.FindFolded:
    if search.FIND_FOLDED is None:
        missing("the C byte search was not built (no C compiler when the package was installed)")
        raise AssertionError("unreachable")
    return search.FIND_FOLDED


pieces = st.lists(st.sampled_from(PIECES) | st.binary(max_size=3), max_size=30).map(b"".join)


@settings(max_examples=3000, deadline=None)
@given(pieces, st.lists(st.sampled_from(PIECES), max_size=4).map(b"".join), st.integers(-40, 200))
def test_the_c_search_finds_what_lower_then_find_finds(
    haystack: bytes, needle: bytes, start: int
) -> None:
    assert native()(haystack, needle, start) == haystack.lower().find(needle, start)


@settings(max_examples=500, deadline=None)
@given(pieces, st.integers(0, 29), st.integers(1, 6), st.integers(0, 30))
def test_a_needle_cut_from_the_haystack_is_found_at_its_first_folded_place(
    haystack: bytes, at: int, length: int, start: int
) -> None:
    needle = haystack.lower()[at : at + length]
    assert native()(haystack, needle, start) == haystack.lower().find(needle, start)


def test_a_mapped_file_and_a_big_range_are_searched_in_place(tmp_path: Path) -> None:
    """Over 64 KB the lock is given up during the search: the mapped bytes stay valid."""
    body = b'{"text":"x"}\n' * 100_000
    path = tmp_path / "s.jsonl"
    path.write_bytes(body + b'{"text":"Sample TASK 00017"}\n')
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert native()(mapped, b"sample task 00017", 0) == len(body) + 9
        assert native()(mapped, b"sample task 00017", len(body) + 10) == -1
        assert native()(mapped, b"Sample", 0) == -1  # a capital is never in lower-cased bytes


@settings(max_examples=2000, deadline=None)
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
