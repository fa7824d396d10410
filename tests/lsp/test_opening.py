"""didOpen read straight into UTF-8 bytes gives the document the ordinary path gives.

The ordinary path decodes the whole message (its text a str) and encodes the text back; the bytes
path (`opening`) unescapes the JSON string in chunks. Both must give byte-identical lines and
terminators for any text, and the server must take the bytes path for ordinary text and the
ordinary path for what only it reproduces (a lone surrogate).
"""

from __future__ import annotations

import asyncio
import io
import json
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Event
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient

from session_lsp.core.analysis import analyse_bytes
from session_lsp.lsp import api, opening, transport, views
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.main import create_server
from session_lsp.lsp.packing import PACKING
from session_lsp.lsp.text_chunks import PACKED_FROM, ReadChunks
from tests.lsp import sessions
from tests.lsp.support import OpenDocument, fresh_uri

TRICKY = '\\"/\n\r\t\b\f\x00\x1f\x7f\u0085\u2028\u2029\ufeff😀修é\ud800\udc00\ud83d\ude00'
"""Escapes, line ends (LSP's and others), controls, BOM, astral and CJK, and surrogate halves."""

texts = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=80)


def did_open_body(text: str, *, ensure_ascii: bool, version: int = 3) -> bytes:
    message = {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {
            "textDocument": {
                "uri": "file:///s.jsonl",
                "languageId": "jsonl",
                "version": version,
                "text": text,
            }
        },
    }
    return json.dumps(message, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


def lines_of(document: SessionDocument) -> tuple[list[bytes], list[str]]:
    return [bytes(line) for line in document.transcript.lines], [
        document.terminator(i) for i in range(document.line_count)
    ]


def ordinary_document(body: bytes) -> SessionDocument:
    text = transport.decode_body(body)["params"]["textDocument"]["text"]
    return SessionDocument("file:///s.jsonl", text)


@contextmanager
def unescaping(*, native: bool) -> Iterator[None]:
    """The C unescaping (in its thread) or the Python one, whichever this machine has built."""
    with pytest.MonkeyPatch.context() as patch:
        if not native:
            patch.setattr(opening, "NATIVE_UNESCAPE", None)
        yield


@settings(max_examples=400)
@given(
    text=texts,
    ensure_ascii=st.booleans(),
    chunk_bytes=st.sampled_from([1, 2, 3, 7, 1 << 20]),
    native=st.booleans(),
)
def test_the_bytes_path_gives_the_lines_the_ordinary_path_gives(
    text: str, ensure_ascii: bool, chunk_bytes: int, native: bool
) -> None:
    body = did_open_body(text, ensure_ascii=ensure_ascii)
    with unescaping(native=native):
        opened = opening.decode_did_open(body, chunk_bytes=chunk_bytes)
    ordinary = ordinary_document(body)
    # A high and a low half side by side are one character on the wire (a JSON surrogate pair).
    has_lone_surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in ordinary.source)
    assert (opened is None) == has_lone_surrogate
    if opened is None:
        return
    assert (opened.uri, opened.language_id, opened.version) == ("file:///s.jsonl", "jsonl", 3)
    fast = SessionDocument(opened.uri, read=opened.text)
    assert lines_of(fast) == lines_of(ordinary)
    assert fast.opened_size == ordinary.opened_size


def test_a_streamed_transcript_is_packed_chunk_by_chunk_and_reads_as_the_ordinary_one() -> None:
    text = "".join(
        f'{{"type":"user","uuid":"u{n}","message":{{"content":"line {n} \\"修 🙂"}}}}\n'
        for n in range(20_000)
    )
    body = did_open_body(text, ensure_ascii=False)
    opened = opening.decode_did_open(body, chunk_bytes=1 << 17)
    assert opened is not None
    assert PACKING.wait(timeout=30)
    fast = SessionDocument(opened.uri, read=opened.text)
    lines = fast.transcript.lines
    assert lines.unpacked_bytes() < PACKED_FROM < fast.opened_size
    ordinary = ordinary_document(body)
    assert lines_of(fast) == lines_of(ordinary)
    assert fast.analysis().findings == ordinary.analysis().findings


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_a_text_with_every_control_character_and_backslash_runs_is_unescaped_exactly(
    ensure_ascii: bool,
) -> None:
    controls = "".join(map(chr, range(0x20)))
    text = f'{controls}\\\\u0000 \\\\\\\n\\"{controls}\r\n'
    body = did_open_body(text, ensure_ascii=ensure_ascii)
    opened = opening.decode_did_open(body)
    assert opened is not None
    assert lines_of(SessionDocument(opened.uri, read=opened.text)) == lines_of(
        ordinary_document(body)
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{}}',
        b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{}}}',
        b'{"jsonrpc":"1.0","method":"textDocument/didOpen","params":{"textDocument":'
        b'{"uri":"file:///a","languageId":"jsonl","version":1,"text":"x"}}}',
        b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":'
        b'{"uri":"file:///a","languageId":"jsonl","version":1,"text":"\xff"}}}',
        b'{"jsonrpc":"2.0","id":7,"method":"textDocument/didOpen","params":{"textDocument":'
        b'{"uri":"file:///a","languageId":"jsonl","version":1,"text":"x"}}}',
    ],
    ids=["another method", "missing fields", "not JSON-RPC 2.0", "invalid UTF-8", "with an id"],
)
def test_what_the_bytes_path_cannot_take_goes_the_ordinary_way(body: bytes) -> None:
    assert opening.decode_did_open(body) is None


