"""A `didOpen` read straight into UTF-8 bytes, without the whole text as one Python str.

Decoding the message the ordinary way builds the text as a str (4 bytes per character once it
holds one emoji, so 400 MB for a 100 MB transcript) only for the document to encode it back to
UTF-8. Here the body is taken in pieces as it arrives (`StreamedDidOpen`) and the text is
unescaped a megabyte or so at a time, from bytes to bytes, without the escaped body kept beside
it. Each chunk ends on an escaped newline, so its bytes hold whole lines and the document keeps
views into them. Where the C unescaping was built (`_json_string.c`, one pass where Python takes
three), it runs on a thread of its own without Python's lock, and the lines of each chunk are read
(`text_chunks.ReadChunks`) while the next is unescaped.

Whatever this path cannot reproduce exactly takes the ordinary path: a lone surrogate escape
(msgspec refuses it; the ordinary path keeps it, encoded with `surrogatepass`) and invalid UTF-8
(the ordinary path's own recovery decides what it becomes).
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import attrs
import msgspec
from lsprotocol import types

from session_lsp.lsp.text_chunks import ReadChunks

CHUNK_BYTES = 1 << 20
"""Escaped bytes unescaped at a time (more when one line is longer)."""

_MOST_IN_FLIGHT = 2
"""Chunks with the unescaping thread before the loop waits for it: the loop hands chunks over
faster than they are unescaped, and without a bound the whole escaped body was held at once
(a 107 MB open peaked 70 MB higher, one run in three)."""

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
    """A `TextDocumentItem` whose text is `text_read` (UTF-8, read chunk by chunk), not `text`."""

    text_read: ReadChunks = attrs.field(factory=ReadChunks)


@dataclass(frozen=True, slots=True)
class OpenedDocument:
    uri: str
    language_id: str
    version: int
    text: ReadChunks
    """The text's UTF-8 bytes in chunks that each end with a line (the last may not), read."""

    def item(self) -> Utf8TextDocumentItem:
        return Utf8TextDocumentItem(
            uri=self.uri,
            language_id=self.language_id,
            version=self.version,
            text="",
            text_read=self.text,
        )


def decode_did_open(body: bytes, *, chunk_bytes: int = CHUNK_BYTES) -> OpenedDocument | None:
    """The didOpen in `body` with its text as UTF-8 chunks; None for anything else."""
    if _METHOD_MARKER not in body[:_MARKER_REACH] and _METHOD_MARKER not in body[-_MARKER_REACH:]:
        return None
    streamed = StreamedDidOpen(chunk_bytes=chunk_bytes)
    try:
        for start in range(0, len(body), CHUNK_BYTES):
            streamed.feed(body[start : start + CHUNK_BYTES])
        opened = streamed.finish()
    finally:
        streamed.close()
    return opened if isinstance(opened, OpenedDocument) else None


