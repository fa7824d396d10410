"""The shapes of real sessions the benchmarks measure, besides `generate_session.py`'s big results.

* `repeated_real_session`: a real 2.1.x-era session (the largest in the corpus, 316 lines) copied
  end to end until the file reaches the size asked for, each copy with fresh uuids, message ids
  and tool ids and chained to the previous copy, with emoji and CJK added to its texts: many
  mid-sized lines, tens of thousands of API messages.
* `tool_run`: one prompt, then thousands of tool calls, each an assistant line and its result
  (what an agent working for hours writes): the shape that made the replay quadratic.
* `consecutive_users`: one prompt followed by thousands of user lines in a row (queued prompts,
  hook output, interrupt markers) before the answer: every line merges into one API message.

All are deterministic. The line layouts copy `tests/corpus/claude-code` (2.1.114, ef958aa1).

    python bench/shapes.py {repeated,tool-run,consecutive-users} --out FILE [--size-mb N | --count N]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
REAL_SESSION = (
    ROOT
    / "tests/corpus/claude-code/daaain-claude-code-log/-src-deep-manifest"
    / "a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl"
)
"""A real 2.0.55 session of the repository's test corpus (`tests/corpus/SOURCES.md`)."""

UNICODE_TAIL = " ✅ 解析器已完成 🚀 日本語のテキスト — café"
SESSION_ID = "5e55104e-0000-4000-8000-000000000000"
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
_IDS = re.compile(
    rb'"(?:uuid|parentUuid|logicalParentUuid|sourceToolAssistantUUID|leafUuid)":"([^"]+)"'
)
_TOOL_IDS = re.compile(rb'"(toolu_[A-Za-z0-9]+|msg_[A-Za-z0-9]+|req_[A-Za-z0-9]+)"')


def real_session_path() -> Path:
    if not REAL_SESSION.exists():
        raise SystemExit(f"the corpus session is missing: expected it at {REAL_SESSION}")
    return REAL_SESSION


def _with_unicode(record: dict[str, Any]) -> dict[str, Any]:
    message = record.get("message")
    if not isinstance(message, dict):
        return record
    content = message.get("content")
    if isinstance(content, str):
        message["content"] = content + UNICODE_TAIL
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                block["text"] = str(block.get("text", "")) + UNICODE_TAIL
            elif isinstance(block, dict) and isinstance(block.get("content"), str):
                block["content"] = block["content"] + UNICODE_TAIL
    return record


def repeated_real_session(out: Path, size_bytes: int) -> int:
    """Copies of the real session, chained; returns the line count."""
    source = [
        orjson.dumps(_with_unicode(orjson.loads(line)))
        for line in real_session_path().read_bytes().splitlines()
        if line.strip()
    ]
    first_parent_free = next(i for i, line in enumerate(source) if b'"parentUuid":null' in line)
    last_uuid: bytes | None = None
    written = 0
    count = 0
    with out.open("wb") as handle:
        copy = 0
        while written < size_bytes:
            suffix = f"{copy:04x}".encode()

            def renamed(match: re.Match[bytes], suffix: bytes = suffix) -> bytes:
                return match.group(0)[:-1][: -len(suffix)] + suffix + b'"'

            for index, line in enumerate(source):
                line = _IDS.sub(renamed, line)
                line = _TOOL_IDS.sub(renamed, line)
                if index == first_parent_free and last_uuid is not None:
                    line = line.replace(
                        b'"parentUuid":null', b'"parentUuid":"' + last_uuid + b'"', 1
                    )
                uuid = re.search(rb'"uuid":"([^"]+)"', line)
                if uuid is not None and b'"type":"progress"' not in line:
                    last_uuid = uuid.group(1)
                handle.write(line + b"\n")
                written += len(line) + 1
                count += 1
            copy += 1
    return count


def _uuid(kind: int, index: int) -> str:
    return f"{kind:08x}-{index >> 16 & 0xFFFF:04x}-4{index >> 4 & 0xFFF:03x}-8{index & 0xF:03x}-{index:012x}"


