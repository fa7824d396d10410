"""Writing lines Codex accepts: the output that answers a call."""

from __future__ import annotations

from session_lsp.core.reading import Line
from session_lsp.core.writing import STUB_TEXT, dumps, later_timestamp, loads_line


def rollout_output_line(call_line: Line, call_id: str) -> bytes:
    """A Codex output record answering `call_id`, just after its call, with our stub text."""
    call = loads_line(call_line)
    payload = call.get("payload", {})
    kind = (
        "custom_tool_call_output"
        if payload.get("type") == "custom_tool_call"
        else "function_call_output"
    )
    record = {
        "timestamp": later_timestamp(call.get("timestamp")),
        "type": "response_item",
        "payload": {"type": kind, "call_id": call_id, "output": STUB_TEXT},
    }
    return dumps(record)