class StreamedDidOpen:
    """A message body fed in pieces as it arrives: a didOpen's text is unescaped on the way.

    Only the unescaped text is kept, never the escaped body beside it, and the unescaping runs
    while the rest of the body is still in the pipe. Each chunk of text is checked as a JSON string
    by msgspec before it is unescaped, which also tells where the text ends: a chunk holding the
    closing quote is no string. Everything but the text (the method, the uri, ...) is small: it is
    kept and, with the text left out, decoded at the end by the same msgspec structs, so the
    message is accepted or refused as a whole body would be. What this path does not take
    (another message, a text it cannot reproduce, a body that is not JSON) is rebuilt from what was
    kept, the unescaped part of the text escaped again to an equal JSON string, and goes the
    ordinary way: `finish` returns it.
    """

    def __init__(self, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.chunk_bytes = chunk_bytes
        self._head = bytearray()
        """The body up to the text's opening quote (all of it while the text is not found)."""
        self._streaming = True
        """False once the body is known to go the ordinary way: pieces are only kept."""
        self._in_text = False
        self._escaped = bytearray()
        """A quote, then what follows the text unescaped so far: the rest of the text, then maybe
        more. With a quote written after a chunk, the chunk is a JSON string checked in place."""
        self._text = ReadChunks()
        self._in_flight: deque[_Unescaping] = deque()
        """Chunks handed to the unescaping thread, oldest first, each with its escaped bytes."""
        self._unescaping_thread: ThreadPoolExecutor | None = None
        """Started with the first chunk handed over, ended with the text: none lingers between
        opens (a process with one thread forks its workers, `parallel.start_method`)."""
        self._failed = False
        """A chunk this path cannot reproduce: the rest of the text stays escaped."""
        self._tail: bytearray | None = None
        """From the text's closing quote on, once the quote has been found."""
        self._records_searched = 0
        self._newlines_searched = 0
        """How far `_escaped` is known to hold no record end, no escaped newline (see `_stop`)."""

    def feed(self, piece: bytes) -> None:
        if self._tail is not None:
            self._tail += piece
        elif self._in_text:
            self._escaped += piece
            self._take_text(at_end=False)
        else:
            self._head += piece
            if self._streaming:
                self._find_text()

    def finish(self) -> OpenedDocument | bytes | bytearray:
        """The didOpen, or the whole body (rebuilt) for the ordinary path."""
        try:
            if self._in_text:
                self._take_text(at_end=True)
                self._take_unescaped(keep=0)
        finally:
            self.close()
        if self._tail is not None and not self._failed and len(self._escaped) == 1:
            opened = self._decoded()
            if opened is not None:
                return opened
        return self._body()

    def close(self) -> None:
        """End the unescaping thread: `finish` does, and so must whoever gives up on a body
        (an error while it was fed), or the thread lives on."""
        if self._unescaping_thread is not None:
            self._unescaping_thread.shutdown(cancel_futures=True)
            self._unescaping_thread = None

    def _find_text(self) -> None:
        start = _text_start(self._head)
        if start is None:
            self._streaming = len(self._head) <= _HEAD_REACH
            return
        if start < 0:
            self._streaming = False
            return
        self._escaped = self._head[start - 1 :]
        del self._head[start:]
        self._in_text = True
        self._take_text(at_end=False)

    def _take_text(self, *, at_end: bool) -> None:
        """Unescape every whole chunk of lines that has arrived, up to the closing quote.

        A chunk is handed to the unescaping thread, and the lines of those it has finished are
        read meanwhile. The last chunk, which holds the closing quote, is taken here once every
        chunk before it is in: where the text ends is found in it.
        """
        while len(self._escaped) > 1 and self._tail is None and not self._failed:
            stop = self._stop(at_end)
            if stop is None:
                break
            self._records_searched = self._newlines_searched = 0
            if at_end and stop == len(self._escaped):
                if self._in_flight:
                    # What the thread refused comes back into `_escaped`: look at it afresh.
                    self._take_unescaped(keep=0)
                    continue
                self._take_chunk(stop)
            else:
                self._hand_over(stop)
            self._take_unescaped(keep=_MOST_IN_FLIGHT)

    def _hand_over(self, stop: int) -> None:
        """escaped[:stop] to the unescaping thread; `_escaped` starts again with what follows."""
        handed = self._escaped
        self._escaped = bytearray(b'"')
        with memoryview(handed) as view:
            self._escaped += view[stop:]
        del handed[stop:]
        self._in_flight.append(_Unescaping(handed, self._unescaped_later(handed)))

    def _unescaped_later(self, escaped: bytearray) -> Future[bytes | None]:
        """`_unescaped_in_place(escaped, len(escaped))`, in a thread when that runs without
        Python's lock (the C one does), so the lines of the chunk before are read meanwhile; at
        once otherwise."""
        if NATIVE_UNESCAPE is None:
            done: Future[bytes | None] = Future()
            done.set_result(_unescaped_in_place(escaped, len(escaped)))
            return done
        if self._unescaping_thread is None:
            self._unescaping_thread = ThreadPoolExecutor(1, thread_name_prefix="unescape")
        return self._unescaping_thread.submit(_unescaped_in_place, escaped, len(escaped))

    def _take_unescaped(self, *, keep: int) -> None:
        """Read the lines of every chunk unescaped, in order, waiting for the oldest while more
        than `keep` are with the thread. A chunk the thread refused (it holds the closing quote,
        or what this path does not take) is taken again here, with everything after it, the way
        the last chunk is."""
        in_flight = self._in_flight
        while in_flight and (len(in_flight) > keep or in_flight[0].result.done()):
            oldest = in_flight.popleft()
            chunk = oldest.result.result()
            if chunk is None:
                self._take_back(oldest.escaped)
                return
            if chunk:
                self._text.add(chunk)

    def _take_back(self, refused: bytearray) -> None:
        rest = [refused]
        while self._in_flight:
            later = self._in_flight.popleft()
            later.result.result()
            rest.append(later.escaped[1:])
        rest.append(self._escaped[1:])
        self._escaped = bytearray().join(rest)
        self._take_chunk(len(refused))

    def _take_chunk(self, stop: int) -> None:
        """Unescape escaped[:stop] here, finding the closing quote in it if it is there."""
        escaped = self._escaped
        chunk = _unescaped_in_place(escaped, stop)
        if chunk is None:
            quote = _closing_quote(bytes(escaped[1:stop]))
            if quote is None:
                self._failed = True
                return
            stop = quote + 1
            self._tail = escaped[stop:]
            del escaped[stop:]
            chunk = _unescaped_in_place(escaped, stop) if quote else b""
            if chunk is None:
                self._failed = True
                return
        if chunk:
            self._text.add(chunk)
        del escaped[: stop - 1]
        escaped[0] = _QUOTE

    def _stop(self, at_end: bool) -> int | None:
        """Where the next chunk ends: just after an escaped newline at or past `chunk_bytes`, or at
        the end of what has arrived once all has; None while that newline has not arrived.

        A transcript's lines end with a record's `}`: `}\\n` is an escaped newline whatever
        precedes it, and is found by one search. Other text checks every `\\n` for the
        backslashes before it, once it has gone `_RECORD_REACH` without a record's end. Both
        searches go on from where the previous piece left them: a line of many megabytes arrives
        in many pieces.
        """
        escaped = self._escaped
        least = 1 + self.chunk_bytes
        if len(escaped) <= least:
            return len(escaped) if at_end else None
        record_end = _RECORD_END.search(escaped, max(least, self._records_searched))
        if record_end is not None:
            return record_end.end()
        self._records_searched = len(escaped) - 2
        if not at_end and len(escaped) < least + _RECORD_REACH:
            return None
        position = max(least, self._newlines_searched)
        while (newline := _NEWLINE_ESCAPE.search(escaped, position)) is not None:
            if _escape_starts_at(escaped, newline.start()):
                return newline.end()
            position = newline.end()
        self._newlines_searched = max(position, len(escaped) - 1)
        return len(escaped) if at_end else None

    def _decoded(self) -> OpenedDocument | None:
        assert self._tail is not None
        skeleton = b"".join((self._head[:-1], _PLACEHOLDER, self._tail[1:]))
        try:
            message = _DECODER.decode(skeleton)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        item = message.params.textDocument
        if (
            message.jsonrpc != "2.0"
            or message.method != types.TEXT_DOCUMENT_DID_OPEN
            or message.id is not msgspec.UNSET
            or bytes(item.text) != _PLACEHOLDER
        ):
            return None
        return OpenedDocument(item.uri, item.languageId, item.version, self._text)

    def _body(self) -> bytes | bytearray:
        if not self._in_text:
            return self._head
        unescaped = [
            _STRING_ENCODER.encode(str(chunk, "utf-8"))[1:-1] for chunk in self._text.chunks()
        ]
        return b"".join((self._head, *unescaped, self._escaped[1:], self._tail or b""))


_QUOTE = ord('"')
_HEAD_REACH = 1 << 16
"""How far into a body the text is looked for: what precedes it (uri, method, ...) is small."""
_PLACEHOLDER = b'"\\u0000session-lsp: the text, streamed"'
"""Stands for the text in what is decoded at the end; a second `text` key would show through."""
_STRING_ENCODER = msgspec.json.Encoder()
_RAW = msgspec.json.Decoder(msgspec.Raw)
_KEY = msgspec.json.Decoder(str)
_TOKEN = re.compile(rb'[ \t\r\n]*(?:([{}\[\],:])|(")|([^ \t\r\n{}\[\],:"]+))')
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRING_END = re.compile(rb'(?<!\\)(?:\\\\)*"')
"""A quote after an even run of backslashes (from the run's start): a JSON string's end."""
_TRAILING = re.compile(r"trailing characters \(byte (\d+)\)")
_TEXT_CONTAINERS: list[str | None] = [None, "params", "textDocument"]


def _text_start(head: bytes | bytearray) -> int | None:
    """Where the content of the `params.textDocument.text` string starts in a body's beginning.

    None when `head` ends first; -1 when the body is no object holding that string where JSON
    puts it. Read right only for valid JSON: what is not is refused at the end, as a whole.
    """
    keys: list[str | None] = []
    """The key each open container was opened under (None for the body and arrays)."""
    in_object: list[bool] = []
    want_key = False
    key: str | None = None
    position = 0
    while True:
        token = _TOKEN.match(head, position)
        if token is None:
            return None if not bytes(head[position:]).strip(b" \t\r\n") else -1
        punctuation, quote, _scalar = token.groups()
        position = token.end()
        if quote is not None:
            if not want_key and key == "text" and keys == _TEXT_CONTAINERS and all(in_object):
                return position
            string = _STRING_REST.match(head, position)
            if string is None:
                return None
            if want_key:
                try:
                    key = _KEY.decode(head[position - 1 : string.end()])
                except msgspec.DecodeError:
                    return -1
                want_key = False
            elif not in_object:
                return -1  # a string body
            position = string.end()
        elif punctuation in (b"{", b"["):
            if not in_object and punctuation == b"[":
                return -1
            keys.append(key)
            in_object.append(punctuation == b"{")
            want_key, key = punctuation == b"{", None
        elif punctuation in (b"}", b"]", b","):
            if len(in_object) <= (1 if punctuation != b"," else 0):
                return -1  # the body closed (or was no object) without the text
            if punctuation != b",":
                keys.pop()
                in_object.pop()
            want_key, key = punctuation == b"," and in_object[-1], None
        elif punctuation is None and not in_object:
            return -1  # a scalar body


def _is_string_content(escaped: bytes) -> bool:
    """Whether `escaped` is the inside of one JSON string: no closing quote, control character or
    escape JSON lacks (msgspec's check; UTF-8 is checked on unescaping)."""
    try:
        _RAW.decode(b"".join((b'"', escaped, b'"')))
    except msgspec.DecodeError:
        return False
    return True


def _closing_quote(escaped: bytes) -> int | None:
    """Where the string whose inside starts `escaped` ends (its closing quote); None when what
    precedes that quote is no string's inside, or there is no such quote.

    msgspec's complaint about trailing characters says where to look; whatever it says, the answer
    is checked, and a precise search (slower) is the fallback.
    """
    wrapped = b"".join((b'"', escaped, b'"'))
    quote: int | None = None
    try:
        _RAW.decode(wrapped)
        return None
    except msgspec.DecodeError as error:
        trailing = _TRAILING.search(str(error))
        if trailing is not None:
            after = int(trailing.group(1)) - 1
            found = wrapped.rfind(b'"', 1, after) - 1
            if found >= 0 and not wrapped[found + 2 : after].strip(b" \t\r\n"):
                quote = found
    if quote is None or escaped[quote : quote + 1] != b'"':
        end = _STRING_END.search(escaped)
        quote = None if end is None else end.end() - 1
    if quote is None or not _is_string_content(escaped[:quote]):
        return None
    return quote


def _unescaped_in_place(escaped: bytearray, stop: int) -> bytes | None:
    """escaped[1:stop] unescaped (escaped[0] is the string's opening quote); None when it is no
    string's inside, or holds what this path does not take (see `_unescape_in_python`).

    In C where it was built; otherwise in Python, on escaped[0:stop] closed by a quote written at
    `stop` (the byte there is put back): a JSON string, in place, without copying a chunk to wrap
    it in quotes."""
    if NATIVE_UNESCAPE is not None:
        with memoryview(escaped) as view:
            return NATIVE_UNESCAPE(view[1:stop])
    at_end = stop == len(escaped)
    if at_end:
        escaped.append(_QUOTE)
    kept = escaped[stop]
    escaped[stop] = _QUOTE
    try:
        with memoryview(escaped)[: stop + 1] as wrapped:
            return _unescape_in_python(wrapped)
    finally:
        escaped[stop] = kept
        if at_end:
            escaped.pop()


@dataclass(frozen=True, slots=True)
class _Unescaping:
    escaped: bytearray
    """A quote, then the chunk: kept to be taken again if the thread refuses it."""
    result: Future[bytes | None]


Unescape = Callable[[memoryview], bytes | None]


def _native_unescape() -> Unescape | None:
    """The C unescaping (`_json_string.c`), or None where it was not built (no compiler when
    the package was installed): then Python does the same, more slowly."""
    try:
        from session_lsp._native import utf8_of_string
    except ImportError:
        return None
    return utf8_of_string


NATIVE_UNESCAPE = _native_unescape()


def _unescape_in_python(wrapped: memoryview) -> bytes | None:
    """The UTF-8 bytes of the JSON string `wrapped` (quotes included); None when it is no JSON
    string (msgspec's check: a closing quote inside, a control character, an escape JSON lacks),
    or holds a lone surrogate escape or invalid UTF-8.

    The escapes JSON.stringify writes (`\\" \\\\ \\n \\r \\t \\b \\f`) mean the same in Python's
    bytes literals, and msgspec has checked that no escape outside JSON's is there, so
    `escape_decode` takes them, several times faster than a JSON decoder whose str must then be
    encoded back. It warns on the two JSON escapes it lacks (`\\u`, `\\/`): those chunks go
    through msgspec.
    """
    try:
        _RAW.decode(wrapped)
    except msgspec.DecodeError:
        return None
    if not _is_utf8(wrapped):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return codecs.escape_decode(wrapped[1:-1])[0]
        except Warning:
            pass
    try:
        return _STRING.decode(wrapped).encode("utf-8")
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _is_utf8(data: memoryview) -> bool:
    """Checked a slice at a time: never the whole chunk as a str."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), _UTF8_SLICE):
            decoder.decode(data[start : start + _UTF8_SLICE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _escape_starts_at(inner: bytearray, position: int) -> bool:
    """Whether the backslash at `position` starts an escape: an even run of backslashes before."""
    run_start = position
    while run_start > 0 and inner[run_start - 1] == _BACKSLASH:
        run_start -= 1
    return (position - run_start) % 2 == 0
