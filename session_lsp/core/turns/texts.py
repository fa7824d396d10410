"""Texts read from a line's bytes on demand: what the fast typed decode skips.

Thinking, tool input and result content are decoded only for the items of the page asked for,
each line at most once per page, so paging through a 100 MB session stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
from msgspec.structs import replace

from session_lsp.core.nesting import deep_json
from session_lsp.core.plans import LastPlan, Todo
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import (
    MAX_TEXT,
    ConversationModel,
    Item,
    ItemKind,
    Request,
    Source,
    ToolCall,
    clip,
)
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
                    load_texts(item, reader, model.texts, items=items)
                    read_request(items, item, reader, model.texts)
                except RecursionError:
                    _too_deep_to_show(item)
    return chosen


def read_request(items: Sequence[Item], item: Item, reader: LineReader, texts: ItemTexts) -> None:
    """The item's model, and its request's usage when it is the request's last item: the next
    item of the assistant's belongs to another request (one more line read, at most)."""
    if not item.is_assistant_side:
        return
    request = texts.request(item, reader)
    if request is None:
        return
    item.model = request.model
    following = next(
        (
            items[position]
            for position in range(item.index + 1, len(items))
            if items[position].is_assistant_side
        ),
        None,
    )
    if following is not None:
        next_request = texts.request(following, reader)
        if next_request is not None and next_request.key == request.key:
            return
    item.usage = request.usage


def last_context(model: ConversationModel) -> int | None:
    """The context the conversation's last API request sent, read from its line (what
    `ConversationModel.context_tokens` asks once)."""
    reader = LineReader(model.lines)
    with deep_json():
        for item in reversed(model.items):
            if not item.is_assistant_side:
                continue
            try:
                request = model.texts.request(item, reader)
            except RecursionError:
                continue
            if request is not None and request.usage is not None:
                return request.usage.context
    return None


def whole_item(model: ConversationModel, index: int, items: Sequence[Item] | None = None) -> Item:
    """One item of `items` (default: the model's) with its text, input, result and diff read
    whole; the kept item, which pages keep clipped, is not changed. IndexError for an index
    outside them."""
    chosen = model.items if items is None else items
    if not 0 <= index < len(chosen):
        raise IndexError(f"item {index}: the conversation has {len(chosen)} items")
    kept = chosen[index]
    tool = kept.tool
    item = replace(
        kept,
        text=None if kept.source is not None else kept.text,
        truncated=False,
        loaded=False,
        tool=None if tool is None else replace(tool, input=None, result=None, diff=None),
    )
    if kept.source is None and kept.tool is None:
        return item
    reader = LineReader(model.lines)
    with deep_json():
        try:
            load_texts(item, reader, model.texts, limit=None, items=chosen)
            if not kept.loaded:
                # Read before any page showed it: its request too.
                read_request(chosen, item, reader, model.texts)
        except RecursionError:
            _too_deep_to_show(item)
    return item


def last_plan(model: ConversationModel) -> LastPlan | None:
    """The last checklist the agent wrote before the end, with its item's index and segment:
    where the work stood, in the history before a compaction when nothing was planned after it.
    Only that call's input is decoded (and any malformed plan after it); once per model."""
    known = model.known
    if not known.plan_known:
        known.plan = _last_plan(model)
        known.plan_known = True
    return known.plan


def _last_plan(model: ConversationModel) -> LastPlan | None:
    """Looked for from the end through every segment, oldest first joined: a task list lives on
    across a compaction (its tasks made before it, updated after), so the calls are replayed
    across it. A call of a replayed tool that leaves no plan ends the look at that tool's calls:
    with no task made before it, none earlier has one (2,000 updates of tasks made elsewhere
    were otherwise each replayed from the start)."""
    reader = LineReader(model.lines)
    parts: list[tuple[int | None, list[Item]]] = list(
        enumerate(part.items for part in model.earlier_segments)
    )
    parts.append((None, model.items))
    history = [item for _, items in parts for item in items]
    segments = [segment for segment, items in parts for _ in items]
    texts = model.texts
    replays_left = True
    for position in range(len(history) - 1, -1, -1):
        item = history[position]
        tool = item.tool
        if item.kind is not ItemKind.TOOL or tool is None or tool.name not in texts.planning_tools:
            continue
        replayed = tool.name in texts.replayed_planning_tools
        if replayed and not replays_left:
            continue
        try:
            with deep_json():
                todos = texts.plan_after(history, position, reader)
        except RecursionError:
            continue
        if todos is not None:
            return LastPlan(item.index, todos, segments[position])
        replays_left = replays_left and not replayed
    return None


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


