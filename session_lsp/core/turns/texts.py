"""Texts read from a line's bytes on demand: what the fast typed decode skips.

Thinking, tool input and result content are decoded only for the items of the page asked for,
each line at most once per page, so paging through a 100 MB session stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

import msgspec

from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import ConversationModel, Item, Source, clip
from session_lsp.core.turns.segments import segment_items


def page(
    model: ConversationModel,
    offset: int = 0,
    limit: int | None = None,
    segment: int | None = None,
) -> list[Item]:
    """Items [offset, offset+limit) of a segment (None: the last) with their texts read from
    their lines; IndexError for a segment the session does not have."""
    items = segment_items(model, segment)
    stop = len(items) if limit is None else offset + limit
    chosen = items[max(0, offset) : max(0, stop)]
    reader = LineReader(model.lines)
    with deep_json():
        for item in chosen:
            if not item.loaded:
                try:
                    load_texts(item, reader, model.texts)
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


def json_text(value: Any) -> str:
    """A tool's input as shown: a string as it is, anything else as indented JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


class ItemTexts(Protocol):
    """How a format reads the texts of its items from their lines (`ConversationModel.texts`)."""

    def item_text(self, item: Item, reader: LineReader) -> str | None: ...

    def call_input(self, source: Source, reader: LineReader) -> str | None: ...

    def result_text(self, source: Source, reader: LineReader) -> str: ...


def load_texts(item: Item, reader: LineReader, texts: ItemTexts) -> None:
    truncated = item.truncated
    if item.source is not None and item.text is None:
        item.text, truncated = clip(texts.item_text(item, reader))
    tool = item.tool
    if tool is not None:
        if tool.call_source is not None:
            tool.input, cut = clip(texts.call_input(tool.call_source, reader))
            truncated = truncated or cut
        if tool.result_source is not None:
            tool.result, cut = clip(texts.result_text(tool.result_source, reader))
            truncated = truncated or cut
    item.truncated = truncated
    item.loaded = True


class _NoTexts:
    """For a file of no known format: it has no items to read."""

    def item_text(self, item: Item, reader: LineReader) -> str | None:
        return None

    def call_input(self, source: Source, reader: LineReader) -> str | None:
        return None

    def result_text(self, source: Source, reader: LineReader) -> str:
        return ""


NO_TEXTS = _NoTexts()
