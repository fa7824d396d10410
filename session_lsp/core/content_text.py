"""Content as text: a message's, a tool result's or a Codex output's content, whatever its shape.

One reading for the conversation view, its Markdown rendering and hover (a Codex output through
`formats/codex/rollout.output_text`), so a result shows the same text wherever it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def content_text(content: Any) -> str:
    """A tool result's or message's content as text; non-text blocks become `[type]`."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(content_text(part) for part in content)
    if isinstance(content, dict):
        kind = content.get("type")
        for key in ("text", "thinking", "output_text", "input_text"):
            value = content.get(key)
            if isinstance(value, str):
                return value
        if "content" in content:
            return content_text(content["content"])
        return f"[{kind}]" if isinstance(kind, str) else json.dumps(content, ensure_ascii=False)
    return json.dumps(content, ensure_ascii=False)


TITLE_LIMIT = 120
"""Characters of a title or any one-line summary of a text."""


def one_line(text: str, limit: int = TITLE_LIMIT) -> str:
    """Whitespace collapsed to single spaces, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


COMMAND_KEYS = ("command", "cmd")
"""Where a shell call's input names its command (Claude Code's Bash, Codex's shell calls)."""


def shell_command(fields: Mapping[str, object]) -> str | None:
    """The command a shell call's input names, an argument vector joined by spaces; None when
    it names none."""
    for key in COMMAND_KEYS:
        command = fields.get(key)
        if isinstance(command, list) and all(isinstance(part, str) for part in command):
            command = " ".join(command)
        if isinstance(command, str) and command:
            return command
    return None
