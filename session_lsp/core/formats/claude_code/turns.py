"""The conversation model of a Claude Code transcript, from its replayed chain."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import msgspec

from session_lsp.core.content_text import content_text
from session_lsp.core.document import Analysis
from session_lsp.core.formats.claude_code.agent_files import (
    agent_description,
    agent_file,
    unnamed_agent_files,
)
from session_lsp.core.formats.claude_code.conversation import (
    ChainEnd,
    Conversation,
    conversation_of,
    is_queued_command,
)
from session_lsp.core.formats.claude_code.events import (
    inserted_text,
    is_notification,
    queued_is_prompt,
    sidechain_text,
)
from session_lsp.core.formats.claude_code.history import abandoned_chains, earlier_chains
from session_lsp.core.formats.claude_code.records import (
    OTHER_JSON,
    Attachment,
    Block,
    Message,
    Record,
    first_session_id,
)
from session_lsp.core.formats.claude_code.records import Usage as RecordedUsage
from session_lsp.core.formats.claude_code.sub_agent_lines import SubAgentLines
from session_lsp.core.formats.claude_code.titles import TITLE_LIMIT, one_line, session_title
from session_lsp.core.formats.claude_code.tool_views import (
    EDITING_TOOLS,
    PLANNING_TOOL,
    TASK_TOOLS,
    WRITE_UPDATED,
    edit_diff,
    edited_path,
    plan,
    task_list,
    text_after,
)
from session_lsp.core.plans import Todo
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import (
    REDACTED_THINKING,
    ConversationModel,
    Item,
    ItemKind,
    Request,
    Source,
    SubAgent,
    ToolCall,
    ToolStatus,
    Usage,
    clip,
)
from session_lsp.core.turns.segments import (
    Segment,
    abandoned_segment,
    earlier_segment,
    summing_item,
)
from session_lsp.core.turns.statuses import ABORTED_ENDINGS, STUB_PREFIX
from session_lsp.core.turns.texts import NO_VIEWS, CallViews, LineReader, json_text

SYNTHETIC_MODEL = "<synthetic>"
"""The model Claude Code names on messages it wrote itself (an API error): no request was made."""
INTERRUPT_PREFIX = "[Request interrupted by user"
SUB_AGENT_TOOLS = frozenset({"Task", "Agent"})
_CALL_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
_TOOL = ItemKind.TOOL
"""Read once: an enum member looked up on its class costs as much as making the item."""
"""Assistant blocks shown as a tool call: the client's own, and those the API runs."""
COMMAND_PREFIXES = ("<command-name>", "<command-message>", "<local-command-", "<bash-")
SYSTEM_KINDS = {
    "compact_boundary": ItemKind.COMPACTION,
    "local_command": ItemKind.COMMAND,
    "api_error": ItemKind.API_ERROR,
    "model_refusal_fallback": ItemKind.MODEL_FALLBACK,
    "model_refusal_no_fallback": ItemKind.API_ERROR,
    "away_summary": ItemKind.RECAP,
}
"""The system lines a reader sees; the others (turn_duration, stop_hook_summary, informational,
...) are bookkeeping, skipped on purpose."""
RECAP_HINT = "(disable recaps in /config)"
"""What Claude Code ends a recap with, for its own interface: not part of the recap."""


class _ThinkingBlock(msgspec.Struct, gc=False):
    thinking: object = None


class _ThinkingMessage(msgspec.Struct, gc=False):
    content: list[_ThinkingBlock] | str | int | float | bool | None = None


class _ThinkingLine(msgspec.Struct, gc=False):
    message: _ThinkingMessage | OTHER_JSON = None


_THINKING_DECODER = msgspec.json.Decoder(_ThinkingLine)


