"""A transcript whose tool output and tool name try every way Markdown can turn text into markup.

A viewer that renders it must show it as text: no image, no script, no link, no `command:` URI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOOL_ID = "toolu_01HOSTILE"
DANGLING_ID = "toolu_01DANGLING"
TOOL_NAME = "Bash\n\n# heading [x](command:workbench.action.terminal.new) <b>bold</b>"
PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>document.title='pwned'</script>",
    "[x](command:workbench.action.terminal.new)",
    "[click](javascript:alert(1))",
    "<javascript:alert(1)>",
    "![tracker](https://example.com/pixel.png)",
    "https://example.com/bare-url www.example.com",
    "````\n```\nclosing fences\n`````",
    "\n\n<div onclick=alert(1)>after blank lines</div>",
)
OUTPUT = "\n".join(PAYLOADS)
PROMPT = "run it [x](command:rm) <script>alert(2)</script> ``` `"


def _record(uuid: str, parent: str | None, second: int, **fields: Any) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "sessionId": "hostile-session",
        "uuid": uuid,
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
        **fields,
    }


def _assistant(uuid: str, parent: str, second: int, block: dict[str, Any]) -> dict[str, Any]:
    message = {"id": f"msg_{uuid}", "role": "assistant", "content": [block]}
    return _record(uuid, parent, second, type="assistant", message=message)


def hostile_lines() -> list[dict[str, Any]]:
    """A prompt, a call whose name and output are hostile, then a dangling call (the broken spot)."""
    tool_input = {"command": OUTPUT}
    result = {"type": "tool_result", "tool_use_id": TOOL_ID, "content": OUTPUT}
    return [
        _record("u1", None, 0, type="user", message={"role": "user", "content": PROMPT}),
        _assistant("a1", "u1", 1, {"type": "text", "text": OUTPUT}),
        _assistant(
            "a2",
            "a1",
            2,
            {"type": "tool_use", "id": TOOL_ID, "name": TOOL_NAME, "input": tool_input},
        ),
        _record("r1", "a2", 3, type="user", message={"role": "user", "content": [result]}),
        _assistant(
            "a3",
            "r1",
            4,
            {"type": "tool_use", "id": DANGLING_ID, "name": TOOL_NAME, "input": tool_input},
        ),
    ]


def write_hostile(path: Path) -> Path:
    lines = [
        json.dumps(record, ensure_ascii=False, separators=(",", ":")) for record in hostile_lines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
