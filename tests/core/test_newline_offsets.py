"""The lines of a buffer found in C give what the Python finds, on any bytes, from any start."""

from __future__ import annotations

import mmap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core import line_views
from session_lsp.core.line_views import newline_offsets, newline_offsets_in_python
from session_lsp.core.reading import split_lines
from tests.support.corpus import CODEMIE_ROLLOUT
from tests.support.tools import missing


@pytest.fixture(autouse=True)
def built() -> None:
    if line_views.NATIVE_NEWLINE_OFFSETS is None:
        missing("the C split was not built (no C compiler when the package was installed)")


@settings(max_examples=2000)
@given(
    st.lists(
        st.sampled_from([b"\n", b"\r\n", b"{}", "\u2028😀".encode()]) | st.binary(max_size=6)
    ).map(b"".join),
    st.integers(min_value=0, max_value=64),
    st.integers(min_value=0, max_value=1 << 40),
)
def test_the_c_finds_the_lines_python_finds(data: bytes, start: int, base: int) -> None:
    assert newline_offsets(data, start, base) == newline_offsets_in_python(data, start, base)


@pytest.mark.parametrize(
    "data",
    [b"\n" * 10_000, (b"x\n" * 4097)[1:], b"line\n" * 4096, b"line\n" * 4096 + b"rest"],
    ids=["10,000 blank lines", "4,096 and a half", "4,096 exactly", "4,096 and a rest"],
)
def test_the_c_finds_the_lines_past_the_room_it_starts_with(data: bytes) -> None:
    """The offsets are kept 4,096 at a time at first, then in twice the room."""
    for start, base in ((0, 0), (3, 1 << 33)):
        assert newline_offsets(data, start, base) == newline_offsets_in_python(data, start, base)


def test_a_mapped_file_splits_as_its_bytes_do(tmp_path: Path) -> None:
    path = tmp_path / CODEMIE_ROLLOUT.name
    path.write_bytes(CODEMIE_ROLLOUT.read_bytes() + b'{"unended": true}')
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        found = newline_offsets(mapped, 0, 0)
        assert found == newline_offsets_in_python(path.read_bytes(), 0, 0)
        assert len(found[0]) == CODEMIE_ROLLOUT.read_bytes().count(b"\n")
        lines, ends_with_newline = split_lines(mapped)
        assert [bytes(line) for line in lines] == path.read_bytes().split(b"\n")
        assert not ends_with_newline
        del lines  # its views of the map, before it closes


def test_what_is_not_a_buffer_or_a_start_below_zero_is_refused() -> None:
    native = line_views.NATIVE_NEWLINE_OFFSETS
    assert native is not None
    with pytest.raises(TypeError):
        native("text", 0, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="below 0"):
        native(b"a\n", -1, 0)
