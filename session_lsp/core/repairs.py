"""Turn findings into the smallest line edits that make the replayed conversation valid.

Strategies (claude-code-format §9):
- stub: answer each unpaired call with an error `tool_result` of our own, placed on the chain so
  that, after the merge, it sits in the next user message with the batch's real results and before
  any text; the chain child of the line it follows is re-pointed to it (the linear shape every
  Claude Code version and reader loads).
- purge: remove the unpaired calls (and thinking left alone in their message), re-pointing children
  to the nearest kept ancestor.
- truncate: cut the file after the last line at which the replayed conversation is consistent.
Orphan and duplicate results, duplicate calls, results after text and a torn last line get the one
unambiguous fix under stub and purge. Every strategy returns edits; nothing here writes files.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from session_lsp.core.analysis import Analysis, Transcript
from session_lsp.core.codex import call_mentions, is_rollout, purged_lines
from session_lsp.core.content import Content
from session_lsp.core.conversation import ApiMessage
from session_lsp.core.edits import EditKind, LineEdit, apply_edits
from session_lsp.core.findings import Code, Finding
from session_lsp.core.glued import SplitView
from session_lsp.core.reading import Line
from session_lsp.core.records import Record
from session_lsp.core.writing import (
    dumps,
    later_timestamp,
    rollout_output_line,
    stub_result_line,
    with_parent,
)

PAIRING_CODES = frozenset(
    {
        Code.UNPAIRED_TOOL_USE,
        Code.ORPHAN_TOOL_RESULT,
        Code.DUPLICATE_TOOL_USE_ID,
        Code.DUPLICATE_TOOL_RESULT,
        Code.TOOL_RESULT_AFTER_TEXT,
        Code.UNPAIRED_SERVER_TOOL_USE,
        Code.ORPHAN_SERVER_TOOL_RESULT,
    }
)
"""The API's 400s: a repair that leaves one of these behind is refused."""


class Strategy(enum.StrEnum):
    STUB = "stub"
    PURGE = "purge"
    TRUNCATE = "truncate"


@dataclass(frozen=True, slots=True)
class Repair:
    strategy: Strategy
    title: str
    edits: tuple[LineEdit, ...]
    findings: tuple[Finding, ...]
    """The findings this repair resolves."""
    refusal: str | None = None
    """Why the strategy will not repair this file (then `edits` is at most the glued split)."""


