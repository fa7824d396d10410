"""Claude Code transcripts (`~/.claude/projects/*/*.jsonl`): a forest of records linked by
`parentUuid`, replayed the way a resume does (conversation.py) and judged by rules.py.

The repairs here edit along the replayed chain (docs/claude-code-format.md §9): a stub goes after
the batch's last result on the chain, a purge re-links children (`settle`), a block is dropped
from its line only when re-serialising the line reproduces its bytes.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from session_lsp.core.content_text import content_text
from session_lsp.core.document import Analysis
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats.base import PerAnalysis, locator_of
from session_lsp.core.formats.claude_code.conversation import (
    ApiMessage,
    ChainEnd,
    Conversation,
    Part,
    conversation_of,
    is_queued_command,
    replay,
)
from session_lsp.core.formats.claude_code.events import queued_is_prompt
from session_lsp.core.formats.claude_code.records import (
    Attachment,
    Record,
    first_session_id,
    is_claude_code_record,
    replay_fields,
)
from session_lsp.core.formats.claude_code.rules import RuleContext, run_rules
from session_lsp.core.formats.claude_code.tool_index import ToolIndex
from session_lsp.core.formats.claude_code.turns import ClaudeBuilder
from session_lsp.core.formats.claude_code.unreadable import unreadable_ids
from session_lsp.core.formats.claude_code.writing import (
    stub_result_line,
    with_parent,
    with_session_id,
)
from session_lsp.core.locate import Locator
from session_lsp.core.nesting import deep_json
from session_lsp.core.plan import Plan
from session_lsp.core.reading import Line, glued_offsets, glued_parts, replayed_records
from session_lsp.core.tools import Mention, ToolHalf
from session_lsp.core.turns.model import ConversationModel
from session_lsp.core.writing import dumps, later_timestamp

INTERRUPT_PREFIX = "[Request interrupted by user"


class ClaudeCode:
    name = "claude-code"
    agent = "Claude Code"
    assistant_label = "Claude"
    result_noun = "tool_result"
    fixes = frozenset(
        {
            Code.UNPAIRED_TOOL_USE,
            Code.LIVE_SESSION,
            Code.ORPHAN_TOOL_RESULT,
            Code.DUPLICATE_TOOL_RESULT,
            Code.DUPLICATE_TOOL_USE_ID,
            Code.UNPAIRED_SERVER_TOOL_USE,
            Code.ORPHAN_SERVER_TOOL_RESULT,
            Code.TOOL_RESULT_AFTER_TEXT,
        }
    )
    can_fork = True
    """A copy under a new sessionId in the same project folder is a session of its own."""
    without_repair = (
        "Without a repair, older Claude Code versions and the Agent SDK fail with"
        ' "API Error: 400 ... tool_use ids were found without tool_result blocks";'
        " newer ones silently drop the unfinished call."
    )
    checks_record_shapes = True
    uses_records = True

    def __init__(self) -> None:
        self._index = PerAnalysis(_tool_index)
        """Built once per analysis: an editor asks for one id after another on the same text."""

    def detect(self, lines: Sequence[Line], records: Sequence[Record | None]) -> bool:
        """A session record with a uuid, or a metadata line Claude Code writes."""
        return any(
            record is not None and is_claude_code_record(record.type, record.uuid)
            for record in records
        )

    def analyse(
        self,
        lines: Sequence[Line],
        records: Sequence[Record | None],
        live_seconds_ago: float | None,
        locator: Locator,
    ) -> tuple[Conversation, list[Finding]]:
        conversation = replay(records)
        context = RuleContext(conversation, records, locator, live_seconds_ago)
        return conversation, run_rules(context)

    def replays_alike(
        self, old_line: Line, new_line: Line, old: Record | None, new: Record | None
    ) -> bool:
        return replay_fields(old) == replay_fields(new)

    def resume_command(self, session_id: str) -> str:
        return f"claude --resume {shlex.quote(session_id)}"

    def live_note(self) -> str:
        return "Claude Code is still writing this file"

    def forked(self, analysis: Analysis, lines: Sequence[Line], session_id: str) -> list[bytes]:
        """Every `"sessionId"` of the session moved to the new id (what --fork-session does)."""
        old = first_session_id(analysis.records, analysis.lines)
        if old is None:
            raise ValueError("no sessionId in the file")
        return [with_session_id(line, old, session_id) for line in lines]

    def first_line_involved(self, analysis: Analysis, finding: Finding) -> int:
        """An unanswered call's whole assistant message, all of whose lines replay as one."""
        if finding.code is Code.UNPAIRED_TOOL_USE and finding.tool_use_id is not None:
            found = message_of(analysis, finding.tool_use_id)
            if found is not None:
                return min(part.record.line for part in found[1].parts)
        return finding.span.line

    def truncate_refusal(self, analysis: Analysis, cut: int) -> str | None:
        """A partial compaction keeps turns physically before its boundary: cutting among them
        cuts the compaction and every line after it (docs/claude-code-format.md §4,
        `preservedSegment`)."""
        conversation = conversation_of(analysis)
        boundary = conversation.end_record
        if not conversation.preserved or boundary is None or cut > boundary.line:
            return None
        return (
            f"it would cut at line {cut + 1}, among the turns the compaction at line"
            f" {boundary.line + 1} kept, and drop the compaction and all the work after it; use"
            " --strategy stub instead"
        )

    def build_model(self, analysis: Analysis, path: Path | None) -> ConversationModel:
        return ClaudeBuilder(analysis, path).build()

    def mentions(self, analysis: Analysis, line: int) -> list[Mention]:
        """Ids on the line, in every record a glued line holds."""
        if not 0 <= line < len(analysis.records):
            return []
        glued = [part.record for problem in analysis.problems[line] for part in problem.glued]
        records = glued or [analysis.records[line]]
        locator = locator_of(analysis)
        mentions = []
        for record in records:
            for block in record.blocks if record is not None else ():
                if block.type in ("tool_use", "server_tool_use") and block.id:
                    span = locator.tool_use_id(line, block.id)
                    mentions.append(Mention(block.id, False, span))
                elif block.type == "tool_result" and block.tool_use_id:
                    span = locator.tool_result_id(line, block.tool_use_id)
                    mentions.append(Mention(block.tool_use_id, True, span))
        return mentions

    def pair_lines(self, analysis: Analysis, tool_use_id: str) -> tuple[list[int], list[int]]:
        index = self._index(analysis)
        return (
            [record.line for record in index.uses.get(tool_use_id, ())],
            [record.line for record in index.results.get(tool_use_id, ())],
        )

    def call_name(self, analysis: Analysis, tool_use_id: str) -> str | None:
        uses = self._index(analysis).uses.get(tool_use_id, ())
        names = (b.name for use in uses for b in use.blocks if b.id == tool_use_id and b.name)
        return next(names, None)

    def half(self, analysis: Analysis, line: int, tool_use_id: str, is_result: bool) -> ToolHalf:
        key = "tool_use_id" if is_result else "id"
        for record in _line_values(analysis.lines[line]):
            message = record.get("message")
            content = message.get("content") if isinstance(message, dict) else None
            for block in content if isinstance(content, list) else ():
                if isinstance(block, dict) and block.get(key) == tool_use_id:
                    timestamp = record.get("timestamp")
                    return ToolHalf(
                        name=_text(block.get("name")),
                        input=block.get("input"),
                        output=content_text(block.get("content")) if is_result else None,
                        is_error=block.get("is_error") is True,
                        timestamp=timestamp if isinstance(timestamp, str) else None,
                        not_sent=_compacted_away(analysis, line),
                    )
        return ToolHalf(None, None, None, False, None)

    def content(self, analysis: Analysis, start: int, stop: int) -> tuple[int, int, int]:
        """Prompts, tool calls and user/assistant records on lines [start, stop)."""
        records = [
            record
            for record in replayed_records(analysis.records, analysis.problems)
            if record is not None and start <= record.line < stop
        ]
        # Inline 1.0.x sidechains are sub-agents' prompts; in a sub-agent file they are the prompts.
        main_session = any(
            record is not None and record.type in ("user", "assistant") and not record.isSidechain
            for record in analysis.records
        )
        prompts = calls = messages = 0
        for record in records:
            messages += record.type in ("user", "assistant")
            if record.type == "assistant":
                calls += sum(1 for block in record.blocks if block.type == "tool_use")
            elif _is_prompt(record) and not (main_session and record.isSidechain):
                prompts += 1
        return prompts, calls, messages

    def stub(self, plan: Plan, unpaired: Sequence[Finding]) -> None:
        _add_stubs(plan, unpaired)

    def purge(self, plan: Plan, unpaired: Sequence[Finding]) -> None:
        """Calls on a partial compaction's head or tail are stubbed instead: removing that line
        breaks Claude Code's tail-to-head walk, which then undoes the compaction on load."""
        ends = conversation_of(plan.analysis).preserved
        kept = [finding for finding in unpaired if _uuid_at(plan, finding.span.line) in ends]
        _add_stubs(plan, kept)
        _purge_calls(plan, [finding for finding in unpaired if finding not in kept])

    def drop(self, plan: Plan, findings: Sequence[Finding]) -> None:
        _drop_lines(plan, findings)

    def reorder(self, plan: Plan, findings: Sequence[Finding]) -> None:
        _results_first(plan, findings)

    def settle(self, plan: Plan) -> dict[int, bytes]:
        """Children of deleted lines re-pointed to their nearest kept ancestor, and the lines a
        stub re-links, each rewritten with its new `parentUuid`."""
        parents = dict(plan.parents)
        deleted = {
            record.uuid
            for line in plan.deleted
            if (record := plan.records[line]) is not None and record.uuid is not None
        }
        unreadable = [line for line in plan.deleted if plan.records[line] is None]
        if deleted or unreadable:
            by_uuid = _records_by_uuid(plan.analysis)
            children = _children_of(plan.analysis)
            # An unreadable line's ids, read from its bytes where the file confirms them.
            read_parents = dict(
                ids
                for line in unreadable
                if (ids := unreadable_ids(plan.lines[line], by_uuid, children)) is not None
            )
            deleted.update(read_parents)
            orphaned = sorted(
                (record for uuid in deleted for record in children.get(uuid, ())),
                key=lambda record: record.line,
            )
            for record in orphaned:
                if record.line in plan.deleted or record.line in parents:
                    continue
                parents[record.line] = _kept_ancestor(
                    record.parentUuid, deleted, by_uuid, read_parents
                )
        return {
            line: with_parent(plan.replaced.get(line, plan.lines[line]), parent)
            for line, parent in parents.items()
            if line not in plan.deleted
        }