class _Sink:
    def write(self, data: Any) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("text", "path"), [("a 😀\n", "bytes"), ("a \ud800\n", "ordinary")])
def test_the_server_opens_ordinary_text_from_bytes_and_a_lone_surrogate_the_ordinary_way(
    text: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = create_server()
    protocol = server.session_protocol
    protocol.set_writer(_Sink())
    taken: list[str] = []
    receive, receive_did_open = protocol.receive, protocol.receive_did_open

    def ordinary(raw: Any) -> None:
        taken.append("ordinary")
        receive(raw)

    def from_bytes(opened: opening.OpenedDocument) -> None:
        taken.append("bytes")
        receive_did_open(opened)

    monkeypatch.setattr(protocol, "receive", ordinary)
    monkeypatch.setattr(protocol, "receive_did_open", from_bytes)

    async def open_it() -> SessionDocument | None:
        stream = transport.FramedReader(transport.StreamReader(asyncio.StreamReader()))
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
        transport.handle_body(protocol, json.dumps(init).encode(), stream)
        taken.clear()
        transport.handle_body(protocol, did_open_body(text, ensure_ascii=True), stream)
        await asyncio.sleep(0)
        return server.session_document("file:///s.jsonl")

    document = asyncio.run(open_it())
    assert taken == [path]
    assert document is not None and document.version == 3 and document.language_id == "jsonl"
    assert document.source == text


def core_findings(text: str) -> list[tuple[str, int]]:
    findings = analyse_bytes(text.encode("utf-8", "surrogatepass")).findings
    return sorted((finding.code.value, finding.span.line) for finding in findings)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "extra",
    ["", sessions.line(sessions.prompt("u9", "lone \ud83d half")) + "\n"],
    ids=["ordinary text (bytes path)", "a lone surrogate (ordinary path)"],
)
async def test_both_paths_publish_the_findings_check_gives(
    client: LanguageClient, extra: str
) -> None:
    text = sessions.dangling(note='\\ " \u2028 \x01 修复 🙂') + extra
    document = OpenDocument(client, fresh_uri(client), text)
    diagnostics = await document.diagnostics()
    published = sorted((str(d.code), d.range.start.line) for d in diagnostics)
    assert published == core_findings(text)
    assert published
    assert await document.server_text() == text
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=document.identifier)
    )


# --- a body read in pieces (`transport.STREAMED_BYTES` and over) ---------------------------------


class _Received:
    """What the protocol was handed: a didOpen's document lines, or a decoded message."""

    def __init__(self) -> None:
        self.taken: list[object] = []

    def did_open(self, opened: opening.OpenedDocument) -> None:
        document = SessionDocument(opened.uri, read=opened.text, version=opened.version)
        self.taken.append(("bytes", opened.uri, opened.language_id, lines_of(document)))

    def ordinary(self, raw: Any) -> None:
        self.taken.append(("ordinary", raw))


class _BytesReader:
    """The frames to read, as pygls's stdin reader gives them: a line, or a count of bytes."""

    def __init__(self, frames: bytes) -> None:
        self.frames = io.BytesIO(frames)

    async def readline(self) -> bytes:
        return self.frames.readline()

    async def readexactly(self, count: int) -> bytes:
        return self.frames.read(count)


class _Sizes(_Received):
    """Only the size of each opened text: nothing else kept."""

    def did_open(self, opened: opening.OpenedDocument) -> None:
        self.taken.append(("bytes", opened.text.size))


def _run_loop(
    frames: bytes,
    *,
    streamed_bytes: int,
    received: _Received | None = None,
    peaks: list[int] | None = None,
) -> list[object]:
    """Every message in `frames` through the message loop, read in pieces of `streamed_bytes`;
    with `peaks`, the peak of memory allocated from when the frames are there to be read."""
    server = create_server()
    protocol = server.session_protocol
    protocol.set_writer(_Sink())
    received = received or _Received()
    protocol.receive = received.ordinary  # type: ignore[method-assign]
    protocol.receive_did_open = received.did_open  # type: ignore[method-assign]

    async def loop() -> None:
        reader = _BytesReader(frames)
        if peaks is not None:
            tracemalloc.start()
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(transport, "STREAMED_BYTES", streamed_bytes, raising=False)
                await transport.run(Event(), reader, protocol)
            if peaks is not None:
                peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()

    asyncio.run(loop())
    return received.taken


