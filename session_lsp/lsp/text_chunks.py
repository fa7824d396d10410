"""A document's UTF-8 text in chunks of whole lines, split and read as each chunk arrives.

A big didOpen is unescaped a chunk at a time, in C with Python's lock released (`opening`): the
lines of one chunk are read (`core.reading`) while the next is unescaped, so the document's
transcript is ready about when the last chunk is, not an unescaping later. Once a chunk's lines
are read into records, the chunk is packed on another thread (`packing`): a Claude Code
transcript's text is then looked at only a few lines at a time (`core.packed_chunks`).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator

from session_lsp.core.analysis import Transcript
from session_lsp.core.formats import reads_records
from session_lsp.core.line_views import Held, LineViews, newline_offsets
from session_lsp.core.packed_chunks import Chunk
from session_lsp.core.reading import LineProblem, Record, read_lines
from session_lsp.lsp.packing import PACKING

PIECE_BYTES = 1 << 20
"""Bytes of text a document given whole (not streamed) is cut into, each piece packed alone: a
line looked at later unpacks its piece, not the document."""

PACKED_FROM = 64 * 1024
"""Chunks smaller than this are kept as they came: a small document is not worth unpacking."""

MOST_PACKED_LINE_BYTES = 2048
"""A chunk whose lines average more is kept as it came. Many short lines (a run of tool calls)
cost the loop more time to read into records than the chunk costs to pack (zlib, 2.5-7 ms a
megabyte), and their records are most of what the server holds of them: packed on another core,
they keep pace. Longer lines are read faster than they are packed: a repeated real session of
3 KB lines and one of big tool results opened 20-30% slower with every chunk packed, and the
latter's first page took 1.6x `check` (each shown result unpacked its chunk)."""

_EOL = re.compile(rb"\r\n|\r|\n")


def split_utf8(chunks: Iterable[bytes]) -> tuple[LineViews, list[str]]:
    """Lines without terminators (views into the chunks) and their terminators, as LSP counts them.

    Each chunk but the last must end with a line. A BOM stays in the first line, as the client
    sent it. Both ways of opening a document (a str, or the bytes of `opening`) come here, so
    they give the same lines.
    """
    lines = LineViews()
    terminators: list[str] = []
    for chunk in chunks:
        _add_lines_of(chunk, chunk, lines, terminators)
    return lines, terminators


def line_pieces(text: bytes, size: int = PIECE_BYTES) -> Iterator[bytes]:
    """`text` cut after the first `\\n` past every `size` bytes: pieces that each end with a line
    but the last, as `ReadChunks` takes them. A text of one piece is not copied."""
    start = 0
    while len(text) - start > size:
        end = text.find(b"\n", start + size - 1) + 1
        if end == 0:
            break
        yield text[start:end]
        start = end
    if start < len(text) or not start:
        yield text[start:]


def _add_lines_of(chunk: bytes, held: Held, lines: LineViews, terminators: list[str]) -> None:
    base = lines.next_base
    # A chunk has looked for a `\r` already, for the runs a search scans.
    has_return = held.has_return if isinstance(held, Chunk) else b"\r" in chunk
    if has_return:
        starts, ends, start = array("q"), array("q"), 0
        for terminator in _EOL.finditer(chunk):
            starts.append(base + start)
            ends.append(base + terminator.start())
            terminators.append(terminator.group().decode("ascii"))
            start = terminator.end()
    else:
        starts, ends, start = newline_offsets(chunk, 0, base)
        terminators += ["\n"] * len(starts)
    if start < len(chunk):
        starts.append(base + start)
        ends.append(base + len(chunk))
        terminators.append("")
    lines.add_buffer(held, starts, ends)


class ReadChunks:
    """The chunks added so far, their lines and terminators, and each line read. Every chunk but
    the text's last ends with a line: an unterminated line can only be the text's last, the one
    line that may be read as a torn tail. A chunk of lines read into records is packed then."""

    def __init__(self, *, packed_from: int = PACKED_FROM) -> None:
        self._held: list[Held] = []
        self._packed_from = packed_from
        self.size = 0
        self.lines = LineViews()
        self.terminators: list[str] = []
        self._records: list[Record | None] = []
        self._problems: list[tuple[LineProblem, ...]] = []
        self._reads_records: bool | None = None
        """Decided on the first chunk (`reads_records`): a Codex rollout's lines are checked."""

    @classmethod
    def of(cls, chunks: Iterable[bytes], *, packed_from: int = PACKED_FROM) -> ReadChunks:
        read = cls(packed_from=packed_from)
        for chunk in chunks:
            read.add(chunk)
        return read

    def chunks(self) -> Iterator[bytes]:
        """The chunks added so far, unpacked (a didOpen that goes the ordinary way after all)."""
        for held in self._held:
            yield held.data() if isinstance(held, Chunk) else bytes(held)

    @property
    def ends_with_newline(self) -> bool:
        return not self.terminators or bool(self.terminators[-1])

    def add(self, chunk: bytes) -> None:
        """Split `chunk` into lines and read them; then pack it, if its lines were read into
        records (a Codex rollout's are read later, from the text, and keep views of it) and are
        not a few big ones (`MOST_PACKED_LINE_BYTES`)."""
        held: Held = Chunk(chunk) if len(chunk) >= self._packed_from else chunk
        self._held.append(held)
        self.size += len(chunk)
        start = len(self.lines)
        _add_lines_of(chunk, held, self.lines, self.terminators)
        if self._reads_records is None:
            self._reads_records = reads_records(self.lines)
        for record, problems in read_lines(
            self.lines, start, ends_with_newline=self.ends_with_newline, records=self._reads_records
        ):
            self._records.append(record)
            self._problems.append(problems)
        few_big_lines = (len(self.lines) - start) * MOST_PACKED_LINE_BYTES < len(chunk)
        if self._reads_records and isinstance(held, Chunk) and not few_big_lines:
            PACKING.later(held)

    def transcript(self) -> Transcript:
        return Transcript.from_readings(
            self.lines,
            self._records,
            self._problems,
            self.ends_with_newline,
            read_records=self._reads_records is not False,
        )
