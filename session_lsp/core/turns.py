"""The conversation as a reader sees it: prompts, replies, thinking and tool calls with their fate.

Built from the replayed chain (what a resume sends), so what the view shows is what the findings
judge. The skeleton (kinds, lines, pairing, statuses) comes from the typed records alone; the full
text of the blocks the typed decode skips (thinking, tool input, result content) is read from the
line's bytes only for the items asked for, so paging through a 100 MB session stays cheap.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from session_lsp.core.analysis import Analysis
from session_lsp.core.codex import CALL_TYPES, OUTPUT_TYPES
from session_lsp.core.conversation import ChainEnd
from session_lsp.core.findings import Code, Finding, Severity
from session_lsp.core.reading import Line
from session_lsp.core.records import Record
from session_lsp.core.writing import STUB_TEXT

MAX_TEXT = 4000
"""Characters of one text, tool input or result sent per item; the raw line has the rest."""

STUB_PREFIX = STUB_TEXT[: STUB_TEXT.index(":")]
INTERRUPT_PREFIX = "[Request interrupted by user"
SUB_AGENT_TOOLS = frozenset({"Task", "Agent"})
INTERRUPTED_RESULTS = (
    "The user doesn't want to proceed with this tool use.",
    "The user doesn't want to take this action right now.",
    "Permission for this tool use was denied.",
    "User rejected tool use",
    "Interrupted by user",
    "<tool_use_error>Cancelled: parallel tool call",
    "<tool_use_error>Error: Streaming fallback - tool execution discarded",
)
"""Claude Code's REJECT, CANCEL and interrupt results (claude-code-format §5)."""
ABORTED_ENDINGS = (
    "<error>Command was aborted before completion</error>",
    "command aborted by user",
)
COMMAND_PREFIXES = ("<command-name>", "<command-message>", "<local-command-", "<bash-")
CODEX_CONTEXT_PREFIXES = ("<environment_context>", "<user_instructions>", "# AGENTS.md")


class ItemKind(enum.StrEnum):
    PROMPT = "prompt"
    ASSISTANT = "assistant"
    THINKING = "thinking"
    TOOL = "tool"
    COMPACTION = "compaction"
    INTERRUPT = "interrupt"
    COMMAND = "command"
    ORPHAN_RESULT = "orphan-result"
    DAMAGED = "damaged"
    """A line off the conversation that carries findings (a torn last line, corrupt JSON)."""


class ToolStatus(enum.StrEnum):
    ANSWERED = "answered"
    ERROR = "error"
    UNPAIRED = "unpaired"
    ORPHAN = "orphan"
    INTERRUPTED = "interrupted"
    STUBBED = "stubbed"
    LIVE = "live"


class SessionFormat(enum.StrEnum):
    CLAUDE_CODE = "claude-code"
    CODEX = "codex"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a text lives: a line, and the index of the block in its content (None: the whole)."""

    line: int
    block: int | None = None


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    call_line: int | None
    """None for a result that answers no call (an orphan)."""
    status: ToolStatus = ToolStatus.ANSWERED
    result_line: int | None = None
    is_error: bool = False
    agent_file: Path | None = None
    call_source: Source | None = None
    result_source: Source | None = None
    input: str | None = None
    result: str | None = None
    searches_the_web: bool = False
    """A Codex web search: answered inside the call, never by an output item."""


@dataclass(slots=True)
class Item:
    kind: ItemKind
    first_line: int
    last_line: int
    timestamp: str | None = None
    source: Source | None = None
    tool: ToolCall | None = None
    findings: list[Finding] = field(default_factory=list)
    index: int = -1
    text: str | None = None
    truncated: bool = False
    loaded: bool = False

    @property
    def has_error(self) -> bool:
        return any(finding.is_error for finding in self.findings)


@dataclass(slots=True)
class ConversationModel:
    """Every item of one session; `page` loads the texts of the items it returns."""

    format: SessionFormat
    items: list[Item]
    findings: list[Finding]
    lines: Sequence[Line]
    session_id: str | None = None
    title: str | None = None
    abandoned_branches: int = 0
    start_note: str | None = None
    """Why the conversation starts after the file's first line (compaction, missing parent)."""

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity is Severity.WARNING)

    @property
    def first_problem(self) -> int | None:
        return next((item.index for item in self.items if item.has_error), None)

    def page(self, offset: int = 0, limit: int | None = None) -> list[Item]:
        """Items [offset, offset+limit) with their texts read from their lines."""
        stop = len(self.items) if limit is None else offset + limit
        chosen = self.items[max(0, offset) : max(0, stop)]
        reader = _LineReader(self.lines)
        for item in chosen:
            if not item.loaded:
                _load_texts(item, reader, self.format)
        return chosen