class _Plan:
    """Edits being collected against one analysed document."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.lines = analysis.lines
        self.records = analysis.records
        self.deleted: set[int] = set()
        self.inserted: dict[int, list[bytes]] = {}
        self.parents: dict[int, str | None] = {}
        self.replaced: dict[int, bytes] = {}
        self.resolved: list[Finding] = []
        self.by_uuid: dict[str, Record] = {
            record.uuid: record
            for record in self.records
            if record is not None and record.uuid is not None
        }

    def delete(self, line: int) -> None:
        self.deleted.add(line)

    def edits(self) -> tuple[LineEdit, ...]:
        """Final edits: children of deleted lines re-pointed to their nearest kept ancestor."""
        deleted_uuids = {
            record.uuid
            for line in self.deleted
            if (record := self.records[line]) is not None and record.uuid is not None
        }
        parents = dict(self.parents)
        if deleted_uuids:
            for record in self.records:
                if record is None or record.line in self.deleted or record.line in parents:
                    continue
                if record.parentUuid in deleted_uuids:
                    parents[record.line] = self._kept_ancestor(record.parentUuid, deleted_uuids)
        edits: list[LineEdit] = [LineEdit(EditKind.DELETE, line) for line in sorted(self.deleted)]
        for line in sorted(set(parents) | set(self.replaced)):
            if line in self.deleted:
                continue
            text: Line = self.replaced.get(line, self.lines[line])
            if line in parents:
                text = with_parent(text, parents[line])
            edits.append(LineEdit(EditKind.REPLACE, line, bytes(text)))
        for line, texts in sorted(self.inserted.items()):
            edits.extend(LineEdit(EditKind.INSERT_AFTER, line, text) for text in texts)
        return tuple(sorted(edits, key=lambda edit: (edit.line, edit.kind.value)))

    def _kept_ancestor(self, uuid: str | None, deleted: set[str]) -> str | None:
        seen: set[str] = set()
        while uuid is not None and uuid in deleted and uuid not in seen:
            seen.add(uuid)
            record = self.by_uuid.get(uuid)
            uuid = record.parentUuid if record is not None else None
        return uuid


def _findings(analysis: Analysis, codes: Iterable[Code]) -> list[Finding]:
    wanted = set(codes)
    return [finding for finding in analysis.findings if finding.code in wanted]


def _message_of(analysis: Analysis, tool_use_id: str) -> tuple[int, ApiMessage] | None:
    for index, message in enumerate(analysis.conversation.messages):
        if message.role == "assistant" and any(
            part.block.id == tool_use_id for part in message.tool_use_parts()
        ):
            return index, message
    return None


def _only_block(record: Record | None, block_type: str) -> bool:
    return record is not None and [block.type for block in record.blocks] == [block_type]


# --- stub ---------------------------------------------------------------------------------


def _add_stubs(plan: _Plan, unpaired: Sequence[Finding]) -> None:
    """One chain of stubs per assistant message, after the last line of its results on the chain."""
    if not plan.analysis.is_transcript:
        _add_rollout_outputs(plan, unpaired)
        return
    by_message: dict[int, list[Finding]] = {}
    for finding in unpaired:
        if finding.tool_use_id is None:
            continue
        found = _message_of(plan.analysis, finding.tool_use_id)
        if found is not None:
            by_message.setdefault(found[0], []).append(finding)
    for index, findings in sorted(by_message.items()):
        message = plan.analysis.conversation.messages[index]
        anchor, child = _stub_anchor(plan.analysis, message)
        order = [part.block.id for part in message.tool_use_parts()]
        findings.sort(key=lambda finding: order.index(finding.tool_use_id))
        parent = anchor.uuid
        for step, finding in enumerate(findings, 1):
            tool_id = finding.tool_use_id
            assert tool_id is not None
            use = next(part for part in message.tool_use_parts() if part.block.id == tool_id)
            line = stub_result_line(
                plan.lines[use.record.line],
                tool_id,
                parent_uuid=parent,
                timestamp=later_timestamp(anchor.timestamp, step),
            )
            plan.inserted.setdefault(anchor.line, []).append(line)
            parent = json.loads(line)["uuid"]
            plan.resolved.append(finding)
        if child is not None:
            plan.parents[child.line] = parent


def _add_rollout_outputs(plan: _Plan, unpaired: Sequence[Finding]) -> None:
    """Codex: the output goes right after its call (file order is the conversation there)."""
    for finding in unpaired:
        call_id = finding.tool_use_id
        if call_id is None or (call_id, False) not in call_mentions(plan.lines[finding.span.line]):
            continue
        line = finding.span.line
        plan.inserted.setdefault(line, []).append(rollout_output_line(plan.lines[line], call_id))
        plan.resolved.append(finding)


def _stub_anchor(analysis: Analysis, message: ApiMessage) -> tuple[Record, Record | None]:
    """The walked-chain line a stub follows, and the chain line that followed it."""
    walked = analysis.conversation.walked
    in_message = {id(part.record) for part in message.parts}
    last = max(position for position, record in enumerate(walked) if id(record) in in_message)
    anchor_position = last
    for position in range(last + 1, len(walked)):
        record = walked[position]
        if record.type == "assistant":
            break
        if record.type != "user" or record.isVisibleInTranscriptOnly:
            continue
        kinds = {block.type for block in record.blocks}
        if kinds != {"tool_result"}:
            break
        anchor_position = position
    child = walked[anchor_position + 1] if anchor_position + 1 < len(walked) else None
    return walked[anchor_position], child


# --- purge and the single-line fixes ------------------------------------------------------


def _purge_calls(plan: _Plan, unpaired: Sequence[Finding]) -> None:
    if not plan.analysis.is_transcript:
        _purge_rollout_calls(plan, unpaired)
        return
    message_lines: dict[str, list[Record]] = {}
    for record in plan.records:
        if record is not None and record.type == "assistant" and record.message_id is not None:
            message_lines.setdefault(record.message_id, []).append(record)
    for finding in unpaired:
        record = plan.records[finding.span.line]
        if not _only_block(record, "tool_use"):
            continue
        assert record is not None
        plan.delete(record.line)
        plan.resolved.append(finding)
        if record.message_id is None:
            continue
        rest = [r for r in message_lines.get(record.message_id, []) if r.line not in plan.deleted]
        if rest and all(
            block.type in ("thinking", "redacted_thinking") for r in rest for block in r.blocks
        ):
            for leftover in rest:
                plan.delete(leftover.line)


def _purge_rollout_calls(plan: _Plan, unpaired: Sequence[Finding]) -> None:
    """Codex: file order is the conversation, so removing the call (and its lone reasoning)
    needs no re-linking."""
    for finding in unpaired:
        line = finding.span.line
        if (finding.tool_use_id, False) not in call_mentions(plan.lines[line]):
            continue  # a call inside a compaction's replacement history: not one line to remove
        for purged in purged_lines(plan.lines, line):
            plan.delete(purged)
        plan.resolved.append(finding)


DROP_TITLES = {
    Code.ORPHAN_TOOL_RESULT: "Remove the orphan tool_result for",
    Code.DUPLICATE_TOOL_RESULT: "Remove the duplicate tool_result for",
    Code.DUPLICATE_TOOL_USE_ID: "Remove the duplicate call",
    Code.UNPAIRED_SERVER_TOOL_USE: "Remove the unanswered server tool call",
    Code.ORPHAN_SERVER_TOOL_RESULT: "Remove the orphan server tool result for",
}
"""Findings whose one fix is removing the offending block, and how the fix is titled."""


def _drop_lines(plan: _Plan, findings: Sequence[Finding]) -> None:
    """Orphan results, duplicate results and calls, dangling server calls: drop the block's line
    when the block is all it holds, else only the block (if the line can be rewritten exactly)."""
    for finding in findings:
        if not plan.analysis.is_transcript:
            if (finding.tool_use_id, True) in call_mentions(plan.lines[finding.span.line]):
                plan.delete(finding.span.line)  # a Codex output line holds that output alone
                plan.resolved.append(finding)
            continue
        record = plan.records[finding.span.line]
        blocks = record.blocks if record is not None else []
        if len(blocks) == 1 and finding.tool_use_id in (blocks[0].id, blocks[0].tool_use_id):
            plan.delete(finding.span.line)
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


def _results_first(plan: _Plan, findings: Sequence[Finding]) -> None:
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
    """Change `message.content` of a line, but only if re-serialising it reproduces its bytes."""
    raw = bytes(line)
    body = raw.rstrip(b"\r")
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if dumps(value) != body or not isinstance(value.get("message"), dict):
        return None
    content = value["message"].get("content")
    if not isinstance(content, list):
        return None
    value["message"]["content"] = change(content)
    return dumps(value) + raw[len(body) :]


def _drop_torn_tail(plan: _Plan) -> None:
    for finding in _findings(plan.analysis, [Code.TRUNCATED_LINE]):
        plan.delete(finding.span.line)
        plan.resolved.append(finding)


def _common_fixes(plan: _Plan) -> None:
    analysis = plan.analysis
    # A duplicate only through recovered lines is information: no version fails on it.
    _drop_lines(plan, [f for f in _findings(analysis, DROP_TITLES) if f.is_error])
    _results_first(plan, _findings(analysis, [Code.TOOL_RESULT_AFTER_TEXT]))
    _drop_torn_tail(plan)


# --- truncate -----------------------------------------------------------------------------


def truncation_line(analysis: Analysis) -> int | None:
    """The first line to cut: every line from it on goes. None when nothing needs cutting."""
    current = analysis
    cut: int | None = None
    for _ in range(64):
        errors = [finding for finding in current.findings if finding.is_error]
        if not errors:
            return cut
        start = min(_first_line_involved(current, finding) for finding in errors)
        cut = start if cut is None else min(cut, start)
        current = Transcript.prefix_of(current, cut).analyse()
    return cut


def _first_line_involved(analysis: Analysis, finding: Finding) -> int:
    """Cutting here removes the finding's whole message group, never half of it."""
    if finding.code is Code.UNPAIRED_TOOL_USE and finding.tool_use_id is not None:
        found = _message_of(analysis, finding.tool_use_id)
        if found is not None:
            return min(part.record.line for part in found[1].parts)
    return finding.span.line


