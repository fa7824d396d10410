"""Raw JSON-RPC abuse over stdio: broken bodies, wrong shapes, unknown methods. The server lives."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from typing import Any

SERVER = [sys.executable, "-m", "session_lsp", "serve", "--stdio"]


class RawClient:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def send_bytes(self, body: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message).encode())

    def receive(self, request_id: int) -> dict[str, Any]:
        """Read messages until the response to `request_id` (notifications are skipped)."""
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = 0
            while (header := stdout.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            assert length, "the server closed its output"
            message = json.loads(stdout.read(length))
            if message.get("id") == request_id and "method" not in message:
                return message  # type: ignore[no-any-return]

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


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
            length = 0
            while (header := stream.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            reply = json.loads(stream.read(length))
            assert reply["id"] == 1 and "capabilities" in reply["result"]
    finally:
        server.kill()
        server.wait()