def build_model(analysis: Analysis, path: Path | None = None) -> ConversationModel:
    """The conversation model of an analysed file; `path` locates sub-agent files beside it."""
    if analysis.is_transcript:
        model = _ClaudeBuilder(analysis, path).build()
    else:
        model = _CodexBuilder(analysis).build()
    _attach_findings(model)
    for index, item in enumerate(model.items):
        item.index = index
    return model


# Reading texts from line bytes -------------------------------------------------------------


class _LineReader:
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


def _clip(text: str | None) -> tuple[str | None, bool]:
    if text is None or len(text) <= MAX_TEXT:
        return text, False
    return text[:MAX_TEXT], True


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


def _json_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


def _load_texts(item: Item, reader: _LineReader, session_format: SessionFormat) -> None:
    truncated = item.truncated
    if item.source is not None and item.text is None:
        raw = _source_text(item, reader, session_format)
        item.text, truncated = _clip(raw)
    tool = item.tool
    if tool is not None:
        if tool.call_source is not None:
            tool.input, cut = _clip(_call_input(tool.call_source, reader, session_format))
            truncated = truncated or cut
        if tool.result_source is not None:
            tool.result, cut = _clip(_result_text(tool.result_source, reader, session_format))
            truncated = truncated or cut
    item.truncated = truncated
    item.loaded = True


def _source_text(item: Item, reader: _LineReader, session_format: SessionFormat) -> str | None:
    source = item.source
    assert source is not None
    if session_format is SessionFormat.CODEX:
        return _codex_text(reader.record(source.line))
    if item.kind is ItemKind.COMMAND and source.block is None:
        record = reader.record(source.line)
        if isinstance(record, dict) and record.get("type") == "system":
            return content_text(record.get("content"))
    if item.kind is ItemKind.THINKING:
        block = reader.block(source)
        if isinstance(block, dict) and block.get("type") == "redacted_thinking":
            return "(redacted thinking)"
    return content_text(reader.block(source))


def _call_input(source: Source, reader: _LineReader, session_format: SessionFormat) -> str | None:
    if session_format is SessionFormat.CODEX:
        payload = _payload(reader.record(source.line))
        for key in ("arguments", "input", "action", "query"):
            if key in payload:
                return _json_text(payload[key])
        return None
    block = reader.block(source)
    return _json_text(block.get("input")) if isinstance(block, dict) else None


def _result_text(source: Source, reader: _LineReader, session_format: SessionFormat) -> str:
    if session_format is SessionFormat.CODEX:
        return content_text(_payload(reader.record(source.line)).get("output"))
    block = reader.block(source)
    return content_text(block.get("content")) if isinstance(block, dict) else ""


def _payload(record: Any) -> dict[str, Any]:
    payload = record.get("payload") if isinstance(record, dict) else None
    return payload if isinstance(payload, dict) else {}


def _codex_text(record: Any) -> str:
    payload = _payload(record)
    kind = payload.get("type")
    if kind == "reasoning":
        return content_text(payload.get("summary")) or "(encrypted reasoning)"
    if isinstance(record, dict) and record.get("type") == "compacted":
        return content_text(payload.get("message"))
    if kind == "turn_aborted":
        return f"[turn aborted: {payload.get('reason', 'unknown')}]"
    return content_text(payload.get("content"))