# --- entry points -------------------------------------------------------------------------


def repair_all(analysis: Analysis, strategy: Strategy) -> Repair:
    """Every fix the strategy can make to this document, as one set of edits.

    Glued lines are split first, under every strategy; the rest is planned on the split file.
    """
    split = SplitView.of(analysis)
    if split is None:
        return _repair_all(analysis, strategy)
    inner = _repair_all(split.analysis, strategy)
    if inner.refusal is not None:
        return Repair(strategy, inner.title, split.split_edits(), split.glued, inner.refusal)
    edits = split.lift(inner.edits)
    title = inner.title
    if strategy is Strategy.TRUNCATE and inner.edits:
        title = _truncate_title(split.analysis, inner, len(analysis.lines), edits)
    elif not inner.edits:
        title = _split_title(split)
    resolved = split.resolved(analysis, inner.findings)
    if strategy is not Strategy.TRUNCATE and inner.edits:
        title = f"Fix all ({strategy.value}): {len(resolved)} problem(s)"
    return Repair(strategy, title, edits, resolved)


def _split_title(split: SplitView) -> str:
    lines = ", ".join(str(finding.span.line + 1) for finding in split.glued)
    return f"Split the glued records onto lines of their own (line {lines})"


def _repair_all(analysis: Analysis, strategy: Strategy) -> Repair:
    if strategy is Strategy.TRUNCATE:
        return _truncate(analysis)
    plan = _Plan(analysis)
    # A live session's dangling call is a running tool; repairing it anyway was asked for.
    unpaired = [
        finding
        for finding in _findings(analysis, [Code.UNPAIRED_TOOL_USE, Code.LIVE_SESSION])
        if finding.tool_use_id is not None
    ]
    if strategy is Strategy.STUB:
        _add_stubs(plan, unpaired)
    else:
        _purge_calls(plan, unpaired)
    _common_fixes(plan)
    title = f"Fix all ({strategy.value}): {len(plan.resolved)} problem(s)"
    return Repair(strategy, title, plan.edits(), tuple(plan.resolved))


