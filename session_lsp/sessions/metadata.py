"""What a listing shows of one session file, read from its first and last lines only.

Titles are appended anywhere in a file (`custom-title`, `ai-title`, `summary` lines), so they are
found by a byte search from the end; the project, first activity and first prompt come from the
head, the last activity and version from the tail. Nothing here needs the whole file decoded.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass

import msgspec

TITLE_LIMIT = 120
TITLE_WINDOW = 65536
_HEAD_LINES = 400
_TAIL_LINES = 200
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_GENERATED_PROMPT = re.compile(r"^(?:\s*<[a-z][\w-]*[\s>]|\[Request interrupted by user[^\]]*\])")
_COMMAND_NAME = re.compile(r"<command-name>(.*?)</command-name>", re.DOTALL)
_TITLE_MARKERS = (
    (b'{"type":"custom-title"', "custom-title", "customTitle"),
    (b'{"type":"ai-title"', "ai-title", "aiTitle"),
    (b'{"type":"summary"', "summary", "summary"),
)
"""Claude Code writes these lines as compact JSON with `type` first; a long needle is what makes
searching for them fast."""


class _Block(msgspec.Struct):
    type: str = ""
    text: str | None = None


class _Message(msgspec.Struct):
    content: str | list[_Block] | None = None


class _Line(msgspec.Struct):
    """The fields a listing reads; every other field is skipped by the decoder."""

    type: str | None = None
    cwd: str | None = None
    timestamp: str | None = None
    version: str | None = None
    sessionId: str | None = None
    isSidechain: bool | None = None
    isMeta: bool | None = None
    isCompactSummary: bool | None = None
    summary: str | None = None
    customTitle: str | None = None
    aiTitle: str | None = None
    message: _Message | None = None


_DECODER = msgspec.json.Decoder(_Line)


@dataclass(slots=True)
class SessionMetadata:
    session_id: str | None = None
    """The file name when it is a UUID (Claude Code resumes by it), else the recorded id."""
    recorded_session_id: str | None = None
    """The first `sessionId` written in the file: an agent transcript's owner."""
    project: str | None = None
    title: str | None = None
    first_activity: str | None = None
    last_activity: str | None = None
    version: str | None = None
    is_sidechain: bool = False
    """The first chain line belongs to a sub-agent: the file is an agent transcript."""


def is_session_id(text: str) -> bool:
    return _UUID.match(text) is not None


def _decode(raw: bytes) -> _Line | None:
    try:
        return _DECODER.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None


def _head_lines(data: bytes | mmap.mmap) -> Iterator[bytes]:
    start = 0
    for _ in range(_HEAD_LINES):
        if start >= len(data):
            return
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        yield data[start:end]
        start = end + 1


def _tail_lines(data: bytes | mmap.mmap) -> Iterator[bytes]:
    end = len(data)
    if end and data[end - 1 : end] == b"\n":
        end -= 1
    for _ in range(_TAIL_LINES):
        if end <= 0:
            return
        start = data.rfind(b"\n", 0, end) + 1
        yield data[start:end]
        end = start - 1


def _line_around(data: bytes, position: int) -> bytes:
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    return data[start : len(data) if end < 0 else end]


def one_line(text: str, limit: int = TITLE_LIMIT) -> str:
    """Whitespace collapsed to single spaces, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def _prompt_texts(line: _Line) -> list[str]:
    content = line.message.content if line.message is not None else None
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        if any(block.type == "tool_result" for block in content):
            return []
        return [block.text for block in content if block.type == "text" and block.text]
    return []


def _real_prompt(line: _Line) -> tuple[str | None, str | None]:
    """(the prompt, a slash command name) of a user line; generated lines give neither."""
    if line.type != "user" or line.isMeta or line.isCompactSummary or line.isSidechain:
        return None, None
    command = None
    for text in _prompt_texts(line):
        stripped = text.strip()
        if not stripped:
            continue
        named = _COMMAND_NAME.search(stripped)
        if named:
            command = command or named.group(1).strip()
            continue
        if _GENERATED_PROMPT.match(stripped):
            continue
        return stripped, None
    return None, command


def _title(data: bytes | mmap.mmap) -> str | None:
    """The newest custom title, else the newest AI title, else the newest summary, looked for in
    the first and last 64 KB as Claude Code's session picker does (`readSessionLite`): Claude Code
    re-appends its title lines at the end of a session, so they are there."""
    if len(data) > 2 * TITLE_WINDOW:
        head = data[:TITLE_WINDOW]
        windows = [data[-TITLE_WINDOW:], head[: head.rfind(b"\n") + 1]]
    else:
        windows = [data[:]]
    for marker, kind, field in _TITLE_MARKERS:
        for window in windows:
            position = window.rfind(marker)
            while position >= 0:
                line = _decode(_line_around(window, position))
                text = getattr(line, field) if line is not None and line.type == kind else None
                if isinstance(text, str) and text.strip():
                    return one_line(text)
                position = window.rfind(marker, 0, window.rfind(b"\n", 0, position) + 1)
    return None


def read_metadata(data: bytes | mmap.mmap, file_stem: str) -> SessionMetadata:
    """The listing's view of a session file's bytes; `file_stem` names the session when it is a
    UUID, as it is for every file Claude Code writes."""
    metadata = SessionMetadata(session_id=file_stem if is_session_id(file_stem) else None)
    command: str | None = None
    prompt: str | None = None
    seen_chain_line = False
    for raw in _head_lines(data):
        line = _decode(raw)
        if line is None:
            continue
        metadata.recorded_session_id = metadata.recorded_session_id or line.sessionId
        metadata.project = metadata.project or line.cwd
        metadata.first_activity = metadata.first_activity or line.timestamp
        metadata.version = metadata.version or line.version
        if not seen_chain_line and line.type in {"user", "assistant"}:
            seen_chain_line = True
            metadata.is_sidechain = bool(line.isSidechain)
        if prompt is None:
            prompt, named = _real_prompt(line)
            command = command or named
        if prompt is not None and metadata.project and metadata.first_activity:
            break
    newest_version: str | None = None
    for raw in _tail_lines(data):
        line = _decode(raw)
        if line is None:
            continue
        metadata.last_activity = metadata.last_activity or line.timestamp
        newest_version = newest_version or line.version
        if newest_version and metadata.last_activity:
            break
    metadata.version = newest_version or metadata.version
    metadata.session_id = metadata.session_id or metadata.recorded_session_id
    metadata.title = _title(data) or (
        one_line(prompt) if prompt else (one_line(command) if command else None)
    )
    return metadata