def _stamp(seconds: float) -> str:
    return (
        (START + timedelta(seconds=seconds))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _common(uuid: str, parent: str | None, seconds: float) -> dict[str, Any]:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "uuid": uuid,
        "timestamp": _stamp(seconds),
        "userType": "external",
        "entrypoint": "cli",
        "cwd": "/home/dev/project",
        "sessionId": SESSION_ID,
        "version": "2.1.114",
        "gitBranch": "main",
    }


def _prompt(uuid: str, parent: str | None, seconds: float, text: str) -> bytes:
    record = {
        **_common(uuid, parent, seconds),
        "type": "user",
        "promptId": _uuid(7, 0),
        "message": {"role": "user", "content": text},
    }
    return orjson.dumps(record)


def _tool_call(uuid: str, parent: str, seconds: float, turn: int) -> bytes:
    record = {
        **_common(uuid, parent, seconds),
        "type": "assistant",
        "requestId": f"req_{turn:024d}",
        "message": {
            "model": "claude-opus-4-7",
            "id": f"msg_{turn:024d}",
            "type": "message",
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": f"toolu_{turn:024d}",
                    "name": "Bash",
                    "input": {"command": f"pytest tests/test_{turn % 97}.py -q", "timeout": 120000},
                    "caller": {"type": "direct"},
                }
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 6,
                "cache_creation_input_tokens": 312,
                "cache_read_input_tokens": 41000 + turn,
                "output_tokens": 88,
                "service_tier": "standard",
            },
        },
    }
    return orjson.dumps(record)


def _tool_result(uuid: str, parent: str, seconds: float, turn: int) -> bytes:
    output = f"{turn % 13} passed, 0 failed in {turn % 7}.{turn % 10}s ✓ 完成"
    record = {
        **_common(uuid, parent, seconds),
        "type": "user",
        "message": {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": f"toolu_{turn:024d}", "content": output}
            ],
        },
        "toolUseResult": {"stdout": output, "stderr": "", "interrupted": False},
        "sourceToolAssistantUUID": parent,
    }
    return orjson.dumps(record)


def _tool_run_lines(turns: int) -> Iterator[bytes]:
    parent = _uuid(1, 0)
    yield _prompt(parent, None, 0, "Fix every failing test in the repository, then run the suite.")
    for turn in range(turns):
        call, result = _uuid(2, turn), _uuid(3, turn)
        yield _tool_call(call, parent, turn * 2 + 1, turn)
        yield _tool_result(result, call, turn * 2 + 2, turn)
        parent = result
    answer = {
        **_common(_uuid(4, 0), parent, turns * 2 + 1),
        "type": "assistant",
        "message": {
            "model": "claude-opus-4-7",
            "id": "msg_final",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": "All tests pass now."}],
        },
    }
    yield orjson.dumps(answer)


def tool_run(out: Path, turns: int) -> int:
    """One prompt, `turns` tool calls with their results, one closing answer; returns lines."""
    with out.open("wb") as handle:
        count = 0
        for line in _tool_run_lines(turns):
            handle.write(line + b"\n")
            count += 1
    return count


CALLS_PER_SEGMENT = 30
"""Tool calls between two compactions in `compacted_sub_agents`."""