# Claude Code -------------------------------------------------------------------------------


class _ClaudeBuilder:
    def __init__(self, analysis: Analysis, path: Path | None) -> None:
        self.analysis = analysis
        self.path = path
        self.items: list[Item] = []
        self.calls: dict[str, ToolCall] = {}
        self.reader = _LineReader(analysis.lines)
        self.unpaired = _tool_ids(
            analysis.findings, Code.UNPAIRED_TOOL_USE, Code.TOOL_RESULT_AFTER_TEXT
        )
        self.live = _tool_ids(analysis.findings, Code.LIVE_SESSION)

    def build(self) -> ConversationModel:
        conversation = self.analysis.conversation
        for record in conversation.chain:
            self._add_record(record)
        for call in self.calls.values():
            self._settle(call)
        return ConversationModel(
            SessionFormat.CLAUDE_CODE,
            self.items,
            list(self.analysis.findings),
            self.analysis.lines,
            session_id=self._session_id(),
            title=self._title(),
            abandoned_branches=_abandoned_branches(self.analysis),
            start_note=_start_note(self.analysis),
        )

    def _add_record(self, record: Record) -> None:
        if record.type == "system":
            if record.subtype == "compact_boundary":
                self._item(ItemKind.COMPACTION, record, None)
            elif record.subtype == "local_command":
                self._item(ItemKind.COMMAND, record, Source(record.line))
            return
        if record.type == "assistant":
            self._add_assistant(record)
        elif record.type == "user":
            self._add_user(record)

    def _item(self, kind: ItemKind, record: Record, source: Source | None) -> Item:
        item = Item(kind, record.line, record.line, record.timestamp, source)
        self.items.append(item)
        return item

    def _add_assistant(self, record: Record) -> None:
        for position, block in enumerate(record.blocks):
            source = Source(record.line, position)
            if block.type == "text":
                if (block.text or "").strip():
                    item = self._item(ItemKind.ASSISTANT, record, source)
                    item.text, item.truncated = _clip(block.text)
            elif block.type in ("thinking", "redacted_thinking"):
                self._item(ItemKind.THINKING, record, source)
            elif block.type in ("tool_use", "server_tool_use", "mcp_tool_use"):
                self._add_call(record, position)

    def _add_call(self, record: Record, position: int) -> None:
        block = record.blocks[position]
        tool_id = block.id or f"(no id, line {record.line + 1})"
        call = ToolCall(tool_id, block.name or block.type, record.line)
        call.call_source = Source(record.line, position)
        item = self._item(ItemKind.TOOL, record, None)
        item.tool = call
        self.calls.setdefault(tool_id, call)

    def _add_user(self, record: Record) -> None:
        if record.isCompactSummary:
            self._add_compaction_summary(record)
            return
        content = record.message.content if record.message is not None else None
        for position, block in enumerate(record.blocks):
            source = Source(record.line, None if isinstance(content, str) else position)
            if block.type == "tool_result":
                self._add_result(record, position)
            elif block.type == "text" and not record.isMeta:
                text = block.text or ""
                if text.startswith(INTERRUPT_PREFIX):
                    kind = ItemKind.INTERRUPT
                elif text.lstrip().startswith(COMMAND_PREFIXES):
                    kind = ItemKind.COMMAND
                else:
                    kind = ItemKind.PROMPT
                if text.strip():
                    item = self._item(kind, record, source)
                    item.text, item.truncated = _clip(text)
            elif block.type == "image" and not record.isMeta:
                item = self._item(ItemKind.PROMPT, record, source)
                item.text = "[image]"

    def _add_compaction_summary(self, record: Record) -> None:
        previous = self.items[-1] if self.items else None
        if (
            previous is not None
            and previous.kind is ItemKind.COMPACTION
            and previous.source is None
        ):
            previous.last_line = record.line
            previous.source = Source(record.line, None)
        else:
            self._item(ItemKind.COMPACTION, record, Source(record.line, None))

    def _add_result(self, record: Record, position: int) -> None:
        block = record.blocks[position]
        tool_id = block.tool_use_id or ""
        call = self.calls.get(tool_id)
        if call is not None and call.result_line is None:
            call.result_line = record.line
            call.result_source = Source(record.line, position)
            call.is_error = bool(block.is_error)
            for item in reversed(self.items):
                if item.tool is call:
                    item.last_line = max(item.last_line, record.line)
                    break
            return
        orphan = ToolCall(tool_id, "", None, ToolStatus.ORPHAN, record.line)
        orphan.is_error = bool(block.is_error)
        orphan.result_source = Source(record.line, position)
        if call is not None:
            # A second result for an answered call: shown where it sits, marked by its finding.
            orphan.name = call.name
        item = self._item(ItemKind.ORPHAN_RESULT, record, None)
        item.tool = orphan

    def _settle(self, call: ToolCall) -> None:
        """The call's status, from the findings on it and, for error results, from their text."""
        if call.result_line is None or call.id in self.unpaired:
            live = call.id in self.live and call.result_line is None
            call.status = ToolStatus.LIVE if live else ToolStatus.UNPAIRED
        elif call.is_error and call.result_source is not None:
            call.status = _error_status(
                _result_text(call.result_source, self.reader, SessionFormat.CLAUDE_CODE)
            )
        if call.name in SUB_AGENT_TOOLS and call.result_line is not None and self.path is not None:
            call.agent_file = _agent_file(self.path, self.reader.record(call.result_line))

    def _session_id(self) -> str | None:
        for record in self.analysis.records:
            if record is not None and record.sessionId is not None:
                return record.sessionId
        return None

    def _title(self) -> str | None:
        titles: dict[str, str] = {}
        for record in self.analysis.records:
            if record is not None and record.type in ("custom-title", "ai-title"):
                decoded = self.reader.record(record.line)
                value = (
                    decoded.get("customTitle") or decoded.get("aiTitle")
                    if isinstance(decoded, dict)
                    else None
                )
                if isinstance(value, str) and value.strip():
                    titles[record.type] = value
        title = titles.get("custom-title") or titles.get("ai-title")
        if title is None:
            title = next((item.text for item in self.items if item.kind is ItemKind.PROMPT), None)
        return one_line(title) if title else None


