"""Codex CLI rollouts (`~/.codex/sessions/**/rollout-*.jsonl`): tool calls paired by call_id.

A rollout has no parent links: file order is the conversation. Codex rebuilds the history on
resume (`rollout_reconstruction.rs`) by recording response items in order; a `compacted` line
replaces the history with its `replacement_history` (or, in older rollouts without one, with the
user messages and a summary: no call survives it); a `thread_rolled_back` event drops the last
N user turns; `turn_aborted` and the other events change nothing in it. Codex patches an unanswered
call with an `"aborted"` output in memory only (`normalize.rs`), so the file stays broken for
every other reader (docs/codex-format.md: How Codex rebuilds the conversation on resume).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import msgspec

from session_lsp.core.content_text import content_text
from session_lsp.core.findings import Code, Finding, Severity
from session_lsp.core.locate import Locator
from session_lsp.core.reading import Line, glued_offsets, glued_parts
from session_lsp.core.tools import ToolHalf
from session_lsp.core.wording import counted

CALL_TYPES = frozenset(
    {"function_call", "custom_tool_call", "local_shell_call", "tool_search_call"}
)
"""Calls that need an output when they carry a `call_id`. Of the other call-like response items,
`web_search_call` and `image_generation_call` run on the server and carry their result."""
ANSWERS = {
    "function_call_output": frozenset({"function_call", "local_shell_call"}),
    "custom_tool_call_output": frozenset({"custom_tool_call"}),
    "tool_search_output": frozenset({"tool_search_call"}),
}
"""Which calls each output kind answers, as Codex pairs them (`normalize.rs`,
`ensure_call_outputs_present` and `remove_orphan_outputs`: a local shell call is answered by a
`function_call_output`; a custom tool call only by a `custom_tool_call_output`; a tool search
call with a `call_id` only by a `tool_search_output`, which Codex inserts in memory when it is
missing)."""
SERVER_CALL_TYPES = frozenset({"web_search_call", "image_generation_call"})
"""Calls the server runs, whose result is in the call itself: never answered by an output."""
SERVER_EXECUTION = "server"
"""A `tool_search_output` the server ran is kept without a call (`remove_orphan_outputs`)."""
OUTPUT_TYPES = frozenset(ANSWERS)
ROLLOUT_TYPES = frozenset(
    {"session_meta", "turn_context", "response_item", "event_msg", "compacted"}
)


NOT_AN_OBJECT = str | int | float | bool | list[object] | None
"""Any other JSON value where an object is expected: read as "not this shape", never an error."""


class TokenUsage(msgspec.Struct, gc=False):
    """One of a `token_count` event's counts (OpenAI's: `input_tokens` includes the cached)."""

    input_tokens: object = None
    cached_input_tokens: object = None
    output_tokens: object = None
    reasoning_output_tokens: object = None
    total_tokens: object = None


class TokenInfo(msgspec.Struct, gc=False):
    """A `token_count` event's `info`: decoded into fields, not dictionaries, because a rollout
    holds one such event per model response (58,000 in a 91 MB rollout)."""

    total_token_usage: TokenUsage | NOT_AN_OBJECT = None
    last_token_usage: TokenUsage | NOT_AN_OBJECT = None


class Payload(msgspec.Struct):
    """The fields of a record's payload that the replay, the findings and the view read.

    A message's `content` and a compaction's `replacement_history` are kept as their JSON text
    (`msgspec.Raw`, a view of the line, not a copy) and decoded where they are read: only a user
    message's content and a compaction's history ever are, and decoding every assistant message's
    text to drop it was most of what reading a rollout allocated (`message_content`)."""

    type: str | None = None
    call_id: str | None = None
    name: str | None = None
    role: str | None = None
    content: msgspec.Raw = msgspec.Raw()
    num_turns: object = None
    replacement_history: msgspec.Raw = msgspec.Raw()
    """Both empty when the payload has no such field."""
    id: object = None
    """`session_meta`'s session id."""
    execution: object = None
    info: TokenInfo | NOT_AN_OBJECT = None
    """A `token_count` event's token use (`last_token_usage`, `total_token_usage`)."""
    model: object = None
    """A `turn_context`'s model."""
    message: object = None
    """A `user_message` event's text: what the person typed, as the interface showed it."""
    source: object = None
    """`session_meta`'s source: `cli`, `vscode`, … or, for a sub-agent's thread, `{"subagent": …}`."""
    exit_code: object = None
    """An `exec_command_end` event's: how the command ended, polled or not."""
    process_id: object = None
    """An `exec_command_end` event's: the id its command ran under, which polls name."""


