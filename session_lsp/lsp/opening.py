"""A `didOpen` read straight into UTF-8 bytes, without the whole text as one Python str.

Decoding the message the ordinary way builds the text as a str (4 bytes per character once it
holds one emoji, so 400 MB for a 100 MB transcript) only for the document to encode it back to
UTF-8. Here the text stays JSON (`msgspec.Raw`) and is unescaped a megabyte or so at a time, from
bytes to bytes. Each chunk ends on an escaped newline, so its bytes hold whole lines and the
document keeps views into them.

Whatever this path cannot reproduce exactly returns None and takes the ordinary path: a lone
surrogate escape (msgspec refuses it; the ordinary path keeps it, encoded with `surrogatepass`) and
invalid UTF-8 (the ordinary path's own recovery decides what it becomes).
"""

from __future__ import annotations

import codecs
import re
import warnings
from dataclasses import dataclass
from typing import Any

import attrs
import msgspec
from lsprotocol import types

CHUNK_BYTES = 1 << 20
"""Escaped bytes unescaped at a time (more when one line is longer)."""

_RECORD_REACH = 1 << 24
"""How far past a chunk's size a record's end is looked for before every newline is checked."""
_METHOD_MARKER = b'"textDocument/didOpen"'
_MARKER_REACH = 4096
"""How far from either end of a body the method is looked for: the text is the only big field."""

_UTF8_SLICE = 1 << 16
_BACKSLASH = 0x5C
_RECORD_END = re.compile(rb"\}\\n")
_NEWLINE_ESCAPE = re.compile(rb"\\n")
_STRING = msgspec.json.Decoder(str)


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
    id: Any = msgspec.UNSET
    """A didOpen with an id is a malformed request: the ordinary path answers it."""


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


def decode_did_open(body: bytes, *, chunk_bytes: int = CHUNK_BYTES) -> OpenedDocument | None:
    """The didOpen in `body` with its text as UTF-8 chunks; None for anything else."""
    if _METHOD_MARKER not in body[:_MARKER_REACH] and _METHOD_MARKER not in body[-_MARKER_REACH:]:
        return None
    try:
        message = _DECODER.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if (
        message.jsonrpc != "2.0"
        or message.method != types.TEXT_DOCUMENT_DID_OPEN
        or message.id is not msgspec.UNSET
    ):
        return None
    item = message.params.textDocument
    chunks = unescape_string(memoryview(item.text), chunk_bytes=chunk_bytes)
    if chunks is None:
        return None
    return OpenedDocument(item.uri, item.languageId, item.version, chunks)


def unescape_string(token: memoryview, *, chunk_bytes: int = CHUNK_BYTES) -> list[bytes] | None:
    """The UTF-8 bytes of a JSON string token, in chunks that each end with a line (but the last).

    None when one holds what only the ordinary path reproduces: a lone surrogate escape or
    invalid UTF-8.
    """
    inner = token[1:-1]
    chunks: list[bytes] = []
    start = 0
    while start < len(inner):
        stop = _chunk_end(inner, start + chunk_bytes)
        chunk = _unescape(inner[start:stop])
        if chunk is None:
            return None
        chunks.append(chunk)
        start = stop
    return chunks


def _unescape(escaped: memoryview) -> bytes | None:
    """One chunk's UTF-8 bytes; None for a lone surrogate escape or invalid UTF-8.

    The escapes JSON.stringify writes (`\\" \\\\ \\n \\r \\t \\b \\f`) mean the same in Python's
    bytes literals, and msgspec has checked that no escape outside JSON's is there, so
    `escape_decode` takes them, several times faster than a JSON decoder whose str must then be
    encoded back. It warns on the two JSON escapes it lacks (`\\u`, `\\/`): those chunks go
    through msgspec.
    """
    raw = bytes(escaped)
    if not raw.isascii() and not _is_utf8(raw):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return codecs.escape_decode(raw)[0]
        except Warning:
            pass
    try:
        return _STRING.decode(b"".join((b'"', raw, b'"'))).encode("utf-8")
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _is_utf8(data: bytes) -> bool:
    """Checked a slice at a time: never the whole chunk as a str."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _UTF8_SLICE):
            decoder.decode(view[start : start + _UTF8_SLICE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _chunk_end(inner: memoryview, at_least: int) -> int:
    """Just after the first escaped newline at or past `at_least` (or the end of the string).

    A transcript's lines end with a record's `}`: `}\\n` is an escaped newline whatever precedes
    it, and is found by one search. Other text checks every `\\n` for the backslashes before it.
    """
    if at_least >= len(inner):
        return len(inner)
    record_end = _RECORD_END.search(inner, at_least, at_least + _RECORD_REACH)
    if record_end is not None:
        return record_end.end()
    position = at_least
    while (newline := _NEWLINE_ESCAPE.search(inner, position)) is not None:
        if _escape_starts_at(inner, newline.start()):
            return newline.end()
        position = newline.end()
    return len(inner)


def _escape_starts_at(inner: memoryview, position: int) -> bool:
    """Whether the backslash at `position` starts an escape: an even run of backslashes before."""
    run_start = position
    while run_start > 0 and inner[run_start - 1] == _BACKSLASH:
        run_start -= 1
    return (position - run_start) % 2 == 0