def _error_status(text: str) -> ToolStatus:
    stripped = text.strip()
    if stripped.startswith(STUB_PREFIX):
        return ToolStatus.STUBBED
    if stripped.startswith(INTERRUPTED_RESULTS) or stripped.endswith(ABORTED_ENDINGS):
        return ToolStatus.INTERRUPTED
    return ToolStatus.ERROR


def _tool_ids(findings: Sequence[Finding], *codes: Code) -> set[str]:
    return {
        finding.tool_use_id
        for finding in findings
        if finding.code in codes and finding.tool_use_id is not None
    }


def _agent_file(path: Path, result: Any) -> Path | None:
    """The sub-agent transcript a Task/Agent result names: 2.1.x `<session>/subagents/`, or 2.0.x
    beside the session file."""
    tool_result = result.get("toolUseResult") if isinstance(result, dict) else None
    agent_id = tool_result.get("agentId") if isinstance(tool_result, dict) else None
    if not isinstance(agent_id, str) or not agent_id or "/" in agent_id or "\\" in agent_id:
        return None
    name = f"agent-{agent_id}.jsonl"
    subagents = path.parent / path.stem / "subagents"
    for candidate in (subagents / name, path.parent / name):
        if candidate.is_file():
            return candidate.resolve()
    if subagents.is_dir():
        return next((found.resolve() for found in subagents.rglob(name)), None)
    return None