class RolloutLine(msgspec.Struct):
    type: str | None = None
    timestamp: object = None
    payload: Payload | None = None


_DECODER = msgspec.json.Decoder(RolloutLine)


def read_line(line: Line) -> RolloutLine | None:
    """The one typed reading of a rollout line (None when it is no rollout record)."""
    try:
        return _DECODER.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return None


def _read_all(line: Line) -> list[RolloutLine]:
    """The line's records: one, none, or each of several glued together (read as if split)."""
    record = read_line(line)
    if record is not None:
        return [record]
    raw = bytes(line)
    offsets = glued_offsets(raw)
    if offsets is None:
        return []
    return [
        part_record
        for part in glued_parts(raw, offsets)
        if (part_record := read_line(part)) is not None
    ]


def _records(lines: Sequence[Line]) -> Iterator[tuple[int, RolloutLine]]:
    """The lines' records as they are read: a caller that keeps only some never holds them all
    (the 278,000 records of a 91 MB rollout took 200 MB at once)."""
    for index, line in enumerate(lines):
        for record in _read_all(line):
            yield index, record


def call_mentions(line: Line) -> list[tuple[str, bool]]:
    """The call ids a line's response items name: (call_id, True for an output)."""
    mentions = []
    for record in _read_all(line):
        payload = record.payload
        if record.type != "response_item" or payload is None or payload.call_id is None:
            continue
        if payload.type in CALL_TYPES:
            mentions.append((payload.call_id, False))
        elif payload.type in ANSWERS:
            mentions.append((payload.call_id, True))
    return mentions


def call_lines(lines: Sequence[Line]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Every call and every output in the file by call id, compacted history included."""
    calls: dict[str, list[int]] = {}
    outputs: dict[str, list[int]] = {}
    for index, record in _records(lines):
        payload = record.payload
        if record.type != "response_item" or payload is None or payload.call_id is None:
            continue
        if payload.type in CALL_TYPES:
            calls.setdefault(payload.call_id, []).append(index)
        elif payload.type in ANSWERS:
            outputs.setdefault(payload.call_id, []).append(index)
    return calls, outputs


def call_half(line: Line, call_id: str, is_output: bool) -> ToolHalf:
    """A call's name and arguments, or an output's text, as hover shows them."""
    values = []
    raw = bytes(line)
    offsets = glued_offsets(raw)
    for part in glued_parts(raw, offsets) if offsets is not None else [raw]:
        try:
            values.append(json.loads(part))
        except ValueError:
            continue
    for value in values:
        payload = value.get("payload") if isinstance(value, dict) else None
        if not isinstance(payload, dict) or payload.get("call_id") != call_id:
            continue
        kind = payload.get("type")
        if (kind in ANSWERS) != is_output or kind not in CALL_TYPES | OUTPUT_TYPES:
            continue
        timestamp = value.get("timestamp")
        return ToolHalf(
            name=payload.get("name") or kind if not is_output else None,
            input=call_input(payload) if not is_output else None,
            output=output_text(payload) if is_output else None,
            is_error=False,
            timestamp=timestamp if isinstance(timestamp, str) else None,
        )
    return ToolHalf(None, None, None, False, None)


def call_input(payload: Mapping[str, Any]) -> object:
    """A call's arguments as hover and the conversation view show them: `function_call.arguments`
    is a JSON string and is decoded; custom calls carry `input`, shell calls `action`, web
    searches `query`, image generations `revised_prompt`."""
    for key in ("arguments", "input", "action", "query", "revised_prompt"):
        if key not in payload:
            continue
        value = payload[key]
        if key == "arguments" and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    return None


class _CallPayload(msgspec.Struct):
    arguments: str | None = None


class _CallLine(msgspec.Struct):
    payload: _CallPayload | None = None


_CALL_DECODER = msgspec.json.Decoder(_CallLine)


def call_arguments(raw: bytes) -> str | None:
    """A function call line's `arguments` (a JSON text), the rest of the line skipped: for the
    few calls whose arguments the model is built from (a poll's process, an agent's id)."""
    try:
        record = _CALL_DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return None
    return record.payload.arguments if record.payload is not None else None


def output_text(payload: Mapping[str, Any]) -> str:
    """An output's text as hover shows it, whatever its shape (the conversation view reads it
    through `outputs.readable_output`); a tool search's output is the tools it found."""
    if payload.get("type") == "tool_search_output":
        tools = payload.get("tools")
        names = [_tool_name(tool) for tool in tools] if isinstance(tools, list) else []
        found = f"{counted(len(names), 'tool')} found"
        return f"{found}: {', '.join(names)}" if names else found
    return content_text(payload.get("output"))


