"""A transcript's lines as offsets into the buffers they were split from, made views when asked for.

A memoryview is 184 bytes: the 140,000 lines of a session of 70,000 tool calls held 26 MB of them
beside their 105 MB of text, a fifth of what the server keeps of it besides the text. Two offsets
are 16 bytes. A line is made a view only when a reader asks for it, which costs about what
indexing a list of views did. Lines an edit put in are held as they came (bytes, usually).
"""

from __future__ import annotations

import mmap
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, overload

from session_lsp.core.packed_chunks import Chunk

Line = bytes | memoryview
"""A line's bytes; views into one buffer (or a memory-mapped file) avoid copying big files."""

Buffer = bytes | mmap.mmap
"""What lines are split from: a whole file's bytes, a mapped file, or a chunk of a document."""

Held = Buffer | Chunk
"""What a `LineViews` holds lines in: a buffer, or a chunk of a document that may be packed."""


def scannable(held: Held) -> Buffer:
    """The bytes of what lines are held in, as the C scans take them (a chunk unpacked)."""
    return held.data() if isinstance(held, Chunk) else held


def newline_offsets(buffer: Buffer, start: int, base: int) -> tuple[array[int], array[int], int]:
    """Where each line of `buffer[start:]` that ends with a `\\n` starts and ends (the `\\n` left
    out), counted from `base`, and where the rest starts (an unended last line, or nothing).
    In C where it was built (`_newline_offsets.c`): in Python this is a tenth of `check` on a
    rollout of short lines."""
    if NATIVE_NEWLINE_OFFSETS is None:
        return newline_offsets_in_python(buffer, start, base)
    found_starts, found_ends, rest = NATIVE_NEWLINE_OFFSETS(buffer, start, base)
    starts, ends = array("q"), array("q")
    starts.frombytes(found_starts)
    ends.frombytes(found_ends)
    return starts, ends, rest


def newline_offsets_in_python(
    buffer: Buffer, start: int, base: int
) -> tuple[array[int], array[int], int]:
    """`newline_offsets` where the C module was not built, and what the C is held to."""
    starts, ends = array("q"), array("q")
    find = buffer.find
    while (end := find(b"\n", start)) >= 0:
        starts.append(base + start)
        ends.append(base + end)
        start = end + 1
    return starts, ends, start


NativeNewlineOffsets = Callable[[Buffer, int, int], tuple[bytes, bytes, int]]


def _native_newline_offsets() -> NativeNewlineOffsets | None:
    """The C split, or None where it was not built (no compiler when the package was installed)."""
    try:
        from session_lsp._native import newline_offsets as native
    except ImportError:
        return None
    return native


NATIVE_NEWLINE_OFFSETS = _native_newline_offsets()


class Run(NamedTuple):
    """Lines `first_line`, `first_line + 1`, ... that are `buffer[start:stop]` split at `\\n`."""

    first_line: int
    buffer: Held
    start: int
    stop: int


_NEWLINE = ord("\n")
_RETURN = ord("\r")


