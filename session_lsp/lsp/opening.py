"""A `didOpen` read straight into UTF-8 bytes, without the whole text as one Python str.

Decoding the message the ordinary way builds the text as a str (4 bytes per character once it
holds one emoji, so 400 MB for a 100 MB transcript) only for the document to encode it back to
UTF-8. Here the text stays JSON (`msgspec.Raw`, which msgspec has already checked: escapes, control
characters, surrogate pairs) and is unescaped chunk by chunk with bytes operations. Each chunk ends
on an escaped newline, so it holds whole lines and the document can keep views into it.

Whatever this path cannot reproduce exactly returns None and takes the ordinary path: a lone
surrogate escape (msgspec refuses it; the ordinary path keeps it, encoded with `surrogatepass`) and
invalid UTF-8 (the ordinary path's own recovery decides what it becomes).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import attrs
import msgspec
from lsprotocol import types

CHUNK_BYTES = 1 << 20
"""Escaped bytes unescaped at a time (more when one line is longer)."""

_WINDOW_BYTES = 1 << 16
_METHOD_MARKER = b'"textDocument/didOpen"'
_MARKER_REACH = 4096
"""How far from either end of a body the method is looked for: the text is the only big field."""

_BACKSLASH = 0x5C
_SIMPLE_ESCAPES = (
    (b'\\"', b'"'),
    (b"\\n", b"\n"),
    (b"\\/", b"/"),
    (b"\\t", b"\t"),
    (b"\\r", b"\r"),
    (b"\\b", b"\b"),
    (b"\\f", b"\f"),
)
_UNICODE_ESCAPE = re.compile(
    rb"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})"
)


class _Item(msgspec.Struct):
    uri: str
    languageId: str
    version: int
    text: msgspec.Raw


class _Params(msgspec.Struct):
    textDocument: _Item


class _DidOpen(msgspec.Struct):
    jsonrpc: str
    method: str
    params: _Params


_DECODER = msgspec.json.Decoder(_DidOpen)


@attrs.define
class Utf8TextDocumentItem(types.TextDocumentItem):
    """A `TextDocumentItem` whose text is `utf8` (whole lines per chunk), not `text` (empty)."""

    utf8: list[bytes] = attrs.field(factory=list)


@dataclass(frozen=True, slots=True)
class OpenedDocument:
    uri: str
    language_id: str
    version: int
    utf8: list[bytes]
    """The text's UTF-8 bytes in chunks that each end with a line (the last may not)."""

    def item(self) -> Utf8TextDocumentItem:
        return Utf8TextDocumentItem(
            uri=self.uri,
            language_id=self.language_id,
            version=self.version,
            text="",
            utf8=self.utf8,
        )


class _NotExactError(Exception):
    """The text holds what only the ordinary path reproduces exactly."""


def decode_did_open(body: bytes, *, chunk_bytes: int = CHUNK_BYTES) -> OpenedDocument | None:
    """The didOpen in `body` with its text as UTF-8 chunks; None for anything else."""
    if _METHOD_MARKER not in body[:_MARKER_REACH] and _METHOD_MARKER not in body[-_MARKER_REACH:]:
        return None
    try:
        message = _DECODER.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if message.jsonrpc != "2.0" or message.method != types.TEXT_DOCUMENT_DID_OPEN:
        return None
    item = message.params.textDocument
    chunks = unescape_string(memoryview(item.text), chunk_bytes=chunk_bytes)
    if chunks is None:
        return None
    return OpenedDocument(item.uri, item.languageId, item.version, chunks)


def unescape_string(token: memoryview, *, chunk_bytes: int = CHUNK_BYTES) -> list[bytes] | None:
    """The UTF-8 bytes of a JSON string token msgspec accepted, in chunks ending on a newline.

    None when the string holds a lone surrogate escape or invalid UTF-8.
    """
    inner = token[1:-1]
    chunks: list[bytes] = []
    start = 0
    try:
        while start < len(inner):
            stop = _chunk_end(inner, start + chunk_bytes)
            chunks.append(_unescape_chunk(bytes(inner[start:stop])))
            start = stop
    except _NotExactError:
        return None
    return chunks


def _chunk_end(inner: memoryview, at_least: int) -> int:
    """The position just after the first escaped newline at or past `at_least` (or the end)."""
    position = at_least
    while position < len(inner):
        window = bytes(inner[position : position + _WINDOW_BYTES + 1])
        found = window.find(b"\\n")
        while found >= 0 and found + 1 < len(window):
            if _escape_starts_at(inner, position + found):
                return position + found + 2
            found = window.find(b"\\n", found + 1)
        position += _WINDOW_BYTES
    return len(inner)


def _escape_starts_at(inner: memoryview, position: int) -> bool:
    """Whether the backslash at `position` starts an escape: an even run of backslashes before."""
    run_start = position
    while run_start > 0 and inner[run_start - 1] == _BACKSLASH:
        run_start -= 1
    return (position - run_start) % 2 == 0


def _unescape_chunk(chunk: bytes) -> bytes:
    if not chunk.isascii():
        _check_utf8(chunk)
    if b"\\" not in chunk:
        return chunk
    # Leftmost `\\\\` pairs are exactly the escaped backslashes: every other backslash starts an
    # escape whose next byte is not a backslash, so the pieces between can be unescaped alone.
    return b"\\".join(_unescape_piece(piece) for piece in chunk.split(b"\\\\"))


def _unescape_piece(piece: bytes) -> bytes:
    for escape, byte in _SIMPLE_ESCAPES:
        piece = piece.replace(escape, byte)
    if b"\\u" in piece:
        piece = _UNICODE_ESCAPE.sub(_code_point, piece)
    return piece


def _code_point(match: re.Match[bytes]) -> bytes:
    high, low, single = match.groups()
    if single is None:
        code = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
    else:
        code = int(single, 16)
        if 0xD800 <= code <= 0xDFFF:
            raise _NotExactError
    return chr(code).encode("utf-8")


def _check_utf8(chunk: bytes) -> None:
    """Raises _NotExactError on invalid UTF-8, decoding a slice at a time (never the chunk as a str)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(chunk)
    try:
        for start in range(0, len(chunk), _WINDOW_BYTES):
            decoder.decode(view[start : start + _WINDOW_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _NotExactError from None