def _by_uuid(analysis: Analysis) -> dict[str, Record]:
    return {
        record.uuid: record
        for record in analysis.records
        if record is not None and record.uuid is not None
    }


_records_by_uuid = PerAnalysis(_by_uuid)


def _by_parent(analysis: Analysis) -> dict[str, list[Record]]:
    children: dict[str, list[Record]] = {}
    for record in analysis.records:
        if record is not None and record.parentUuid is not None:
            children.setdefault(record.parentUuid, []).append(record)
    return children


_children_of = PerAnalysis(_by_parent)
"""Each uuid's child lines: a purge re-points the children of the lines it deletes, found here
rather than by a pass over every line for each call purged."""


def _kept_ancestor(
    uuid: str | None,
    deleted: set[str],
    by_uuid: dict[str, Record],
    read_parents: dict[str, str | None],
) -> str | None:
    """The nearest ancestor of `uuid` not deleted; `read_parents`: the parents of deleted lines
    that had no record (read from their bytes)."""
    seen: set[str] = set()
    while uuid is not None and uuid in deleted and uuid not in seen:
        seen.add(uuid)
        record = by_uuid.get(uuid)
        uuid = record.parentUuid if record is not None else read_parents.get(uuid)
    return uuid


def _compacted_away(analysis: Analysis, line: int) -> str | None:
    """A line before the boundary the replay starts at, and not kept by it (docs/
    claude-code-format.md §4): no version sends it, so nothing about its pairing matters."""
    conversation = conversation_of(analysis)
    boundary = conversation.end_record
    if conversation.end is not ChainEnd.COMPACTION or boundary is None:
        return None
    if line >= boundary.line or line in conversation.on_chain():
        return None
    return "compacted away: before the last compaction, so a resume never sends it"