RECORDED_RESULT = "toolUseResult"
"""What Claude Code records of a tool's run beside the result it sent (a file read, a command's
output: often the result again, whole). Read for a few tools only (edits, task lists, sub-agents),
so it is left out of a line's record and decoded when asked for (`LineReader.recorded_result`):
decoded with the rest, it doubled the time of a page of big results."""

SPLIT_FROM_BYTES = 16 * 1024
"""Lines this long have their fields decoded one by one, the recorded result skipped: shorter
ones are decoded whole faster, and their recorded result is taken out after."""

_FIELDS = msgspec.json.Decoder(dict[str, msgspec.Raw])


def _fields(text: Line | msgspec.Raw) -> dict[str, msgspec.Raw] | None:
    """An object's fields, each still JSON; None for JSON that is not an object. DecodeError for
    what is not JSON."""
    try:
        return _FIELDS.decode(text)
    except msgspec.ValidationError:
        return None


class FieldsDecodedWhenRead(Mapping[str, Any]):
    """A JSON object whose fields are each decoded the first time they are read; a field that
    is not JSON (not UTF-8) reads as None."""

    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields

    def __getitem__(self, name: str) -> Any:
        value = self._fields[name]
        if isinstance(value, msgspec.Raw):
            try:
                value = msgspec.json.decode(value)
            except (msgspec.DecodeError, UnicodeDecodeError):
                value = None
            self._fields[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


class LineReader:
    """Decodes whole lines on demand, each at most once per page. A record never holds its
    recorded result (`RECORDED_RESULT`): `recorded_result` gives it."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self._lines = lines
        self._cache: dict[int, Any] = {}
        self._recorded: dict[int, Any] = {}
        """Each line's recorded result, as JSON (`msgspec.Raw`) until it is asked for."""
        self.memo: dict[object, object] = {}
        """What a format works out once for the page these lines are read for."""

    def record(self, line: int) -> Any:
        if line not in self._cache:
            try:
                self._cache[line] = self._decoded(line)
            except (msgspec.DecodeError, UnicodeDecodeError, IndexError):
                self._cache[line] = None
        return self._cache[line]

    def recorded_result(self, line: int) -> Any:
        """The line's recorded result (`RECORDED_RESULT`), None where it has none. From a long
        line, an object's fields are decoded as they are read: an Edit's recorded result holds
        the whole file it changed (`originalFile`), which only a Write's diff reads."""
        self.record(line)
        recorded = self._recorded.get(line)
        if isinstance(recorded, msgspec.Raw):
            try:
                fields = _fields(recorded)
                recorded = (
                    FieldsDecodedWhenRead(fields)
                    if fields is not None
                    else msgspec.json.decode(recorded)
                )
            except (msgspec.DecodeError, UnicodeDecodeError):
                recorded = None
            self._recorded[line] = recorded
        return recorded

    def _decoded(self, line: int) -> Any:
        text = self._lines[line]
        if len(text) < SPLIT_FROM_BYTES:
            record = msgspec.json.decode(text)
            if isinstance(record, dict) and RECORDED_RESULT in record:
                self._recorded[line] = record.pop(RECORDED_RESULT)
            return record
        fields = _fields(text)
        if fields is None:
            return msgspec.json.decode(text)
        if RECORDED_RESULT in fields:
            self._recorded[line] = fields.pop(RECORDED_RESULT)
        return {name: msgspec.json.decode(value) for name, value in fields.items()}


def json_text(value: Any) -> str:
    """A tool's input as shown: a string as it is, anything else as indented JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


@dataclass(frozen=True, slots=True)
class CallViews:
    """What a reader sees of a call beside its raw input: an edit's diff, a plan's checklist, the
    task a sub-agent was given."""

    diff: str | None = None
    todos: list[Todo] | None = None
    explanation: str | None = None
    """What the agent said of the plan it wrote with it (Codex's `explanation`)."""
    title: str | None = None


NO_VIEWS = CallViews()


class ItemTexts(Protocol):
    """How a format reads the texts of its items from their lines (`ConversationModel.texts`)."""

    planning_tools: frozenset[str]
    """The tools that write the agent's plan (`plan_after`)."""
    replayed_planning_tools: frozenset[str]
    """Those of `planning_tools` whose plan is every call of them so far replayed (a task list),
    not written whole by each: once one leaves no plan, none before it leaves one either."""

    def item_text(self, item: Item, reader: LineReader) -> str | None: ...

    def call_input(self, source: Source, reader: LineReader) -> str | None: ...

    def result_text(self, source: Source, reader: LineReader) -> str: ...

    def call_views(
        self, tool: ToolCall, reader: LineReader, items: Sequence[Item] = (), index: int = 0
    ) -> CallViews:
        """What a reader sees of the call; `items[:index]`: the calls before it in its segment,
        for a view that depends on them (a Write's file as it was before)."""
        ...

    def request(self, item: Item, reader: LineReader) -> Request | None:
        """The request an item of the assistant's came from, when the format reads it from the
        item's line (None: the item's model and usage were set while building)."""
        ...

    def plan_after(
        self, items: Sequence[Item], index: int, reader: LineReader
    ) -> list[Todo] | None:
        """The plan as it stood after the planning call at `index` of `items` (the conversation's
        items so far, every segment's, oldest first; None: the call wrote none that can be
        read): a checklist the call wrote whole, or a task list replayed up to it."""
        ...


def load_texts(
    item: Item,
    reader: LineReader,
    texts: ItemTexts,
    limit: int | None = MAX_TEXT,
    items: Sequence[Item] = (),
) -> None:
    """Read the item's texts, each cut to `limit` characters (None: whole); `items`: its
    segment's, which a call's views may read the calls before it from."""
    truncated = item.truncated
    if item.source is not None and item.text is None:
        item.text, truncated = clip(texts.item_text(item, reader), limit)
    tool = item.tool
    if tool is not None:
        if tool.call_source is not None:
            tool.input, cut = clip(texts.call_input(tool.call_source, reader), limit)
            truncated = truncated or cut
            views = texts.call_views(tool, reader, items, item.index)
            tool.diff, cut = clip(views.diff, limit)
            truncated = truncated or cut
            tool.todos = views.todos
            tool.explanation = views.explanation
            if tool.agent is not None:
                tool.agent.title = views.title
        if tool.result_source is not None:
            tool.result, cut = clip(texts.result_text(tool.result_source, reader), limit)
            truncated = truncated or cut
    item.truncated = truncated
    item.loaded = True


class _NoTexts:
    """For a file of no known format: it has no items to read."""

    planning_tools: frozenset[str] = frozenset()
    replayed_planning_tools: frozenset[str] = frozenset()

    def item_text(self, item: Item, reader: LineReader) -> str | None:
        return None

    def call_input(self, source: Source, reader: LineReader) -> str | None:
        return None

    def result_text(self, source: Source, reader: LineReader) -> str:
        return ""

    def call_views(
        self, tool: ToolCall, reader: LineReader, items: Sequence[Item] = (), index: int = 0
    ) -> CallViews:
        return NO_VIEWS

    def request(self, item: Item, reader: LineReader) -> Request | None:
        return None

    def plan_after(
        self, items: Sequence[Item], index: int, reader: LineReader
    ) -> list[Todo] | None:
        return None


NO_TEXTS = _NoTexts()