def _is_empty_thinking(raw: Line, position: int) -> bool:
    """A thinking block with no text (only a signature): 2.1.x writes many, with nothing to show.
    Only thinking lines are decoded for this, and only their thinking texts."""
    try:
        line = _THINKING_DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return False
    message = line.message
    content = message.content if isinstance(message, _ThinkingMessage) else None
    if not isinstance(content, list) or not 0 <= position < len(content):
        return False
    thinking = content[position].thinking
    return isinstance(thinking, str) and not thinking.strip()


REJECTED_RESULTS = (
    "The user doesn't want to proceed with this tool use.",
    "Permission for this tool use was denied.",
    "Permission for this action has been denied.",
    "Permission to use ",
    "The agent proposed a plan that was rejected by the user.",
)
"""Claude Code's REJECT (at its permission prompt, with a reason or none), a sub-agent's, a
permission rule's or the auto mode classifier's denial, and a rejected plan
(docs/claude-code-format.md §5): the call did nothing because someone said no."""

INTERRUPTED_RESULTS = (
    "The user doesn't want to take this action right now.",
    "User rejected tool use",
    "Interrupted by user",
    "<tool_use_error>Cancelled: parallel tool call",
    "<tool_use_error>Error: Streaming fallback - tool execution discarded",
)
"""Claude Code's CANCEL and interrupt results: the turn stopped before or while the call ran."""

REJECTION_REASONS = (
    "To tell you how to proceed, the user said:\n",
    "The user said:\n",
    "The user provided the following reason for the rejection:",
)
"""What comes before the user's own words in a rejection with a reason (2.1.x, a sub-agent's,
2.0.x)."""


def error_status(text: str) -> ToolStatus:
    stripped = text.strip()
    if stripped.startswith(STUB_PREFIX):
        return ToolStatus.STUBBED
    if stripped.startswith(REJECTED_RESULTS):
        return ToolStatus.REJECTED
    if stripped.startswith(INTERRUPTED_RESULTS) or stripped.endswith(ABORTED_ENDINGS):
        return ToolStatus.INTERRUPTED
    return ToolStatus.ERROR


def rejection_reason(text: str) -> str | None:
    """The user's words in a rejection's result: what follows its stock wording, None when the
    user gave none."""
    for lead in REJECTION_REASONS:
        _, found, reason = text.partition(lead)
        if found and reason.strip():
            return reason.strip()
    return None


