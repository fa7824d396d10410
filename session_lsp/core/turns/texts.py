"""Texts read from a line's bytes on demand: what the fast typed decode skips.

Thinking, tool input and result content are decoded only for the items of the page asked for,
each line at most once per page, so paging through a 100 MB session stays cheap.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import msgspec

from session_lsp.core.content_text import content_text
from session_lsp.core.formats.claude_code.events import inserted_text
from session_lsp.core.formats.codex.rollout import call_input, output_text
from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import (
    ConversationModel,
    Item,
    ItemKind,
    SessionFormat,
    Source,
    clip,
)


def page(model: ConversationModel, offset: int = 0, limit: int | None = None) -> list[Item]:
    """Items [offset, offset+limit) with their texts read from their lines."""
    stop = len(model.items) if limit is None else offset + limit
    chosen = model.items[max(0, offset) : max(0, stop)]
    reader = LineReader(model.lines)
    with deep_json():
        for item in chosen:
            if not item.loaded:
                try:
                    load_texts(item, reader, model.format)
                except RecursionError:
                    _too_deep_to_show(item)
    return chosen


TOO_DEEP = "(nested too deeply to show)"


def _too_deep_to_show(item: Item) -> None:
    """A text nested deeper than even `deep_json` allows: said so, the rest of the page read."""
    if item.source is not None and item.text is None:
        item.text = TOO_DEEP
    tool = item.tool
    if tool is not None:
        if tool.call_source is not None and tool.input is None:
            tool.input = TOO_DEEP
        if tool.result_source is not None and tool.result is None:
            tool.result = TOO_DEEP
    item.loaded = True


class LineReader:
    """Decodes whole lines on demand, each at most once per page."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._lines = lines
        self._cache: dict[int, Any] = {}

    def record(self, line: int) -> Any:
        if line not in self._cache:
            try:
                self._cache[line] = msgspec.json.decode(self._lines[line])
            except (msgspec.DecodeError, UnicodeDecodeError, IndexError):
                self._cache[line] = None
        return self._cache[line]

    def block(self, source: Source) -> Any:
        record = self.record(source.line)
        if not isinstance(record, dict):
            return None
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if source.block is None or isinstance(content, str):
            return content
        if isinstance(content, list) and 0 <= source.block < len(content):
            return content[source.block]
        return None


def _json_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


def load_texts(item: Item, reader: LineReader, session_format: SessionFormat) -> None:
    truncated = item.truncated
    if item.source is not None and item.text is None:
        raw = _source_text(item, reader, session_format)
        item.text, truncated = clip(raw)
    tool = item.tool
    if tool is not None:
        if tool.call_source is not None:
            tool.input, cut = clip(_call_input(tool.call_source, reader, session_format))
            truncated = truncated or cut
        if tool.result_source is not None:
            tool.result, cut = clip(result_text(tool.result_source, reader, session_format))
            truncated = truncated or cut
    item.truncated = truncated
    item.loaded = True


def _source_text(item: Item, reader: LineReader, session_format: SessionFormat) -> str | None:
    source = item.source
    assert source is not None
    if session_format is SessionFormat.CODEX:
        return codex_text(reader.record(source.line))
    if item.kind is ItemKind.COMMAND and source.block is None:
        record = reader.record(source.line)
        if isinstance(record, dict) and record.get("type") == "system":
            return command_text(content_text(record.get("content")))
    inserted = inserted_text(reader.record(source.line), reader.block(source))
    if inserted is not None:
        return inserted
    if item.kind is ItemKind.THINKING:
        block = reader.block(source)
        if isinstance(block, dict) and block.get("type") == "redacted_thinking":
            return "(redacted thinking)"
    return content_text(reader.block(source))


def _call_input(source: Source, reader: LineReader, session_format: SessionFormat) -> str | None:
    if session_format is SessionFormat.CODEX:
        arguments = call_input(payload_of(reader.record(source.line)))
        return None if arguments is None else _json_text(arguments)
    block = reader.block(source)
    return _json_text(block.get("input")) if isinstance(block, dict) else None


def result_text(source: Source, reader: LineReader, session_format: SessionFormat) -> str:
    if session_format is SessionFormat.CODEX:
        return output_text(payload_of(reader.record(source.line)))
    block = reader.block(source)
    return content_text(block.get("content")) if isinstance(block, dict) else ""


def payload_of(record: Any) -> dict[str, Any]:
    payload = record.get("payload") if isinstance(record, dict) else None
    return payload if isinstance(payload, dict) else {}


def codex_text(record: Any) -> str:
    payload = payload_of(record)
    kind = payload.get("type")
    if kind == "reasoning":
        return content_text(payload.get("summary")) or "(encrypted reasoning)"
    if isinstance(record, dict) and record.get("type") == "compacted":
        return content_text(payload.get("message"))
    if kind == "turn_aborted":
        return f"[turn aborted: {payload.get('reason', 'unknown')}]"
    return content_text(payload.get("content"))


_COMMAND_NAME = re.compile(r"<command-name>(.*?)</command-name>", re.DOTALL)
_COMMAND_ARGS = re.compile(r"<command-args>(.*?)</command-args>", re.DOTALL)
_COMMAND_TAG = re.compile(r"</?(?:local-command-std(?:out|err)|bash-(?:input|stdout|stderr))>")
_TERMINAL_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def command_text(text: str) -> str:
    """A slash command as typed (`/model opus`), or a local command's output without its tags
    and terminal colour codes."""
    name = _COMMAND_NAME.search(text)
    if name is not None:
        arguments = _COMMAND_ARGS.search(text)
        typed = f"{name.group(1).strip()} {arguments.group(1).strip() if arguments else ''}"
        return typed.strip()
    return _TERMINAL_CONTROL.sub("", _COMMAND_TAG.sub("", text)).strip() or "(no output)"
