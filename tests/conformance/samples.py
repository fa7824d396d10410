"""What the conformance suite needs of each registered format: a small clean session, damaged
variants with the findings they must give, and the ids to look for. A new format adds its entry
here; `test_every_registered_format_has_samples` fails until it does."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SESSION_ID = "11111111-2222-4333-8444-555555555555"


@dataclass(frozen=True)
class Samples:
    clean: list[str]
    """Lines of a session: a prompt, then a call and its answer."""
    call_id: str
    call_name: str
    call_line: int
    result_line: int
    damaged: dict[str, tuple[list[str], set[str]]] = field(default_factory=dict)
    """Each variant's lines and the finding codes (at least) it must give."""


def text(lines: list[str], *, torn: bool = False) -> str:
    """The lines as a file: newline-terminated, or with the last line cut mid-record."""
    if torn:
        return "\n".join(lines) + "\n" + lines[-1][: len(lines[-1]) // 2]
    return "\n".join(lines) + "\n"


def _compact(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


# --- Claude Code -----------------------------------------------------------------------------


def _claude(kind: str, uuid: str, parent: str | None, second: int, content: Any) -> str:
    message: dict[str, Any] = {"role": kind, "content": content}
    if kind == "assistant":
        message["id"] = f"msg_{uuid}"
    return _compact(
        {
            "parentUuid": parent,
            "isSidechain": False,
            "sessionId": SESSION_ID,
            "type": kind,
            "message": message,
            "uuid": uuid,
            "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
        }
    )


_USE = {"type": "tool_use", "id": "toolu_01CONFORM", "name": "Bash", "input": {"command": "ls"}}
_RESULT = {"type": "tool_result", "tool_use_id": "toolu_01CONFORM", "content": "README.md"}
_CLAUDE_PROMPT = _claude("user", "u1", None, 0, "list the files")
_CLAUDE_CALL = _claude("assistant", "a1", "u1", 1, [_USE])
_CLAUDE_RESULT = _claude("user", "r1", "a1", 2, [_RESULT])
_CLAUDE_REPLY = _claude("assistant", "a2", "r1", 3, [{"type": "text", "text": "One file."}])
_CLAUDE_ORPHAN = _claude(
    "user", "r9", "a2", 4, [{"type": "tool_result", "tool_use_id": "toolu_01GONE", "content": "x"}]
)

CLAUDE_CODE = Samples(
    clean=[_CLAUDE_PROMPT, _CLAUDE_CALL, _CLAUDE_RESULT, _CLAUDE_REPLY],
    call_id="toolu_01CONFORM",
    call_name="Bash",
    call_line=1,
    result_line=2,
    damaged={
        "unanswered call": ([_CLAUDE_PROMPT, _CLAUDE_CALL], {"unpaired-tool-use"}),
        "orphan result": (
            [_CLAUDE_PROMPT, _CLAUDE_CALL, _CLAUDE_RESULT, _CLAUDE_REPLY, _CLAUDE_ORPHAN],
            {"orphan-tool-result"},
        ),
    },
)


# --- Codex -----------------------------------------------------------------------------------


def _rollout(kind: str, second: int, payload: dict[str, Any]) -> str:
    return _compact(
        {"timestamp": f"2026-01-01T00:00:{second:02d}.000Z", "type": kind, "payload": payload}
    )


_META = _rollout("session_meta", 0, {"id": SESSION_ID, "cwd": "/work"})
_CODEX_PROMPT = _rollout(
    "response_item",
    1,
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list"}]},
)
_CODEX_CALL = _rollout(
    "response_item",
    2,
    {
        "type": "function_call",
        "name": "shell",
        "arguments": '{"command":["ls"]}',
        "call_id": "call_CONFORM",
    },
)
_CODEX_OUTPUT = _rollout(
    "response_item",
    3,
    {"type": "function_call_output", "call_id": "call_CONFORM", "output": "README.md"},
)
_CODEX_ORPHAN = _rollout(
    "response_item", 4, {"type": "function_call_output", "call_id": "call_GONE", "output": "x"}
)

CODEX = Samples(
    clean=[_META, _CODEX_PROMPT, _CODEX_CALL, _CODEX_OUTPUT],
    call_id="call_CONFORM",
    call_name="shell",
    call_line=2,
    result_line=3,
    damaged={
        "unanswered call": ([_META, _CODEX_PROMPT, _CODEX_CALL], {"unpaired-tool-use"}),
        "orphan result": (
            [_META, _CODEX_PROMPT, _CODEX_CALL, _CODEX_OUTPUT, _CODEX_ORPHAN],
            {"orphan-tool-result"},
        ),
    },
)


SAMPLES: dict[str, Samples] = {"claude-code": CLAUDE_CODE, "codex": CODEX}


def variants(samples: Samples) -> dict[str, tuple[str, set[str]]]:
    """Every damaged variant as file text, a torn last line included."""
    found = {name: (text(lines), codes) for name, (lines, codes) in samples.damaged.items()}
    found["torn last line"] = (text(samples.clean, torn=True), {"truncated-line"})
    return found