def _uuid_at(plan: Plan, line: int) -> str | None:
    record = plan.records[line] if 0 <= line < len(plan.records) else None
    return record.uuid if record is not None else None


def _tool_index(analysis: Analysis) -> ToolIndex:
    return ToolIndex.build(replayed_records(analysis.records, analysis.problems))


def message_of(analysis: Analysis, tool_use_id: str) -> tuple[int, ApiMessage] | None:
    """The first assistant message calling the id; asked once per finding, so looked up in an
    index built once per analysis rather than by a scan of every message."""
    return _messages_by_call(analysis).get(tool_use_id)


def _call_messages(analysis: Analysis) -> dict[str, tuple[int, ApiMessage]]:
    by_call: dict[str, tuple[int, ApiMessage]] = {}
    for index, message in enumerate(conversation_of(analysis).messages):
        if message.role == "assistant":
            for part in message.tool_use_parts():
                if part.block.id is not None:
                    by_call.setdefault(part.block.id, (index, message))
    return by_call


_messages_by_call = PerAnalysis(_call_messages)


def _only_block(record: Record | None, block_type: str) -> bool:
    return record is not None and [block.type for block in record.blocks] == [block_type]


def _add_stubs(plan: Plan, unpaired: Sequence[Finding]) -> None:
    """One chain of stubs per assistant message, after the last line of its results on the chain."""
    by_message: dict[int, list[Finding]] = {}
    for finding in unpaired:
        if finding.tool_use_id is None:
            continue
        found = message_of(plan.analysis, finding.tool_use_id)
        if found is not None:
            by_message.setdefault(found[0], []).append(finding)
    positions = _walked_positions(plan.analysis)
    for index, findings in sorted(by_message.items()):
        message = conversation_of(plan.analysis).messages[index]
        anchor, child = _stub_anchor(plan.analysis, message, positions)
        uses: dict[str | None, Part] = {}
        for part in message.tool_use_parts():
            uses.setdefault(part.block.id, part)
        order = {tool_id: position for position, tool_id in enumerate(uses)}
        findings.sort(key=lambda finding: order[finding.tool_use_id])
        parent = anchor.uuid
        for step, finding in enumerate(findings, 1):
            tool_id = finding.tool_use_id
            assert tool_id is not None
            use = uses[tool_id]
            line = stub_result_line(
                plan.lines[use.record.line],
                tool_id,
                parent_uuid=parent,
                timestamp=later_timestamp(anchor.timestamp, step),
            )
            plan.inserted.setdefault(_stub_place(plan.analysis, anchor, child), []).append(line)
            parent = json.loads(line)["uuid"]
            plan.resolved.append(finding)
        if child is not None:
            plan.parents[child.line] = parent


