"""The Claude Code history before the last compaction: the chains that led to each boundary.

A `compact_boundary` line has a null parent, so a resume starts at the last one (§4 of
docs/claude-code-format.md); its `logicalParentUuid` names the line that was the conversation's tip
when it was compacted. Walking up from that tip, with the parents on disk (a partial compaction's
in-memory relinks belong to the conversation after it), gives the history the compaction closed,
back to the boundary before it or to the root. Following the boundaries this way, not by file
order, keeps to the lineage of the conversation a resume sends: a boundary on an abandoned
branch is not part of it.
"""

from __future__ import annotations

from collections.abc import Sequence

from session_lsp.core.formats.claude_code.conversation import (
    ChainEnd,
    Conversation,
    ReplayIndex,
    load,
    recover_siblings,
    walk_chain,
)
from session_lsp.core.formats.claude_code.records import Record

MAX_SEGMENTS = 10_000
"""Boundaries followed at most: a hand-made loop of boundaries ends here, never runs forever."""


def earlier_chains(records: Sequence[Record | None], conversation: Conversation) -> list[list[Record]]:
    """The chain before each compaction on the conversation's lineage, oldest first."""
    boundary = conversation.end_record
    if conversation.end is not ChainEnd.COMPACTION or boundary is None:
        return []
    index = load(records, conversation.agent_id, relink=False)
    chains: list[list[Record]] = []
    seen: set[int] = set()
    while boundary is not None and boundary.line not in seen and len(chains) < MAX_SEGMENTS:
        seen.add(boundary.line)
        tip = _tip_before(boundary, index, include_sidechains=conversation.agent_id is not None)
        if tip is None:
            break
        walked, end, first = walk_chain(tip, index)
        chain, _ = recover_siblings(walked, index)
        chains.append(chain)
        boundary = first if end is ChainEnd.COMPACTION else None
    chains.reverse()
    return chains


def _tip_before(
    boundary: Record, index: ReplayIndex, *, include_sidechains: bool
) -> Record | None:
    """The line the boundary compacted: its `logicalParentUuid`, else (a writer that left it out)
    the last message line before it in the file."""
    logical = boundary.logicalParentUuid
    if logical is not None:
        return index.by_uuid.get(logical)
    before = [
        record
        for record in index.order
        if record.line < boundary.line
        and record.type in ("user", "assistant")
        and (include_sidechains or not record.isSidechain)
    ]
    return before[-1] if before else None