def _tool_name(tool: object) -> str:
    name = tool.get("name") if isinstance(tool, dict) else None
    return name if isinstance(name, str) else "(unnamed)"


def purged_lines(lines: Sequence[Line], call_lines: Iterable[int]) -> dict[int, list[int]]:
    """For each call line, what purging the call removes: its line and any copy of it, and the
    reasoning item right before it when that reasoning led to this call alone (no other call of
    its batch follows it), so no thought dangles. The rollout is read once for all the calls a
    purge removes."""
    wanted = list(call_lines)
    if not wanted:
        return {}
    items = [
        (index, record.payload.type)
        for index, record in _records(lines)
        if record.type == "response_item" and record.payload is not None
    ]
    first: dict[int, int] = {}
    for position, (index, _) in enumerate(items):
        first.setdefault(index, position)
    copies = _copies(lines, wanted)
    return {
        call_line: _purged(items, first.get(call_line), call_line) + copies.get(call_line, [])
        for call_line in wanted
    }


def _copies(lines: Sequence[Line], wanted: list[int]) -> dict[int, list[int]]:
    """The other lines that are byte for byte a wanted line (the same call written twice, as a
    sync tool's merge leaves it): with one removed, the other would still make the call."""
    by_text = {bytes(lines[line]): line for line in wanted}
    lengths = {len(text) for text in by_text}
    copies: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if len(line) not in lengths:
            continue
        original = by_text.get(bytes(line))
        if original is not None and original != index:
            copies.setdefault(original, []).append(index)
    return copies


def _purged(items: list[tuple[int, str | None]], position: int | None, call_line: int) -> list[int]:
    if position is None:
        return [call_line]
    previous = items[position - 1] if position > 0 else None
    following = items[position + 1][1] if position + 1 < len(items) else None
    if previous is not None and previous[1] == "reasoning" and following not in CALL_TYPES:
        return [previous[0], call_line]
    return [call_line]


def rollout_content(lines: Sequence[Line], start: int, stop: int) -> tuple[int, int, int]:
    """User prompts, tool calls and response items on lines [start, stop)."""
    prompts = calls = items = 0
    for _, record in _records(lines[start:stop]):
        payload = record.payload
        if payload is None:
            continue
        items += record.type == "response_item"
        if record.type == "event_msg" and payload.type == "user_message":
            prompts += 1
        elif record.type == "response_item" and payload.type in CALL_TYPES:
            calls += 1
    return prompts, calls, items