class ClaudeBuilder:
    """Items in replay order; tool calls paired with the first result after them on the chain."""

    def __init__(
        self,
        analysis: Analysis,
        path: Path | None,
        *,
        sub_agent_lines: SubAgentLines | None = None,
    ) -> None:
        """`sub_agent_lines`: the file's, shared by the builders of every segment. The findings
        are not read here: `turns.build.judge_model` marks the calls they name."""
        self.analysis = analysis
        self.sub_agent_lines = (
            sub_agent_lines if sub_agent_lines is not None else SubAgentLines(analysis.records)
        )
        self.path = path
        self.items: list[Item] = []
        self.call_items: dict[str, Item] = {}
        """The item showing each call (its `tool`), by id; of calls that share an id, the first. One
        table, not one of calls and one of their items: on 70,000 calls the second cost 40 ms."""
        self.reader = LineReader(analysis.lines)
        self._uuids: set[str] | None = None

    def build(self) -> ConversationModel:
        conversation = conversation_of(self.analysis)
        self._add_chain(conversation.chain)
        session_id = self._session_id()
        abandoned, found = self._abandoned_segments(conversation)
        return ConversationModel(
            "claude-code",
            self.items,
            [],
            self.analysis.lines,
            session_id=session_id,
            title=session_title(
                self.analysis.lines,
                self.analysis.ends_with_newline,
                self._is_message,
            )
            or self._sub_agent_title(conversation),
            start_note=_start_note(self.analysis),
            texts=CLAUDE_TEXTS,
            assistant_label="Claude",
            usage=_session_usage(self.analysis),
            earlier_segments=self._earlier_segments(conversation),
            abandoned_segments=abandoned,
            abandoned_branches=found,
            agent_files=unnamed_agent_files(self.path, session_id),
        )

    def _sub_agent_title(self, conversation: Conversation) -> str | None:
        """A sub-agent's transcript opened on its own (its prompts are sidechain lines, which no
        session title reads): what its Task call said it was for, else the task it was given,
        else its agent id."""
        if conversation.agent_id is None:
            return None
        described = agent_description(self.path) if self.path is not None else None
        if described is not None:
            return one_line(described)[:TITLE_LIMIT]
        task = next((item for item in self.items if item.kind is ItemKind.PROMPT), None)
        if task is not None and task.text:
            return one_line(task.text)[:TITLE_LIMIT]
        return f"sub-agent {one_line(conversation.agent_id)}" if conversation.agent_id else None

    def _add_chain(self, chain: list[Record]) -> None:
        add_assistant, add_user, add_record = self._add_assistant, self._add_user, self._add_record
        for record in chain:  # a session is mostly assistants and users: sent straight there
            kind = record.type
            if kind == "assistant":
                add_assistant(record)
            elif kind == "user":
                add_user(record)
            else:
                add_record(record)
        for item in self.call_items.values():
            if item.tool is not None:
                self._settle(item.tool)
        self._add_sub_agent_progress()

    def _earlier_segments(self, conversation: Conversation) -> list[Segment]:
        """The history each compaction closed, built as the conversation is; each segment's
        summary is the one written by the compaction that follows it."""
        chains = earlier_chains(self.analysis.records, conversation)
        if not chains:
            return []
        built = [self._items_of(chain) for chain in chains]
        following = [*built[1:], self.items]
        return [
            earlier_segment(items, self._opening_summary(after))
            for items, after in zip(built, following, strict=True)
        ]

    def _abandoned_segments(self, conversation: Conversation) -> tuple[list[Segment], int]:
        """The branches a resume leaves out, each built as the conversation is, and how many
        there are (`abandoned_chains`). A branch built with nothing to show (a meta line alone,
        a local command's caveat) is neither listed nor counted (past the thousand built, all
        are counted), and a branch hanging off one has no line to hang off."""
        chains, found = abandoned_chains(self.analysis.records, conversation)
        built: list[Segment] = []
        dropped: set[int] = set()
        for chain, fork in chains:
            items = self._items_of(chain)
            if not items:
                found -= 1
                dropped.update(record.line for record in chain)
                continue
            opening = summing_item(items)
            text = self._text_of(opening) if opening is not None else None
            built.append(abandoned_segment(items, fork, text))
        for segment in built:
            if segment.fork_line in dropped:
                segment.fork_line = None
        return built, found

    def _items_of(self, chain: list[Record]) -> list[Item]:
        """The items of a chain beside the conversation's (a compaction's history, an abandoned
        branch), built as its are, with the file's sub-agent lines."""
        builder = ClaudeBuilder(self.analysis, self.path, sub_agent_lines=self.sub_agent_lines)
        builder._add_chain(chain)
        return builder.items

    def _opening_summary(self, items: list[Item]) -> str | None:
        """The compaction summary a segment starts with."""
        first = items[0] if items else None
        if first is None or first.kind is not ItemKind.COMPACTION:
            return None
        return self._text_of(first)

    def _text_of(self, item: Item) -> str | None:
        """An item's text read from its line; None for one with no source line (a call)."""
        return CLAUDE_TEXTS.item_text(item, self.reader) if item.source is not None else None

    def _add_record(self, record: Record) -> None:
        if record.type == "system":
            kind = SYSTEM_KINDS.get(record.subtype or "")
            if kind is ItemKind.COMPACTION:
                self._item(kind, record, None)
            elif kind is not None:
                self._item(kind, record, Source(record.line))
            return
        if record.type == "assistant":
            self._add_assistant(record)
        elif record.type == "user":
            self._add_user(record)
        elif is_queued_command(record) and isinstance(record.attachment, Attachment):
            # Sent as a user message; shown as a prompt when the user typed it (2.1.2xx).
            prompt = queued_is_prompt(record.attachment)
            kind = ItemKind.PROMPT if prompt else ItemKind.NOTIFICATION
            self._item(kind, record, Source(record.line))
        # Other attachments (hook output, reminders, skill and tool listings, file snapshots)
        # are context Claude Code adds for the model, which its own transcript view hides too.

    def _item(self, kind: ItemKind, record: Record, source: Source | None) -> Item:
        item = Item(kind, record.line, record.line, record.timestamp, source)
        self.items.append(item)
        return item

    def _add_assistant(self, record: Record) -> None:
        # `record.blocks`, read straight where the content is blocks (every line but a typed
        # prompt): the property's call was a twentieth of the model's time on 70,000 calls.
        message = record.message
        content = message.content if message is not None else None
        blocks = content if type(content) is tuple else record.blocks
        if len(blocks) == 1 and blocks[0].type in _CALL_BLOCKS:
            self._add_call(record, blocks[0], 0)  # most assistant lines: one call, one block
            return
        for position, block in enumerate(blocks):
            kind = block.type
            if kind in _CALL_BLOCKS:
                self._add_call(record, block, position)
            elif kind == "text":
                if (block.text or "").strip():
                    item = self._item(ItemKind.ASSISTANT, record, Source(record.line, position))
                    item.text, item.truncated = clip(block.text)
            elif kind == "redacted_thinking" or (
                kind == "thinking"
                and not _is_empty_thinking(self.analysis.lines[record.line], position)
            ):
                self._item(ItemKind.THINKING, record, Source(record.line, position))
            elif kind == "fallback":
                self._item(ItemKind.MODEL_FALLBACK, record, Source(record.line, position))

    def _add_call(self, record: Record, block: Block, position: int) -> None:
        line = record.line
        tool_id = block.id or f"(no id, line {line + 1})"
        call = ToolCall(tool_id, block.name or block.type, line, call_source=Source(line, position))
        item = Item(_TOOL, line, line, record.timestamp, None, call)
        self.items.append(item)
        if self.call_items.setdefault(tool_id, item) is not item:
            # A second call of that id: results go to the first, so none is ever this one's.
            call.status = ToolStatus.UNPAIRED

    def _add_user(self, record: Record) -> None:
        if record.isCompactSummary:
            self._add_compaction_summary(record)
            return
        message = record.message
        content = message.content if message is not None else None
        blocks = content if type(content) is tuple else record.blocks  # as in `_add_assistant`
        if len(blocks) == 1 and blocks[0].type == "tool_result":
            self._add_result(record, blocks[0], 0)  # most user lines: one result, one block
            return
        for position, block in enumerate(blocks):
            kind = block.type
            if kind == "tool_result":
                self._add_result(record, block, position)
                continue
            source = Source(record.line, None if isinstance(content, str) else position)
            if kind == "text" and not record.isMeta:
                text = block.text or ""
                if text.startswith(INTERRUPT_PREFIX):
                    kind = ItemKind.INTERRUPT
                elif is_notification(text, record.origin):
                    kind = ItemKind.NOTIFICATION
                elif text.lstrip().startswith(COMMAND_PREFIXES):
                    kind = ItemKind.COMMAND
                else:
                    kind = ItemKind.PROMPT
                if kind is ItemKind.COMMAND:
                    text = command_text(text)
                if text.strip():
                    item = self._item(kind, record, source)
                    item.text, item.truncated = clip(text)
            elif kind == "image" and not record.isMeta:
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

    def _add_result(self, record: Record, block: Block, position: int) -> None:
        tool_id = block.tool_use_id or ""
        item = self.call_items.get(tool_id)
        call = item.tool if item is not None else None
        line = record.line
        if item is not None and call is not None and call.result_line is None:
            call.result_line = line
            call.result_source = Source(line, position)
            call.is_error = bool(block.is_error)
            if line > item.last_line:
                item.last_line = line
            call.called_at, call.answered_at = item.timestamp, record.timestamp
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
        """The call's status as the file shows it (unanswered, or from an error result's text),
        before the findings mark it (`judge_model`)."""
        if call.result_line is None:
            call.status = ToolStatus.UNPAIRED
        elif call.is_error and call.result_source is not None:
            text = CLAUDE_TEXTS.result_text(call.result_source, self.reader)
            call.status = error_status(text)
            if call.status is ToolStatus.REJECTED:
                call.rejection = rejection_reason(text)
        if call.name in SUB_AGENT_TOOLS:
            if call.result_line is not None and self.path is not None:
                call.agent_file = agent_file(
                    self.path, self.reader.recorded_result(call.result_line)
                )
            call.agent = SubAgent(call.agent_file)

    def _is_message(self, uuid: str) -> bool:
        """Asked only for a summary line in the title windows: the file's uuids are gathered on
        the first question, not for every model."""
        if self._uuids is None:
            self._uuids = {
                record.uuid
                for record in self.analysis.records
                if record is not None and record.uuid is not None
            }
        return uuid in self._uuids

    def _add_sub_agent_progress(self) -> None:
        """A sub-agent's messages, right after its Task call, when no sub-agent file holds them:
        its `agent_progress` lines (2.1.38-2.1.62), or its own lines written inline in this file
        (`isSidechain`, 1.0.x), the first of which is the Task's prompt."""
        wanted = {
            call_id
            for call_id, item in self.call_items.items()
            if (call := item.tool) is not None
            and call.name in SUB_AGENT_TOOLS
            and call.agent_file is None
        }
        if not wanted:
            return
        lines = self.sub_agent_lines
        progress = {
            call_id: [_sub_agent_turn(record, call_id) for record in found]
            for call_id in wanted
            if (found := lines.progress(call_id))
        }
        progress.update(self._inline_sidechains(wanted - progress.keys(), lines.roots()))
        if not progress:
            return
        items: list[Item] = []
        for item in self.items:
            items.append(item)
            tool = item.tool
            if (
                tool is not None
                and tool.call_line is not None
                and self.call_items.get(tool.id) is item
            ):
                turns = progress.pop(tool.id, [])
                items.extend(turns)
                if tool.agent is not None:
                    tool.agent.progress = turns
        self.items = items

    def _inline_sidechains(self, calls: set[str], roots: list[Record]) -> dict[str, list[Item]]:
        """The turns of sub-agents whose lines sit in this file (`isSidechain`, 1.0.x): each
        starts at a user line without a parent that says the Task's prompt, matched to the
        calls in their order, and goes on through the sidechain lines that descend from it (one
        pass over the file, however many sub-agents)."""
        if not calls or not roots:
            return {}
        waiting: dict[str, list[str]] = {}
        for call_id, item in self.call_items.items():  # in the calls' order
            call = item.tool
            if call_id in calls and call is not None and call.call_source is not None:
                block = block_of(self.reader, call.call_source)
                task = block.get("input") if isinstance(block, dict) else None
                prompt = task.get("prompt") if isinstance(task, dict) else None
                if isinstance(prompt, str) and prompt:
                    waiting.setdefault(prompt, []).append(call_id)
        shown = {item.first_line for item in self.items}
        owner: dict[str, str] = {}
        turns: dict[str, list[Item]] = {}
        for root in roots:
            called = waiting.get(_prompt_of(root) or "")
            if called and root.uuid is not None and root.line not in shown:
                call_id = owner[root.uuid] = called.pop(0)
                turns[call_id] = [_sub_agent_turn(root, call_id)]
        if not turns:
            return {}
        after = min(roots, key=_line_of).line
        for call_id, found in self.sub_agent_lines.descendants(owner, after).items():
            turns[call_id] += [_sub_agent_turn(record, call_id) for record in found]
        return turns

    def _session_id(self) -> str | None:
        return first_session_id(self.analysis.records, self.analysis.lines)