def _stub_place(analysis: Analysis, anchor: Record, child: Record | None) -> int:
    """The line a stub is written after: its anchor, unless the anchor is a partial compaction's
    preserved tail, before the boundary, and the stub would be the only new line there. Claude
    Code drops every line before the last boundary that its tail-to-head walk does not reach, so
    there the stub goes after the boundary, just before the line it now parents."""
    conversation = conversation_of(analysis)
    boundary = conversation.end_record
    if anchor.uuid not in conversation.preserved or boundary is None:
        return anchor.line
    if anchor.line > boundary.line or (child is not None and child.line < boundary.line):
        return anchor.line
    return child.line - 1 if child is not None else len(analysis.lines) - 1


def _positions_on_walk(analysis: Analysis) -> dict[int, int]:
    return {id(record): place for place, record in enumerate(conversation_of(analysis).walked)}


_walked_positions = PerAnalysis(_positions_on_walk)
"""Each walked record's last place on the walk (by id), once per analysis: the stubs of one
finding at a time (a quick fix) would otherwise each walk the whole chain."""


def _stub_anchor(
    analysis: Analysis, message: ApiMessage, positions: dict[int, int]
) -> tuple[Record, Record | None]:
    """The walked-chain line a stub follows, and the chain line that followed it.

    `positions` maps each walked record (by id) to its last place on the chain, built once for
    every message that gets stubs rather than by a walk of the whole chain per message."""
    walked = conversation_of(analysis).walked
    last = max(positions[id(part.record)] for part in message.parts if id(part.record) in positions)
    anchor_position = last
    for position in range(last + 1, len(walked)):
        record = walked[position]
        if record.type == "assistant":
            break
        if record.type != "user":
            continue
        kinds = {block.type for block in record.blocks}
        if kinds != {"tool_result"}:
            break
        anchor_position = position
    child = walked[anchor_position + 1] if anchor_position + 1 < len(walked) else None
    return walked[anchor_position], child


def _assistant_lines(analysis: Analysis) -> dict[str, list[Record]]:
    """Each assistant message's lines, by message id."""
    message_lines: dict[str, list[Record]] = {}
    for record in analysis.records:
        if record is not None and record.type == "assistant" and record.message_id is not None:
            message_lines.setdefault(record.message_id, []).append(record)
    return message_lines


_assistant_lines_of = PerAnalysis(_assistant_lines)
"""Built once per analysis, not once per call purged: a code action request asks for the fixes
of each finding in its range."""


def _purge_calls(plan: Plan, unpaired: Sequence[Finding]) -> None:
    message_lines = _assistant_lines_of(plan.analysis)
    for finding in unpaired:
        record = plan.records[finding.span.line]
        if not _only_block(record, "tool_use"):
            continue
        assert record is not None
        _delete_with_copies(plan, record)
        plan.resolved.append(finding)
        if record.message_id is None:
            continue
        rest = [r for r in message_lines.get(record.message_id, []) if r.line not in plan.deleted]
        if rest and all(
            block.type in ("thinking", "redacted_thinking") for r in rest for block in r.blocks
        ):
            for leftover in rest:
                plan.delete(leftover.line)