def is_rollout(lines: Sequence[Line]) -> bool:
    """The first readable line is a rollout record (`session_meta` first, in every real file)."""
    for line in lines:
        record = read_line(line)
        if record is not None:
            return record.type in ROLLOUT_TYPES and record.payload is not None
    return False


CONTEXTUAL_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions",
    "<user_shell_command>",
    "<turn_aborted>",
    "<skill",
)
"""User-role messages Codex writes itself: they start no user turn (rollback counts turns), and
the conversation view shows none of them as a prompt or a title. The one list of them."""


def message_content(payload: Payload) -> object:
    """A message's `content` as JSON values (None when it has none or nests deeper than can be
    read)."""
    return _decoded_raw(payload.content)


def _decoded_raw(raw: msgspec.Raw) -> object:
    if not raw:
        return None
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return None


def _starts_user_turn(payload: Payload) -> bool:
    if payload.type != "message" or payload.role != "user":
        return False
    content = message_content(payload)
    texts = [
        part.get("text")
        for part in (content if isinstance(content, list) else [])
        if isinstance(part, dict)
    ]
    text = next((text for text in texts if isinstance(text, str)), "")
    return not text.lstrip().startswith(CONTEXTUAL_PREFIXES)


_HISTORY_DECODER = msgspec.json.Decoder(list[msgspec.Raw])
_PAYLOAD_DECODER = msgspec.json.Decoder(Payload)


def _history_items(raw: msgspec.Raw) -> list[Payload] | None:
    """A compaction's replacement history, each item that is a response item (the others
    skipped); None when it is no list."""
    try:
        values = _HISTORY_DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    items = []
    for value in values:
        try:
            items.append(_PAYLOAD_DECODER.decode(value))
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            continue
    return items


class HistoryItem(NamedTuple):
    """What the findings read of an item of the replayed history: a call, an output, or the user
    message that starts a turn (which a rollback and a compaction without a replacement history
    count). Reasoning and replies (a third of a rollout's items) are not kept, and neither is
    the payload: a 91 MB rollout's history is 70,000 of these."""

    line: int
    kind: str
    call_id: str | None
    name: str | None
    server_run: bool
    starts_turn: bool


def _history_item(line: int, payload: Payload) -> HistoryItem | None:
    kind = payload.type
    if kind is None:
        return None
    if kind in CALL_TYPES or kind in ANSWERS:
        return HistoryItem(
            line,
            sys.intern(kind),
            payload.call_id,
            payload.name,
            payload.execution == SERVER_EXECUTION,
            starts_turn=False,
        )
    if _starts_user_turn(payload):
        return HistoryItem(line, "message", None, None, server_run=False, starts_turn=True)
    return None


def replayed_history(records: Iterable[tuple[int, RolloutLine]]) -> list[HistoryItem]:
    """The calls, outputs and turn-starting user messages Codex sends after a resume, each with
    the line it comes from (a compaction's replacement history on the `compacted` line)."""
    history: list[HistoryItem] = []
    for index, record in records:
        payload = record.payload
        if payload is None:
            continue
        if record.type == "response_item":
            item = _history_item(index, payload)
            if item is not None:
                history.append(item)
        elif record.type == "compacted":
            raw = payload.replacement_history
            items = _history_items(raw) if raw else None
            if items is not None:
                history = [
                    item for value in items if (item := _history_item(index, value)) is not None
                ]
            else:
                history = [item for item in history if item.starts_turn]
        elif record.type == "event_msg" and payload.type == "thread_rolled_back":
            turns = payload.num_turns if isinstance(payload.num_turns, int) else 0
            history = _without_last_turns(history, turns)
    return history


def _without_last_turns(history: list[HistoryItem], turns: int) -> list[HistoryItem]:
    if turns <= 0:
        return history
    starts = [position for position, item in enumerate(history) if item.starts_turn]
    if not starts:
        return history
    return history[: starts[-min(turns, len(starts))]]


