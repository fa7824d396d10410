"""`session-lsp serve`: an address that cannot be listened on is one line and exit 2."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def _serve(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "session_lsp", "serve", "--tcp", *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _assert_one_line(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("session-lsp: cannot listen on ")
    assert reason in result.stderr


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _assert_one_line(_serve("--port", str(port)), "in use")


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_one_line_and_exit_2(port: str) -> None:
    _assert_one_line(_serve("--port", port), "the port must be between 0 and 65535")


def test_an_unknown_host_is_one_line_and_exit_2() -> None:
    _assert_one_line(_serve("--host", "no-such-host.invalid"), "unknown host")