def _repeated_uuids(analysis: Analysis) -> dict[str, list[Record]]:
    """The lines of each uuid written on more than one line."""
    first: dict[str, Record] = {}
    repeated: dict[str, list[Record]] = {}
    for record in analysis.records:
        if record is None or record.uuid is None:
            continue
        earlier = first.setdefault(record.uuid, record)
        if earlier is not record:
            repeated.setdefault(record.uuid, [earlier]).append(record)
    return repeated


_lines_of_repeated_uuids = PerAnalysis(_repeated_uuids)


def _delete_with_copies(plan: Plan, record: Record) -> None:
    """The line, and every copy of it: the same line written twice (a sync tool's merge, a copy
    pasted back) replays as one, and with one copy deleted the other takes its place, still
    holding the call or result the repair removes."""
    plan.delete(record.line)
    if record.uuid is None:
        return
    for copy in _lines_of_repeated_uuids(plan.analysis).get(record.uuid, ()):
        if copy.blocks == record.blocks and copy.type == record.type:
            plan.delete(copy.line)


def _drop_lines(plan: Plan, findings: Sequence[Finding]) -> None:
    """Orphan results, duplicate results and calls, dangling server calls: drop the block's line
    when the block is all it holds, else only the block (if the line can be rewritten exactly)."""
    for finding in findings:
        record = plan.records[finding.span.line]
        blocks = record.blocks if record is not None else []
        if len(blocks) == 1 and finding.tool_use_id in (blocks[0].id, blocks[0].tool_use_id):
            assert record is not None
            _delete_with_copies(plan, record)
            plan.resolved.append(finding)
            continue
        rewritten = _rewrite_content(
            plan.lines[finding.span.line],
            lambda blocks, f=finding: [b for b in blocks if _block_id(b) != f.tool_use_id],
        )
        if rewritten is not None:
            plan.replaced[finding.span.line] = rewritten
            plan.resolved.append(finding)


def _block_id(block: Any) -> str | None:
    if not isinstance(block, dict):
        return None
    value = block.get("tool_use_id") or block.get("id")
    return value if isinstance(value, str) else None


def _results_first(plan: Plan, findings: Sequence[Finding]) -> None:
    for finding in findings:
        line = finding.span.line
        if line in plan.replaced:
            continue
        rewritten = _rewrite_content(
            plan.lines[line],
            lambda blocks: (
                [b for b in blocks if _is_result(b)] + [b for b in blocks if not _is_result(b)]
            ),
        )
        if rewritten is not None:
            plan.replaced[line] = rewritten
            plan.resolved.append(finding)


def _is_result(block: Any) -> bool:
    return isinstance(block, dict) and block.get("type") == "tool_result"


def _rewrite_content(line: Line, change: Any) -> bytes | None:
    """Change `message.content` of a line, but only if re-serialising it reproduces its bytes.

    A line nested deeper than even `deep_json` allows cannot be rewritten: None, like any line
    whose bytes would not survive the round trip.
    """
    raw = bytes(line)
    body = raw.rstrip(b"\r")
    try:
        with deep_json():
            value = json.loads(body)
            if dumps(value) != body or not isinstance(value.get("message"), dict):
                return None
            content = value["message"].get("content")
            if not isinstance(content, list):
                return None
            value["message"]["content"] = change(content)
            return dumps(value) + raw[len(body) :]
    except (ValueError, RecursionError):
        return None


def _line_values(line: Line) -> list[dict[str, Any]]:
    """The line's records as JSON objects, each record of a glued line on its own."""
    raw = bytes(line)
    offsets = glued_offsets(raw)
    parts = glued_parts(raw, offsets) if offsets is not None else [raw]
    values = []
    for part in parts:
        try:
            value = json.loads(part)
        except ValueError:
            continue
        if isinstance(value, dict):
            values.append(value)
    return values


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _is_prompt(record: Record) -> bool:
    """A user line someone typed: text or an image, not a tool result, a marker or a summary; or
    a prompt typed while Claude worked (a `queued_command` attachment, 2.1.2xx)."""
    if is_queued_command(record) and isinstance(record.attachment, Attachment):
        return queued_is_prompt(record.attachment)
    if record.type != "user" or record.isMeta or record.isCompactSummary:
        return False
    blocks = record.blocks
    if any(block.type == "tool_result" for block in blocks):
        return False
    for block in blocks:
        if block.type == "image":
            return True
        if block.type == "text" and not (block.text or "").startswith(INTERRUPT_PREFIX):
            return True
    return False


CLAUDE_CODE = ClaudeCode()
