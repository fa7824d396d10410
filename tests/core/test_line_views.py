"""A transcript's lines as offsets into their buffers (`core/line_views.py`)."""

from __future__ import annotations

import tracemalloc
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core.line_views import LineViews, Run
from session_lsp.core.reading import split_lines


def _views_of_chunks(chunks: list[bytes]) -> LineViews:
    views = LineViews()
    for chunk in chunks:
        starts, ends, start, base = array("q"), array("q"), 0, views.next_base
        while (end := chunk.find(b"\n", start)) >= 0:
            starts.append(base + start)
            ends.append(base + end)
            start = end + 1
        views.add_buffer(chunk, starts, ends)
    return views


def test_lines_split_from_several_chunks_read_from_their_own_chunk() -> None:
    views = _views_of_chunks([b"a\nbb\n", b"ccc\n", b"", b"d\n"])
    assert [bytes(line) for line in views] == [b"a", b"bb", b"ccc", b"d"]
    assert bytes(views[2]) == b"ccc"
    assert bytes(views[-1]) == b"d"
    assert len(views) == 4
    with pytest.raises(IndexError):
        views[4]


def _views_of_halves(lines: list[bytes]) -> LineViews:
    """The lines in two chunks, each ending with a line."""
    middle = len(lines) // 2
    return _views_of_chunks(
        [b"".join(line + b"\n" for line in part) for part in (lines[:middle], lines[middle:])]
    )


edits = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12), st.lists(st.binary(max_size=3), max_size=3)),
    max_size=8,
)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=4).filter(lambda line: b"\n" not in line), max_size=10), edits)
def test_edits_give_the_lines_a_list_would_hold_and_leave_copies_as_they_were(
    lines: list[bytes], changes: list[tuple[int, int, list[bytes]]]
) -> None:
    views = _views_of_halves(lines)
    expected = list(lines)
    for start, stop, new in changes:
        start, stop = min(start, len(expected)), min(max(start, stop), len(expected))
        before = [bytes(line) for line in views]
        copy = views.copy()
        views.replace(start, stop, new)
        expected[start:stop] = new
        assert [bytes(line) for line in views] == expected
        assert [bytes(line) for line in copy] == before
        assert [bytes(views[number]) for number in range(-len(expected), 0)] == expected
        assert [bytes(line) for line in views[1:-1]] == expected[1:-1]
        assert views.byte_count() == sum(map(len, expected))


def test_a_line_typed_in_again_and_again_keeps_only_its_last_version() -> None:
    """Each keystroke in a tool result of a megabyte makes a new line of a megabyte: the one it
    replaced is let go at once, and the slots of replaced lines are tidied away in time."""
    views = _views_of_chunks([b"a\nb\n"])
    copy = views.copy()
    tracemalloc.start()
    try:
        for number in range(200):
            views.replace(1, 2, [b"x" * 1_000_000 + str(number).encode()])
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 3_000_000
    assert bytes(views[1]).endswith(b"x199") and [bytes(line) for line in copy] == [b"a", b"b"]
    for number in range(5000):
        views.replace(1, 2, [str(number).encode()])
    assert [bytes(line) for line in views] == [b"a", b"4999"]
    assert len(views._held) <= 2 * 1 + 1024


def test_lines_in_their_buffers_are_runs_and_an_edit_splits_the_run() -> None:
    data = b"one\ntwo\n"
    lines, _ = split_lines(data)
    assert lines.runs() == [Run(0, data, 0, 7)]
    edited = lines.copy()
    edited.replace(0, 1, [b"uno"])
    assert edited.runs() == [Run(0, b"uno", 0, 3), Run(1, data, 4, 7)]
    assert lines.runs() == [Run(0, data, 0, 7)]
    assert _views_of_chunks([b"a\n", b"b\n"]).runs() == [Run(0, b"a\n", 0, 1), Run(1, b"b\n", 0, 1)]


