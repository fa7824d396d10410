"""The conversation model of a Codex CLI rollout: file order is the conversation."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from session_lsp.core.content_text import content_text, one_line
from session_lsp.core.document import Analysis
from session_lsp.core.formats.codex.agent_calls import ACTIONS, AgentCalls
from session_lsp.core.formats.codex.compaction_text import compaction_text
from session_lsp.core.formats.codex.outputs import (
    USER_SHELL_COMMAND,
    header_says_failed,
    may_be_wrapped_failure,
    output_of,
    readable_output,
    user_shell_command_text,
)
from session_lsp.core.formats.codex.processes import (
    POLL_TOOL,
    ProcessCalls,
    is_refusal,
    may_be_refused,
)
from session_lsp.core.formats.codex.rollout import (
    CALL_TYPES,
    CONTEXTUAL_PREFIXES,
    OUTPUT_TYPES,
    SERVER_CALL_TYPES,
    Payload,
    RolloutLine,
    TokenInfo,
    TokenUsage,
    call_input,
    message_content,
    output_text,
    read_line,
)
from session_lsp.core.formats.codex.sub_agents import (
    SPAWN_TOOL,
    ThreadRollouts,
    spawn_note,
    spawn_task,
)
from session_lsp.core.formats.codex.tool_views import (
    PATCH_TOOL,
    PLANNING_TOOL,
    applied_diff,
    patch_diff,
    plan,
    plan_explanation,
    shell_patch,
)
from session_lsp.core.plans import Todo
from session_lsp.core.turns.model import (
    ENCRYPTED_REASONING,
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
from session_lsp.core.turns.segments import Segment, earlier_segment
from session_lsp.core.turns.statuses import ABORTED_ENDINGS, STUB_PREFIX
from session_lsp.core.turns.texts import NO_VIEWS, CallViews, LineReader, json_text

ASSISTANT_SIDE = frozenset({ItemKind.ASSISTANT, ItemKind.THINKING, ItemKind.TOOL})
"""The items a model's response produced, which carry its model and the request's tokens."""

_STUB_MARK, _ABORTED_MARK, _REJECTED_MARK = STUB_PREFIX.encode(), b"aborted", b"rejected by user"
REJECTED_OUTPUTS = frozenset(
    {"exec command rejected by user", "patch rejected by user", "rejected by user"}
)
"""What Codex answers a call the user declined at its approval prompt (`ToolError::Rejected`)."""
REQUEST_HEADING = "## My request for Codex:"
"""Where the words typed start in a prompt the IDE extension or Codex Desktop sent with the files
and tabs it mentions before them."""


def typed_request(text: str) -> str:
    """A prompt's own words, without the context an IDE or Codex Desktop put before them: what
    a title shows, as readers of Codex sessions show it."""
    _, heading, request = text.partition(REQUEST_HEADING)
    return request.strip() if heading and request.strip() else text.strip()


def may_be_special(raw: bytes) -> bool:
    """Whether an output line can be a stub, an abort or a rejection: only those are decoded while
    building. Each mark is looked for in every output of a rollout, with no generator per line
    (which took a third of the time)."""
    return _ABORTED_MARK in raw or _STUB_MARK in raw or _REJECTED_MARK in raw


def codex_output_status(output: str) -> ToolStatus:
    stripped = output.strip()
    if stripped.startswith(STUB_PREFIX):
        return ToolStatus.STUBBED
    if stripped in REJECTED_OUTPUTS:
        return ToolStatus.REJECTED
    if stripped == "aborted" or stripped.endswith(ABORTED_ENDINGS):
        return ToolStatus.INTERRUPTED
    return ToolStatus.ANSWERED


class CodexBuilder:
    """File order is the conversation (docs/codex-format.md: How Codex rebuilds the
    conversation on resume)."""

    def __init__(self, analysis: Analysis, path: Path | None = None) -> None:
        self.analysis = analysis
        self.threads = ThreadRollouts(path)
        """The rollouts of the threads it spawned, found from where this one is."""
        self.reader = LineReader(analysis.lines)
        self.items: list[Item] = []
        self.calls: dict[str, ToolCall] = {}
        self.call_items: dict[str, Item] = {}
        """The item showing each of `calls`: an output finds it without a scan back through the
        items (thousands of parallel calls, then their outputs)."""
        self.session_id: str | None = None
        self.model_name: str | None = None
        """The model of the turn being read (`turn_context`)."""
        self.responded: Item | None = None
        """The last item of the response a `token_count` event counts, until it is counted."""
        self.totals: object = None
        """The last `total_token_usage` read: a repeat of it counts nothing."""
        self.used: Usage | None = None
        """The requests counted so far, each once: the session's use, whatever Codex's own
        running total says after a restart."""
        self.last_request: Usage | None = None
        self.spawned_by: str | None = None
        """What the rollout's `session_meta` says when a sub-agent's thread wrote it."""
        self.command_ends: dict[str, object] = {}
        """Each command's exit code, from its `exec_command_end` event: a command still running
        when its call was answered ends in a later poll (`write_stdin`), and only this event
        says how for the call that started it."""
        self.agents = AgentCalls()
        """The spawn_agent calls and the calls acting on the agents they spawned."""
        self.processes = ProcessCalls()
        """The calls that started a command left running and the polls of it (`write_stdin`)."""
        self.open_prompt: tuple[str, bool] | None = None
        """The last prompt since the model last answered, and whether it came from a
        `user_message` event: Codex CLI writes each prompt twice (the message it sends, then the
        event), Codex Desktop only the event."""

    def build(self) -> ConversationModel:
        for line, record in self._records():
            self._add(line, record)
        for call in self.calls.values():
            if call.result_line is None and not call.searches_the_web:
                call.status = ToolStatus.UNPAIRED  # or live: `judge_model` reads the findings
            elif call.result_line is not None:
                self._read_status(call, call.result_line)
                self._settle_command(call)
                if call.name == SPAWN_TOOL:
                    self._find_thread(call, call.result_line)
        title = next((item.text for item in self.items if item.kind is ItemKind.PROMPT), None)
        title = typed_request(title) if title else None
        earlier, items = self._segments()
        parts = [*(segment.items for segment in earlier), items]
        self.processes.link(parts, self.analysis.lines)
        self.agents.link(parts, self.analysis.lines)
        return ConversationModel(
            "codex",
            items,
            [],
            self.analysis.lines,
            session_id=self.session_id,
            title=one_line(title) if title else None,
            texts=CODEX_TEXTS,
            assistant_label="Codex",
            usage=self.used,
            known_context=self.last_request.context if self.last_request is not None else None,
            context_known=True,
            earlier_segments=earlier,
            start_note=self.spawned_by,
        )

    def _read_status(self, call: ToolCall, line: int) -> None:
        """Stubbed, interrupted, rejected, or a command that failed (a non-zero exit code, which Codex's
        interface marks as failed, or Codex's own refusal of a unified exec call, its text in
        place of an output). Only an output whose bytes may say so is decoded."""
        raw = bytes(self.analysis.lines[line])
        self.processes.answered(call, raw)
        if may_be_special(raw):
            call.status = codex_output_status(output_of(raw))
        if call.status is not ToolStatus.ANSWERED:
            return
        failed = (
            header_says_failed(raw)
            or (may_be_wrapped_failure(raw) and bool(readable_output(output_of(raw)).exit_code))
            or (may_be_refused(call.name, raw) and is_refusal(call.name, output_of(raw)))
        )
        if failed:
            call.status, call.is_error = ToolStatus.ERROR, True

    def _settle_command(self, call: ToolCall) -> None:
        """A command failed when its exit code says so, though its call was answered while it
        still ran (its duration stays the call's: result time minus call time)."""
        exit_code = self.command_ends.get(call.id)
        failed = isinstance(exit_code, int) and not isinstance(exit_code, bool) and exit_code
        if failed and call.status is ToolStatus.ANSWERED:
            call.status, call.is_error = ToolStatus.ERROR, True

    def _find_thread(self, call: ToolCall, line: int) -> None:
        """The spawned thread's rollout, opened under the call as a Task's sub-agent is; the
        thread is kept for the calls that act on it later."""
        thread = self.agents.spawn(call, output_text(payload_of(self.reader.record(line))))
        found = self.threads.find(thread, call.called_at) if thread else None
        if found is not None:
            call.agent_file = found
            call.agent = SubAgent(found)

    def _segments(self) -> tuple[list[Segment], list[Item]]:
        """The items cut at each `compacted` record: a resume sends what follows the last one
        (its replacement history first), the rest is earlier history, each part summarised by the
        compaction that closed it."""
        starts = [at for at, item in enumerate(self.items) if item.kind is ItemKind.COMPACTION]
        if not starts:
            return [], self.items
        bounds = [0, *starts]
        earlier = [
            earlier_segment(self.items[start:stop], self._text(self.items[stop]))
            for start, stop in itertools.pairwise(bounds)
            if start < stop
        ]
        return earlier, self.items[starts[-1] :]

    def _text(self, item: Item) -> str | None:
        return CODEX_TEXTS.item_text(item, self.reader) if item.source is not None else None

    def _records(self) -> Iterator[tuple[int, RolloutLine]]:
        for line, raw in enumerate(self.analysis.lines):
            record = read_line(raw)
            if record is not None:
                yield line, record

    def _item(self, kind: ItemKind, line: int, record: RolloutLine, *, text: bool = True) -> Item:
        timestamp = record.timestamp if isinstance(record.timestamp, str) else None
        item = Item(kind, line, line, timestamp, Source(line) if text else None)
        if kind in ASSISTANT_SIDE:
            item.model = self.model_name
            self.responded = item
            self.open_prompt = None
        self.items.append(item)
        return item

    def _add(self, line: int, record: RolloutLine) -> None:
        payload = record.payload
        if payload is None:
            if record.type == "compacted":
                self._item(ItemKind.COMPACTION, line, record)
        elif record.type == "response_item":
            self._add_response_item(line, record, payload)
        elif record.type == "event_msg":
            self._add_event(line, record, payload)
        elif record.type == "session_meta":
            session_id = payload.id if isinstance(payload.id, str) else None
            self.session_id = self.session_id or session_id
            self.spawned_by = self.spawned_by or spawn_note(payload.source)
        elif record.type == "compacted":
            self._item(ItemKind.COMPACTION, line, record)
        elif record.type == "turn_context":
            self.model_name = payload.model if isinstance(payload.model, str) else self.model_name

    def _add_event(self, line: int, record: RolloutLine, payload: Payload) -> None:
        kind = payload.type
        if kind == "token_count":
            self._count_tokens(payload.info)
        elif kind == "exec_command_end" and isinstance(payload.call_id, str):
            self.command_ends[payload.call_id] = payload.exit_code
            self.processes.named(payload.process_id, self.calls.get(payload.call_id))
        elif kind == "user_message" and isinstance(payload.message, str):
            self._add_prompt(line, record, payload.message, from_event=True)
        elif kind == "turn_aborted":
            self._item(ItemKind.INTERRUPT, line, record)
        elif kind == "thread_rolled_back":
            # Shown where it happened: the turns before it stay in view, marked as dropped.
            self._item(ItemKind.NOTIFICATION, line, record)

    def _add_response_item(self, line: int, record: RolloutLine, payload: Payload) -> None:
        kind = payload.type
        if kind == "message" and payload.role in ("user", "assistant"):
            if payload.role == "assistant":
                self._item(ItemKind.ASSISTANT, line, record)
                return
            text = content_text(message_content(payload))
            if text.lstrip().startswith(USER_SHELL_COMMAND):
                self._item(ItemKind.COMMAND, line, record)
            elif not text.lstrip().startswith(CONTEXTUAL_PREFIXES):
                self._add_prompt(line, record, text, from_event=False)
        elif kind == "reasoning":
            self._item(ItemKind.THINKING, line, record)
        elif kind in CALL_TYPES or kind in SERVER_CALL_TYPES:
            call_id = payload.call_id or f"(no call_id, line {line + 1})"
            call = ToolCall(call_id, payload.name or kind or "tool", line)
            call.call_source = Source(line)
            # Codex asks an output only of a call with a call_id (normalize.rs).
            call.searches_the_web = kind in SERVER_CALL_TYPES or payload.call_id is None
            item = self._item(ItemKind.TOOL, line, record, text=False)
            item.tool = call
            if self.calls.setdefault(call_id, call) is call:
                self.call_items[call_id] = item
            if call.name == POLL_TOOL:
                self.processes.poll(call, bytes(self.analysis.lines[line]))
            elif call.name in ACTIONS:
                self.agents.act(call, bytes(self.analysis.lines[line]))
        elif kind in OUTPUT_TYPES:
            self._add_output(line, record, payload)

    def _add_prompt(self, line: int, record: RolloutLine, text: str, *, from_event: bool) -> None:
        """A prompt, once: the event that echoes the message just sent (or the message that
        follows its event) is the same prompt."""
        said = text.strip()
        if not said:
            return
        if self.open_prompt is not None and self.open_prompt == (said, not from_event):
            self.open_prompt = None
            return
        self.open_prompt = (said, from_event)
        item = self._item(ItemKind.PROMPT, line, record)
        item.text, item.truncated = clip(text)

    def _count_tokens(self, info: object) -> None:
        """A `token_count` event follows each model response; Codex repeats one (same totals)
        when only its rate limits changed, which counts nothing again. The session's use is the
        sum of the requests (equal to Codex's running total in a rollout written in one run)."""
        if not isinstance(info, TokenInfo):
            return
        totals = info.total_token_usage
        if totals == self.totals:
            return
        self.totals = totals
        request = _usage(info.last_token_usage)
        if request is None:
            return
        self.last_request = request
        self.used = request if self.used is None else self.used + request
        if self.responded is not None:
            self.responded.usage = request
            self.responded = None

    def _add_output(self, line: int, record: RolloutLine, payload: Payload) -> None:
        call = self.calls.get(payload.call_id or "")
        if call is not None and call.result_line is None:
            call.result_line = line
            call.result_source = Source(line)
            item = self.call_items[call.id]
            item.last_line = line
            ended = record.timestamp
            call.called_at = item.timestamp
            call.answered_at = ended if isinstance(ended, str) else None
            return
        orphan = ToolCall(payload.call_id or "", "", None, ToolStatus.ORPHAN, line)
        orphan.result_source = Source(line)
        item = self._item(ItemKind.ORPHAN_RESULT, line, record, text=False)
        item.tool = orphan


def _count(value: object) -> int:
    """A count as written; anything else (a string, a negative number, true) is none."""
    return value if type(value) is int and value >= 0 else 0


def _usage(recorded: object) -> Usage | None:
    """Codex's token use (OpenAI's: `input_tokens` includes the cached ones) as the model's
    `Usage`, whose `input` is the uncached part."""
    if not isinstance(recorded, TokenUsage):
        return None
    cached = _count(recorded.cached_input_tokens)
    return Usage(
        input=max(0, _count(recorded.input_tokens) - cached),
        output=_count(recorded.output_tokens),
        cache_read=cached,
    )


class CodexTexts:
    """Texts of a Codex item: its line's payload."""

    planning_tools = frozenset({PLANNING_TOOL})
    replayed_planning_tools: frozenset[str] = frozenset()

    def item_text(self, item: Item, reader: LineReader) -> str | None:
        assert item.source is not None
        return codex_text(reader.record(item.source.line))

    def call_input(self, source: Source, reader: LineReader) -> str | None:
        arguments = call_input(payload_of(reader.record(source.line)))
        return None if arguments is None else json_text(arguments)

    def result_text(self, source: Source, reader: LineReader) -> str:
        """A command's output before the facts Codex wrote about it (hover shows the line's
        output as it is)."""
        return readable_output(output_text(payload_of(reader.record(source.line)))).text

    def call_views(
        self, tool: ToolCall, reader: LineReader, items: Sequence[Item] = (), index: int = 0
    ) -> CallViews:
        """apply_patch as unified diffs: what its `patch_apply_end` event says Codex changed, else
        the patch itself (a custom call's `input` is the patch, a function call's `arguments`
        hold it); update_plan's steps."""
        if tool.call_source is None:
            return NO_VIEWS
        payload = payload_of(reader.record(tool.call_source.line))
        if tool.name not in (PATCH_TOOL, PLANNING_TOOL, SPAWN_TOOL):
            return self._shell_patch_views(tool, payload, reader)
        raw = payload.get("input")
        if not isinstance(raw, str):
            raw = payload.get("arguments")
        if tool.name == SPAWN_TOOL:
            return CallViews(title=spawn_task(raw))
        if tool.name == PATCH_TOOL:
            applied = applied_diff(tool.name, _applied_changes(tool, reader), raw)
            return CallViews(diff=applied or patch_diff(tool.name, raw))
        return CallViews(todos=plan(tool.name, raw), explanation=plan_explanation(tool.name, raw))

    def _shell_patch_views(
        self, tool: ToolCall, payload: dict[str, Any], reader: LineReader
    ) -> CallViews:
        """A shell call that ran `apply_patch`: Codex applies the patch itself and records it
        (`patch_apply_end`) under the shell call's id."""
        patch = shell_patch(payload.get("arguments", payload.get("action")))
        if patch is None:
            return NO_VIEWS
        applied = applied_diff(PATCH_TOOL, _applied_changes(tool, reader), patch)
        return CallViews(diff=applied or patch_diff(PATCH_TOOL, patch))

    def request(self, item: Item, reader: LineReader) -> Request | None:
        """None: the model and usage come from `turn_context` and `token_count` lines, set on
        the items while building."""
        return None

    def plan_after(
        self, items: Sequence[Item], index: int, reader: LineReader
    ) -> list[Todo] | None:
        """update_plan writes the whole plan each time."""
        tool = items[index].tool
        return self.call_views(tool, reader).todos if tool is not None else None


CODEX_TEXTS = CodexTexts()


EVENT_REACH = 100
"""How many lines before a patch's output its `patch_apply_end` is looked for: Codex writes it
just before the output (after the other outputs of a parallel batch); a page never decodes a
long stretch of lines for a rollout that recorded none."""


def _applied_changes(tool: ToolCall, reader: LineReader) -> object:
    """The `changes` of the `patch_apply_end` event of an answered patch call, between the call
    and its output, nearest the output first."""
    if tool.call_line is None or tool.result_line is None:
        return None
    nearest = max(tool.call_line + 1, tool.result_line - EVENT_REACH)
    for line in range(tool.result_line - 1, nearest - 1, -1):
        record = reader.record(line)
        if not isinstance(record, dict):
            continue  # a line that is no JSON object: damaged, and no event
        payload = payload_of(record)
        if (
            record.get("type") == "event_msg"
            and payload.get("type") == "patch_apply_end"
            and payload.get("call_id") == tool.id
        ):
            return payload.get("changes")
    return None


def payload_of(record: Any) -> dict[str, Any]:
    payload = record.get("payload") if isinstance(record, dict) else None
    return payload if isinstance(payload, dict) else {}


def codex_text(record: Any) -> str:
    payload = payload_of(record)
    kind = payload.get("type")
    if kind == "reasoning":
        # The summary, else the reasoning itself (`reasoning_text`, as open models write it).
        said = content_text(payload.get("summary")) or content_text(payload.get("content"))
        return said or ENCRYPTED_REASONING
    if isinstance(record, dict) and record.get("type") == "compacted":
        return compaction_text(payload)
    if kind == "thread_rolled_back":
        turns = payload.get("num_turns")
        count = turns if isinstance(turns, int) and not isinstance(turns, bool) else "?"
        plural = "" if count == 1 else "s"
        return (
            f"[rolled back {count} turn{plural}: a resume leaves out the last {count}"
            f" prompt{plural} before this point and what followed]"
        )
    if kind == "turn_aborted":
        return f"[turn aborted: {payload.get('reason', 'unknown')}]"
    if kind == "user_message":
        message = payload.get("message")
        return message if isinstance(message, str) else ""
    text = content_text(payload.get("content"))
    return user_shell_command_text(text) if text.lstrip().startswith(USER_SHELL_COMMAND) else text
