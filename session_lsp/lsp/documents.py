"""Open transcripts, kept as UTF-8 lines so an edit costs the lines it touches, not the document.

pygls's own TextDocument rebuilds the whole string on every keystroke and splits lines with
`str.splitlines`, which breaks on U+2028/U+2029/U+0085 inside JSON strings and desyncs incremental
edits. This document keeps the lines LSP counts (only \\r\\n, \\r, \\n end a line) as bytes, shared
with the core `Transcript` that re-reads only the changed lines. A line is decoded to text only
when a request needs it: a transcript with emoji would otherwise cost four bytes per character.
A document given whole is cut into pieces of a megabyte (`line_pieces`), as a streamed one comes,
so that each piece of short lines is packed once read and a line unpacks its piece alone.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from session_lsp.core.analysis import Analysis
from session_lsp.core.collector import BIG_BYTES, collector_paused
from session_lsp.lsp.opening import Utf8TextDocumentItem
from session_lsp.lsp.positions import Columns, split_lsp_lines, terminator_of, without_terminator
from session_lsp.lsp.text_chunks import ReadChunks, line_pieces


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


BIG_DOCUMENT = BIG_BYTES
"""UTF-8 bytes above which a document is big: its first analysis reports work-done progress, and
its lines and first analysis are frozen out of the collector's sight (`collector_paused`)."""


