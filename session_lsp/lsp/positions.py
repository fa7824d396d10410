"""Columns between the core's code points and the client's negotiated units (utf-8/16/32).

Conversion works on one line at a time with C-speed codecs, so a hover on a 10 MB line costs a
slice and an encode, not a Python loop over its characters.
"""

from __future__ import annotations

import re

from lsprotocol import types

_EOL = re.compile(r"\r\n|\r|\n")


def split_lsp_lines(text: str) -> list[str]:
    """Lines as LSP counts them (only \\r\\n, \\r, \\n end a line), each with its terminator.

    `str.splitlines` also breaks on U+2028, U+2029, U+0085 and more, which Claude Code leaves raw
    inside JSON strings; using it desyncs every incremental edit after such a character.
    """
    lines: list[str] = []
    start = 0
    for match in _EOL.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def without_terminator(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def terminator_of(line: str) -> str:
    return line[len(without_terminator(line)) :]


class Columns:
    """Converts columns for one negotiated position encoding."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding

    def to_client(self, line: str, column: int) -> int:
        """Client units of the first `column` code points of `line`."""
        prefix = line[:column]
        if self.encoding == types.PositionEncodingKind.Utf32:
            return len(prefix)
        if self.encoding == types.PositionEncodingKind.Utf8:
            return len(prefix.encode("utf-8", "surrogatepass"))
        return len(prefix.encode("utf-16-le", "surrogatepass")) // 2

    def from_client(self, line: str, units: int) -> int:
        """Code points covered by `units` client units of `line`, clamped to the line."""
        if units <= 0:
            return 0
        if self.encoding == types.PositionEncodingKind.Utf32:
            return min(units, len(line))
        if self.encoding == types.PositionEncodingKind.Utf8:
            data = line.encode("utf-8", "surrogatepass")
            return len(data[:units].decode("utf-8", "ignore"))
        data = line.encode("utf-16-le", "surrogatepass")
        return len(data[: units * 2].decode("utf-16-le", "ignore"))
