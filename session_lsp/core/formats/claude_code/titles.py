"""A session's title, the one rule the sessions listing and the conversation view both follow.

The newest custom title, else the newest AI title, else the newest summary line of this session
(one whose `leafUuid` names a message in the file: Claude Code files summaries by leaf, and most
summary lines in a file describe other sessions, docs/claude-code-format.md §2), else the first
real prompt (not a slash command, meta, caveat or other generated line), else the first command's
name. Title lines are appended anywhere in a file, so they are looked for, as Claude Code's
session picker does (`readSessionLite`), only in the whole lines of the first and last 64 KB:
Claude Code re-appends its title lines at the end of a session. A listing reads bytes and a view
reads split lines; both give the same windows, so both give the same title.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable, Sequence

import msgspec

from session_lsp.core.content_text import TITLE_LIMIT as TITLE_LIMIT
from session_lsp.core.content_text import one_line as one_line
from session_lsp.core.line_views import LineViews
from session_lsp.core.reading import Line

TITLE_WINDOW = 65536
HEAD_LINES = 400
"""How far into a file the first real prompt is looked for."""
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


class TitleLine(msgspec.Struct):
    """The fields a title is read from; every other field is skipped by the decoder."""

    type: str | None = None
    isSidechain: bool | None = None
    isMeta: bool | None = None
    isCompactSummary: bool | None = None
    summary: str | None = None
    leafUuid: str | None = None
    customTitle: str | None = None
    aiTitle: str | None = None
    message: _Message | None = None


_DECODER = msgspec.json.Decoder(TitleLine)


def _decode(raw: bytes | memoryview) -> TitleLine | None:
    try:
        return _DECODER.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


def _prompt_texts(line: TitleLine) -> list[str]:
    content = line.message.content if line.message is not None else None
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        if any(block.type == "tool_result" for block in content):
            return []
        return [block.text for block in content if block.type == "text" and block.text]
    return []


def real_prompt(line: TitleLine) -> tuple[str | None, str | None]:
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


def byte_windows(data: bytes | mmap.mmap) -> list[bytes]:
    """The whole lines of a file's last and first 64 KB (the whole file when it is small)."""
    if len(data) <= 2 * TITLE_WINDOW:
        return [data[:]]
    head = data[:TITLE_WINDOW]
    tail = data[-TITLE_WINDOW:]
    cut = 0 if data[-TITLE_WINDOW - 1 : -TITLE_WINDOW] == b"\n" else tail.find(b"\n") + 1
    return [tail[cut:], head[: head.rfind(b"\n") + 1]]


def line_windows(lines: Sequence[Line], ends_with_newline: bool) -> list[bytes]:
    """`byte_windows` of the file these lines were split from, joining only the lines it holds."""
    # Line views count their bytes from their offsets: no view is made for each line.
    counted = lines.byte_count() if isinstance(lines, LineViews) else sum(map(len, lines))
    size = counted + len(lines) - (0 if ends_with_newline else 1)
    if size <= 2 * TITLE_WINDOW:
        return [_joined(lines, ends_with_newline)]
    head, used = 0, 0
    while head < len(lines) and used + len(lines[head]) + 1 <= TITLE_WINDOW:
        used += len(lines[head]) + 1
        head += 1
    tail, used = len(lines), 0 if ends_with_newline else -1
    while tail > 0 and used + len(lines[tail - 1]) + 1 <= TITLE_WINDOW:
        used += len(lines[tail - 1]) + 1
        tail -= 1
    return [_joined(lines[tail:], ends_with_newline), _joined(lines[:head], True)]


def _joined(lines: Sequence[Line], ends_with_newline: bool) -> bytes:
    joined = b"\n".join(bytes(line) for line in lines)
    return joined + b"\n" if ends_with_newline and lines else joined


def _line_around(data: bytes, position: int) -> bytes:
    start = data.rfind(b"\n", 0, position) + 1
    end = data.find(b"\n", position)
    return data[start : len(data) if end < 0 else end]


IsMessage = Callable[[str], bool]
"""Whether a uuid names a message of the file: a summary titles only the session of its leaf."""


def uuid_in(data: bytes | mmap.mmap) -> IsMessage:
    """`IsMessage` for a file's bytes: a line of it has that `"uuid"` (compact JSON, as written)."""
    return lambda uuid: data.find(b'"uuid":' + msgspec.json.encode(uuid)) >= 0


def titled(windows: Sequence[bytes], is_message: IsMessage) -> str | None:
    """The newest custom title, else AI title, else summary of this session in these windows,
    on one line."""
    for marker, kind, field in _TITLE_MARKERS:
        for window in windows:
            position = window.rfind(marker)
            while position >= 0:
                line = _decode(_line_around(window, position))
                text = getattr(line, field) if line is not None and line.type == kind else None
                if isinstance(text, str) and text.strip() and _of_this_session(line, is_message):
                    return one_line(text)
                position = window.rfind(marker, 0, window.rfind(b"\n", 0, position) + 1)
    return None


def _of_this_session(line: TitleLine | None, is_message: IsMessage) -> bool:
    if line is None or line.type != "summary":
        return True
    return line.leafUuid is not None and is_message(line.leafUuid)


def choose_title(
    windows: Sequence[bytes], prompt: str | None, command: str | None, is_message: IsMessage
) -> str | None:
    """A title line's text, else the first real prompt, else the first command's name."""
    fallback = prompt or command
    return titled(windows, is_message) or (one_line(fallback) if fallback else None)


def first_prompt(lines: Sequence[Line]) -> tuple[str | None, str | None]:
    """(the first real prompt, the first command name before it) in the first lines."""
    command: str | None = None
    for raw in lines[:HEAD_LINES]:
        line = _decode(raw)
        if line is None:
            continue
        prompt, named = real_prompt(line)
        if prompt is not None:
            return prompt, command
        command = command or named
    return None, command


def session_title(
    lines: Sequence[Line], ends_with_newline: bool, is_message: IsMessage
) -> str | None:
    """The title of the file these lines were split from."""
    prompt, command = first_prompt(lines)
    return choose_title(line_windows(lines, ends_with_newline), prompt, command, is_message)
