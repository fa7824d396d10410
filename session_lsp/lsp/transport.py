"""The message loop (stdio and TCP) and the protocol's edge, replacing pygls's for what matters:

- speed: pygls decodes every message with stdlib `json` (about 260 ms for a 50 MB didOpen);
  msgspec decodes the same body several times faster;
- framing: a `Content-Length` that is short, long, not a number or absurd (10^30) must cost at
  most the message it frames. The loop resynchronises on the next header, never allocates more
  than `MAX_BODY_BYTES` for one body, and never exits on what it reads;
- memory: a `didOpen` is decoded with its text left as JSON (`msgspec.Raw`) and unescaped once, in
  chunks, into the UTF-8 bytes the document keeps (see `opening`); the whole text as one Python str
  (4 bytes per character once it holds an emoji) is never built. What that path cannot take (a
  lone surrogate, invalid UTF-8) goes the ordinary way;
- answers: every request gets a response. pygls drops a request whose params it cannot
  structure, or that arrives after `shutdown`, so the client waits forever; here it gets the
  JSON-RPC error (-32602, -32700, -32600, or -32002 before `initialize`), and the log gets one
  line, not a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
from concurrent.futures import Future
from functools import partial
from threading import Event
from typing import Any, BinaryIO, Protocol
from urllib.parse import unquote

import msgspec
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    LanguageServerProtocol,
)
from pygls.protocol.language_server import lsp_method
from pygls.workspace import Workspace

from session_lsp.core.collector import collector_paused
from session_lsp.core.held_setting import HeldSetting, Restore
from session_lsp.lsp import opening
from session_lsp.lsp.documents import SessionWorkspace
from session_lsp.lsp.freed_memory import give_back_freed_memory

STREAMED_BYTES = 1 << 20
"""Bodies at least this long are read in pieces of this size and fed to `StreamedDidOpen` as
they arrive: a didOpen's text is unescaped while the rest is still in the pipe, and the escaped
body is never held whole beside the unescaped text."""

MAX_BODY_BYTES = 1 << 30
"""The largest message body read (1 GiB): a 50 MB transcript is far below it even fully
escaped, and a lying header can no longer ask for 10^15 bytes."""

_RESPONSE_ENCODER = msgspec.json.Encoder()
_HEADER = re.compile(rb"Content-Length:[ \t]*([^\r\n]*?)[ \t]*\r?\n$", re.IGNORECASE)
_ALWAYS_ALLOWED = frozenset({types.EXIT})
logger = logging.getLogger(__name__)


class Reader(Protocol):
    """pygls's `StdinAsyncReader`, or anything that reads lines and counts of bytes."""

    def readline(self) -> Any: ...

    def readexactly(self, n: int) -> Any: ...


class StreamReader:
    """An asyncio stream (TCP) read the way pygls reads stdin: short reads only at the end."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        try:
            return await self.stream.readuntil(b"\n")
        except asyncio.IncompleteReadError as end:
            return end.partial
        except asyncio.LimitOverrunError as long_line:
            # A body read as lines while resynchronising: hand it over in pieces.
            return await self.stream.readexactly(long_line.consumed)

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError as end:
            return end.partial


class FramedReader:
    """A reader that can put bytes back: what follows a body's JSON value is the next message."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.pending = b""

    async def readline(self) -> bytes:
        cut = self.pending.find(b"\n")
        if cut >= 0:
            head, self.pending = self.pending[: cut + 1], self.pending[cut + 1 :]
            return head
        line: bytes = self.pending + await self.reader.readline()
        self.pending = b""
        return line

    async def read(self, count: int) -> bytes:
        head, self.pending = self.pending[:count], self.pending[count:]
        if len(head) < count:
            head += await self.reader.readexactly(count - len(head))
        return head

    def push_back(self, data: bytes) -> None:
        self.pending = data + self.pending


def decode_body(body: bytes | bytearray) -> Any:
    try:
        return msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        # What msgspec refuses but JSON allows (lone surrogate escapes) still gets through.
        return json.loads(body)


def split_value(body: bytes | bytearray) -> tuple[Any, bytes]:
    """The JSON value at the start of `body` and the bytes after it.

    A `Content-Length` too long swallows the start of the next message; the bytes after the
    value are that message's header, to be read again. Raises ValueError when no value is
    there (a length too short cut it).
    """
    text = body.decode("utf-8", "surrogateescape")
    start = len(text) - len(text.lstrip())
    value, end = json.JSONDecoder().raw_decode(text, start)
    return value, text[end:].encode("utf-8", "surrogateescape")


