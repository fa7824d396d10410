"""Transcripts the LSP tests open: the bundled example and small hand-made ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "interrupted-parallel-tools.jsonl"
EXAMPLE_TOOL_ID = "toolu_01PPH5xRopN6EKFruBKc1giM"


def line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def prompt(uuid: str, text: str, parent: str | None = None, second: int = 0) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "sessionId": "s-1",
        "type": "user",
        "message": {"role": "user", "content": text},
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
    }


def call(
    uuid: str, parent: str, tool_id: str, name: str, tool_input: Any, second: int, note: str = ""
) -> dict[str, Any]:
    record = {
        "parentUuid": parent,
        "isSidechain": False,
        "sessionId": "s-1",
        "type": "assistant",
        "message": {
            "id": f"msg_{uuid}",
            "role": "assistant",
            "content": [{"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}],
        },
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
    }
    if note:
        record["note"] = note
    return record


def result(uuid: str, parent: str, tool_id: str, content: str, second: int) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "sessionId": "s-1",
        "type": "user",
        "message": {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": content}],
        },
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
    }


def dangling(note: str = "", tool_input: Any = None) -> str:
    """A prompt, an answered Read, then a Bash call that never got its result."""
    return (
        "\n".join(
            [
                line(prompt("u1", "fix the build 🙂 修复")),
                line(call("a1", "u1", "toolu_01READ", "Read", {"file_path": "/x"}, 1)),
                line(result("r1", "a1", "toolu_01READ", "file contents", 2)),
                line(
                    call(
                        "a2",
                        "r1",
                        "toolu_01BASH",
                        "Bash",
                        tool_input or {"command": "make"},
                        3,
                        note,
                    )
                ),
            ]
        )
        + "\n"
    )
