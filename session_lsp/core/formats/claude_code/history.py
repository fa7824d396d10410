"""The Claude Code history before the last compaction: the chains that led to each boundary.

A `compact_boundary` line has a null parent, so a resume starts at the last one (§4 of
docs/claude-code-format.md); its `logicalParentUuid` names the line that was the conversation's tip
when it was compacted. Walking up from that tip through the lines written before the boundary,
as Claude Code replayed them then (an earlier partial compaction's relinks applied), gives the
history the compaction closed, back to the boundary before it or to the root. Following the boundaries this way, not by file
order, keeps to the lineage of the conversation a resume sends: a boundary on an abandoned
branch is not part of it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from session_lsp.core.formats.claude_code.conversation import (
    ChainEnd,
    Conversation,
    ReplayIndex,
    load,
    recover_siblings,
    walk_chain,
)
from session_lsp.core.formats.claude_code.records import CompactMetadata, Record

MAX_SEGMENTS = 10_000
"""Boundaries followed at most: a hand-made loop of boundaries ends here, never runs forever."""
MAX_BRANCHES = 1_000
"""Abandoned branches built at most, the newest: a file of many thousands (a writer's bug) still
counts them all, and shows the most recent."""
REPLAY_BUDGET = 16
"""Lines replayed again, in whole-file multiples, for the history after partial compactions
(each replays the lines before its boundary): past it, older segments are left out, so a file of
thousands of partial compactions costs a few replays, not thousands."""


def earlier_chains(
    records: Sequence[Record | None], conversation: Conversation
) -> list[list[Record]]:
    """The chain before each compaction on the conversation's lineage, oldest first."""
    boundary = conversation.end_record
    if conversation.end is not ChainEnd.COMPACTION or boundary is None:
        return []
    agent_id = conversation.agent_id
    first_partial = _first_partial_compaction(records)
    whole: _Lines | None = None
    budget = REPLAY_BUDGET * len(records)
    chains: list[list[Record]] = []
    seen: set[int] = set()
    while boundary is not None and boundary.line not in seen and len(chains) < MAX_SEGMENTS:
        seen.add(boundary.line)
        if first_partial < boundary.line:
            budget -= boundary.line
            if budget < 0:
                break
            lines = _Lines(load(records[: boundary.line], agent_id))
        else:
            whole = whole if whole is not None else _Lines(load(records, agent_id, relink=False))
            lines = whole
        tip = lines.tip_before(boundary, include_sidechains=agent_id is not None)
        if tip is None:
            break
        walked, end, first = walk_chain(tip, lines.index)
        start = min(record.line for record in walked)  # kept turns precede their boundary
        chain, _ = recover_siblings(walked, lines.between(start, boundary.line))
        chains.append(chain)
        boundary = first if end is ChainEnd.COMPACTION else None
    chains.reverse()
    return chains


def _first_partial_compaction(records: Sequence[Record | None]) -> int:
    """The line of the first partial compaction (none: past the end). The history before a
    boundary after it is the conversation Claude Code replayed from the lines before that
    boundary, relinks applied; before it, the parents on disk are that conversation, and one
    index of the whole file serves every boundary."""
    return next(
        (
            record.line
            for record in records
            if record is not None
            and record.type == "system"
            and record.subtype == "compact_boundary"
            and isinstance(record.compactMetadata, CompactMetadata)
            and record.compactMetadata.preservedSegment is not None
        ),
        len(records),
    )


class _Lines:
    """A replay index with its lines in file order, to take the part between two lines without
    a pass over the whole file for every segment."""

    def __init__(self, index: ReplayIndex) -> None:
        self.index = index
        self.ordered = sorted(index.order, key=_line)
        self.numbers = [record.line for record in self.ordered]

    def between(self, start: int, stop: int) -> ReplayIndex:
        """The index with only the lines in [start, stop) to look for siblings among: a
        segment's parallel calls and results are written inside it."""
        low = bisect.bisect_left(self.numbers, start)
        high = bisect.bisect_left(self.numbers, stop)
        index = self.index
        return ReplayIndex(index.by_uuid, index.parent, self.ordered[low:high])

    def tip_before(self, boundary: Record, *, include_sidechains: bool) -> Record | None:
        """The line the boundary compacted: its `logicalParentUuid`, else (a writer that left it
        out) the last message line before it in the file."""
        logical = boundary.logicalParentUuid
        if logical is not None:
            return self.index.by_uuid.get(logical)
        before = self.ordered[: bisect.bisect_left(self.numbers, boundary.line)]
        return next(
            (
                record
                for record in reversed(before)
                if record.type in ("user", "assistant")
                and (include_sidechains or not record.isSidechain)
            ),
            None,
        )


def _line(record: Record) -> int:
    return record.line


def abandoned_chains(
    records: Sequence[Record | None], conversation: Conversation
) -> tuple[list[tuple[list[Record], int | None]], int]:
    """Each branch off the conversation after its start that a resume leaves out, in file order
    of its first line, with the line it hangs off (None: a root of its own, or a line before the
    conversation's start); and how many there are (past `MAX_BRANCHES`, more than are returned).

    A branch is walked back from one of the leaves Claude Code did not pick
    (`Conversation.leaves`) to the first line it shares with the conversation or with a branch
    walked before it, or to a line older than the conversation's start, and its parallel calls
    and their results are spliced back in as a resume splices the conversation's
    (`recover_siblings`). Newer leaves are walked first: a branch that forks again is shown whole
    as its newest attempt, the older tip as the part after the fork; a reply a `/model` line
    hangs off inside a branch, or a parallel call's result, is no branch of its own. Each line is
    walked once, so thousands of leaves cost one pass.
    """
    leaf, start = conversation.leaf, conversation.end_record
    if leaf is None or start is None:
        return [], 0
    sidechains_count = conversation.agent_id is not None
    others = {
        message.line: message
        for message in conversation.leaves
        if message is not leaf
        and message.line > start.line
        and (sidechains_count or not message.isSidechain)
    }
    if not others:
        return [], 0  # most sessions: one leaf, the one resumed; its chain's lines not needed
    claimed = conversation.on_chain()
    ordered = sorted((line, message) for line, message in others.items() if line not in claimed)
    index = load(records, conversation.agent_id)
    siblings = _Siblings(index, claimed, start.line)
    by_uuid, parent = index.by_uuid, index.parent
    branches: list[tuple[list[Record], int | None]] = []
    found = 0
    for _, message in reversed(ordered):
        walked: list[Record] = []
        own: set[int] = set()
        fork: int | None = None
        # The record as now read: a replay reused after an edit keeps the leaves it found.
        current: Record | None = by_uuid.get(message.uuid or "", message)
        while current is not None and current.line not in own:
            if current.line in claimed:
                fork = current.line
                break
            if current.line < start.line:
                break
            own.add(current.line)
            walked.append(current)
            target = parent.get(current.uuid or "")
            current = by_uuid.get(target) if target is not None else None
        if not walked:
            continue
        walked.reverse()
        found += 1
        if len(branches) < MAX_BRANCHES:
            branches.append((siblings.spliced(walked, own, claimed), fork))
        else:  # counted, not shown: its parallel lines are only claimed, not spliced in order
            claimed.update(siblings.candidates(walked, own, claimed))
        claimed.update(own)
    branches.sort(key=lambda branch: branch[0][0].line)
    return branches, found


class _Siblings:
    """The lines off the conversation that could be a branch's parallel calls or their results,
    by message id and by parent, gathered once: a branch looks up only its own lines' candidates,
    so a thousand branches do not each pass over the file."""

    def __init__(self, index: ReplayIndex, on_chain: set[int], start: int) -> None:
        """Lines on the conversation (`on_chain`) or before its start (line `start`, the
        history a compaction closed) are no branch's."""
        self.index = index
        self.by_message: dict[str, list[Record]] = {}
        self.by_parent: dict[str, list[Record]] = {}
        """Tool results only: a prompt hanging off a branch's call is a branch of its own."""
        for record in index.order:
            if record.line in on_chain or record.line < start:
                continue
            if record.type == "assistant" and (message_id := record.message_id) is not None:
                self.by_message.setdefault(message_id, []).append(record)
            elif record.type == "user" and any(b.type == "tool_result" for b in record.blocks):
                up = index.parent.get(record.uuid or "")
                if up is not None:
                    self.by_parent.setdefault(up, []).append(record)

    def candidates(
        self, chain: list[Record], own: set[int], claimed: set[int]
    ) -> dict[int, Record]:
        """The lines that may be `chain`'s parallel calls or their results (its lines `own`, and
        those no other segment holds), by line."""
        found: dict[int, Record] = {}
        messages = {
            member.message_id
            for member in chain
            if member.type == "assistant" and member.message_id is not None
        }
        for message_id in messages:  # each once: one message may span thousands of lines
            for sibling in self.by_message.get(message_id, ()):
                for record in (sibling, *self.by_parent.get(sibling.uuid or "", ())):
                    if record.line in own or record.line not in claimed:
                        found[record.line] = record
        return found

    def spliced(self, chain: list[Record], own: set[int], claimed: set[int]) -> list[Record]:
        """`chain` (its lines `own`) with its parallel calls and their results that no other
        segment holds put back, each claimed."""
        candidates = self.candidates(chain, own, claimed)
        if not candidates:
            return chain
        near = ReplayIndex(
            self.index.by_uuid, self.index.parent, [candidates[line] for line in sorted(candidates)]
        )
        rebuilt, recovered = recover_siblings(chain, near)
        claimed.update(record.line for record in recovered)
        return rebuilt
