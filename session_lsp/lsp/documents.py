"""Open transcripts, kept as lines so an edit costs the lines it touches, not the document.

pygls's own TextDocument rebuilds the whole string on every keystroke and splits lines with
`str.splitlines`, which breaks on U+2028/U+2029/U+0085 inside JSON strings and desyncs incremental
edits. This document keeps LSP lines (only \\r\\n, \\r, \\n end a line) and a core `Transcript`
beside them, re-reading only the changed lines.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from session_lsp.core.analysis import Analysis, Transcript
from session_lsp.core.tools import ToolIndex
from session_lsp.lsp.positions import Columns, split_lsp_lines, terminator_of, without_terminator


def _line_bytes(line: str) -> bytes:
    return without_terminator(line).encode("utf-8", "surrogatepass")


class SessionDocument(TextDocument):
    """A text document whose lines and transcript are updated line by line."""

    def __init__(self, uri: str, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(uri, source=source, **kwargs)
        self._lines: list[str] = split_lsp_lines(source or "")
        self._joined: str | None = source or ""
        self.transcript = Transcript(
            [_line_bytes(line) for line in self._lines], self._ends_with_newline()
        )
        self._analysis: tuple[int | None, float | None, Analysis] | None = None
        self.modified_seconds_ago: float | None = None
        """Set by the live-session watcher when the file on disk was written moments ago."""
        self._tools: tuple[Analysis, ToolIndex] | None = None
        self.saved_mtime_ns: int | None = None
        """The file's mtime after the editor's own last save, which is not Claude Code writing."""

    def _ends_with_newline(self) -> bool:
        return not self._lines or bool(terminator_of(self._lines[-1]))

    @property
    def lines(self) -> list[str]:
        return self._lines

    @property
    def source(self) -> str:
        if self._joined is None:
            self._joined = "".join(self._lines)
        return self._joined

    def line_text(self, line: int) -> str:
        """A line without its terminator ('' past the end)."""
        return without_terminator(self._lines[line]) if 0 <= line < len(self._lines) else ""

    @property
    def eol(self) -> str:
        """The document's line terminator, for lines a repair inserts."""
        for line in self._lines[:1]:
            if terminator := terminator_of(line):
                return terminator
        return "\n"

    @property
    def columns(self) -> Columns:
        encoding = self.position_codec.encoding or types.PositionEncodingKind.Utf16
        return Columns(
            encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding
        )

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self._joined = None
        self._analysis = None
        if isinstance(change, types.TextDocumentContentChangePartial):
            self._apply_partial(change)
            return
        self._lines = split_lsp_lines(change.text)
        self._joined = change.text
        self.transcript = Transcript(
            [_line_bytes(line) for line in self._lines], self._ends_with_newline()
        )

    def _apply_partial(self, change: types.TextDocumentContentChangePartial) -> None:
        lines = self._lines
        start, end = change.range.start, change.range.end
        start_line = min(start.line, len(lines))
        end_line = min(end.line, len(lines))
        columns = self.columns
        head_text = lines[start_line] if start_line < len(lines) else ""
        tail_text = lines[end_line] if end_line < len(lines) else ""
        head = without_terminator(head_text)[
            : columns.from_client(without_terminator(head_text), start.character)
        ]
        tail_body = without_terminator(tail_text)
        tail = tail_body[columns.from_client(tail_body, end.character) :] + terminator_of(tail_text)
        if start.line >= len(lines):
            head, tail = "", ""
        stop = end_line + 1 if end_line < len(lines) else len(lines)
        merged = head + change.text + tail
        # A piece ending in \r followed by a line starting with \n is one \r\n terminator.
        while merged.endswith("\r") and stop < len(lines):
            merged += lines[stop]
            stop += 1
        if (
            start_line > 0
            and merged.startswith("\n")
            and lines[start_line - 1].endswith("\r")
            and not lines[start_line - 1].endswith("\r\n")
        ):
            start_line -= 1
            merged = lines[start_line] + merged
        pieces = split_lsp_lines(merged)
        lines[start_line:stop] = pieces
        self.transcript.replace_lines(
            start_line, stop, [_line_bytes(piece) for piece in pieces], self._ends_with_newline()
        )

    def analysis(self) -> Analysis:
        """The analysis of this version, computed once."""
        key = (self.version, self.modified_seconds_ago)
        if self._analysis is None or self._analysis[:2] != key:
            self._analysis = (
                *key,
                self.transcript.analyse(modified_seconds_ago=self.modified_seconds_ago),
            )
        return self._analysis[2]

    def tools(self) -> ToolIndex:
        """Every tool call and result in the file, built once per analysis."""
        analysis = self.analysis()
        if self._tools is None or self._tools[0] is not analysis:
            self._tools = (analysis, ToolIndex.build(analysis.records))
        return self._tools[1]


class SessionWorkspace(Workspace):
    """Creates SessionDocuments; installed before the first document opens."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return SessionDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )
