"""An analysis as plain values, to compare analyses and to see whether one changed later."""

from __future__ import annotations

from typing import Any

import msgspec

from session_lsp.core.analysis import Analysis
from session_lsp.core.formats.claude_code.conversation import Conversation

ANCHORS = [
    b'"text":"',
    b'"content":"',
    b'"cwd":"',
    b'"version":"',
    b'"gitBranch":"',
    b'"timestamp":"',
    b'"name":"',
]
"""Places to type at: texts, cwd, version and branch keep the replay (and move the columns of ids
after them in older layouts); a timestamp or a tool name changes it."""


def fingerprint(analysis: Analysis) -> Any:
    """Everything an adapter reads, as plain values (records may not be mutated under it)."""
    conversation = analysis.conversation

    def lines_of(records: list[Any]) -> list[int]:
        return [record.line for record in records]

    read = (
        [bytes(line) for line in analysis.lines],
        analysis.ends_with_newline,
        msgspec.to_builtins(list(analysis.records)),
        list(analysis.problems),
        list(analysis.findings),
        analysis.format,
    )
    if not isinstance(conversation, Conversation):
        return read  # a format with no replay of its own (a Codex rollout's findings are all)
    return (
        *read,
        [
            (
                message.role,
                message.message_id,
                [
                    (msgspec.to_builtins(p.record), msgspec.to_builtins(p.block))
                    for p in message.parts
                ],
            )
            for message in conversation.messages
        ],
        lines_of(conversation.chain),
        lines_of(conversation.walked),
        lines_of(conversation.recovered),
        conversation.leaf.line if conversation.leaf else None,
        conversation.end_record.line if conversation.end_record else None,
        conversation.end,
        conversation.agent_id,
    )
