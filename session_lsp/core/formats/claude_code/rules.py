"""The API's pairing rules and the chain's integrity, judged on the replayed conversation.

Each rule reads the `Conversation` (docs/claude-code-format.md §6.2) and returns findings; nothing
here looks at raw line order, so abandoned branches and lines before a compaction boundary never
produce errors. Messages quote the API's 400 texts so a user can match the error they saw.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from session_lsp.core.findings import VERSIONS, Code, Finding, Related, Severity
from session_lsp.core.formats.claude_code.conversation import (
    ApiMessage,
    ChainEnd,
    Conversation,
    Part,
)
from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.formats.claude_code.tool_index import ToolIndex
from session_lsp.core.locate import Locator

UNPAIRED_API_TEXT = (
    "messages.{n}: `tool_use` ids were found without `tool_result` blocks immediately after: {id}."
    " Each `tool_use` block must have a corresponding `tool_result` block in the next message."
)
ORPHAN_API_TEXT = (
    "messages.{n}.content.{m}: unexpected `tool_use_id` found in `tool_result` blocks: {id}."
    " Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
)
DUPLICATE_ID_API_TEXT = "messages.{n}.content.{m}: `tool_use` ids must be unique"
DUPLICATE_RESULT_API_TEXT = (
    "each tool_use must have a single result. Found multiple `tool_result` blocks with id: {id}"
)


class RuleContext:
    """What the rules read; the file-wide tool index is built only if a rule asks for it."""

    def __init__(
        self,
        conversation: Conversation,
        records: Sequence[Record | None],
        locator: Locator,
        live_seconds_ago: float | None,
    ) -> None:
        self.conversation = conversation
        self.records = records
        self.locator = locator
        self.live_seconds_ago = live_seconds_ago
        """Seconds since the file was last written, when that is recent enough to call it live."""

    @functools.cached_property
    def recovered(self) -> frozenset[int]:
        """Lines on the replayed chain only through sibling recovery (Claude Code >= 2.1.80)."""
        return frozenset(id(record) for record in self.conversation.recovered)

    @functools.cached_property
    def tools(self) -> ToolIndex:
        return ToolIndex.build(self.records)


def _tool_name(part: Part) -> str:
    return part.block.name or "tool"


def _where(record: Record) -> str:
    return f"line {record.line + 1}"


def pairing_findings(context: RuleContext) -> list[Finding]:
    """unpaired-tool-use, orphan-tool-result, duplicates and tool-result-after-text."""
    findings: list[Finding] = []
    messages = context.conversation.messages
    first_use: dict[str, Part] = {}
    first_walked_use: dict[str, Part] = {}
    for index, message in enumerate(messages):
        if message.role == "assistant":
            findings.extend(_duplicate_uses(context, index, message, first_use, first_walked_use))
            following = messages[index + 1] if index + 1 < len(messages) else None
            findings.extend(_unanswered_uses(context, index, message, following, first_use))
        else:
            previous = messages[index - 1] if index > 0 else None
            findings.extend(_unexpected_results(context, index, message, previous))
    return findings


def _duplicate_uses(
    context: RuleContext,
    index: int,
    message: ApiMessage,
    first_use: dict[str, Part],
    first_walked_use: dict[str, Part],
) -> list[Finding]:
    """A call id seen before. When one of the two copies is on the chain only through sibling
    recovery, no version fails: older ones never see the copy, newer ones drop it."""
    findings = []
    for position, part in enumerate(message.parts):
        if part.block.type != "tool_use" or part.block.id is None:
            continue
        tool_id = part.block.id
        walked = id(part.record) not in context.recovered
        first = first_use.setdefault(tool_id, part)
        earlier_walked = first_walked_use.get(tool_id)
        if walked:
            first_walked_use.setdefault(tool_id, part)
        if first.record is part.record:
            continue
        if walked and earlier_walked is not None and earlier_walked.record is not part.record:
            first, severity = earlier_walked, Severity.ERROR
            api = DUPLICATE_ID_API_TEXT.format(n=index, m=position)
            consequence = VERSIONS[Code.DUPLICATE_TOOL_USE_ID].say(api)
        else:
            severity, consequence = Severity.INFORMATION, RECOVERED_ONLY
        findings.append(
            Finding(
                Code.DUPLICATE_TOOL_USE_ID,
                severity,
                f"{_tool_name(part)} call {tool_id} reuses the id of the call at"
                f" {_where(first.record)}. {consequence}",
                context.locator.tool_use_id(part.record.line, tool_id),
                tool_id,
                (
                    Related(
                        context.locator.tool_use_id(first.record.line, tool_id),
                        "first use of this id",
                    ),
                ),
            )
        )
    return findings


RECOVERED_ONLY = (
    "One of the two copies is replayed only through sibling recovery (Claude Code 2.1.80 and"
    " later, which also drop duplicate ids before sending); earlier versions never see it, so no"
    " version fails on it."
)


def _leading_results(message: ApiMessage | None) -> tuple[dict[str, Part], dict[str, Part]]:
    """Results before any other block, and results that come after text (which the API misses)."""
    leading: dict[str, Part] = {}
    late: dict[str, Part] = {}
    if message is None or message.role != "user":
        return leading, late
    in_front = True
    for part in message.parts:
        block = part.block
        if block.type != "tool_result":
            in_front = False
            continue
        if block.tool_use_id is None:
            continue
        target = leading if in_front else late
        target.setdefault(block.tool_use_id, part)
    return leading, late


def _unanswered_uses(
    context: RuleContext,
    index: int,
    message: ApiMessage,
    following: ApiMessage | None,
    first_use: dict[str, Part],
) -> list[Finding]:
    leading, late = _leading_results(following)
    findings = []
    for part in message.tool_use_parts():
        tool_id = part.block.id
        if tool_id is None or first_use.get(tool_id) is not part or tool_id in leading:
            continue
        use_span = context.locator.tool_use_id(part.record.line, tool_id)
        api = UNPAIRED_API_TEXT.format(n=index, id=tool_id)
        if tool_id in late:
            result = late[tool_id]
            findings.append(
                Finding(
                    Code.TOOL_RESULT_AFTER_TEXT,
                    Severity.ERROR,
                    f"the tool_result for {tool_id} comes after text in its message; tool_result"
                    f" blocks must come first. {VERSIONS[Code.TOOL_RESULT_AFTER_TEXT].say(api)}",
                    context.locator.tool_result_id(result.record.line, tool_id),
                    tool_id,
                    (Related(use_span, f"the {_tool_name(part)} call"),),
                )
            )
            continue
        if following is None and context.live_seconds_ago is not None:
            findings.append(
                Finding(
                    Code.LIVE_SESSION,
                    Severity.INFORMATION,
                    f"{_tool_name(part)} call {tool_id} has no result yet and the file was written"
                    f" {context.live_seconds_ago:.0f}s ago: Claude Code is probably still running"
                    " this tool. Repairing now would race with it.",
                    use_span,
                    tool_id,
                )
            )
            continue
        related = tuple(
            Related(
                context.locator.tool_result_id(result.line, tool_id),
                "a result for this call, outside the replayed conversation",
            )
            for result in context.tools.results.get(tool_id, ())
        )
        findings.append(
            Finding(
                Code.UNPAIRED_TOOL_USE,
                Severity.ERROR,
                f"{_tool_name(part)} call {tool_id} has no tool_result in the next message"
                f" ({_unpaired_reason(following)}). On resume"
                f" {VERSIONS[Code.UNPAIRED_TOOL_USE].say(api)}",
                use_span,
                tool_id,
                related,
            )
        )
    return findings


def _unpaired_reason(following: ApiMessage | None) -> str:
    if following is None:
        return "the session ends here: interrupted or killed while the tool ran"
    if following.role == "assistant":
        return "the next message is another assistant turn"
    return "the next user message does not answer it"


def _unexpected_results(
    context: RuleContext, index: int, message: ApiMessage, previous: ApiMessage | None
) -> list[Finding]:
    findings = []
    calls: dict[str, Part] = {}
    if previous is not None and previous.role == "assistant":
        for part in previous.tool_use_parts():
            if part.block.id is not None:
                calls.setdefault(part.block.id, part)
    answered: dict[str, Part] = {}
    answered_walked: dict[str, Part] = {}
    for position, part in enumerate(message.parts):
        block = part.block
        if block.type != "tool_result" or block.tool_use_id is None:
            continue
        tool_id = block.tool_use_id
        if tool_id not in calls:
            findings.append(_orphan(context, index, position, part, tool_id))
            continue
        walked = id(part.record) not in context.recovered
        first = answered.setdefault(tool_id, part)
        earlier_walked = answered_walked.get(tool_id)
        if walked:
            answered_walked.setdefault(tool_id, part)
        if first is not part:
            if walked and earlier_walked is not None:
                first, severity = earlier_walked, Severity.ERROR
                api = DUPLICATE_RESULT_API_TEXT.format(id=tool_id)
                consequence = VERSIONS[Code.DUPLICATE_TOOL_RESULT].say(api)
            else:
                severity, consequence = Severity.INFORMATION, RECOVERED_ONLY
            findings.append(
                Finding(
                    Code.DUPLICATE_TOOL_RESULT,
                    severity,
                    f"a second tool_result for {tool_id} (the first is at {_where(first.record)})."
                    f" {consequence}",
                    context.locator.tool_result_id(part.record.line, tool_id),
                    tool_id,
                    (
                        Related(
                            context.locator.tool_result_id(first.record.line, tool_id),
                            "the first result",
                        ),
                    ),
                )
            )
    return findings


def _orphan(context: RuleContext, index: int, position: int, part: Part, tool_id: str) -> Finding:
    uses = context.tools.uses.get(tool_id, ())
    if uses:
        where = (
            f"its tool_use at {_where(uses[0])} is not in the previous message of the replayed"
            " conversation (before a compaction boundary, or on another branch)"
        )
    else:
        where = "no tool_use with this id exists in the file"
    related = tuple(
        Related(context.locator.tool_use_id(use.line, tool_id), "the tool_use, off the chain")
        for use in uses
    )
    api = ORPHAN_API_TEXT.format(n=index, m=position, id=tool_id)
    return Finding(
        Code.ORPHAN_TOOL_RESULT,
        Severity.ERROR,
        f"tool_result for {tool_id} answers no call in the previous message: {where}."
        f" {VERSIONS[Code.ORPHAN_TOOL_RESULT].say(api)}",
        context.locator.tool_result_id(part.record.line, tool_id),
        tool_id,
        related,
    )


SERVER_USE_TYPES = frozenset({"server_tool_use", "mcp_tool_use"})
ORPHAN_SERVER_API_TEXT = (
    "messages.{n}.content.{m}: unexpected `tool_use_id` found in `{kind}` blocks: {id}."
    " Each `{kind}` block must have a corresponding `server_tool_use` block before it."
)


def _is_server_result(block_type: str) -> bool:
    return block_type.endswith("_tool_result") and block_type != "tool_result"


def server_tool_findings(context: RuleContext) -> list[Finding]:
    """Server and MCP tool calls are answered inside the same assistant message, after the call."""
    findings: list[Finding] = []
    for index, message in enumerate(context.conversation.messages):
        if message.role != "assistant":
            continue
        open_calls: dict[str, Part] = {}
        for position, part in enumerate(message.parts):
            block = part.block
            if block.type in SERVER_USE_TYPES and block.id is not None:
                open_calls[block.id] = part
            elif (
                _is_server_result(block.type)
                and block.tool_use_id is not None
                and open_calls.pop(block.tool_use_id, None) is None
            ):
                findings.append(_orphan_server_result(context, index, position, part))
        last = index == len(context.conversation.messages) - 1
        for tool_id, part in open_calls.items():
            findings.append(_unpaired_server_call(context, tool_id, part, last=last))
    return findings


def _orphan_server_result(context: RuleContext, index: int, position: int, part: Part) -> Finding:
    tool_id = part.block.tool_use_id or ""
    api = ORPHAN_SERVER_API_TEXT.format(n=index, m=position, kind=part.block.type, id=tool_id)
    return Finding(
        Code.ORPHAN_SERVER_TOOL_RESULT,
        Severity.ERROR,
        f"{part.block.type} for {tool_id} follows no server tool call in its message."
        f" {VERSIONS[Code.ORPHAN_SERVER_TOOL_RESULT].say(api)}",
        context.locator.tool_result_id(part.record.line, tool_id),
        tool_id,
    )


def _unpaired_server_call(context: RuleContext, tool_id: str, part: Part, *, last: bool) -> Finding:
    span = context.locator.tool_use_id(part.record.line, tool_id)
    name = part.block.name or "server tool"
    if last and context.live_seconds_ago is not None:
        return Finding(
            Code.LIVE_SESSION,
            Severity.INFORMATION,
            f"{name} server tool call {tool_id} has no result yet and the file was written"
            f" {context.live_seconds_ago:.0f}s ago: Claude Code is probably still streaming it.",
            span,
            tool_id,
        )
    return Finding(
        Code.UNPAIRED_SERVER_TOOL_USE,
        Severity.ERROR,
        f"{name} server tool call {tool_id} has no result block in its message (the response was"
        " cut off); Claude Code >= 2.1 drops it in memory (`[Tool use interrupted]`), older"
        " versions and other readers send it and the API rejects the request",
        span,
        tool_id,
    )


def chain_findings(context: RuleContext) -> list[Finding]:
    """Where the parentUuid walk stopped early: a missing parent or a cycle."""
    conversation = context.conversation
    first = conversation.end_record
    if first is None or first.parentUuid is None:
        return []
    parent = first.parentUuid
    span = context.locator.parent_uuid(first.line, parent)
    if conversation.end is ChainEnd.CYCLE:
        return [
            Finding(
                Code.PARENT_CYCLE,
                Severity.ERROR,
                f"parentUuid {parent} closes a cycle: the line it names is already on the chain."
                " Claude Code before 2.1.30 hangs on resume; later versions cut the history here",
                span,
            )
        ]
    if conversation.end is not ChainEnd.MISSING_PARENT:
        return []
    if conversation.agent_id is not None:
        return [
            Finding(
                Code.MISSING_PARENT,
                Severity.INFORMATION,
                f"parentUuid {parent} is not in this sub-agent file; it may be in the main"
                " session's file. The sub-agent's resume starts here",
                span,
            )
        ]
    if any(record is not None and record.uuid == parent for record in context.records):
        # Pruned with a partial compaction's lines (applyPreservedSegmentRelinks).
        where = "a line before the last compaction boundary, which Claude Code drops on load"
    else:
        where = "no line in this file"
    return [
        Finding(
            Code.MISSING_PARENT,
            Severity.WARNING,
            f"parentUuid {parent} names {where}: on resume Claude Code starts the"
            " conversation here and silently drops everything before it",
            span,
        )
    ]


def run_rules(context: RuleContext) -> list[Finding]:
    return chain_findings(context) + pairing_findings(context) + server_tool_findings(context)
