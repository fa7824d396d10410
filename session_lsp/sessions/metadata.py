"""What a listing shows of one session file, read from its first and last lines only.

The title follows `session_lsp.core.formats.claude_code.titles`, as the conversation view's does; the project, first
activity and first prompt come from the head, the last activity and version from the tail. Nothing here needs the whole file decoded.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from session_lsp.core.formats.claude_code.titles import (
    HEAD_LINES,
    TitleLine,
    byte_windows,
    choose_title,
    real_prompt,
    uuid_in,
)
from session_lsp.core.nesting import deep_json

_TAIL_LINES = 200
Shape = TypeVar("Shape")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class _Line(TitleLine):
    """The fields a listing reads; every other field is skipped by the decoder."""

    cwd: str | None = None
    timestamp: str | None = None
    version: str | None = None
    sessionId: str | None = None


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


def decoded(decoder: msgspec.json.Decoder[Shape], raw: bytes) -> Shape | None:
    """None for a line that is not a record; a tool input nested past Python's recursion limit
    is read with the room `deep_json` gives, like the core's reader, never raised."""
    try:
        try:
            return decoder.decode(raw)
        except RecursionError:
            with deep_json():
                return decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


def head_lines(data: bytes | mmap.mmap) -> Iterator[bytes]:
    start = 0
    for _ in range(HEAD_LINES):
        if start >= len(data):
            return
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        yield data[start:end]
        start = end + 1


def tail_lines(data: bytes | mmap.mmap) -> Iterator[bytes]:
    end = len(data)
    if end and data[end - 1 : end] == b"\n":
        end -= 1
    for _ in range(_TAIL_LINES):
        if end <= 0:
            return
        start = data.rfind(b"\n", 0, end) + 1
        yield data[start:end]
        end = start - 1


def read_metadata(data: bytes | mmap.mmap, file_stem: str) -> SessionMetadata:
    """The listing's view of a session file's bytes; `file_stem` names the session when it is a
    UUID, as it is for every file Claude Code writes."""
    metadata = SessionMetadata(session_id=file_stem if is_session_id(file_stem) else None)
    command: str | None = None
    prompt: str | None = None
    seen_chain_line = False
    for raw in head_lines(data):
        line = decoded(_DECODER, raw)
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
            prompt, named = real_prompt(line)
            command = command or named
        if prompt is not None and metadata.project and metadata.first_activity:
            break
    newest_version: str | None = None
    for raw in tail_lines(data):
        line = decoded(_DECODER, raw)
        if line is None:
            continue
        metadata.last_activity = metadata.last_activity or line.timestamp
        newest_version = newest_version or line.version
        if newest_version and metadata.last_activity:
            break
    metadata.version = newest_version or metadata.version
    metadata.session_id = metadata.session_id or metadata.recorded_session_id
    metadata.title = choose_title(byte_windows(data), prompt, command, uuid_in(data))
    return metadata
