"""A document's UTF-8 text in chunks of whole lines, split and read as each chunk arrives.

A big didOpen is unescaped a chunk at a time, in C with Python's lock released (`opening`): the
lines of one chunk are read (`core.reading`) while the next is unescaped, so the document's
transcript is ready about when the last chunk is, not an unescaping later.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable

from session_lsp.core.analysis import Transcript
from session_lsp.core.formats import reads_records
from session_lsp.core.line_views import LineViews, newline_offsets
from session_lsp.core.reading import LineProblem, Record, read_lines

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
        _add_lines_of(chunk, lines, terminators)
    return lines, terminators


def _add_lines_of(chunk: bytes, lines: LineViews, terminators: list[str]) -> None:
    base = lines.next_base
    if b"\r" in chunk:
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
    lines.add_buffer(chunk, starts, ends)


class ReadChunks:
    """The chunks added so far, their lines and terminators, and each line read. Every chunk but
    the text's last ends with a line: an unterminated line can only be the text's last, the one
    line that may be read as a torn tail."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.lines = LineViews()
        self.terminators: list[str] = []
        self._records: list[Record | None] = []
        self._problems: list[tuple[LineProblem, ...]] = []
        self._reads_records: bool | None = None
        """Decided on the first chunk (`reads_records`): a Codex rollout's lines are checked."""

    @classmethod
    def of(cls, chunks: Iterable[bytes]) -> ReadChunks:
        read = cls()
        for chunk in chunks:
            read.add(chunk)
        return read

    @property
    def size(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)

    @property
    def ends_with_newline(self) -> bool:
        return not self.terminators or bool(self.terminators[-1])

    def add(self, chunk: bytes) -> None:
        """Split `chunk` into lines and read them."""
        self.chunks.append(chunk)
        start = len(self.lines)
        _add_lines_of(chunk, self.lines, self.terminators)
        if self._reads_records is None:
            self._reads_records = reads_records(self.lines)
        for record, problems in read_lines(
            self.lines, start, ends_with_newline=self.ends_with_newline, records=self._reads_records
        ):
            self._records.append(record)
            self._problems.append(problems)

    def transcript(self) -> Transcript:
        return Transcript.from_readings(
            self.lines,
            self._records,
            self._problems,
            self.ends_with_newline,
            read_records=self._reads_records is not False,
        )
