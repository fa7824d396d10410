"""Writing lines Claude Code accepts, and changing one value in a line without re-serialising it.

New lines are serialised like `JSON.stringify` (no spaces, non-ASCII kept); existing lines change
only in the bytes of the value that must change, so their key order and spacing survive.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from datetime import UTC, datetime, timedelta
from typing import Any

from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line, text_of

STUB_TEXT = (
    "[session-lsp] No result was recorded for this tool call: the session was interrupted"
    " (killed, crashed or cut off) before the tool finished. This placeholder was added by"
    " session-lsp so the conversation can resume; the tool may or may not have run."
)
"""Our stub's text: distinct from every marker Claude Code writes, so the two can be told apart."""

STAMP_KEYS = (
    "isSidechain",
    "userType",
    "entrypoint",
    "cwd",
    "sessionId",
    "version",
    "gitBranch",
    "slug",
    "agentId",
    "teamName",
    "agentName",
)
"""Fields Claude Code copies onto every line of a session; a stub takes them from its tool_use."""

_STUB_NAMESPACE = uuid_module.UUID("8f6b5a7e-2d0c-4e55-9a55-5e5510a15b00")
_PARENT = re.compile(rb'"parentUuid"\s*:\s*(null|"(?:[^"\\]|\\.)*")')
_SESSION_ID = re.compile(rb'"sessionId"\s*:\s*"((?:[^"\\]|\\.)*)"')


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any) -> bytes:
    """`JSON.stringify` output for the values transcripts hold: like it, a lone surrogate (a `\\ud83d`
    escape without its pair, which UTF-8 cannot hold) is written as its escape again."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _LONE_SURROGATE.sub(lambda lone: f"\\u{ord(lone.group()):04x}", text).encode("utf-8")


def _loads(line: Line) -> Any:
    """A line read as its reader reads it: invalid UTF-8 becomes U+FFFD (a stub copies only a
    few short fields from it), deep nesting is allowed as far as the reading allowed it."""
    with deep_json():
        return json.loads(text_of(line))


def stub_uuid(tool_use_id: str) -> str:
    """Derived from the tool id, so repeating a repair writes the same bytes."""
    return str(uuid_module.uuid5(_STUB_NAMESPACE, f"stub:{tool_use_id}"))


def later_timestamp(timestamp: str | None, milliseconds: int = 1) -> str:
    """An ISO timestamp just after `timestamp`, in Claude Code's `toISOString` form."""
    moment = _parse_time(timestamp) or datetime(1970, 1, 1, tzinfo=UTC)
    moment += timedelta(milliseconds=milliseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_time(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stub_result_line(
    tool_use_line: Line,
    tool_use_id: str,
    *,
    parent_uuid: str | None,
    timestamp: str,
) -> bytes:
    """A user line holding an error `tool_result` for `tool_use_id`, shaped like Claude Code's.

    Key order follows the tool_use line (which follows its Claude Code version): `parentUuid`
    first, the stamps where that line has them, then the record's own fields.
    """
    source = _loads(tool_use_line)
    record: dict[str, Any] = {"parentUuid": parent_uuid}
    body: dict[str, Any] = {
        "type": "user",
        "message": {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool_use_id,
                    "content": STUB_TEXT,
                    "is_error": True,
                }
            ],
        },
        "uuid": stub_uuid(tool_use_id),
        "timestamp": timestamp,
        "toolUseResult": f"Error: {STUB_TEXT}",
    }
    if _writes_source_uuid(source.get("version")) and isinstance(source.get("uuid"), str):
        body["sourceToolAssistantUUID"] = source["uuid"]
    for key in source:
        if key in STAMP_KEYS:
            record[key] = source[key]
        elif key == "type":
            record.update(body)
    record.update({key: value for key, value in body.items() if key not in record})
    line = dumps(record)
    return line + b"\r" if bytes(tool_use_line).endswith(b"\r") else line


def rollout_output_line(call_line: Line, call_id: str) -> bytes:
    """A Codex output record answering `call_id`, just after its call, with our stub text."""
    call = _loads(call_line)
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


def _writes_source_uuid(version: object) -> bool:
    """Claude Code 2.1.x links each result to its call's line with `sourceToolAssistantUUID`."""
    if not isinstance(version, str):
        return False
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (2, 1)


def with_parent(line: Line, parent_uuid: str | None) -> bytes:
    """The line with only its `parentUuid` value changed."""
    raw = bytes(line)
    match = _PARENT.search(raw)
    if match is None:
        raise ValueError("line has no parentUuid")
    return raw[: match.start(1)] + dumps(parent_uuid) + raw[match.end(1) :]


def with_session_id(line: Line, old: str, new: str) -> bytes:
    """The line with every `"sessionId":"<old>"` pointing at `new` (what --fork-session does)."""
    raw = bytes(line)
    old_bytes = old.encode()

    def swap(match: re.Match[bytes]) -> bytes:
        if match.group(1) != old_bytes:
            return match.group(0)
        return match.group(0)[: match.start(1) - match.start(0)] + new.encode() + b'"'

    return _SESSION_ID.sub(swap, raw)