def _truncate(analysis: Analysis) -> Repair:
    cut = truncation_line(analysis)
    if cut is None:
        return Repair(Strategy.TRUNCATE, "Nothing to truncate", (), ())
    refusal = _truncate_refusal(analysis, cut)
    if refusal is not None:
        return Repair(Strategy.TRUNCATE, f"Truncate refused: {refusal}", (), (), refusal)
    edits = tuple(LineEdit(EditKind.DELETE, line) for line in range(cut, len(analysis.lines)))
    resolved = tuple(finding for finding in analysis.findings if finding.span.line >= cut)
    repair = Repair(Strategy.TRUNCATE, "", edits, resolved)
    title = _truncate_title(analysis, repair, len(analysis.lines), edits)
    return Repair(Strategy.TRUNCATE, title, edits, resolved)


def _truncate_title(
    analysis: Analysis, repair: Repair, total: int, lifted: tuple[LineEdit, ...]
) -> str:
    """What truncating loses, said before it is done: lines, user prompts and tool calls.

    `analysis` and `repair` are in the same line numbering (the split file when lines were
    glued); `total` and `lifted` are the file's own, so the line counts match what the user sees.
    """
    cut = min(edit.line for edit in repair.edits)
    dropped = Content.of(analysis, cut)
    lines = sum(1 for edit in lifted if edit.kind is EditKind.DELETE)
    return f"Truncate: drops {lines} of {total} lines ({dropped.describe()})"