def _frame(body: bytes, extra: int = 0) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) + extra) + body


_KEY_ORDERS = [
    ("jsonrpc", "method", "params"),
    ("params", "method", "jsonrpc"),
    ("method", "params", "jsonrpc"),
]


def _message(text: str, order: tuple[str, ...], *, request: bool, method: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "jsonrpc": "2.0",
        "method": method,
        "params": {
            "textDocument": {
                "text": text,
                "uri": "file:///s.jsonl",
                "version": 3,
                "languageId": "jsonl",
            }
        },
    }
    message = {key: fields[key] for key in order}
    return {"id": 9, **message} if request else message


@settings(max_examples=300)
@given(
    text=texts,
    ensure_ascii=st.booleans(),
    order=st.sampled_from(_KEY_ORDERS),
    indent=st.sampled_from([None, 1]),
    request=st.booleans(),
    method=st.sampled_from(["textDocument/didOpen", "textDocument/didChange"]),
    piece=st.sampled_from([1, 2, 3, 7, 64]),
    extra=st.sampled_from([0, 0, 5, -3]),
    native=st.booleans(),
)
def test_a_body_read_in_pieces_is_taken_as_the_whole_body_is(
    text: str,
    ensure_ascii: bool,
    order: tuple[str, ...],
    indent: int | None,
    request: bool,
    method: str,
    piece: int,
    extra: int,
    native: bool,
) -> None:
    """Whatever the message (any key order, whitespace, a request, another method, a lone
    surrogate, a Content-Length too long that swallows the next message's first bytes or too
    short), reading it in pieces hands the protocol what reading it whole does."""
    message = _message(text, order, request=request, method=method)
    body = json.dumps(message, ensure_ascii=ensure_ascii, indent=indent).encode(
        "utf-8", "surrogatepass"
    )
    after = json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode()
    frames = _frame(body, extra) + _frame(after)
    whole = _run_loop(frames, streamed_bytes=1 << 30)
    with unescaping(native=native):
        assert _run_loop(frames, streamed_bytes=piece) == whole
    assert len(whole) >= 1


@pytest.mark.parametrize("piece", [1, 5, 1 << 20])
def test_a_streamed_didopen_takes_the_bytes_path_with_chunks_of_lines(piece: int) -> None:
    text = "".join(f'{{"n":{n},"s":"\\"é😀\\u2028"}}\n' for n in range(3000))
    body = did_open_body(text, ensure_ascii=False)
    taken = _run_loop(_frame(body), streamed_bytes=piece)
    assert taken == [("bytes", "file:///s.jsonl", "jsonl", lines_of(ordinary_document(body)))]


def test_a_streamed_didopen_holds_the_text_once_not_the_body_beside_it() -> None:
    """The body arrived whole used to be kept while its text was unescaped: twice the text.
    Now the text and a chunk or two (a megabyte each) being unescaped, beside the lines and
    records read from the chunks as they come (measured alone on the same text)."""
    text = "".join(f'{{"n":{n},"text":"line {n} \\"quoted\\" 修复 🙂"}}\n' for n in range(400_000))
    frames = _frame(did_open_body(text, ensure_ascii=False))
    encoded = text.encode()
    size = len(encoded)
    del text
    tracemalloc.start()
    try:
        read = ReadChunks.of((encoded,))
        reading = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del read, encoded
    peaks: list[int] = []
    taken = _run_loop(
        frames, streamed_bytes=transport.STREAMED_BYTES, received=_Sizes(), peaks=peaks
    )
    assert taken == [("bytes", size)]
    text_held = peaks[0] - reading
    assert text_held < 1.5 * size, f"peak {text_held / size:.2f}x the text beside its reading"


def _cached(uri: str) -> bool:
    return any(key[0] == uri for key in views._CACHE._models)


def test_closing_a_document_drops_the_conversation_model_the_view_built_from_it() -> None:
    """A model holds the document's lines and records: kept after the close, a reopened 100 MB
    session was held twice until the view asked for it again."""
    server = create_server()
    protocol = server.session_protocol
    protocol.set_writer(_Sink())
    uri = "file:///s.jsonl"

    async def open_view_close() -> tuple[bool, bool]:
        stream = transport.FramedReader(transport.StreamReader(asyncio.StreamReader()))
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
        transport.handle_body(protocol, json.dumps(init).encode(), stream)
        transport.handle_body(
            protocol, did_open_body(sessions.dangling(), ensure_ascii=False), stream
        )
        await asyncio.sleep(0.1)
        page = await views.conversation(server, api.ConversationArguments(uri_or_path=uri))
        assert page.total
        viewed = _cached(uri)
        close = {"jsonrpc": "2.0", "method": "textDocument/didClose"}
        close["params"] = {"textDocument": {"uri": uri}}
        transport.handle_body(protocol, json.dumps(close).encode(), stream)
        await asyncio.sleep(0.1)
        return viewed, _cached(uri)

    assert asyncio.run(open_view_close()) == (True, False)