def _abandoned_branches(analysis: Analysis) -> int:
    """Leaves off the replayed conversation, after its start: rewound or abandoned branches.

    History before a compaction boundary and inline sidechains are not counted.
    """
    conversation = analysis.conversation
    if conversation.leaf is None or conversation.end_record is None:
        return 0
    start = conversation.end_record.line
    sidechains_count = conversation.agent_id is not None
    has_child: set[str] = set()
    for record in analysis.records:
        if record is not None and record.parentUuid is not None:
            has_child.add(record.parentUuid)
    on_chain = conversation.on_chain()
    return sum(
        1
        for record in analysis.records
        if record is not None
        and record.type in ("user", "assistant")
        and record.line > start
        and record.uuid not in has_child
        and record.line not in on_chain
        and (sidechains_count or not record.isSidechain)
    )


def one_line(text: str, limit: int = 120) -> str:
    """A title: the first non-blank line, whitespace collapsed, cut at `limit` characters."""
    line = next((part for part in text.splitlines() if part.strip()), "")
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# Codex rollouts ----------------------------------------------------------------------------


class _CodexPayload(msgspec.Struct):
    type: str | None = None
    role: str | None = None
    call_id: str | None = None
    name: str | None = None
    id: str | None = None


class _CodexLine(msgspec.Struct):
    type: str | None = None
    timestamp: str | None = None
    payload: _CodexPayload | None = None


_CODEX_DECODER = msgspec.json.Decoder(_CodexLine)


