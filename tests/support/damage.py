"""Damaged variants of real sessions, made the ways sessions break in the wild.

Each recipe edits lines as bytes (`parentUuid` swaps by string replacement) so every untouched line
stays exactly as Claude Code wrote it, and returns what a correct checker must report.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Expected:
    """The findings a damage must produce: (code, tool id, 1-based line)."""

    findings: set[tuple[str, str | None, int]] = field(default_factory=set)


class Session:
    """A session's lines, editable while keeping untouched bytes."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines

    @classmethod
    def load(cls, path: Path) -> Session:
        data = path.read_bytes()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        return cls(lines)

    def data(self, *, final_newline: bool = True) -> bytes:
        return b"\n".join(self.lines) + (b"\n" if final_newline else b"")

    def record(self, index: int) -> dict[str, Any]:
        value = json.loads(self.lines[index])
        assert isinstance(value, dict)
        return value

    def records(self) -> list[dict[str, Any] | None]:
        out: list[dict[str, Any] | None] = []
        for line in self.lines:
            try:
                value = json.loads(line)
            except ValueError:
                out.append(None)
                continue
            out.append(value if isinstance(value, dict) else None)
        return out

    def index_of(self, uuid: str) -> int:
        for index, record in enumerate(self.records()):
            if record is not None and record.get("uuid") == uuid:
                return index
        raise KeyError(uuid)

    def children(self, uuid: str) -> list[int]:
        return [
            index
            for index, record in enumerate(self.records())
            if record is not None and record.get("parentUuid") == uuid
        ]

    def set_parent(self, index: int, parent: str | None) -> None:
        record = self.record(index)
        old = json.dumps(record.get("parentUuid"))
        new = json.dumps(parent)
        key = b'"parentUuid":'
        line = self.lines[index]
        assert line.startswith(b"{" + key + old.encode()), line[:80]
        self.lines[index] = b"{" + key + new.encode() + line[len(key) + 1 + len(old) :]

    def delete(self, index: int) -> None:
        """Remove a line, re-linking its children to its parent so the chain stays whole."""
        record = self.record(index)
        for child in self.children(record["uuid"]):
            self.set_parent(child, record.get("parentUuid"))
        del self.lines[index]

    def insert(self, index: int, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        self.lines.insert(index, line)


def tool_uses(record: dict[str, Any] | None) -> list[str]:
    return _block_ids(record, "tool_use", "id")


def tool_results(record: dict[str, Any] | None) -> list[str]:
    return _block_ids(record, "tool_result", "tool_use_id")


def _block_ids(record: dict[str, Any] | None, block_type: str, key: str) -> list[str]:
    if record is None:
        return []
    message = record.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content"), list):
        return []
    return [
        block[key]
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == block_type
    ]


def result_line(session: Session, tool_id: str) -> int | None:
    for index, record in enumerate(session.records()):
        if tool_id in tool_results(record):
            return index
    return None


def kill_after(session: Session, index: int, *, torn: bool) -> Expected:
    """The process died right after writing line `index` (and, torn, half of the next line)."""
    following = session.lines[index + 1] if index + 1 < len(session.lines) else None
    del session.lines[index + 1 :]
    expected = Expected()
    records = session.records()
    answered = {tool_id for record in records for tool_id in tool_results(record)}
    message_id = records[index]["message"]["id"]  # type: ignore[index]
    for line, record in enumerate(records):
        if record is None or record.get("type") != "assistant":
            continue
        if record["message"].get("id") != message_id:
            continue
        for tool_id in tool_uses(record):
            if tool_id not in answered:
                expected.findings.add(("unpaired-tool-use", tool_id, line + 1))
    if torn and following is not None:
        session.lines.append(following[: len(following) // 2])
        expected.findings.add(("truncated-line", None, len(session.lines)))
    return expected


def lose_result(session: Session, tool_id: str) -> Expected:
    """A result write was lost mid-file; its children were re-linked (#45286, #39602)."""
    line = result_line(session, tool_id)
    assert line is not None
    session.delete(line)
    use_line = next(i for i, r in enumerate(session.records()) if tool_id in tool_uses(r))
    return Expected({("unpaired-tool-use", tool_id, use_line + 1)})


def interrupt_batch(session: Session, tool_ids: list[str]) -> Expected:
    """The batch's results are replaced by one `[Request interrupted by user for tool use]` line."""
    result_lines = sorted(result_line(session, tool_id) for tool_id in tool_ids)  # type: ignore[type-var]
    first = session.record(result_lines[0])
    use_lines = [
        next(i for i, r in enumerate(session.records()) if t in tool_uses(r)) for t in tool_ids
    ]
    last_use = session.record(max(use_lines))
    marker = {
        "parentUuid": last_use["uuid"],
        "isSidechain": first.get("isSidechain", False),
        "userType": "external",
        "cwd": first.get("cwd"),
        "sessionId": first.get("sessionId"),
        "version": first.get("version"),
        "type": "user",
        "message": {
            "role": "user",
            "content": [{"type": "text", "text": "[Request interrupted by user for tool use]"}],
        },
        "uuid": str(uuid_module.uuid4()),
        "timestamp": first["timestamp"],
    }
    if "agentId" in first:
        marker["agentId"] = first["agentId"]
    use_uuids = {session.record(line)["uuid"] for line in use_lines}
    for index in reversed(result_lines):
        record = session.record(index)
        for child in session.children(record["uuid"]):
            # Interleaved streaming: a later call of the batch hangs off an earlier result.
            in_batch = session.record(child)["uuid"] in use_uuids
            session.set_parent(child, record["parentUuid"] if in_batch else marker["uuid"])
        del session.lines[index]
    session.insert(result_lines[0], marker)
    records = session.records()
    expected = Expected()
    for tool_id in tool_ids:
        line = next(i for i, r in enumerate(records) if tool_id in tool_uses(r))
        expected.findings.add(("unpaired-tool-use", tool_id, line + 1))
    return expected


def delete_tool_use(session: Session, tool_id: str) -> Expected:
    """The tool_use line is gone; its result now hangs off the call's parent (orphan result)."""
    use = next(i for i, r in enumerate(session.records()) if tool_id in tool_uses(r))
    session.delete(use)
    line = result_line(session, tool_id)
    assert line is not None
    return Expected({("orphan-tool-result", tool_id, line + 1)})


def duplicate_tool_use(session: Session, tool_id: str) -> Expected:
    """A copy of the tool_use line with a fresh uuid, spliced in right after it (#20901)."""
    use = next(i for i, r in enumerate(session.records()) if tool_id in tool_uses(r))
    original = session.record(use)
    copy_uuid = str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, original["uuid"]))
    for child in session.children(original["uuid"]):
        session.set_parent(child, copy_uuid)
    line = session.lines[use].replace(original["uuid"].encode(), copy_uuid.encode())
    line = line.replace(
        b'"parentUuid":' + json.dumps(original.get("parentUuid")).encode(),
        b'"parentUuid":' + json.dumps(original["uuid"]).encode(),
        1,
    )
    session.lines.insert(use + 1, line)
    return Expected({("duplicate-tool-use-id", tool_id, use + 2)})


COMPACTED_CALL = "toolu_01LA1pduAdCDhAdRcmBCMwQA"
"""A call the generated 2.0.76 session (`COMPACTED_2_0`) makes (line 10) before its compaction
boundary."""


def answer_compacted_call(session: Session) -> int:
    """Appends a result for `COMPACTED_CALL`, on the chain after the boundary, so no call it
    can pair with is replayed; returns its line."""
    assert COMPACTED_CALL in tool_uses(session.record(9))
    session.insert(
        len(session.lines),
        {
            "parentUuid": session.record(len(session.lines) - 1)["uuid"],
            "isSidechain": False,
            "type": "user",
            "message": {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": COMPACTED_CALL, "content": "late"}
                ],
            },
            "uuid": "11111111-2222-3333-4444-555555555555",
            "timestamp": "2099-01-01T00:00:00.000Z",
        },
    )
    return len(session.lines) - 1


def rewritten_span(path: Path, start: int) -> bytes:
    """The session with lines[start:] written again later under new uuids and timestamps, with
    the same message ids and tool ids (a real 2.0.x file holds such a rewrite of 140 lines)."""
    session = Session.load(path)
    records = session.records()
    renamed = {
        record["uuid"]: str(uuid_module.uuid5(uuid_module.NAMESPACE_URL, record["uuid"]))
        for record in records[start:]
        if record is not None and "uuid" in record
    }
    copies = []
    for line in session.lines[start:]:
        for old, new in renamed.items():
            line = line.replace(old.encode(), new.encode())
        copies.append(re.sub(rb'"timestamp":"20', b'"timestamp":"21', line))
    return Session(session.lines + copies).data()