class LineViews(Sequence[Line]):
    """Lines, each `buffer[start:end]` of one of the buffers, or held whole after an edit.

    Offsets are counted across the buffers as if they were joined, so one array of starts and one
    of ends say where every line is; the buffer of an offset is found among the few buffers (a
    file, or the chunks a big document arrived in, which may be packed: `packed_chunks`) by
    bisection. A held line's start is -1 - its index in `_held`, so lines move with the arrays
    however many an edit adds or removes."""

    __slots__ = (
        "_bases",
        "_buffers",
        "_ends",
        "_held",
        "_held_in_use",
        "_in_buffers",
        "_replaced_in_buffers",
        "_starts",
        "_views",
    )

    def __init__(self) -> None:
        self._buffers: list[Held] = []
        self._views: list[memoryview | None] = []
        """Each buffer's view; None for a chunk, which gives its own (`Chunk.view`)."""
        self._bases: list[int] = []
        """Where each buffer starts, counted across the buffers before it."""
        self._starts = array("q")
        self._ends = array("q")
        self._held: list[Line] = []
        self._held_in_use = 0
        """Held lines some line still is: the others are dropped once they outnumber these."""
        self._in_buffers = 0
        """Lines that are in a buffer (not held)."""
        self._replaced_in_buffers = 0
        """Lines of the buffers edited away since the buffers were last looked at: once they are
        as many as the lines still in buffers, a buffer none of them is in is let go (so the
        buffers are looked at about log2(lines) times however the lines are edited)."""

    @classmethod
    def of(cls, lines: Iterable[Line]) -> LineViews:
        """Lines given one by one (a repaired file's, a test's), held as they are."""
        views = cls()
        views._held = list(lines)
        views._held_in_use = len(views._held)
        views._starts = array("q", range(-1, -1 - len(views._held), -1))
        views._ends = array("q", bytes(8 * len(views._held)))
        return views

    @property
    def next_base(self) -> int:
        """Where a buffer added now starts, counted across the buffers before it."""
        return self._bases[-1] + len(self._buffers[-1]) if self._buffers else 0

    def add_buffer(self, buffer: Held, starts: array[int], ends: array[int]) -> None:
        """Append `buffer` and its lines, each from `starts[i]` to `ends[i]` counted across the
        buffers (`next_base` is the buffer's first byte), so that no offset is copied again."""
        self._bases.append(self.next_base)
        self._buffers.append(buffer)
        self._views.append(None if isinstance(buffer, Chunk) else memoryview(buffer))
        self._starts += starts
        self._ends += ends
        self._in_buffers += len(starts)

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
            return self._part(start, max(start, stop))
        start = self._starts[index]
        if start < 0:
            return self._held[-1 - start]
        if len(self._views) == 1:
            base = self._bases[0]  # not 0 once the buffers before it were let go
            return self._view(0)[start - base : self._ends[index] - base]
        buffer, base, _ = self._buffer_at(start)
        return self._view(buffer)[start - base : self._ends[index] - base]

    def _view(self, buffer: int) -> memoryview:
        view = self._views[buffer]
        if view is not None:
            return view
        chunk = self._buffers[buffer]
        assert isinstance(chunk, Chunk)
        return chunk.view()

    def _buffer_at(self, start: int) -> tuple[int, int, int]:
        """The buffer an offset is in: its number, and where it starts and ends counted across
        the buffers. Readers of many lines ask again only when a line is past the one before."""
        buffer = bisect_right(self._bases, start) - 1
        base = self._bases[buffer]
        return buffer, base, base + len(self._buffers[buffer])

    def _sharing_buffers(self) -> LineViews:
        """Views over the same buffers (lists of their own), their lines still to be set."""
        views = LineViews.__new__(LineViews)
        views._buffers, views._views = list(self._buffers), list(self._views)
        views._bases = list(self._bases)
        return views

    def _part(self, start: int, stop: int) -> LineViews:
        """Lines [start, stop): their offsets copied, not the whole arrays (a session's title
        reads a few lines at each end of 140,000), and only the held lines they are."""
        part = self._sharing_buffers()
        part._starts, part._ends = self._starts[start:stop], self._ends[start:stop]
        part._held, part._held_in_use = [], 0
        if part._holds_any():
            part._held = self._held
            part._drop_unused_held()  # a list of its own, of the held lines it has
            part._held_in_use = len(part._held)
        part._in_buffers = len(part._starts) - part._held_in_use
        part._replaced_in_buffers = 0
        return part

    def __iter__(self) -> Iterator[Line]:
        return self.between(0, len(self))

    def between(self, first: int, stop: int) -> Iterator[Line]:
        """Lines [first, stop) in order: a reader of every line finds each line's buffer by
        stepping from the one before, not by a bisection per line."""
        starts, ends, held = self._starts, self._ends, self._held
        base, end_of_buffer, view = 0, -1, memoryview(b"")
        for number in range(max(0, first), min(stop, len(starts))):
            start = starts[number]
            if start < 0:
                yield held[-1 - start]
                continue
            if not base <= start < end_of_buffer:
                buffer, base, end_of_buffer = self._buffer_at(start)
                view = self._view(buffer)
            yield view[start - base : ends[number] - base]

    def byte_count(self) -> int:
        """The bytes of all lines, without what separates them: counted from the offsets, and
        the lengths of the held lines, so that no line is read (a packed chunk unpacked)."""
        in_buffers = sum(self._ends) - sum(self._starts)
        if not self._holds_any():
            return in_buffers
        held = [-1 - start for start in self._starts if start < 0]
        # A held line's offsets are (-1 - its index, 0): take back what they added above.
        return in_buffers - sum(held) - len(held) + sum(len(self._held[index]) for index in held)

    def unpacked_bytes(self) -> int:
        """Bytes of the buffers and lines kept as they came: all but the packed chunks."""
        in_buffers = sum(
            len(buffer)
            for buffer in self._buffers
            if not (isinstance(buffer, Chunk) and buffer.is_packed)
        )
        return in_buffers + sum(map(len, self._held))

    def packed_bytes(self) -> int:
        """Bytes the packed chunks take packed."""
        return sum(buffer.packed_size for buffer in self._buffers if isinstance(buffer, Chunk))

    def _holds_any(self) -> bool:
        return bool(self._starts) and min(self._starts) < 0

    def copy(self) -> LineViews:
        """Views of the same lines that edits to this one leave alone (and the other way)."""
        views = self._sharing_buffers()
        views._starts, views._ends = array("q", self._starts), array("q", self._ends)
        views._held, views._held_in_use = list(self._held), self._held_in_use
        views._in_buffers = self._in_buffers
        views._replaced_in_buffers = self._replaced_in_buffers
        return views

    def with_lines_split(self, parts: Mapping[int, Sequence[Line]]) -> LineViews:
        """These lines with each line numbered in `parts` swapped for its parts, held as given:
        the file split at its glued records. One pass, sharing the buffers (a packed chunk stays
        packed), where a list of every line would hold a view into each chunk, unpacked."""
        views = self._sharing_buffers()
        views._held = list(self._held)
        starts, ends, previous = array("q"), array("q"), 0
        replaced_in_buffers = added = 0
        for line in sorted(number for number in parts if 0 <= number < len(self._starts)):
            starts += self._starts[previous:line]
            ends += self._ends[previous:line]
            replaced_in_buffers += self._starts[line] >= 0
            for part in parts[line]:
                views._held.append(part)
                starts.append(-len(views._held))
                ends.append(0)
                added += 1
            previous = line + 1
        views._starts = starts + self._starts[previous:]
        views._ends = ends + self._ends[previous:]
        replaced = len(self._starts) - (len(views._starts) - added)
        views._held_in_use = self._held_in_use - (replaced - replaced_in_buffers) + added
        views._in_buffers = self._in_buffers - replaced_in_buffers
        views._replaced_in_buffers = self._replaced_in_buffers + replaced_in_buffers
        return views

    def replace(self, start: int, stop: int, lines: Sequence[Line]) -> None:
        """Lines [start, stop) swapped for `lines`, in place: the cost of moving two arrays, so
        a change that edits thousands of lines one after the other stays linear."""
        start = max(0, min(start, len(self._starts)))
        stop = max(start, min(stop, len(self._starts)))
        dropped = 0
        for line_start in self._starts[start:stop]:
            if line_start < 0:
                # Each held line is one line's here (copies hold their own list): let it go now,
                # not at the next tidying; a keystroke in a 1 MB line makes a new 1 MB line.
                self._held[-1 - line_start] = b""
                dropped += 1
        self._in_buffers -= stop - start - dropped
        self._replaced_in_buffers += stop - start - dropped
        first = len(self._held)
        self._held.extend(lines)
        self._held_in_use += len(lines) - dropped
        self._starts[start:stop] = array("q", range(-1 - first, -1 - first - len(lines), -1))
        self._ends[start:stop] = array("q", bytes(8 * len(lines)))
        if len(self._held) > 2 * self._held_in_use + 1024:
            self._drop_unused_held()
        if self._replaced_in_buffers and self._replaced_in_buffers >= self._in_buffers:
            self._drop_unused_buffers()

    def _ends_line_there(self, buffer_number: int, end: int, next_start: int) -> bool:
        """Whether the bytes from one line's end to the next line's start (both in the buffer)
        are a `\\n`, or a `\\r\\n`: what a search splitting at `\\n` reads as one line
        ending there (the `\\r` left at the end of the line, where no query matches it). A lone
        `\\r`, a line end to an editor, is not."""
        view = self._view(buffer_number)
        gap = next_start - end
        if gap == 1:
            return view[end] == _NEWLINE
        return gap == 2 and view[end] == _RETURN and view[end + 1] == _NEWLINE

    def _drop_unused_buffers(self) -> None:
        """Lets go of the buffers no line is in any more (a document replaced whole, or every
        line of a chunk edited), so that the text they held is freed with the last copy using
        them. Lines from buffers keep their order, so one pass steps from buffer to buffer."""
        self._replaced_in_buffers = 0
        used = [False] * len(self._buffers)
        base, end_of_buffer = 0, -1
        for start in self._starts:
            if start < 0 or base <= start < end_of_buffer:
                continue
            buffer, base, end_of_buffer = self._buffer_at(start)
            used[buffer] = True
        if all(used):
            return
        kept = [number for number, in_use in enumerate(used) if in_use]
        self._buffers = [self._buffers[number] for number in kept]
        self._views = [self._views[number] for number in kept]
        self._bases = [self._bases[number] for number in kept]

    def _drop_unused_held(self) -> None:
        starts, held, kept = self._starts, self._held, []
        for number, start in enumerate(starts):
            if start < 0:
                kept.append(held[-1 - start])
                starts[number] = -len(kept)
        self._held = kept

    def runs(self) -> list[Run]:
        """The lines as runs that lie one after another in one buffer with a `\\n` (or a
        `\\r\\n`) between each two, and each held line as a run of its own: what a search scans in place, rather than
        joining the lines into a copy of the document. Lines still in the order of their buffers
        (no edit put any in) are found by bisection, a buffer's lines checked as one run at once;
        otherwise line by line."""
        if self._holds_any():
            return self._runs_between(0, len(self))
        starts, ends, runs = self._starts, self._ends, []
        for buffer, base in zip(self._buffers, self._bases, strict=True):
            first = bisect_left(starts, base)
            stop = bisect_left(starts, base + len(buffer))
            if first == stop:
                continue
            start, end = starts[first] - base, ends[stop - 1] - base
            gaps = (end - start) - (sum(ends[first:stop]) - sum(starts[first:stop]))
            if gaps == stop - first - 1 and not _has_return(buffer, start, end):
                runs.append(Run(first, buffer, start, end))  # a one-byte terminator, not `\r`
            else:
                runs += self._runs_between(first, stop)
        return runs

    def _runs_between(self, first: int, stop: int) -> list[Run]:
        starts, ends, held = self._starts, self._ends, self._held
        runs: list[Run] = []
        buffer_number, base, end_of_buffer = -1, 0, -1
        run_first, run_start, run_stop = -1, 0, 0
        for number in range(first, stop):
            start = starts[number]
            if (
                run_first >= 0
                and start < end_of_buffer
                and self._ends_line_there(buffer_number, run_stop, start - base)
            ):
                run_stop = ends[number] - base
                continue
            if run_first >= 0:
                runs.append(Run(run_first, self._buffers[buffer_number], run_start, run_stop))
                run_first = -1
            if start < 0:
                line = bytes(held[-1 - start])
                runs.append(Run(number, line, 0, len(line)))
                continue
            if not base <= start < end_of_buffer:
                buffer_number, base, end_of_buffer = self._buffer_at(start)
            run_first, run_start, run_stop = number, start - base, ends[number] - base
        if run_first >= 0:
            runs.append(Run(run_first, self._buffers[buffer_number], run_start, run_stop))
        return runs


def line_views(lines: Sequence[Line]) -> LineViews:
    """`lines` as `LineViews`: themselves if they are, else held one by one."""
    return lines if isinstance(lines, LineViews) else LineViews.of(lines)


def _has_return(held: Held, start: int, end: int) -> bool:
    """Whether `held[start:end]` may hold a `\\r`: a chunk answers for the whole of it, from what
    it noted when made, so that finding the runs unpacks nothing."""
    if isinstance(held, Chunk):
        return held.has_return
    return held.find(b"\r", start, end) >= 0