PIPE_BYTES = 1 << 20
"""The buffer asked for a pipe on stdin: the most Linux gives an unprivileged process."""


def widen_pipe(stream: BinaryIO) -> None:
    """Stdin's pipe buffer raised from 64 KB to `PIPE_BYTES`, where it is a pipe on Linux.

    Read through 64 KB, a 107 MB didOpen took 1,700 reads, and after each the reading thread
    waited for Python's lock while the loop unescaped and read lines: the body's last piece
    came 310-360 ms after its first. With 1 MB, 230-260 ms, and the open follows it.
    Anywhere else (another system, a file, a terminal) nothing changes.
    """
    if sys.platform != "linux":
        return
    import fcntl

    with contextlib.suppress(OSError, ValueError):  # no pipe, no descriptor (a test's stream)
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _length(value: bytes) -> int | None:
    """The declared body length, or None (logged) when it is unusable."""
    if not value.isdigit():
        logger.error(
            "ignored a message whose Content-Length %r is not a number",
            value[:40].decode("latin-1"),
        )
        return None
    if len(value) > 12 or int(value) > MAX_BODY_BYTES:
        logger.error(
            "ignored a message of %s bytes: over the %d-byte limit (MAX_BODY_BYTES)",
            value[:40].decode("latin-1"),
            MAX_BODY_BYTES,
        )
        return None
    return int(value)


async def run(stop_event: Event, reader: Reader, protocol: SessionProtocol) -> None:
    """Read Content-Length framed messages until EOF or shutdown."""
    stream = FramedReader(reader)
    length: int | None = None
    while not stop_event.is_set():
        line = await stream.readline()
        if not line:
            break
        header = _HEADER.search(line)
        if header:
            # Searched, not matched: the tail of a body framed too short may precede it.
            length = _length(header.group(1))
            continue
        if line.strip() or length is None:
            continue  # another header (Content-Type), or stray bytes between messages
        if length >= STREAMED_BYTES:
            complete = await _receive_streamed(protocol, stream, length)
            length = None
            if not complete:
                break
            continue
        body = await stream.read(length)
        complete = len(body) == length
        length = None
        if body:
            handle_body(protocol, body, stream)
        # Not kept while awaiting the next message: the didOpen handler analyses meanwhile.
        del body
        if not complete:
            break


async def _receive_streamed(protocol: SessionProtocol, stream: FramedReader, length: int) -> bool:
    """Read a long body in pieces, each unescaped while the next is read; False if cut short.

    The collector is paused throughout: a didOpen's lines are read as its chunks arrive, and
    collections in between would walk every line and record read so far (`collector_paused`).
    Threads switch more often meanwhile (`_switch_often`). What the pieces took is given back
    once the body is in (`freed_memory`).
    """
    with collector_paused(), _SWITCHING_OFTEN.held():
        streamed = opening.StreamedDidOpen()
        remaining = length
        try:
            reading = asyncio.ensure_future(stream.read(min(STREAMED_BYTES, remaining)))
            while True:
                asked = min(STREAMED_BYTES, remaining)
                piece = await reading
                remaining -= len(piece)
                more = remaining > 0 and len(piece) == asked
                if more:
                    reading = asyncio.ensure_future(stream.read(min(STREAMED_BYTES, remaining)))
                    await asyncio.sleep(0)  # the read is under way before this piece is unescaped
                streamed.feed(piece)
                del piece
                if not more:
                    break
            result = streamed.finish()
        finally:
            streamed.close()
        del streamed
        give_back_freed_memory()
        if isinstance(result, opening.OpenedDocument):
            _receive_opened(protocol, result)
        elif result:
            _handle_ordinary(protocol, result, stream)
    return remaining == 0


