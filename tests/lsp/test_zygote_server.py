"""`session-lsp serve` forks its zygote as it starts, with what its workers run imported, and
takes it with it when it ends, by `exit` or killed."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from session_lsp import beside, parallel
from session_lsp.cli.main import SERVER_WORKER_MODULES
from session_lsp.sessions import inspection
from session_lsp.sessions.search import search_file
from tests.support.raw_client import RawClient
from tests.support.zygotes import ended

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or parallel.usable_cores() < 2,
    reason="a zygote is forked on Linux with a second core",
)


def _started_server() -> tuple[RawClient, int]:
    """A server that answered `initialize`, and its zygote's process id."""
    client = RawClient()
    client.initialize()
    pid = client.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert len(children) == 1, children
    return client, int(children[0])


def test_the_server_s_zygote_holds_none_of_its_streams_and_ends_with_exit() -> None:
    client, zygote = _started_server()
    try:
        streams = [os.readlink(f"/proc/{zygote}/fd/{stream}") for stream in (0, 1, 2)]
        assert streams == [os.devnull] * 3
        client.request(2, "shutdown")
        client.receive(2)
        client.send({"jsonrpc": "2.0", "method": "exit"})
        assert client.process.wait(timeout=20) == 0
        assert not Path(f"/proc/{zygote}").exists()  # ended and waited for by the server
    finally:
        client.close()


def test_the_server_s_zygote_ends_when_the_server_is_killed() -> None:
    client, zygote = _started_server()
    try:
        client.process.send_signal(signal.SIGKILL)
        client.process.wait()
        assert ended(zygote, waited_for=False)
    finally:
        client.close()


def test_what_the_server_s_workers_run_is_imported_before_its_zygote_is_forked() -> None:
    for function in (beside._send_findings, search_file, inspection._inspect):
        assert function.__module__ in SERVER_WORKER_MODULES
