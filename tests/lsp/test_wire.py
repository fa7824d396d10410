"""Raw JSON-RPC abuse over stdio: broken bodies, wrong shapes, unknown methods. The server lives."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from session_lsp.core import search
from session_lsp.lsp import opening, transport
from tests.lsp.sessions import dangling
from tests.support.raw_client import RawClient, debug_information_body, read_message


def _framed(body: bytes, length: bytes) -> bytes:
    return b"Content-Length: " + length + b"\r\n\r\n" + body


def test_malformed_messages_get_errors_and_the_server_keeps_answering() -> None:
    client = RawClient()
    try:
        client.send(
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
        )
        assert "capabilities" in client.receive(1)["result"]
        client.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        client.send_bytes(b"{this is not json")
        client.send(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "textDocument/hover",
                "params": {"textDocument": 5},
            }
        )
        assert "error" in client.receive(2)
        client.send({"jsonrpc": "2.0", "id": 3, "method": "no/such/method", "params": {}})
        assert client.receive(3)["error"]["code"] == -32601
        client.send(
            {"jsonrpc": "2.0", "id": 4, "method": "textDocument/codeAction", "params": None}
        )
        assert "error" in client.receive(4)
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": "file:///x", "version": 2},
                    "contentChanges": [{"text": "x"}],
                },
            }
        )
        client.send(
            {
                "jsonrpc": "2.0",
                "id": 5,
                "method": "workspace/executeCommand",
                "params": {"command": "sessionLsp.debugInformation", "arguments": []},
            }
        )
        assert client.receive(5)["result"]["version"]
        client.send({"jsonrpc": "2.0", "id": 6, "method": "shutdown"})
        assert client.receive(6)["result"] is None
        client.send({"jsonrpc": "2.0", "method": "exit"})
        assert client.process.wait(timeout=10) == 0
        assert "Traceback" not in client.log(), client.log()
    finally:
        client.close()


def test_a_content_length_too_short_costs_only_its_own_message() -> None:
    client = RawClient()
    try:
        client.initialize()
        body = debug_information_body(2)
        client.write(_framed(body, b"%d" % (len(body) - 10)))
        assert client.receive(None)["error"]["code"] == -32700
        client.alive(3)
        client.alive(4)
    finally:
        client.close()


def test_a_content_length_too_long_loses_no_message() -> None:
    client = RawClient()
    try:
        client.initialize()
        body = debug_information_body(2)
        client.write(_framed(body, b"%d" % (len(body) + 10)))
        client.send_bytes(debug_information_body(3))  # its first 10 bytes end message 2's frame
        assert client.receive(2)["result"]["version"]
        assert client.receive(3)["result"]["version"]
        client.alive(4)
    finally:
        client.close()


def test_content_lengths_that_are_not_numbers_or_absurd_never_stop_the_server() -> None:
    client = RawClient()
    try:
        client.initialize()
        lengths = (b"abc", b"-5", b"1e3", b"1" + b"0" * 15, b"1" + b"0" * 30)
        for request_id, length in enumerate(lengths, start=10):
            client.write(_framed(debug_information_body(request_id), length))
            client.alive(request_id + 100)
        assert client.process.poll() is None
        log = client.log()
        assert "MAX_BODY_BYTES" in log and "is not a number" in log, log
        assert "Traceback" not in log and "MemoryError" not in log, log
    finally:
        client.close()


def test_the_lifecycle_is_enforced_with_answers() -> None:
    client = RawClient()
    try:
        client.request(1, "textDocument/hover", {})
        assert client.receive(1)["error"]["code"] == -32002
        client.initialize()
        client.request(2, "initialize", {"capabilities": {}})
        assert client.receive(2)["error"]["code"] == -32600
        client.request(3, "shutdown")
        assert client.receive(3)["result"] is None
        client.send_bytes(debug_information_body(4))
        assert client.receive(4)["error"]["code"] == -32600
        client.send({"jsonrpc": "2.0", "method": "exit"})
        assert client.process.wait(timeout=10) == 0
    finally:
        client.close()


def test_exit_without_shutdown_exits_1() -> None:
    client = RawClient()
    try:
        client.initialize()
        client.send({"jsonrpc": "2.0", "method": "exit"})
        assert client.process.wait(timeout=10) == 1
    finally:
        client.close()


def test_batches_non_objects_and_changes_to_unknown_documents_leave_no_traceback() -> None:
    client = RawClient()
    try:
        client.initialize()
        client.send([{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}])
        assert client.receive(None)["error"]["code"] == -32600
        for value in (5, "text", None, True):
            client.send(value)
            assert client.receive(None)["error"]["code"] == -32600
        client.send({"id": 3, "method": "shutdown"})  # no "jsonrpc": "2.0"
        assert client.receive(3)["error"]["code"] == -32600
        client.send({"jsonrpc": "2.0", "id": 4, "method": 7})
        assert client.receive(4)["error"]["code"] == -32600
        client.send({"jsonrpc": "2.0", "id": 77})  # neither request nor response
        client.send({"jsonrpc": "2.0", "id": 78, "error": "not an error object"})
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": "file:///never/opened.jsonl", "version": 2},
                    "contentChanges": [{"text": "x"}],
                },
            }
        )
        client.alive(5)
        log = client.log()
        assert "Traceback" not in log, log
        assert "never/opened.jsonl" in log, log
    finally:
        client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_tcp_mode_listens_on_loopback_and_answers() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "serve", "--tcp", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.1)
        with connection:
            body = json.dumps(
                {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
            ).encode()
            connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            stream = connection.makefile("rb")
            reply = read_message(stream)
            assert reply["id"] == 1 and "capabilities" in reply["result"]
            # The same framing recovery as over stdio: a lying header costs one message.
            connection.sendall(
                _framed(debug_information_body(2), b"not-a-number")
                + _framed(debug_information_body(3), b"%d" % len(debug_information_body(3)))
            )
            while (reply := read_message(stream)).get("id") != 3:
                pass
            assert reply["result"]["version"]
    finally:
        server.kill()
        server.wait()


def test_a_bare_command_sent_to_resolve_comes_back_as_an_action_holding_it() -> None:
    """Neovim 0.7 resolves every action without an edit, the Fork command too (was -32602)."""
    fork = {
        "title": "Fork the session with the stub repair (original untouched)",
        "command": "sessionLsp.forkSession",
        "arguments": ["file:///tmp/session.jsonl", "stub"],
    }
    client = RawClient()
    try:
        client.initialize()
        client.request(2, "codeAction/resolve", fork)
        answer = client.receive(2)
        assert "error" not in answer, answer
        assert answer["result"] == {"title": fork["title"], "command": fork}
        client.alive(3)
    finally:
        client.close()


def test_fix_all_sends_no_edit_to_a_client_that_cannot_apply_one() -> None:
    """Such a client never answers `workspace/applyEdit`: the command would wait forever."""
    client = RawClient()
    messages: queue.Queue[dict[str, Any]] = queue.Queue()

    def read_all() -> None:
        with contextlib.suppress(AssertionError, ValueError):
            while True:
                messages.put(client.receive(-1))

    try:
        client.request(1, "initialize", {"capabilities": {}})
        threading.Thread(target=read_all, daemon=True).start()
        uri = "file:///tmp/no-apply-edit/session.jsonl"
        item = {"uri": uri, "languageId": "jsonl", "version": 1, "text": dangling()}
        client.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        client.send(
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
        )
        client.request(
            2, "workspace/executeCommand", {"command": "sessionLsp.fixAll", "arguments": [uri]}
        )
        seen: list[dict[str, Any]] = []
        while not any(message.get("id") == 2 and "method" not in message for message in seen):
            seen.append(messages.get(timeout=20))
        assert "workspace/applyEdit" not in [message.get("method") for message in seen]
        (answer,) = [message for message in seen if message.get("id") == 2]
        assert answer["result"]["applied"] is False
        assert "does not apply edits" in answer["result"]["message"]
    finally:
        client.close()


@pytest.mark.skipif(sys.platform != "linux", reason="pipe buffers are sized on Linux only")
def test_stdin_is_read_through_a_widened_pipe_and_debug_information_says_which_unescaping() -> None:
    """A 64 KB pipe made a 107 MB didOpen 1,700 reads, each waiting for the loop (benchmarks)."""
    import fcntl

    client = RawClient()
    try:
        client.initialize()
        client.request(3, "workspace/executeCommand", {"command": "sessionLsp.debugInformation"})
        information = client.receive(3)["result"]
        assert client.process.stdin is not None
        pipe_bytes = fcntl.fcntl(client.process.stdin.fileno(), fcntl.F_GETPIPE_SZ)
        assert pipe_bytes == transport.PIPE_BYTES
        assert information["nativeUnescaping"] is (opening.NATIVE_UNESCAPE is not None)
        assert information["nativeByteSearch"] is (search.LINES_HOLDING is not None)
    finally:
        client.close()


def test_a_command_s_answer_goes_out_as_utf8_framed_by_its_length_in_bytes() -> None:
    """A command's answer is sent as msgspec encoded it (UTF-8, not \\u escapes): its
    Content-Length counts bytes, or the next message would be read from its middle."""
    text = '{"type":"user","message":{"content":"café 日本語 🙂"}}\n'
    uri = "file:///wire/utf8.jsonl"
    client = RawClient()
    try:
        client.initialize()
        document = {"uri": uri, "languageId": "jsonl", "version": 1, "text": text}
        client.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {"textDocument": document},
            }
        )
        arguments = {"command": "sessionLsp.documentText", "arguments": [uri]}
        client.request(2, "workspace/executeCommand", arguments)
        assert client.receive(2)["result"] == text
        client.alive(3)
    finally:
        client.close()