class SessionDocument(TextDocument):
    """A text document whose lines and transcript are updated line by line."""

    def __init__(
        self,
        uri: str,
        source: str | None = None,
        *,
        read: ReadChunks | None = None,
        **kwargs: Any,
    ) -> None:
        """From `source`, or from `read`: the text's UTF-8 chunks, read as they arrived."""
        super().__init__(uri, source=None, **kwargs)
        encoded = _encode(source or "") if read is None else b""
        self.opened_size = read.size if read is not None else len(encoded)
        """UTF-8 bytes when opened: decides progress reporting and collector tuning."""
        self._opening = self.is_big
        """Until the first analysis is indexed, what is built is kept as long as the document is
        open: frozen (`collector_paused`). Never afterwards: a freeze also keeps whatever cyclic
        garbage other requests left uncollected at that moment, which on every keystroke would
        add up without bound."""
        with collector_paused(freeze=self._opening):
            if read is None:
                read = ReadChunks.of(line_pieces(encoded))
            self._terminators = read.terminators
            self.transcript = read.transcript()
        self._analysis: tuple[int | None, float | None, Analysis] | None = None
        self.modified_seconds_ago: float | None = None
        """Set by the live-session watcher when the file on disk was written moments ago."""
        self.saved_mtime_ns: int | None = None
        """The file's mtime after the editor's own last save, which is not Claude Code writing."""

    @property
    def being_written(self) -> bool:
        """Whether the agent may still be writing the file (written moments ago, or named live
        by Claude Code's registry): a repair now would race it, as `session-lsp fix` refuses to
        without `--force`."""
        return self.modified_seconds_ago is not None

    @property
    def is_big(self) -> bool:
        return self.opened_size > BIG_DOCUMENT

    def _ends_with_newline(self) -> bool:
        return not self._terminators or bool(self._terminators[-1])

    @property
    def line_count(self) -> int:
        return len(self._terminators)

    def terminator(self, line: int) -> str:
        return self._terminators[line] if 0 <= line < len(self._terminators) else ""

    def line_text(self, line: int) -> str:
        """A line without its terminator ('' past the end), decoded only now."""
        if not 0 <= line < len(self._terminators):
            return ""
        return str(self.transcript.lines[line], "utf-8", "surrogatepass")

    @property
    def lines(self) -> list[str]:
        """pygls's view (each line with its terminator); builds the whole text, so avoid it."""
        return [self.line_text(i) + self._terminators[i] for i in range(len(self._terminators))]

    @property
    def source(self) -> str:
        return "".join(self.lines)

    @property
    def eol(self) -> str:
        """The document's line terminator, for lines a repair inserts."""
        return next((t for t in self._terminators[:1] if t), "\n")

    @property
    def columns(self) -> Columns:
        encoding = self.position_codec.encoding or types.PositionEncodingKind.Utf16
        return Columns(
            encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding
        )

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self._analysis = None
        if isinstance(change, types.TextDocumentContentChangePartial):
            self._apply_partial(change)
            return
        read = ReadChunks.of(line_pieces(_encode(change.text)))
        self._terminators = read.terminators
        self.transcript = read.transcript()

    def _apply_partial(self, change: types.TextDocumentContentChangePartial) -> None:
        count = len(self._terminators)
        start, end = change.range.start, change.range.end
        start_line, end_line = min(start.line, count), min(end.line, count)
        columns = self.columns
        head_body = self.line_text(start_line)
        head = (
            head_body[: columns.from_client(head_body, start.character)]
            if start.line < count
            else ""
        )
        tail_body = self.line_text(end_line)
        tail = (
            tail_body[columns.from_client(tail_body, end.character) :] if end.line < count else ""
        )
        tail += self.terminator(end_line) if end.line < count else ""
        stop = min(end_line + 1, count)
        merged = head + change.text + tail
        # A piece ending in \r followed by a line starting with \n is one \r\n terminator.
        while merged.endswith("\r") and stop < count:
            merged += self.line_text(stop) + self._terminators[stop]
            stop += 1
        if start_line > 0 and merged.startswith("\n") and self._terminators[start_line - 1] == "\r":
            start_line -= 1
            merged = self.line_text(start_line) + "\r" + merged
        pieces = split_lsp_lines(merged)
        self._terminators[start_line:stop] = [terminator_of(piece) for piece in pieces]
        self.transcript.replace_lines(
            start_line,
            stop,
            [_encode(without_terminator(piece)) for piece in pieces],
            self._ends_with_newline(),
        )

    @property
    def agent(self) -> str | None:
        """The agent that writes this file, as its last analysis found it (None before one)."""
        transcript_format = self._analysis[2].format if self._analysis is not None else None
        return transcript_format.agent if transcript_format is not None else None

    def analysis(self) -> Analysis:
        """The analysis of this version, computed once."""
        key = (self.version, self.modified_seconds_ago)
        if self._analysis is None or self._analysis[:2] != key:
            with collector_paused(freeze=self._opening):
                # `live.observe` already applied the client's liveSessionSeconds.
                analysis = self.transcript.analyse(
                    modified_seconds_ago=self.modified_seconds_ago, live_seconds=math.inf
                )
            self._analysis = (*key, analysis)
            self._index_lines_soon(analysis)
        return self._analysis[2]

    def _index_lines_soon(self, analysis: Analysis) -> None:
        """Index where each line sits in the replay, for the keystrokes that will reuse it: a few
        percent of a replay (18 ms on 31,600 lines), done once the request that asked for the
        analysis has been answered (the diagnostics of an open or an edit are not kept waiting
        for it), or now where no event loop runs (a worker thread, a script)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._index_lines(analysis)
            return
        loop.call_soon(self._index_lines, analysis)

    def _index_lines(self, analysis: Analysis) -> None:
        if self._analysis is not None and self._analysis[2] is analysis:
            with collector_paused(freeze=self._opening):
                analysis.conversation.index_lines()
            self._opening = False


class SessionWorkspace(Workspace):
    """Creates SessionDocuments: the workspace of every session-lsp server (`SessionProtocol`)."""

    @classmethod
    def like(cls, workspace: Workspace) -> SessionWorkspace:
        """One with the settings pygls gave `workspace` (made in `initialize`, before any open)."""
        if isinstance(workspace, SessionWorkspace):
            return workspace
        return cls(
            workspace.root_uri,
            workspace._sync_kind,
            list(workspace.folders.values()),
            workspace.position_encoding,
        )

    def put_text_document(
        self, text_document: types.TextDocumentItem, notebook_uri: str | None = None
    ) -> None:
        """A document opened from UTF-8 bytes (`opening`) keeps them; any other goes pygls's way."""
        if not isinstance(text_document, Utf8TextDocumentItem) or notebook_uri:
            super().put_text_document(text_document, notebook_uri)
            return
        self._text_documents[unquote(text_document.uri)] = SessionDocument(
            text_document.uri,
            read=text_document.text_read,
            version=text_document.version,
            language_id=text_document.language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )

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