def findings_key(line: Line) -> tuple[object, ...]:
    """Everything of a line that `rollout_findings` reads (and that makes a file a rollout):
    two versions of a line with the same key leave the findings as they were."""
    return tuple(_record_key(record) for record in _read_all(line))


def _record_key(record: RolloutLine) -> tuple[object, ...]:
    payload = record.payload
    if payload is None:
        return (record.type,)
    return (
        record.type,
        payload.type,
        payload.call_id,
        payload.name,
        payload.execution,
        payload.num_turns,
        bytes(payload.replacement_history),
        _starts_user_turn(payload),
    )


class _Aborts:
    """The line of the last `turn_aborted` event among the records that streamed past (-1 when
    there was none): a call before it had its turn aborted."""

    def __init__(self) -> None:
        self.last = -1

    def watch(
        self, records: Iterable[tuple[int, RolloutLine]]
    ) -> Iterator[tuple[int, RolloutLine]]:
        for index, record in records:
            payload = record.payload
            if (
                record.type == "event_msg"
                and payload is not None
                and payload.type == "turn_aborted"
            ):
                self.last = index
            yield index, record


def rollout_findings(
    lines: Sequence[Line], live_seconds_ago: float | None, locator: Locator
) -> list[Finding]:
    """Calls without an output and outputs without a call, in the history a resume sends."""
    calls: dict[str, tuple[int, str, str]] = {}
    answered: set[str] = set()
    orphans: list[tuple[int, str]] = []
    aborts = _Aborts()  # read once: the history and the aborts both come from it
    for item in replayed_history(aborts.watch(_records(lines))):
        call_id, kind = item.call_id, item.kind
        if call_id is None:
            continue
        if kind in CALL_TYPES:
            calls.setdefault(call_id, (item.line, item.name or kind, kind))
        elif kind in ANSWERS:
            call = calls.get(call_id)
            if call is not None and call[2] in ANSWERS[kind]:
                answered.add(call_id)
            elif not item.server_run:
                orphans.append((item.line, call_id))
    last_call = max((line for line, _, _ in calls.values()), default=-1)
    last_abort = aborts.last
    findings = [
        _unanswered(
            locator,
            call_id,
            line,
            name,
            live_seconds_ago if line == last_call else None,
            aborted=last_abort > line,
            tool_search=kind == "tool_search_call",
        )
        for call_id, (line, name, kind) in calls.items()
        if call_id not in answered
    ]
    findings.extend(
        Finding(
            Code.ORPHAN_TOOL_RESULT,
            Severity.ERROR,
            f"output for {call_id} answers no call in the conversation; the OpenAI API answers"
            f' 400: "No tool call found for function call output with call_id {call_id}."',
            locator.value(line, "call_id", call_id),
            call_id,
        )
        for line, call_id in orphans
    )
    return findings


def _unanswered(
    locator: Locator,
    call_id: str,
    line: int,
    name: str,
    live_seconds_ago: float | None,
    *,
    aborted: bool,
    tool_search: bool,
) -> Finding:
    span = locator.value(line, "call_id", call_id)
    if live_seconds_ago is not None:
        return Finding(
            Code.LIVE_SESSION,
            Severity.INFORMATION,
            f"{name} call {call_id} has no output yet and the file was written"
            f" {live_seconds_ago:.0f}s ago: Codex is probably still running it.",
            span,
            call_id,
        )
    when = (
        " (its turn was aborted: `turn_aborted` keeps the call in the history)" if aborted else ""
    )
    if tool_search:
        consequence = (
            "the Responses API rejects a tool search call sent without its `tool_search_output`"
            " (Codex inserts an empty one in memory; other readers do not)"
        )
    else:
        consequence = (
            f'the OpenAI API answers 400: "No tool output found for function call {call_id}."'
            ' (Codex patches it in memory with an "aborted" output; other readers do not)'
        )
    return Finding(
        Code.UNPAIRED_TOOL_USE,
        Severity.ERROR,
        f"{name} call {call_id} never got an output{when}; {consequence}",
        span,
        call_id,
    )