def _sub_agent_turn(record: Record, call_id: str) -> Item:
    item = Item(ItemKind.SUB_AGENT, record.line, record.line, record.timestamp)
    item.source, item.parent_tool = Source(record.line), call_id
    return item


def _prompt_of(record: Record) -> str | None:
    """A user line's text: its content when a string, else its text blocks joined."""
    content = record.message.content if record.message is not None else None
    if isinstance(content, str):
        return content
    if isinstance(content, tuple):
        return "".join(block.text or "" for block in content if block.type == "text") or None
    return None


def _line_of(record: Record) -> int:
    return record.line


def _json_usage(recorded: object, *, partial: bool) -> Usage | None:
    if not isinstance(recorded, dict):
        return None
    return Usage(
        _count(recorded.get("input_tokens")),
        _count(recorded.get("output_tokens")),
        _count(recorded.get("cache_read_input_tokens")),
        _count(recorded.get("cache_creation_input_tokens")),
        partial,
    )


def _count(value: object) -> int:
    """A token count as written; anything else (a string, a negative number, true) is none."""
    return value if type(value) is int and value >= 0 else 0


def _session_usage(analysis: Analysis) -> Usage | None:
    """The tokens of every API message in the file, each counted once: the history before a
    compaction and abandoned branches cost tokens too. Run over every record of the file, so
    kept to a bare loop."""
    requests: dict[object, Message] = {}
    for record in analysis.records:
        if record is None:
            continue
        message = record.message
        if message is not None and message.usage is not None:
            # One message's lines repeat its usage, as complete or more: the last one counts.
            requests[message.id or record.requestId or record.line] = message
    counted = [
        message
        for message in requests.values()
        if isinstance(message.usage, RecordedUsage) and message.model != SYNTHETIC_MODEL
    ]
    if not counted:
        return None
    usages = cast(list[RecordedUsage], [message.usage for message in counted])
    return Usage(
        _total([usage.input_tokens for usage in usages]),
        _total([usage.output_tokens for usage in usages]),
        _total([usage.cache_read_input_tokens for usage in usages]),
        _total([usage.cache_creation_input_tokens for usage in usages]),
        # Counted while the message streamed: its last line has no stop reason.
        any(message.stop_reason is None for message in counted),
    )