def _truncate_refusal(analysis: Analysis, cut: int) -> str | None:
    """Truncating must never delete the session: it keeps at least one user prompt."""
    if not analysis.is_transcript and not is_rollout(analysis.lines):
        return (
            "the file holds no Claude Code or Codex session records, so there is no conversation"
            " to keep"
        )
    kept = Content.of(analysis, 0, cut)
    if kept.prompts or (kept.messages and not Content.of(analysis, cut).prompts):
        return None  # (a sub-agent file whose prompt is in the main session keeps its turns)
    helps = _strategy_that_helps(analysis)
    instead = (
        f"use --strategy {helps.value} instead"
        if helps is not None
        else "no other strategy clears its errors either; repair it by hand from the backup"
    )
    return (
        f"it would cut at line {cut + 1} and keep no user prompt (the session would be empty);"
        f" {instead}"
    )


def _strategy_that_helps(analysis: Analysis) -> Strategy | None:
    for strategy in (Strategy.STUB, Strategy.PURGE):
        repair = _repair_all(analysis, strategy)
        if repair.edits and not remaining_pairing_errors(analysis, repair):
            return strategy
    return None


def repairs_for(analysis: Analysis, finding: Finding) -> list[Repair]:
    """Each fix that applies to one finding, the preferred one first.

    With glued lines in the file, every fix splits them first: the fixes are found on the split
    file and mapped back.
    """
    split = SplitView.of(analysis)
    if split is None:
        return _repairs_for(analysis, finding)
    if finding.code is Code.GLUED_RECORDS:
        title = f"Split line {finding.span.line + 1} into its records"
        return [Repair(Strategy.STUB, title, split.split_edits(), split.glued)]
    inner = split.lower_finding(finding)
    if inner is None:
        return []
    return [
        Repair(
            repair.strategy,
            repair.title,
            split.lift(repair.edits),
            split.resolved(analysis, repair.findings),
        )
        for repair in _repairs_for(split.analysis, inner)
    ]


def _repairs_for(analysis: Analysis, finding: Finding) -> list[Repair]:
    repairs: list[Repair] = []
    code = finding.code
    tool = finding.tool_use_id or ""
    if code in (Code.UNPAIRED_TOOL_USE, Code.LIVE_SESSION) and finding.tool_use_id is not None:
        stub = _Plan(analysis)
        _add_stubs(stub, [finding])
        repairs.append(_single(stub, Strategy.STUB, f"Insert a stub tool_result for {tool}"))
        purge = _Plan(analysis)
        _purge_calls(purge, [finding])
        repairs.append(_single(purge, Strategy.PURGE, f"Remove the unanswered call {tool}"))
    elif code in DROP_TITLES and finding.is_error:
        plan = _Plan(analysis)
        _drop_lines(plan, [finding])
        repairs.append(_single(plan, Strategy.PURGE, f"{DROP_TITLES[code]} {tool}"))
    elif code is Code.TOOL_RESULT_AFTER_TEXT:
        plan = _Plan(analysis)
        _results_first(plan, [finding])
        repairs.append(_single(plan, Strategy.STUB, "Move the tool_result blocks before the text"))
    elif code is Code.TRUNCATED_LINE:
        plan = _Plan(analysis)
        _drop_torn_tail(plan)
        repairs.append(_single(plan, Strategy.PURGE, "Remove the torn last line"))
    if finding.is_error and code is not Code.TRUNCATED_LINE:
        truncate = _truncate(analysis)
        if truncate.edits:
            repairs.append(truncate)
    return [repair for repair in repairs if repair.edits]


def _single(plan: _Plan, strategy: Strategy, title: str) -> Repair:
    return Repair(strategy, title, plan.edits(), tuple(plan.resolved))


def remaining_pairing_errors(analysis: Analysis, repair: Repair) -> list[Finding]:
    """Check the repaired text the same way: the pairing errors a repair would leave behind."""
    repaired = Transcript(apply_edits(analysis.lines, repair.edits), True).analyse()
    return [
        finding
        for finding in repaired.findings
        if finding.code in PAIRING_CODES and finding.is_error
    ]