class _CodexBuilder:
    """File order is the conversation (claude-code-format §10)."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.reader = _LineReader(analysis.lines)
        self.items: list[Item] = []
        self.calls: dict[str, ToolCall] = {}
        self.session_id: str | None = None
        self.unpaired = _tool_ids(analysis.findings, Code.UNPAIRED_TOOL_USE)
        self.live = _tool_ids(analysis.findings, Code.LIVE_SESSION)

    def build(self) -> ConversationModel:
        for line, record in self._records():
            self._add(line, record)
        for call in self.calls.values():
            if call.result_line is None and not call.searches_the_web:
                live = call.id in self.live
                call.status = ToolStatus.LIVE if live else ToolStatus.UNPAIRED
            elif call.result_source is not None:
                output = _result_text(call.result_source, self.reader, SessionFormat.CODEX)
                call.status = _codex_output_status(output)
        title = next((item.text for item in self.items if item.kind is ItemKind.PROMPT), None)
        return ConversationModel(
            SessionFormat.CODEX,
            self.items,
            list(self.analysis.findings),
            self.analysis.lines,
            session_id=self.session_id,
            title=one_line(title) if title else None,
        )

    def _records(self) -> Iterator[tuple[int, _CodexLine]]:
        for line, raw in enumerate(self.analysis.lines):
            try:
                yield line, _CODEX_DECODER.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
                continue

    def _item(self, kind: ItemKind, line: int, record: _CodexLine, *, text: bool = True) -> Item:
        item = Item(kind, line, line, record.timestamp, Source(line) if text else None)
        self.items.append(item)
        return item

    def _add(self, line: int, record: _CodexLine) -> None:
        payload = record.payload
        if record.type == "session_meta" and payload is not None:
            self.session_id = self.session_id or payload.id
        elif record.type == "compacted":
            self._item(ItemKind.COMPACTION, line, record)
        elif record.type == "event_msg" and payload is not None and payload.type == "turn_aborted":
            self._item(ItemKind.INTERRUPT, line, record)
        elif record.type == "response_item" and payload is not None:
            self._add_response_item(line, record, payload)

    def _add_response_item(self, line: int, record: _CodexLine, payload: _CodexPayload) -> None:
        kind = payload.type
        if kind == "message" and payload.role in ("user", "assistant"):
            if payload.role == "assistant":
                self._item(ItemKind.ASSISTANT, line, record)
                return
            text = _codex_text(self.reader.record(line))
            if text.strip() and not text.lstrip().startswith(CODEX_CONTEXT_PREFIXES):
                item = self._item(ItemKind.PROMPT, line, record)
                item.text, item.truncated = _clip(text)
        elif kind == "reasoning":
            self._item(ItemKind.THINKING, line, record)
        elif kind in CALL_TYPES or kind == "web_search_call":
            call_id = payload.call_id or f"(no call_id, line {line + 1})"
            call = ToolCall(call_id, payload.name or kind or "tool", line)
            call.call_source = Source(line)
            call.searches_the_web = kind == "web_search_call"
            item = self._item(ItemKind.TOOL, line, record, text=False)
            item.tool = call
            self.calls.setdefault(call_id, call)
        elif kind in OUTPUT_TYPES:
            self._add_output(line, record, payload)

    def _add_output(self, line: int, record: _CodexLine, payload: _CodexPayload) -> None:
        call = self.calls.get(payload.call_id or "")
        if call is not None and call.result_line is None:
            call.result_line = line
            call.result_source = Source(line)
            for item in reversed(self.items):
                if item.tool is call:
                    item.last_line = line
                    break
            return
        orphan = ToolCall(payload.call_id or "", "", None, ToolStatus.ORPHAN, line)
        orphan.result_source = Source(line)
        item = self._item(ItemKind.ORPHAN_RESULT, line, record, text=False)
        item.tool = orphan


def _codex_output_status(output: str) -> ToolStatus:
    stripped = output.strip()
    if stripped.startswith(STUB_PREFIX):
        return ToolStatus.STUBBED
    if stripped == "aborted" or stripped.endswith(ABORTED_ENDINGS):
        return ToolStatus.INTERRUPTED
    return ToolStatus.ANSWERED


# Findings ----------------------------------------------------------------------------------


def _attach_findings(model: ConversationModel) -> None:
    """Each finding goes to the item on its line (the tool item of its id, if any); findings on
    lines no item covers become `damaged` items, placed by line."""
    at_line: dict[int, list[Item]] = {}
    for item in model.items:
        lines = {item.first_line, item.last_line}
        if item.tool is not None:
            for line in (item.tool.call_line, item.tool.result_line):
                if line is not None:
                    lines.add(line)
        for line in lines:
            at_line.setdefault(line, []).append(item)
    damaged: dict[int, Item] = {}
    for finding in model.findings:
        line = finding.span.line
        candidates = at_line.get(line, [])
        chosen = next(
            (
                item
                for item in candidates
                if item.tool is not None
                and finding.tool_use_id is not None
                and item.tool.id == finding.tool_use_id
            ),
            candidates[0] if candidates else None,
        )
        if chosen is None:
            chosen = damaged.get(line)
            if chosen is None:
                chosen = damaged[line] = Item(ItemKind.DAMAGED, line, line, loaded=True)
        chosen.findings.append(finding)
    if damaged:
        model.items = _merge_by_line(
            model.items, sorted(damaged.values(), key=lambda i: i.first_line)
        )


def _merge_by_line(items: list[Item], extra: list[Item]) -> list[Item]:
    """Insert each extra item before the first item that starts after it."""
    merged: list[Item] = []
    pending = iter(extra)
    following = next(pending, None)
    for item in items:
        while following is not None and following.first_line < item.first_line:
            merged.append(following)
            following = next(pending, None)
        merged.append(item)
    while following is not None:
        merged.append(following)
        following = next(pending, None)
    return merged


def _start_note(analysis: Analysis) -> str | None:
    """Why the replayed conversation starts where it does, when that is not the file's start."""
    conversation = analysis.conversation
    if conversation.end is ChainEnd.COMPACTION:
        return "the conversation starts at the last compaction"
    if conversation.end is ChainEnd.MISSING_PARENT:
        return "the conversation starts at a line whose parent is missing"
    if conversation.end is ChainEnd.CYCLE:
        return "the conversation starts where a parentUuid cycle was cut"
    return None
