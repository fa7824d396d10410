"""Where in a real session each kind of damage can be made so that the replay is affected.

Targets are chosen on the replayed conversation of the intact file; what the damaged file must
report is then derived from the edited lines alone (tests/support/damage.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes


@dataclass(frozen=True)
class Targets:
    last_chain_tool_use_line: int | None
    middle_answered_tool_id: str | None
    parallel_batch: list[str] | None
    chain_tool_ids: list[str]


def targets(path: Path) -> Targets:
    conversation = analyse_bytes(path.read_bytes()).conversation
    uses: list[tuple[str, int]] = []
    batches: list[list[str]] = []
    answered: list[str] = []
    for index, message in enumerate(conversation.messages):
        if message.role != "assistant":
            continue
        ids = [part.block.id for part in message.tool_use_parts() if part.block.id]
        uses.extend(
            (tool_id, part.record.line)
            for tool_id, part in zip(ids, message.tool_use_parts(), strict=True)
        )
        following = (
            conversation.messages[index + 1] if index + 1 < len(conversation.messages) else None
        )
        if following is not None:
            results = {
                p.block.tool_use_id for p in following.parts if p.block.type == "tool_result"
            }
            answered.extend(tool_id for tool_id in ids if tool_id in results)
            if len(ids) >= 2 and all(tool_id in results for tool_id in ids):
                batches.append(ids)
    return Targets(
        last_chain_tool_use_line=max((line for _, line in uses), default=None),
        middle_answered_tool_id=answered[len(answered) // 2] if answered else None,
        parallel_batch=batches[len(batches) // 2] if batches else None,
        chain_tool_ids=[tool_id for tool_id, _ in uses],
    )