def _task_with_progress(parent: str, seconds: float, segment: int) -> Iterator[bytes]:
    """A Task call answered without a sub-agent file, its turns in `agent_progress` lines
    (2.1.38-2.1.62); the last line yielded is the result, the chain's new tip."""
    call_uuid, result_uuid, call_id = (
        _uuid(8, segment),
        _uuid(9, segment),
        f"toolu_task_{segment:018d}",
    )
    call = {
        **_common(call_uuid, parent, seconds),
        "type": "assistant",
        "message": {
            "model": "claude-opus-4-7",
            "id": f"msg_task_{segment:020d}",
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": call_id,
                    "name": "Task",
                    "input": {"description": "survey the tests", "prompt": "List failing tests."},
                }
            ],
        },
    }
    yield orjson.dumps(call)
    for turn in range(3):
        progress = {
            **_common(_uuid(10, segment * 3 + turn), call_uuid, seconds),
            "type": "progress",
            "parentToolUseID": call_id,
            "data": {
                "type": "agent_progress",
                "message": {
                    "type": "assistant",
                    "message": {"role": "assistant", "content": [{"type": "text", "text": "…"}]},
                },
            },
        }
        yield orjson.dumps(progress)
    result = {
        **_common(result_uuid, call_uuid, seconds + 1),
        "type": "user",
        "message": {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call_id, "content": "3 failing"}],
        },
        "toolUseResult": {"status": "completed", "content": [{"type": "text", "text": "3"}]},
    }
    yield orjson.dumps(result)


def compacted_sub_agents(out: Path, turns: int) -> int:
    """`turns` tool calls, compacted every `CALLS_PER_SEGMENT`, each segment opening with a Task
    whose sub-agent's turns are `agent_progress` lines of the main file: the history the view
    builds a segment at a time. Returns lines."""
    count, parent, seconds = 0, _uuid(1, 0), 0.0
    with out.open("wb") as handle:
        for turn in range(turns):
            segment, at = divmod(turn, CALLS_PER_SEGMENT)
            if at == 0:
                lines: list[bytes] = []
                if segment:
                    boundary = {
                        **_common(_uuid(11, segment), None, seconds),
                        "type": "system",
                        "subtype": "compact_boundary",
                        "logicalParentUuid": parent,
                        "content": "Conversation compacted",
                    }
                    summary = {
                        **_common(_uuid(12, segment), _uuid(11, segment), seconds),
                        "type": "user",
                        "isCompactSummary": True,
                        "message": {"role": "user", "content": f"Summary of part {segment}."},
                    }
                    lines += [orjson.dumps(boundary), orjson.dumps(summary)]
                    parent = _uuid(12, segment)
                prompt_uuid = _uuid(13, segment)
                lines.append(
                    _prompt(prompt_uuid, None if not segment else parent, seconds, "Go on.")
                )
                lines += _task_with_progress(prompt_uuid, seconds, segment)
                parent = _uuid(9, segment)
                handle.write(b"\n".join(lines) + b"\n")
                count += len(lines)
            call, result = _uuid(2, turn), _uuid(3, turn)
            seconds += 2
            handle.write(_tool_call(call, parent, seconds - 1, turn) + b"\n")
            handle.write(_tool_result(result, call, seconds, turn) + b"\n")
            count += 2
            parent = result
    return count


def consecutive_users(out: Path, count: int) -> int:
    """One prompt then `count` more user lines in a row, then the answer; returns lines."""
    with out.open("wb") as handle:
        parent = _uuid(5, 0)
        handle.write(_prompt(parent, None, 0, "Start the migration.") + b"\n")
        for index in range(1, count + 1):
            uuid = _uuid(5, index)
            text = f"queued note {index}: also check module_{index % 50} 📝"
            handle.write(_prompt(uuid, parent, index, text) + b"\n")
            parent = uuid
        answer = {
            **_common(_uuid(6, 0), parent, count + 1),
            "type": "assistant",
            "message": {
                "model": "claude-opus-4-7",
                "id": "msg_answer",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": "Noted all of them."}],
            },
        }
        handle.write(orjson.dumps(answer) + b"\n")
    return count + 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shape", choices=["repeated", "tool-run", "consecutive-users"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size-mb", type=float, default=105)
    parser.add_argument("--count", type=int, default=10_000)
    arguments = parser.parse_args(argv)
    if arguments.shape == "repeated":
        lines = repeated_real_session(arguments.out, int(arguments.size_mb * 1e6))
    elif arguments.shape == "tool-run":
        lines = tool_run(arguments.out, arguments.count)
    else:
        lines = consecutive_users(arguments.out, arguments.count)
    print(f"{arguments.out}: {lines} lines, {arguments.out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