def _total(values: list[object]) -> int:
    """The sum of the counts (`_count`). When every value is a whole non-negative number, as
    Claude Code writes them, they are checked and summed without a Python step per value: 70,000
    messages took 50 ms counted one by one."""
    if set(map(type, values)) <= {int}:
        numbers = cast(list[int], values)
        if not numbers or min(numbers) >= 0:
            return sum(numbers)
    return sum(map(_count, values))


def _start_note(analysis: Analysis) -> str | None:
    """Why the replayed conversation starts where it does, when that is not the file's start."""
    conversation = conversation_of(analysis)
    if conversation.end is ChainEnd.COMPACTION:
        return "the conversation starts at the last compaction"
    if conversation.end is ChainEnd.MISSING_PARENT:
        return "the conversation starts at a line whose parent is missing"
    if conversation.end is ChainEnd.CYCLE:
        return "the conversation starts where a parentUuid cycle was cut"
    return None


class ClaudeTexts:
    """Texts of a Claude Code item: a content block of its line, or a system line's content."""

    planning_tools = frozenset({PLANNING_TOOL, *TASK_TOOLS})
    replayed_planning_tools = TASK_TOOLS

    def item_text(self, item: Item, reader: LineReader) -> str | None:
        source = item.source
        assert source is not None
        inserted = inserted_text(reader.record(source.line), block_of(reader, source))
        if inserted is not None:
            return inserted
        if item.kind is ItemKind.SUB_AGENT:  # a sub-agent's own line, inline (1.0.x)
            return sidechain_text(reader.record(source.line))
        if item.kind is ItemKind.COMMAND:
            # As the page shows it: a slash command as typed, an output without its tags.
            record = reader.record(source.line)
            if isinstance(record, dict) and record.get("type") == "system":
                return command_text(content_text(record.get("content")))
            return command_text(content_text(block_of(reader, source)))
        if item.kind is ItemKind.RECAP:
            record = reader.record(source.line)
            content = record.get("content") if isinstance(record, dict) else None
            return content_text(content).strip().removesuffix(RECAP_HINT).rstrip()
        if item.kind is ItemKind.THINKING:
            block = block_of(reader, source)
            if isinstance(block, dict) and block.get("type") == "redacted_thinking":
                return REDACTED_THINKING
        return content_text(block_of(reader, source))

    def call_input(self, source: Source, reader: LineReader) -> str | None:
        block = block_of(reader, source)
        return json_text(block.get("input")) if isinstance(block, dict) else None

    def result_text(self, source: Source, reader: LineReader) -> str:
        block = block_of(reader, source)
        return content_text(block.get("content")) if isinstance(block, dict) else ""

    def call_views(
        self, tool: ToolCall, reader: LineReader, items: Sequence[Item] = (), index: int = 0
    ) -> CallViews:
        """An edit's diff (with the result line's `toolUseResult`, which records where it
        landed), a TodoWrite's checklist, a Task's description."""
        if tool.call_source is None:
            return NO_VIEWS
        block = block_of(reader, tool.call_source)
        tool_input = block.get("input") if isinstance(block, dict) else None
        if tool.name in EDITING_TOOLS:
            line = tool.result_line
            recorded = reader.recorded_result(line) if line is not None else None
            before = self._file_before(tool, tool_input, recorded, reader, items, index)
            return CallViews(diff=edit_diff(tool.name, tool_input, recorded, before))
        if tool.name == PLANNING_TOOL:
            return CallViews(todos=plan(tool.name, tool_input))
        if tool.name in SUB_AGENT_TOOLS and isinstance(tool_input, dict):
            description = tool_input.get("description")
            return CallViews(title=description if isinstance(description, str) else None)
        return NO_VIEWS

    def _file_before(
        self,
        tool: ToolCall,
        tool_input: Any,
        recorded: Any,
        reader: LineReader,
        items: Sequence[Item],
        index: int,
    ) -> str | None:
        """The file as the transcript last showed it, from the calls before it in `items`
        (`_FileHistory`), where the result recorded nothing of it (a 2.1.x sub-agent's transcript
        keeps no `toolUseResult`): for a Write over a file (its result says so), or an Edit or
        MultiEdit without a `structuredPatch` (to place its hunks). Not for a call that failed:
        it changed nothing, and its result records nothing in any version, so every page with a
        failed edit on it worked out the history of the whole segment for it."""
        if not isinstance(tool_input, dict) or index <= 0 or tool.is_error:
            return None
        kept = recorded if isinstance(recorded, Mapping) else {}
        path = tool_input.get("file_path")
        if not isinstance(path, str):
            return None
        if tool.name == "Write":
            if isinstance(kept.get("originalFile"), str) or tool.result_source is None:
                return None
            if WRITE_UPDATED not in self.result_text(tool.result_source, reader):
                return None
        elif tool.name not in ("Edit", "MultiEdit") or kept.get("structuredPatch"):
            return None
        return _FileHistory.of(items, reader).before(path, index)

    def plan_after(
        self, items: Sequence[Item], index: int, reader: LineReader
    ) -> list[Todo] | None:
        """A TodoWrite's checklist; after a TaskCreate or TaskUpdate (2.1.x's task list, one task
        per call), the list its calls so far made (in every segment: the list outlives a
        compaction), each call's input and recorded result read."""
        tool = items[index].tool
        if tool is None:
            return None
        if tool.name not in TASK_TOOLS:
            return self.call_views(tool, reader).todos
        calls = []
        replayed: set[int] = set()
        for item in items[: index + 1]:
            call = item.tool
            if item.kind is not ItemKind.TOOL or call is None or call.name not in TASK_TOOLS:
                continue
            if call.is_error or call.call_source is None:
                continue
            if call.call_source.line in replayed:
                continue  # a partial compaction's preserved turns are in both segments
            replayed.add(call.call_source.line)
            block = block_of(reader, call.call_source)
            line = call.result_line
            calls.append(
                (
                    call.name,
                    block.get("input") if isinstance(block, dict) else None,
                    reader.recorded_result(line) if line is not None else None,
                )
            )
        return task_list(calls)

    def request(self, item: Item, reader: LineReader) -> Request | None:
        """The API message of an assistant line: its id (with `requestId`, what its other
        lines share), model and usage; a message Claude Code wrote itself (an API error) names
        no model and cost nothing."""
        record = reader.record(item.first_line)
        if not isinstance(record, dict) or record.get("type") != "assistant":
            return None
        message = record.get("message")
        if not isinstance(message, dict):
            return None
        key = message.get("id") or record.get("requestId") or item.first_line
        model = message.get("model")
        if not isinstance(model, str) or model == SYNTHETIC_MODEL:
            return Request(key, None, None)
        usage = _json_usage(message.get("usage"), partial=message.get("stop_reason") is None)
        return Request(key, model, usage)