def _switch_often() -> Restore:
    """Python's lock handed to a waiting thread after 0.2 ms rather than 5 ms, while a big body
    streams in. The unescaping thread (`opening`) and the reader need the lock for a moment
    after each chunk and piece while the loop reads lines: at 5 ms a wait, the unescaping
    thread fell behind (a 107 MB didOpen read in 194 ms in one process, 151 ms at 0.2 ms)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, 0.0002))
    return partial(sys.setswitchinterval, before)


_SWITCHING_OFTEN = HeldSetting(_switch_often)


def handle_body(protocol: SessionProtocol, body: bytes, stream: FramedReader) -> None:
    opened = opening.decode_did_open(body)
    if opened is not None:
        _receive_opened(protocol, opened)
        return
    _handle_ordinary(protocol, body, stream)


def _receive_opened(protocol: SessionProtocol, opened: opening.OpenedDocument) -> None:
    try:
        protocol.receive_did_open(opened)
    except Exception:
        logger.exception("failed to handle a message")


def _handle_ordinary(
    protocol: SessionProtocol, body: bytes | bytearray, stream: FramedReader
) -> None:
    try:
        raw = decode_body(body)
    except ValueError:
        try:
            raw, rest = split_value(body)
        except ValueError:
            logger.error("dropped a message that is not JSON (%d bytes)", len(body))
            protocol.send_error(None, JsonRpcParseError())
            return
        logger.error("a message's Content-Length ran %d bytes past its body", len(rest))
        stream.push_back(rest)
    try:
        protocol.receive(raw)
    except Exception:
        logger.exception("failed to handle a message")


class SessionProtocol(LanguageServerProtocol):
    """pygls's protocol with the LSP lifecycle enforced and no tracebacks for bad input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_received = False

    @property
    def _workspace(self) -> Workspace | None:
        return self._session_workspace

    @_workspace.setter
    def _workspace(self, workspace: Workspace | None) -> None:
        """pygls makes its workspace in `initialize`; ours makes SessionDocuments, with the same
        root, folders and position encoding, from the start."""
        self._session_workspace = None if workspace is None else SessionWorkspace.like(workspace)

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls 2.1 runs the step a generator handler yields (every command's handler, under
        `workspace/executeCommand`) under a fresh id whose future it keeps in `_request_futures`
        and never removes: each command's answer stayed in memory (50 KB a conversation page,
        without bound). Every future is forgotten once done."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            future.add_done_callback(partial(self._forget_future, msg_id))

    def _forget_future(self, msg_id: Any, future: Any) -> None:
        if self._request_futures.get(msg_id) is future:
            del self._request_futures[msg_id]

    def _send_response(
        self, msg_id: Any, result: Any | None = None, error: types.ResponseError | None = None
    ) -> None:
        """A result that is JSON already (`msgspec.Raw`, a command's answer) goes out as it is."""
        if error is not None or not isinstance(result, msgspec.Raw):
            super()._send_response(msg_id, result, error)
            return
        self._result_types.pop(msg_id, None)
        body = _RESPONSE_ENCODER.encode({"id": msg_id, "jsonrpc": "2.0", "result": result})
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Sending %d bytes of answer to %s", len(body), msg_id)
        self._send_body(body)

    def _send_body(self, body: bytes) -> None:
        """pygls's `_send_data` for a body encoded already: its framing, its handling of
        failures. The server writes to stdout or a TCP stream (`server.py`), both synchronous."""
        if self.writer is None:
            logger.error("Unable to send data, no available transport!")
            return
        if self._include_headers:
            header = (
                f"Content-Length: {len(body)}\r\n"
                f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            )
            body = header.encode("ascii") + body
        try:
            self.writer.write(body)  # stdout's and asyncio's writers: neither returns an awaitable
        except BrokenPipeError:
            logger.exception("Error sending data. BrokenPipeError", exc_info=True)
            raise
        except Exception as error:
            logger.exception("Error sending data", exc_info=True)
            self._server._report_server_error(error, JsonRpcInternalError)

    def send_error(self, msg_id: Any, error: JsonRpcException) -> None:
        self._send_response(msg_id, None, error.to_response_error())

    def receive(self, raw: Any) -> None:
        """Answer or ignore anything that decoded as JSON; hand the rest to pygls."""
        if isinstance(raw, list):
            logger.error("refused a batch of %d messages: LSP has no batches", len(raw))
            self.send_error(None, JsonRpcInvalidRequest("batch messages are not supported"))
            return
        if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
            logger.error("refused a message that is not a JSON-RPC 2.0 object")
            msg_id = raw.get("id") if isinstance(raw, dict) else None
            self.send_error(
                _valid_id(msg_id), JsonRpcInvalidRequest("not a JSON-RPC 2.0 message object")
            )
            return
        method, msg_id = raw.get("method"), raw.get("id")
        is_request = "id" in raw and method is not None
        if method is not None and not isinstance(method, str):
            if is_request:
                self.send_error(_valid_id(msg_id), JsonRpcInvalidRequest("method is not a string"))
            return
        if method is not None:
            refusal = self._refusal(method)
            if refusal is not None:
                if is_request:
                    self.send_error(msg_id, refusal)
                else:
                    logger.warning("ignored %s: %s", method, refusal.message)
                return
            if method == types.INITIALIZE:
                self.initialize_received = True
        try:
            message = self._structure(raw)
        except JsonRpcException as error:
            if is_request:
                self.send_error(msg_id, error)
            return
        self.handle_message(message)

    def receive_did_open(self, opened: opening.OpenedDocument) -> None:
        """A didOpen whose text arrived as UTF-8 bytes: same lifecycle rules, same handlers."""
        refusal = self._refusal(types.TEXT_DOCUMENT_DID_OPEN)
        if refusal is not None:
            logger.warning("ignored %s: %s", types.TEXT_DOCUMENT_DID_OPEN, refusal.message)
            return
        notification: Any = types.DidOpenTextDocumentNotification(
            params=types.DidOpenTextDocumentParams(text_document=opened.item())
        )
        self.handle_message(notification)

    def _refusal(self, method: str) -> JsonRpcException | None:
        """The lifecycle's answer to a message that may not come now (LSP 3.17 lifecycle)."""
        if method in _ALWAYS_ALLOWED:
            return None
        if self._shutdown:
            return JsonRpcInvalidRequest(f"{method} after shutdown: only exit is accepted")
        if method == types.INITIALIZE and self.initialize_received:
            return JsonRpcInvalidRequest("initialize was already received")
        if method != types.INITIALIZE and not self.initialize_received:
            return JsonRpcServerNotInitialized(f"{method} before initialize")
        return None

    def _structure(self, raw: dict[str, Any]) -> Any:
        """pygls's `structure_message` without the traceback it logs for every bad param."""
        method = raw.get("method")
        kind: Any
        if method is not None:
            kind = self.get_message_type(method) or (
                JsonRPCRequestMessage if "id" in raw else JsonRPCNotification
            )
        elif "error" in raw:
            kind = types.ResponseErrorMessage
        elif "result" in raw:
            msg_id = _valid_id(raw.get("id"))
            kind = (
                self._result_types.pop(msg_id, None) if msg_id is not None else None
            ) or JsonRPCResponseMessage
        else:
            logger.warning("ignored a message with neither a method, a result nor an error")
            raise JsonRpcInvalidRequest("neither a request, a notification nor a response")
        if method == types.CODE_ACTION_RESOLVE:
            raw = _command_as_action(raw)
        try:
            return self._converter.structure(raw, kind)
        except JsonRpcException:
            raise
        except Exception as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            logger.warning("invalid params for %s: %s", method or "a response", first)
            raise JsonRpcInvalidParams(f"invalid params for {method}: {first}") from None

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        """A handler's JSON-RPC error (bad arguments, a failed command) is an answer: one log
        line, no traceback. Anything else is a bug and keeps pygls's full report."""
        if not future.cancelled() and isinstance(future.exception(), JsonRpcException):
            self._request_futures.pop(msg_id, None)
            error = future.exception()
            assert isinstance(error, JsonRpcException)
            logger.warning("request %s: %s", msg_id, error.message)
            self.send_error(msg_id, error)
            return
        super()._send_handler_result(future, msg_id=msg_id)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        """A change to a document that is not open is ignored (with a warning), not a KeyError."""
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            logger.warning("ignored didChange for %s: it is not open", params.text_document.uri)
            return
        yield from super().lsp_text_document__did_change(params)


def _command_as_action(raw: dict[str, Any]) -> dict[str, Any]:
    """A bare `Command` sent to `codeAction/resolve` as a code action holding that command.

    Neovim 0.7 sends every action that has no edit to resolve, the bare Commands it was offered
    too; read as a `CodeAction`, a command's `command` is a string where an object belongs, which
    was -32602. Resolved, the action comes back holding the command, which the client then runs.
    """
    params = raw.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("command"), str):
        return raw
    return {**raw, "params": {"title": params.get("title"), "command": params}}


def _valid_id(value: Any) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None
