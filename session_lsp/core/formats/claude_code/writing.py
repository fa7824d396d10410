"""Writing lines Claude Code accepts, and changing one value in a line without re-serialising it
(docs/claude-code-format.md §9).

New lines are serialised like `JSON.stringify` (core/writing.py); existing lines change only in
the bytes of the value that must change, so their key order and spacing survive.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from typing import Any

from session_lsp.core.reading import Line
from session_lsp.core.writing import STUB_TEXT, dumps, loads_line

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


def stub_uuid(tool_use_id: str) -> str:
    """Derived from the tool id, so repeating a repair writes the same bytes."""
    return str(uuid_module.uuid5(_STUB_NAMESPACE, f"stub:{tool_use_id}"))


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
    source = loads_line(tool_use_line)
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