def test_a_line_costs_its_offsets_not_a_view() -> None:
    """A memoryview is 184 bytes; the offsets of a line are 16 (140,000 lines: 26 MB -> 2 MB)."""
    data = b'{"type":"user"}\n' * 100_000
    tracemalloc.start()
    try:
        lines, _ = split_lines(data)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lines) == 100_000
    assert held < 24 * len(lines)


def test_a_buffer_whose_lines_were_all_edited_away_is_let_go() -> None:
    """An editor's replace-all, or a chunk's lines deleted: the old text is freed, not kept by
    the offsets until the document closes; a copy made before keeps its own."""
    first, second = b"a\n" * 1100, b"b\n" * 50
    views = _views_of_chunks([first, second])
    copy = views.copy()
    views.replace(0, 1, [b"y"])
    assert any(buffer is first for buffer in views._buffers)  # a line of it is still there
    views.replace(1, 1100, [b"x"])
    assert all(buffer is not first for buffer in views._buffers)
    assert any(buffer is second for buffer in views._buffers)
    assert [bytes(line) for line in views] == [b"y", b"x"] + [b"b"] * 50
    assert [bytes(line) for line in copy] == [b"a"] * 1100 + [b"b"] * 50
    assert len(copy._buffers) == 2
    views.replace(0, len(views), [b"z"] * 2000)
    assert views._buffers == [] and [bytes(line) for line in views] == [b"z"] * 2000


def test_a_part_holds_only_its_own_lines_and_offsets() -> None:
    """A title reads a few lines at each end of a session: a part copies their offsets, not the
    whole arrays, and keeps only the lines an edit put in that it has."""
    views = _views_of_chunks([b"a\nb\nc\nd\n"])
    views.replace(1, 2, [b"B" * 1000])
    views.replace(3, 4, [b"D"])
    part = views[2:]
    assert [bytes(line) for line in part] == [b"c", b"D"]
    assert part._held == [b"D"] and len(part._starts) == 2
    assert [bytes(line) for line in views[:2]] == [b"a", b"B" * 1000]
    assert [bytes(line) for line in views] == [b"a", b"B" * 1000, b"c", b"D"]


def test_lines_replaced_past_the_end_are_counted_as_a_list_would_take_them() -> None:
    views = _views_of_chunks([b"a\nb\nc\n"])
    views.replace(2, 10**6, [b"C"])
    views.replace(10**6, 10**6 + 5, [b"d"])
    assert [bytes(line) for line in views] == [b"a", b"b", b"C", b"d"]
    assert views._in_buffers == 2


@settings(max_examples=300)
@given(
    st.lists(st.binary(max_size=4).filter(lambda line: b"\n" not in line), max_size=10),
    edits,
    st.dictionaries(st.integers(-1, 11), st.lists(st.binary(max_size=3), max_size=3), max_size=4),
)
def test_lines_split_in_one_pass_give_what_a_list_would_and_edit_alike(
    lines: list[bytes],
    changes: list[tuple[int, int, list[bytes]]],
    parts: dict[int, list[bytes]],
) -> None:
    """Edited first (some lines held, some in buffers), then split: the lines, their bytes,
    and an edit after the split, as a list of the same lines gives them."""
    views = _views_of_halves(lines)
    expected = list(lines)
    for start, stop, new in changes:
        start, stop = min(start, len(expected)), min(max(start, stop), len(expected))
        views.replace(start, stop, new)
        expected[start:stop] = new
    split = views.with_lines_split(parts)
    as_list = [part for number, line in enumerate(expected) for part in parts.get(number, [line])]
    assert [bytes(line) for line in split] == as_list
    assert [bytes(line) for line in views] == expected  # the lines split from stay as they were
    assert split.byte_count() == sum(map(len, as_list))
    split.replace(0, 1, [b"z"])
    as_list[0:1] = [b"z"]
    assert [bytes(line) for line in split] == as_list