CLAUDE_TEXTS = ClaudeTexts()


class _FileHistory:
    """The text of each file the calls of a segment changed, after each call that took effect
    (answered, not an error), as far as the transcript shows it: from a Write of the file on,
    through the Edits and MultiEdits after it. Worked out once per page, each call's input read
    once, each text once: a sub-agent's thousands of edits stay linear."""

    def __init__(self, items: Sequence[Item], reader: LineReader) -> None:
        self._calls: dict[str, list[tuple[int, str, Any]]] = {}
        self._after: dict[int, str | None] = {}
        for position, item in enumerate(items):
            call = item.tool
            if call is None or call.name not in EDITING_TOOLS or call.call_source is None:
                continue
            if call.status is not ToolStatus.ANSWERED or call.is_error:
                continue
            block = block_of(reader, call.call_source)
            tool_input = block.get("input") if isinstance(block, dict) else None
            path = edited_path(call.name, tool_input)
            if path is not None:
                self._calls.setdefault(path, []).append((position, call.name, tool_input))

    @classmethod
    def of(cls, items: Sequence[Item], reader: LineReader) -> _FileHistory:
        """The history of `items`, made on the page's first question and kept with its reader."""
        key = (cls, id(items))
        found = reader.memo.get(key)
        if not isinstance(found, cls):
            found = reader.memo[key] = cls(items, reader)
        return found

    def before(self, path: str, index: int) -> str | None:
        """The file's text before the call at `index` (None: the transcript does not show it)."""
        calls = self._calls.get(path, [])
        earlier = bisect_left(calls, index, key=lambda call: call[0])
        if earlier == 0:
            return None
        start = earlier - 1
        while start > 0 and calls[start][0] not in self._after and calls[start][1] != "Write":
            start -= 1
        text: str | None = None
        for position, name, tool_input in calls[start:earlier]:
            if position in self._after:
                text = self._after[position]
                continue
            text = self._after[position] = text_after(name, tool_input, text)
        return text


def block_of(reader: LineReader, source: Source) -> Any:
    """The content block a source names (the whole content for a plain-string prompt)."""
    record = reader.record(source.line)
    if not isinstance(record, dict):
        return None
    message = record.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if source.block is None or isinstance(content, str):
        return content
    if isinstance(content, list) and 0 <= source.block < len(content):
        return content[source.block]
    return None


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
