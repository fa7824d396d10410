"""Writing lines Codex accepts: the output that answers a call."""

from __future__ import annotations

from typing import Any

from session_lsp.core.reading import Line
from session_lsp.core.writing import STUB_TEXT, dumps, later_timestamp, loads_line


def rollout_output_line(call_line: Line, call_id: str) -> bytes:
    """A Codex output record answering `call_id`, just after its call, with our stub text."""
    call = loads_line(call_line)
    payload = call.get("payload", {})
    kind = payload.get("type")
    output: dict[str, Any]
    if kind == "tool_search_call":
        # What Codex itself inserts for it (normalize.rs): no text field to hold the stub's words.
        output = {"type": "tool_search_output", "call_id": call_id, "status": "completed"}
        output |= {"execution": "client", "tools": []}
    else:
        output_kind = (
            "custom_tool_call_output" if kind == "custom_tool_call" else "function_call_output"
        )
        output = {"type": output_kind, "call_id": call_id, "output": STUB_TEXT}
    record = {
        "timestamp": later_timestamp(call.get("timestamp")),
        "type": "response_item",
        "payload": output,
    }
    return dumps(record)
