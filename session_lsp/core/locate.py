"""Exact places inside a line: the tool id's string, the parentUuid value, the whole line.

Findings point at the id itself rather than the whole line, so editors squiggle the id and hover,
go-to-definition and code actions can key off it. A line is indexed once, on its first question:
every string in it, with its key and code-point column, found in one left-to-right pass, so a line
holding thousands of calls costs linear time, not a search of the whole line per finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from session_lsp.core.findings import Span
from session_lsp.core.reading import Line, text_of

_STRING = re.compile(rb'"([^"\\]*(?:\\.[^"\\]*)*)"(\s*:)?')
"""A JSON string (and the colon after a key), written as runs of plain bytes between escapes: one
step per run, not per byte (a 4.7 MB result line: 25 ms, not 430)."""
LONGEST_INDEXED = 1024
"""Strings longer than this are not kept in a line's index: ids and uuids are all that is looked
up, and a tool's output would otherwise be copied into the index whole."""
_SPACE = re.compile(rb"\s*")


@dataclass(slots=True)
class _LineIndex:
    """First column of each `"key": "value"` pair and of each string, and the line's width."""

    width: int
    values: dict[tuple[bytes, bytes], int] = field(default_factory=dict)
    strings: dict[bytes, int] = field(default_factory=dict)


def _index(raw: bytes, limit: int = LONGEST_INDEXED) -> _LineIndex:
    index = _LineIndex(max(1, len(text_of(raw.rstrip(b"\r")))))
    column = 0
    counted = 0  # bytes up to here are counted in `column`
    key: bytes | None = None
    key_end = -1
    for match in _STRING.finditer(raw):
        start = match.start(1)
        column += len(str(raw[counted:start], "utf-8", "replace"))
        counted = start
        content = match.group(1) if match.end(1) - start <= limit else None
        if content is not None:
            index.strings.setdefault(content, column)
        if match.group(2) is not None:
            key, key_end = content, match.end()
            continue
        if (
            key is not None
            and content is not None
            and _SPACE.fullmatch(raw, key_end, match.start()) is not None
        ):
            index.values.setdefault((key, content), column)
        key = None
    return index


class Locator:
    """Turns byte matches in raw lines into code-point spans."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._lines = lines
        self._indexes: dict[int, _LineIndex] = {}

    def _index_of(self, line: int) -> _LineIndex:
        found = self._indexes.get(line)
        if found is None:
            found = self._indexes[line] = _index(bytes(self._lines[line]))
        return found

    def line(self, line: int) -> Span:
        return Span(line, 0, self._index_of(line).width)

    def value(self, line: int, key: str, value: str) -> Span:
        """The span of `value` written as the string value of `key`; the whole line if absent."""
        encoded = value.encode()
        index = (
            self._index_of(line)
            if len(encoded) <= LONGEST_INDEXED
            else _index(bytes(self._lines[line]), len(encoded))
        )
        start = index.values.get((key.encode(), encoded))
        if start is None:
            start = index.strings.get(encoded)
        if start is None:
            return Span(line, 0, index.width)
        return Span(line, start, start + len(value))

    def tool_use_id(self, line: int, tool_id: str) -> Span:
        return self.value(line, "id", tool_id)

    def tool_result_id(self, line: int, tool_id: str) -> Span:
        return self.value(line, "tool_use_id", tool_id)

    def parent_uuid(self, line: int, parent: str) -> Span:
        return self.value(line, "parentUuid", parent)
