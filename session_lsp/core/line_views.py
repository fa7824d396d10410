"""A transcript's lines as offsets into the buffers they were split from, made views when asked for.

A memoryview is 184 bytes: the 140,000 lines of a session of 70,000 tool calls held 26 MB of them
beside their 105 MB of text, a fifth of what the server keeps of it besides the text. Two offsets
are 16 bytes. A line is made a view only when a reader asks for it, which costs about what
indexing a list of views did. Lines an edit put in are held as they came (bytes, usually).
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

Line = bytes | memoryview
"""A line's bytes; views into one buffer (or a memory-mapped file) avoid copying big files."""

Buffer = bytes | mmap.mmap
"""What lines are split from: a whole file's bytes, a mapped file, or a chunk of a document."""

_REPLACED = -1
"""The start of a line held whole in `_replaced`, not in a buffer."""


class LineViews(Sequence[Line]):
    """Lines, each `buffer[start:end]` of one of the buffers, or held whole after an edit.

    Offsets are counted across the buffers as if they were joined, so one array of starts and one
    of ends say where every line is; the buffer of an offset is found among the few buffers (a
    file, or the chunks a big document arrived in) by bisection."""

    __slots__ = ("_bases", "_buffers", "_ends", "_replaced", "_starts", "_views")

    def __init__(self) -> None:
        self._buffers: list[Buffer] = []
        self._views: list[memoryview] = []
        self._bases: list[int] = []
        """Where each buffer starts, counted across the buffers before it."""
        self._starts = array("q")
        self._ends = array("q")
        self._replaced: dict[int, Line] = {}

    @classmethod
    def of(cls, lines: Iterable[Line]) -> LineViews:
        """Lines given one by one (a repaired file's, a test's), held as they are."""
        views = cls()
        for number, line in enumerate(lines):
            views._replaced[number] = line
        views._starts = array("q", [_REPLACED]) * len(views._replaced)
        views._ends = array("q", views._starts)
        return views

    def add_buffer(self, buffer: Buffer, starts: array[int], ends: array[int]) -> None:
        """Append the lines `buffer[starts[i]:ends[i]]` (offsets within `buffer`)."""
        base = self._bases[-1] + len(self._buffers[-1]) if self._buffers else 0
        self._buffers.append(buffer)
        self._views.append(memoryview(buffer))
        self._bases.append(base)
        if base:
            starts = array("q", (start + base for start in starts))
            ends = array("q", (end + base for end in ends))
        self._starts += starts
        self._ends += ends

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Line: ...

    @overload
    def __getitem__(self, index: slice) -> LineViews: ...

    def __getitem__(self, index: int | slice) -> Line | LineViews:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return LineViews.of([self[number] for number in range(start, stop, step)])
            return self.replaced(stop, len(self), []).replaced(0, start, [])
        start = self._starts[index]
        if start == _REPLACED:
            return self._replaced[index if index >= 0 else index + len(self)]
        views = self._views
        if len(views) == 1:
            return views[0][start : self._ends[index]]
        buffer = bisect_right(self._bases, start) - 1
        base = self._bases[buffer]
        return views[buffer][start - base : self._ends[index] - base]

    def __iter__(self) -> Iterator[Line]:
        if len(self._views) == 1 and not self._replaced:
            view = self._views[0]
            for start, end in zip(self._starts, self._ends, strict=True):
                yield view[start:end]
            return
        for number in range(len(self._starts)):
            yield self[number]

    def byte_count(self) -> int:
        """The bytes of all lines, without what separates them."""
        held = sum(map(len, self._replaced.values()))
        return sum(self._ends) - sum(self._starts) + held

    def replaced(self, start: int, stop: int, lines: Sequence[Line]) -> LineViews:
        """New views with lines [start, stop) swapped for `lines`; this one is left as it was
        (an analysis made from it keeps reading it)."""
        stop = max(start, stop)
        views = LineViews.__new__(LineViews)
        views._buffers, views._views = list(self._buffers), list(self._views)
        views._bases = list(self._bases)
        put_in = array("q", [_REPLACED]) * len(lines)
        views._starts = self._starts[:start] + put_in + self._starts[stop:]
        views._ends = self._ends[:start] + put_in + self._ends[stop:]
        shift = len(lines) - (stop - start)
        views._replaced = {
            number if number < start else number + shift: line
            for number, line in self._replaced.items()
            if not start <= number < stop
        }
        views._replaced.update(zip(range(start, start + len(lines)), lines, strict=True))
        return views

    def single_buffer(self) -> Buffer | None:
        """The one buffer every line is in, none of them put in by an edit; None when the lines
        are not all in one."""
        if len(self._buffers) != 1 or self._replaced:
            return None
        return self._buffers[0]
