"""Small sessions for the crash states: a few sectors long, so every state of a write is explored."""

from __future__ import annotations

import json

SESSION_ID = "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10"


def _line(record: dict[str, object]) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _record(kind: str, uuid: str, parent: str | None, second: int, message: object) -> bytes:
    return _line(
        {
            "parentUuid": parent,
            "isSidechain": False,
            "type": kind,
            "uuid": uuid,
            "sessionId": SESSION_ID,
            "cwd": "/home/user/project",
            "version": "2.1.88",
            "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
            "message": message,
        }
    )


def _tool_use(tool_id: str, command: str) -> dict[str, object]:
    return {"type": "tool_use", "id": tool_id, "name": "Bash", "input": {"command": command}}


def _tool_result(tool_id: str, text: str) -> dict[str, object]:
    return {"type": "tool_result", "tool_use_id": tool_id, "content": text}


def prompt(uuid: str, parent: str | None, second: int, text: str) -> bytes:
    return _record("user", uuid, parent, second, {"role": "user", "content": text})


def calls(uuid: str, parent: str, second: int, *tools: tuple[str, str]) -> bytes:
    content = [_tool_use(tool_id, command) for tool_id, command in tools]
    return _record("assistant", uuid, parent, second, {"role": "assistant", "content": content})


def results(uuid: str, parent: str, second: int, *tools: tuple[str, str]) -> bytes:
    content = [_tool_result(tool_id, text) for tool_id, text in tools]
    return _record("user", uuid, parent, second, {"role": "user", "content": content})


def answer(uuid: str, parent: str, second: int, text: str) -> bytes:
    content = [{"type": "text", "text": text}]
    return _record("assistant", uuid, parent, second, {"role": "assistant", "content": content})


def broken_session() -> bytes:
    """A call that never got its result, then a torn last line: every strategy (stub, purge,
    truncate) has something to repair."""
    torn = answer("a3", "u3", 9, "The build folder is empty.")
    return b"".join(
        [
            prompt("u1", None, 1, "List the source and the build folders, please."),
            calls("a1", "u1", 2, ("toolu_A", "ls src")),
            results("u2", "a1", 3, ("toolu_A", "main.py\nutil.py")),
            calls("a2", "u2", 4, ("toolu_B", "ls build")),
            prompt("u3", "a2", 5, "Interrupted. And the build folder?"),
            torn[: len(torn) // 2],
        ]
    )


def interrupted_session() -> bytes:
    """A call that never got its result, every line whole: Claude Code can append to it."""
    return broken_session().rsplit(b"\n", 1)[0] + b"\n"


def late_answer() -> bytes:
    """What Claude Code appends to `interrupted_session` while it is being repaired."""
    return answer("a3", "u3", 9, "The build folder is empty.")


def clean_session() -> bytes:
    """A finished turn: Claude Code appends the next one to it in the power-cut scenario."""
    return b"".join(
        [
            prompt("u1", None, 1, "List the source folder, please."),
            calls("a1", "u1", 2, ("toolu_A", "ls src")),
            results("u2", "a1", 3, ("toolu_A", "main.py\nutil.py")),
            answer("a2", "u2", 4, "It holds main.py and util.py."),
        ]
    )


def next_turn() -> list[bytes]:
    """What Claude Code appends next, one write per line as it flushes them."""
    return [
        prompt("u3", "a2", 5, "Now run the tests."),
        calls("a3", "u3", 6, ("toolu_C", "pytest -q")),
        results("u4", "a3", 7, ("toolu_C", "12 passed in 0.31s")),
        answer("a4", "u4", 8, "All 12 tests pass."),
    ]
