"""Exact places inside a line: the tool id's string, the parentUuid value, the whole line.

Findings point at the id itself rather than the whole line, so editors squiggle the id and hover,
go-to-definition and code actions can key off it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from session_lsp.core.findings import Span
from session_lsp.core.reading import Line, column_of, text_of


class Locator:
    """Turns byte matches in raw lines into code-point spans."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._lines = lines

    def line(self, line: int) -> Span:
        raw = bytes(self._lines[line]).rstrip(b"\r")
        return Span(line, 0, max(1, len(text_of(raw))))

    def value(self, line: int, key: str, value: str) -> Span:
        """The span of `value` written as the string value of `key`; the whole line if absent."""
        raw = bytes(self._lines[line])
        pattern = re.compile(
            rb'"' + re.escape(key.encode()) + rb'"\s*:\s*"(' + re.escape(value.encode()) + rb')"'
        )
        match = pattern.search(raw)
        if match is not None:
            start = column_of(raw, match.start(1))
            return Span(line, start, start + len(value))
        plain = raw.find(b'"' + value.encode() + b'"')
        if plain >= 0:
            start = column_of(raw, plain + 1)
            return Span(line, start, start + len(value))
        return self.line(line)

    def tool_use_id(self, line: int, tool_id: str) -> Span:
        return self.value(line, "id", tool_id)

    def tool_result_id(self, line: int, tool_id: str) -> Span:
        return self.value(line, "tool_use_id", tool_id)

    def parent_uuid(self, line: int, parent: str) -> Span:
        return self.value(line, "parentUuid", parent)
