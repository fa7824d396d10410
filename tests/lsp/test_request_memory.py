"""A command's answer is not kept once sent: pygls 2.1 ran each command's handler under a fresh
id and kept its future (and with it the answer) for as long as the server ran, so a view paging
a session grew the server by 50 KB a page without bound."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from session_lsp.lsp import transport
from session_lsp.lsp.main import create_server


class _Written:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write(self, data: Any) -> None:
        body = bytes(data).split(b"\r\n\r\n", 1)[-1]
        self.messages.append(json.loads(body))

    def close(self) -> None:
        pass


def test_no_future_of_a_command_outlives_its_answer() -> None:
    server = create_server()
    protocol = server.session_protocol
    written = _Written()
    protocol.set_writer(written)

    async def run_commands() -> int:
        stream = transport.FramedReader(transport.StreamReader(asyncio.StreamReader()))
        initialize = {"id": 0, "method": "initialize", "params": {"capabilities": {}}}
        messages: list[dict[str, Any]] = [initialize, {"method": "initialized", "params": {}}]
        for number in range(1, 21):
            params = {"command": "sessionLsp.debugInformation", "arguments": []}
            messages.append({"id": number, "method": "workspace/executeCommand", "params": params})
        for message in messages:
            body = json.dumps({"jsonrpc": "2.0", **message}).encode()
            transport.handle_body(protocol, body, stream)
        for _ in range(100):
            if sum(1 for m in written.messages if m.get("id", 0) > 0) == 20:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0)
        return len(protocol._request_futures)

    kept = asyncio.run(run_commands())
    answers = [m for m in written.messages if m.get("id", 0) > 0]
    assert len(answers) == 20 and all("result" in m for m in answers)
    assert kept == 0
