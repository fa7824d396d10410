"""A client that writes raw bytes to `session-lsp serve` over stdio and reads its framed
messages: for what a well-behaved LSP client library would never send, and for the server's
process itself."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from typing import Any, BinaryIO

SERVER = [sys.executable, "-m", "session_lsp", "serve", "--stdio"]


class RawClient:
    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.log_messages: list[str] = []
        self.process = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr
        )

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send_bytes(self, body: bytes) -> None:
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: Any) -> None:
        self.send_bytes(json.dumps(message).encode())

    def request(self, request_id: int, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})

    def initialize(self) -> None:
        self.request(1, "initialize", {"capabilities": {}})
        assert "capabilities" in self.receive(1)["result"]
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def receive(self, request_id: int | None) -> dict[str, Any]:
        """Read messages until the response to `request_id` (notifications are kept as logs);
        -1: the next message, whatever it is."""
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            message = read_message(stdout)
            if message.get("method") == "window/logMessage":
                self.log_messages.append(message["params"]["message"])
            if request_id == -1 or (message.get("id") == request_id and "method" not in message):
                return message  # type: ignore[no-any-return]

    def alive(self, request_id: int) -> None:
        """The server still reads and answers a normal request."""
        self.send_bytes(debug_information_body(request_id))
        assert self.receive(request_id)["result"]["version"]

    def log(self) -> str:
        """stderr, and the window/logMessage notifications read so far."""
        self.stderr.seek(0)
        return "\n".join([self.stderr.read().decode("utf-8", "replace"), *self.log_messages])

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        self.stderr.close()


def debug_information_body(request_id: int) -> bytes:
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "workspace/executeCommand",
            "params": {"command": "sessionLsp.debugInformation", "arguments": []},
        }
    ).encode()


def read_message(stream: BinaryIO) -> dict[str, Any]:
    """The next message the server wrote to `stream`, read by its Content-Length header."""
    length = 0
    while (header := stream.readline()) not in (b"\r\n", b""):
        if header.lower().startswith(b"content-length:"):
            length = int(header.split(b":")[1])
    assert length, "the server closed its output"
    message: dict[str, Any] = json.loads(stream.read(length))
    return message
