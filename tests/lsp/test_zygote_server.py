"""`session-lsp serve` forks its zygote as it starts, with what its workers run imported, and
takes it with it when it ends, by `exit` or killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from session_lsp import beside, parallel
from session_lsp.cli.main import SERVER_WORKER_MODULES
from session_lsp.sessions import inspection
from session_lsp.sessions.search import search_file

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or parallel.usable_cores() < 2,
    reason="a zygote is forked on Linux with a second core",
)


def _send(server: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert server.stdin is not None
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()


def _response(server: subprocess.Popen[bytes], request_id: int) -> dict[str, Any]:
    stdout = server.stdout
    assert stdout is not None
    while True:
        length = 0
        while (header := stdout.readline()) not in (b"\r\n", b""):
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        assert length, "the server closed its output"
        message: dict[str, Any] = json.loads(stdout.read(length))
        if message.get("id") == request_id and "method" not in message:
            return message


def _started_server() -> tuple[subprocess.Popen[bytes], int]:
    """A server that answered `initialize`, and its zygote's process id."""
    server = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    _send(server, {"id": 1, "method": "initialize", "params": {"capabilities": {}}})
    assert "capabilities" in _response(server, 1)["result"]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    assert len(children) == 1, children
    return server, int(children[0])


def _ends(pid: int, within: float = 10.0) -> bool:
    """Whether `pid` ends within `within` seconds (a zombie left for init to wait for counts)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.02)
    return False


def test_the_server_s_zygote_holds_none_of_its_streams_and_ends_with_exit() -> None:
    server, zygote = _started_server()
    try:
        streams = [os.readlink(f"/proc/{zygote}/fd/{stream}") for stream in (0, 1, 2)]
        assert streams == [os.devnull] * 3
        _send(server, {"id": 2, "method": "shutdown"})
        _response(server, 2)
        _send(server, {"method": "exit"})
        assert server.wait(timeout=20) == 0
        assert not Path(f"/proc/{zygote}").exists()  # ended and waited for by the server
    finally:
        server.kill()
        server.wait()


def test_the_server_s_zygote_ends_when_the_server_is_killed() -> None:
    server, zygote = _started_server()
    try:
        server.send_signal(signal.SIGKILL)
        server.wait()
        assert _ends(zygote)
    finally:
        server.kill()
        server.wait()


def test_what_the_server_s_workers_run_is_imported_before_its_zygote_is_forked() -> None:
    for function in (beside._send_findings, search_file, inspection._inspect):
        assert function.__module__ in SERVER_WORKER_MODULES
