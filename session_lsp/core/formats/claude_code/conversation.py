"""Rebuild the conversation Claude Code sends on `--continue` / `--resume`
(docs/claude-code-format.md §4, §6.1).

The steps follow Claude Code 2.1.88: progress bridging, the partial-compaction relink
(`applyPreservedSegmentRelinks`), newest leaf (ties to the first in file order), parentUuid walk up
to null / a missing parent / a cycle (a compaction boundary has a null parent), sibling recovery for
parallel tool calls, then the merge into API messages, prompts queued while Claude worked included.
Claude Code's in-memory repairs (`filterUnresolvedToolUses`, `ensureToolResultPairing`) are
deliberately left out: older versions and other readers lack them, and they silently drop work.
"""

from __future__ import annotations

import bisect
import enum
import itertools
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import msgspec

from session_lsp.core.document import Analysis
from session_lsp.core.formats.claude_code.records import Block, CompactMetadata, Record

CHAIN_TYPES = frozenset({"user", "assistant", "system", "attachment"})
"""Transcript types kept after loading; `progress` lines are bridged over and dropped."""

THINKING_TYPES = frozenset({"thinking", "redacted_thinking"})


class ChainEnd(enum.Enum):
    """Why the parentUuid walk stopped."""

    ROOT = "root"
    COMPACTION = "compaction"
    MISSING_PARENT = "missing-parent"
    CYCLE = "cycle"


class Part(msgspec.Struct, gc=False):
    """One content block of an API message and the line it came from. Parts and messages are not
    tracked by the cyclic garbage collector (they hold no cycle): 280,000 of them on a session of
    70,000 tool calls, walked by every full collection while the analysis is kept."""

    block: Block
    record: Record


class ApiMessage(msgspec.Struct, gc=False):
    role: str
    parts: list[Part]
    message_id: str | None = None

    def tool_use_parts(self) -> list[Part]:
        return [part for part in self.parts if part.block.type == "tool_use"]

    def has_tool_result(self) -> bool:
        return any(part.block.type == "tool_result" for part in self.parts)


@dataclass(slots=True)
class Conversation:
    """The replayed conversation and how it was found."""

    leaf: Record | None = None
    chain: list[Record] = field(default_factory=list)
    """The replayed lines in order, recovered siblings included."""
    walked: list[Record] = field(default_factory=list)
    """The parentUuid walk alone: real parent links, root first. Repairs edit along it."""
    messages: list[ApiMessage] = field(default_factory=list)
    end: ChainEnd = ChainEnd.ROOT
    end_record: Record | None = None
    """The first line of the chain: its parent is null, missing, or closes a cycle."""
    recovered: list[Record] = field(default_factory=list)
    agent_id: str | None = None
    """Set when the file is a sub-agent transcript, resumed on its own."""
    relinked: dict[str, str | None] = field(default_factory=dict)
    """Parents a partial compaction gives lines in memory (uuid: new parent), not on disk."""
    preserved: frozenset[str] = frozenset()
    """The live preserved segment's head, anchor and tail uuids: Claude Code relinks through them,
    so a repair that removes one undoes the compaction."""
    leaves: list[Record] = field(default_factory=list, repr=False)
    """Each leaf walked back to its nearest message (`leaf_messages`), the newest of which is
    `leaf`: the branches a resume leaves out end at the others."""
    places: _Places | None = field(default=None, repr=False, compare=False)
    """Built once (`index_lines`, or the first `with_records`), then shared by the snapshots
    that reuse this replay."""

    def on_chain(self) -> set[int]:
        return {record.line for record in self.chain}

    def with_records(self, replaced: dict[int, Record]) -> Conversation:
        """The same conversation with the lines in `replaced` (by line number) read anew.

        For edits that leave every replay field of those lines unchanged: the structure is
        shared, only the touched lines' parts are rebuilt, and this conversation is left as it was.
        """
        if not replaced:
            return self
        places = self._places()
        messages = list(self.messages)
        rebuilt: dict[int, ApiMessage] = {}
        for line, record in replaced.items():
            for message_index, part_index in places.parts(line):
                message = rebuilt.get(message_index)
                if message is None:
                    original = messages[message_index]
                    message = ApiMessage(original.role, list(original.parts), original.message_id)
                    rebuilt[message_index] = message
                    messages[message_index] = message
                part = message.parts[part_index]
                message.parts[part_index] = Part(_same_block(part, record), record)
        conversation = Conversation(
            leaf=_swap(self.leaf, replaced),
            chain=_swapped(self.chain, places.chain, replaced),
            walked=_swapped(self.walked, places.walked, replaced),
            messages=messages,
            end=self.end,
            end_record=_swap(self.end_record, replaced),
            recovered=_swapped(self.recovered, places.recovered, replaced),
            agent_id=self.agent_id,
            relinked=self.relinked,
            preserved=self.preserved,
            leaves=self.leaves,
        )
        conversation.places = places
        return conversation

    def index_lines(self) -> None:
        """Index where each line sits, ahead of the first edit (an editor calls this after a
        replay, so that the first keystroke costs no more than the next ones)."""
        self._places()

    def _places(self) -> _Places:
        if self.places is None:
            self.places = _Places.of(self)
        return self.places


@dataclass(frozen=True, slots=True)
class _Places:
    """Where each line sits in the replay, for an edit that re-reads a few lines.

    Arrays indexed by line number (`_ABSENT` where a line is not there), not dicts: a dict of
    line to position held an int object and an entry per line and map, 9.6 MB of a 106 MB
    session's 31,600 lines kept as long as the document is open; these hold 4 bytes.
    """

    part_lines: array[int]
    """The line of every part, messages flattened in order."""
    message_starts: array[int]
    """Where each message's parts start in `part_lines`."""
    first_part: array[int]
    last_part: array[int]
    chain: array[int]
    walked: array[int]
    recovered: array[int]

    @classmethod
    def of(cls, conversation: Conversation) -> _Places:
        messages = conversation.messages
        part_lines = array(
            "i", [part.record.line for message in messages for part in message.parts]
        )
        lines = 1 + max(
            max(part_lines, default=-1),
            *(
                max(map(_line_of, records), default=-1)
                for records in (conversation.chain, conversation.walked, conversation.recovered)
            ),
        )
        return cls(
            part_lines,
            array(
                "i", itertools.accumulate((len(message.parts) for message in messages), initial=0)
            ),
            _positions(reversed(range(len(part_lines))), part_lines, lines),
            _positions(range(len(part_lines)), part_lines, lines),
            _positions_of(conversation.chain, lines),
            _positions_of(conversation.walked, lines),
            _positions_of(conversation.recovered, lines),
        )

    def parts(self, line: int) -> list[tuple[int, int]]:
        """(message index, part index) of each part of a line: all in one message, so the
        flattened positions between its first and last part are few."""
        first = _position(self.first_part, line)
        if first == _ABSENT:
            return []
        flat = [at for at in range(first, self.last_part[line] + 1) if self.part_lines[at] == line]
        message = bisect.bisect_right(self.message_starts, first) - 1
        start = self.message_starts[message]
        return [(message, at - start) for at in flat]


_ABSENT = -1


def _positions(order: Iterable[int], lines_at: array[int], lines: int) -> array[int]:
    """For each line, the position (taken in `order`, the last taken kept) that holds it."""
    positions = array("i", [_ABSENT]) * lines
    for at in order:
        if (line := lines_at[at]) >= 0:  # -1: a record no reader numbered (built in a test)
            positions[line] = at
    return positions


def _positions_of(records: list[Record], lines: int) -> array[int]:
    positions = array("i", [_ABSENT]) * lines
    for at, record in enumerate(records):
        if record.line >= 0:
            positions[record.line] = at
    return positions


def _position(positions: array[int], line: int) -> int:
    return positions[line] if 0 <= line < len(positions) else _ABSENT


def _line_of(record: Record) -> int:
    return record.line


def _same_block(part: Part, record: Record) -> Block:
    """The block of `record` at the place `part`'s block held in its own line."""
    old = part.record
    content = old.message.content if old.message is not None else None
    if isinstance(content, tuple):
        for index, block in enumerate(content):
            if block is part.block:
                return record.blocks[index]
        return part.block
    if isinstance(content, str):
        return record.blocks[0]
    return part.block


def _swap(record: Record | None, replaced: dict[int, Record]) -> Record | None:
    if record is None:
        return None
    return replaced.get(record.line, record)


def _swapped(
    records: list[Record], positions: array[int], replaced: dict[int, Record]
) -> list[Record]:
    touched = [
        (at, record)
        for line, record in replaced.items()
        if (at := _position(positions, line)) != _ABSENT
    ]
    if not touched:
        return records
    copy = list(records)
    for at, record in touched:
        copy[at] = record
    return copy


@dataclass(slots=True)
class ReplayIndex:
    """The loaded transcript: messages by uuid, with progress lines bridged over."""

    by_uuid: dict[str, Record]
    parent: dict[str, str | None]
    order: list[Record]
    relinked: dict[str, str | None] = field(default_factory=dict)
    preserved: frozenset[str] = frozenset()


def sub_agent_id(records: Sequence[Record | None]) -> str | None:
    """The agentId of a sub-agent file, where every user/assistant line is a sidechain.

    Claude Code resumes a sub-agent from the lines that carry its agentId; a file of sidechain
    lines with no agentId at all is replayed whole, under the empty id.
    """
    agent_id: str | None = None
    for record in records:
        if record is None or record.type not in ("user", "assistant"):
            continue
        if not record.isSidechain:
            return None
        if agent_id is None and record.agentId is not None:
            agent_id = record.agentId
    return agent_id


def load(
    records: Sequence[Record | None], agent_id: str | None, *, relink: bool = True
) -> ReplayIndex:
    """Map uuids to lines (the last line wins a duplicate uuid, as in Claude Code's Map).

    Without `relink`, the parents are the ones on disk: the history before a partial compaction,
    as it was when it was written."""
    by_uuid: dict[str, Record] = {}
    progress_parent: dict[str, str | None] = {}
    for record in records:
        if record is None or record.uuid is None:
            continue
        record_type = record.type
        if record_type == "progress":
            progress_parent[record.uuid] = record.parentUuid
        elif record_type in CHAIN_TYPES and (agent_id is None or record.agentId == agent_id):
            by_uuid[record.uuid] = record
    parent: dict[str, str | None] = {}
    for uuid, record in by_uuid.items():
        target = record.parentUuid
        if target is not None and target in progress_parent:
            target = _bridge(target, progress_parent)
        parent[uuid] = target
    index = ReplayIndex(by_uuid, parent, list(by_uuid.values()))
    if relink:
        relink_preserved_segment(index)
    return index


def _bridge(target: str | None, progress_parent: dict[str, str | None]) -> str | None:
    seen: set[str] = set()
    while target is not None and target in progress_parent and target not in seen:
        seen.add(target)
        target = progress_parent[target]
    return target


def relink_preserved_segment(index: ReplayIndex) -> None:
    """`applyPreservedSegmentRelinks` (2.1.88, partial compaction since about 2.1.205).

    The preserved lines keep their pre-compact parents on disk; in memory the head is re-parented
    to the anchor (the summary, or the boundary itself), the anchor's other children to the tail,
    and every line before the last boundary that is not preserved is dropped. Only the last
    boundary with a segment counts, and only if no boundary without one came after it (then
    nothing is relinked but the prune still runs). A tail-to-head walk that fails leaves the file
    as it is, prune included.
    """
    order = index.order
    segment: object = None
    segment_at = last_boundary = -1
    for position, record in enumerate(order):
        if _is_boundary(record):
            last_boundary = position
            found = _segment(record)
            if _is_set(found):
                segment, segment_at = found, position
    if segment_at < 0:
        return
    preserved: set[str] = set()
    live = segment_at == last_boundary
    if live:
        head, anchor, tail = (_segment_uuid(segment, key) for key in _SEGMENT_KEYS)
        if not _walk_tail_to_head(index, tail, head, preserved):
            return
        assert head is not None
        for uuid, target in index.parent.items():
            if target is not None and target == anchor and uuid != head:
                index.relinked[uuid] = tail
        if head in index.by_uuid:
            index.relinked[head] = anchor
        index.parent.update(index.relinked)
        index.preserved = frozenset(uuid for uuid in (head, anchor, tail) if uuid is not None)
    kept = order[last_boundary:]
    pruned = [record for record in order[:last_boundary] if record.uuid not in preserved]
    for record in pruned:
        uuid = record.uuid or ""
        del index.by_uuid[uuid]
        del index.parent[uuid]
        index.relinked.pop(uuid, None)
    index.order = [record for record in order[:last_boundary] if record.uuid in preserved] + kept


_SEGMENT_KEYS = ("headUuid", "anchorUuid", "tailUuid")


def _segment(record: Record) -> object:
    metadata = record.compactMetadata
    return metadata.preservedSegment if isinstance(metadata, CompactMetadata) else None


def _is_set(value: object) -> bool:
    """JavaScript truthiness, as `if (seg)` reads it: an empty object or list is set."""
    return isinstance(value, dict | list) or bool(value)


def _segment_uuid(segment: object, key: str) -> str | None:
    value = segment.get(key) if isinstance(segment, dict) else None
    return value if isinstance(value, str) else None


def _walk_tail_to_head(
    index: ReplayIndex, tail: str | None, head: str | None, preserved: set[str]
) -> bool:
    """Collect the segment from its tail up its parents; False unless the walk reaches the head."""
    current = index.by_uuid.get(tail) if tail is not None else None
    while current is not None and current.uuid not in preserved:
        uuid = current.uuid or ""
        preserved.add(uuid)
        if uuid == head:
            return True
        target = index.parent.get(uuid)
        current = index.by_uuid.get(target) if target is not None else None
    return False


def pick_leaf(index: ReplayIndex, *, include_sidechains: bool) -> Record | None:
    """The newest user/assistant leaf by timestamp; strict `>` so a tie goes to the first in file."""
    return newest_leaf(leaf_messages(index), include_sidechains=include_sidechains)


def newest_leaf(messages: Iterable[Record], *, include_sidechains: bool) -> Record | None:
    """`pick_leaf` of leaves already walked to their messages (`leaf_messages`)."""
    best: Record | None = None
    best_time = ""
    for message in messages:
        if message.isSidechain and not include_sidechains:
            continue
        timestamp = message.timestamp or ""
        if best is None or timestamp > best_time:
            best, best_time = message, timestamp
    return best


def leaf_messages(index: ReplayIndex) -> Iterator[Record]:
    """Each leaf (a line no line names as parent) walked back to its nearest user or assistant
    line, in the leaves' file order: what Claude Code picks the newest of. A branch that ends on
    a system line (a `/model` after an interrupt) is a leaf as much as one ending on a reply."""
    by_uuid, parent = index.by_uuid, index.parent
    has_child = {target for target in parent.values() if target is not None}
    for record in index.order:
        if record.uuid in has_child:
            continue
        message = _nearest_message(record, by_uuid, parent)
        if message is not None:
            yield message


def _nearest_message(
    record: Record, by_uuid: dict[str, Record], parent: dict[str, str | None]
) -> Record | None:
    seen: set[str] = set()
    current: Record | None = record
    while current is not None and current.type not in ("user", "assistant"):
        uuid = current.uuid
        if uuid is None or uuid in seen:
            return None
        seen.add(uuid)
        target = parent.get(uuid)
        current = by_uuid.get(target) if target is not None else None
    return current


Walk = tuple[list[Record], ChainEnd, Record]


def walk_chain(leaf: Record, index: ReplayIndex) -> Walk:
    """Follow parentUuid from the leaf to the first line; returns the chain in file order.

    A loop is only watched for once the walk has taken more lines than there are: a set of every
    uuid walked was the biggest thing a replay of 140,000 lines made and dropped (8 MB). Both
    walks end alike because every uuid with a parent is a line's (`load` keeps `parent`'s keys
    `by_uuid`'s): a walk that comes round again finds the line, never a missing parent."""
    walked = _walk(leaf, index, watch_loops=False)
    if walked is None:
        walked = _walk(leaf, index, watch_loops=True)
        assert walked is not None  # watching loops, a walk always ends
    return walked


def _walk(leaf: Record, index: ReplayIndex, *, watch_loops: bool) -> Walk | None:
    """The walk; None if, not watching loops, it went round one."""
    by_uuid, parent = index.by_uuid, index.parent
    chain = [leaf]
    seen = {leaf.uuid} if watch_loops else None
    most = len(by_uuid)
    current = leaf
    while True:
        target = parent.get(current.uuid or "")
        if target is None:
            end = ChainEnd.COMPACTION if _is_boundary(current) else ChainEnd.ROOT
            break
        if seen is not None:
            if target in seen:
                end = ChainEnd.CYCLE
                break
            seen.add(target)
        following = by_uuid.get(target)
        if following is None:
            end = ChainEnd.MISSING_PARENT
            break
        if seen is None and len(chain) >= most:
            return None  # more lines than there are: one came round again
        chain.append(following)
        current = following
    chain.reverse()
    return chain, end, current


def _is_boundary(record: Record) -> bool:
    return record.type == "system" and record.subtype == "compact_boundary"


def recover_siblings(chain: list[Record], index: ReplayIndex) -> tuple[list[Record], list[Record]]:
    """Splice off-chain parallel tool_use lines and their results back in (2.1.80+ behaviour).

    For each message.id on the chain: off-chain assistant lines with that id, then off-chain
    tool_result lines whose parent is any line of the group, each sorted by timestamp, go right
    after the group's last on-chain line.
    """
    on_chain = {id(record) for record in chain}
    wanted, results_by_parent = _off_chain_groups(
        [record for record in index.order if id(record) not in on_chain], index
    )
    if not wanted:
        return chain, []  # most sessions: every line is on the chain, or none is a sibling
    groups: dict[str, list[Record]] = {}
    for record in index.order:
        if record.type == "assistant" and (message_id := record.message_id) in wanted:
            groups.setdefault(message_id, []).append(record)
    last_position: dict[str, int] = {}
    for position, record in enumerate(chain):
        if record.type == "assistant" and (message_id := record.message_id) in wanted:
            last_position[message_id] = position
    inserts: dict[int, list[Record]] = {}
    recovered: list[Record] = []
    for message_id, position in last_position.items():
        members = groups.get(message_id, [])
        siblings = [record for record in members if id(record) not in on_chain]
        results = [
            result
            for member in members
            for result in results_by_parent.get(member.uuid or "", [])
            if id(result) not in on_chain
        ]
        if not siblings and not results:
            continue
        spliced = _by_time(siblings) + _by_time(_unique(results))
        inserts[position] = spliced
        recovered.extend(spliced)
        on_chain.update(id(record) for record in spliced)
    if not inserts:
        return chain, []
    rebuilt: list[Record] = []
    for position, record in enumerate(chain):
        rebuilt.append(record)
        rebuilt.extend(inserts.get(position, ()))
    return rebuilt, recovered


def _off_chain_groups(
    off_chain: list[Record], index: ReplayIndex
) -> tuple[set[str], dict[str, list[Record]]]:
    """The message ids with something to recover (an off-chain line of theirs, or an off-chain
    result to one of their lines), and the off-chain tool_result lines by parent. Worked out from
    the off-chain lines alone: a session of 70,000 calls on one chain spent 230 ms grouping every
    line by message id to find nothing."""
    wanted: set[str] = set()
    results_by_parent: dict[str, list[Record]] = {}
    for record in off_chain:
        if record.type == "assistant":
            if record.message_id is not None:
                wanted.add(record.message_id)
        elif record.type == "user":
            parent = index.parent.get(record.uuid or "")
            if parent is not None and any(b.type == "tool_result" for b in record.blocks):
                results_by_parent.setdefault(parent, []).append(record)
    for parent in results_by_parent:
        answered = index.by_uuid.get(parent)
        message_id = answered.message_id if answered is not None else None
        if message_id is not None and answered is not None and answered.type == "assistant":
            wanted.add(message_id)
    return wanted, results_by_parent


def _by_time(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda record: record.timestamp or "")


def _unique(records: list[Record]) -> list[Record]:
    seen: set[int] = set()
    out = []
    for record in records:
        if id(record) not in seen:
            seen.add(id(record))
            out.append(record)
    return out


def to_api_messages(chain: Sequence[Record]) -> list[ApiMessage]:
    """`normalizeMessagesForAPI`: drop what the API never sees, merge lines into messages.

    Linear in the chain: an assistant line finds the message it streams into through the newest
    index per message id, checked against the last message that stops Claude Code's backward
    search; user lines are gathered into groups and hoisted once, when the group is complete.
    """
    merger = _Merger()
    for record in _attachments_moved_up(chain):
        record_type = record.type
        if record_type == "attachment":
            merger.add_user([Part(QUEUED_BLOCK, record)])
        elif record_type == "user":
            # isVisibleInTranscriptOnly hides a line in the UI only: the compaction summary is sent.
            merger.add_user(parts_of(record))
        elif record_type == "assistant":
            if record.isApiErrorMessage:
                continue
            merger.add_assistant(record)
        elif record_type == "system" and record.subtype == "local_command":
            merger.add_user([Part(Block(type="text", text="(local command)"), record)])
    return merger.sent_messages()


QUEUED_BLOCK = Block(type="text", text="(queued prompt)")
"""What a `queued_command` attachment sends: a user text (`normalizeAttachmentForAPI`)."""


def is_queued_command(record: Record) -> bool:
    """A prompt typed, or a notification delivered, while Claude worked (2.1.x attachment)."""
    return record.type == "attachment" and record.attachment_type == "queued_command"


def _attachments_moved_up(chain: Sequence[Record]) -> list[Record]:
    """`reorderAttachmentsForAPI`: each queued attachment moves up to just after the nearest
    assistant line or tool_result line before it (to the top if there is none).

    Of the attachments, only `queued_command` is modelled: it is the one that sends the user's own
    words; the others send reminders that merge into the user message beside them.
    """
    if not any(record.type == "attachment" for record in chain):
        return list(chain)
    ordered: list[Record] = []
    moved: list[Record] = []
    rest: list[Record] = []
    for record in chain:
        if record.type == "attachment":
            if is_queued_command(record):
                moved.append(record)
        elif record.type == "assistant" or _starts_with_result(record):
            ordered += moved
            ordered += rest
            ordered.append(record)
            moved, rest = [], []
        else:
            rest.append(record)
    return ordered + moved + rest


def _starts_with_result(record: Record) -> bool:
    if record.type != "user" or record.message is None:
        return False
    content = record.message.content
    return isinstance(content, tuple) and bool(content) and content[0].type == "tool_result"


class _UserGroup:
    """Consecutive user lines that become one API message; hoisted only if there are several."""

    __slots__ = ("has_tool_result", "lines", "parts")

    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self.lines = 1
        self.has_tool_result = _any_tool_result(parts)

    def extend(self, parts: list[Part], lines: int, has_tool_result: bool) -> None:
        self.parts.extend(parts)
        self.lines += lines
        self.has_tool_result = self.has_tool_result or has_tool_result

    def message(self) -> ApiMessage:
        parts = self.parts
        if self.lines > 1 and self.has_tool_result:
            # hoistToolResults: only a merge moves tool_result blocks to the front.
            parts = [part for part in parts if part.block.type == "tool_result"] + [
                part for part in parts if part.block.type != "tool_result"
            ]
        return ApiMessage("user", parts)


def _any_tool_result(parts: list[Part]) -> bool:
    if len(parts) == 1:  # most lines: without a generator, which costs a call of its own
        return parts[0].block.type == "tool_result"
    return any(part.block.type == "tool_result" for part in parts)


def parts_of(record: Record) -> list[Part]:
    """The line's blocks as parts of an API message. Most lines hold one block: made without a
    comprehension, which costs a call of its own (140,000 lines on a session of 70,000 calls)."""
    blocks = record.blocks
    if len(blocks) == 1:
        return [Part(blocks[0], record)]
    return [Part(block, record) for block in blocks]


class _Merger:
    """The merge state: O(1) amortised per line.

    `stop` is the index of the newest user message without a tool_result: the backward search for
    an assistant's earlier line skips assistants and tool_result users and stops there. Only the
    last message can change from a stop to a non-stop (a tool_result merged into it), so the stop
    before it is all the history that is needed.
    """

    def __init__(self) -> None:
        self.messages: list[ApiMessage | _UserGroup] = []
        self.newest_assistant: dict[str, int] = {}
        self.stop = -1
        self.stop_before_last_user = -1

    def add_user(self, parts: list[Part]) -> None:
        messages = self.messages
        if messages and isinstance(last := messages[-1], _UserGroup):
            last.extend(parts, 1, _any_tool_result(parts))
            if last.has_tool_result and self.stop == len(messages) - 1:
                self.stop = self.stop_before_last_user
            return
        group = _UserGroup(parts)
        self.stop_before_last_user = self.stop
        messages.append(group)
        if not group.has_tool_result:
            self.stop = len(messages) - 1

    def add_assistant(self, record: Record) -> None:
        parts = parts_of(record)
        message_id = record.message_id
        messages = self.messages
        if message_id is not None:
            earlier = self.newest_assistant.get(message_id)
            if earlier is not None and earlier > self.stop:
                target = messages[earlier]
                assert isinstance(target, ApiMessage)
                target.parts.extend(parts)
                return
            self.newest_assistant[message_id] = len(messages)
        messages.append(ApiMessage("assistant", parts, message_id))

    def sent_messages(self) -> list[ApiMessage]:
        """Drop the assistants the API never sees, then merge the users that became adjacent."""
        sent: list[ApiMessage] = []
        pending: _UserGroup | None = None
        for message in self.messages:
            if isinstance(message, _UserGroup):
                if pending is None:
                    pending = message
                else:
                    pending.extend(message.parts, message.lines, message.has_tool_result)
                continue
            if not _is_sent(message):
                continue
            if pending is not None:
                sent.append(pending.message())
                pending = None
            sent.append(message)
        if pending is not None:
            sent.append(pending.message())
        return sent


def _is_sent(message: ApiMessage) -> bool:
    """Thinking-only and whitespace-only assistant messages are dropped before sending."""
    if message.role != "assistant":
        return True
    for part in message.parts:
        block = part.block
        if block.type in THINKING_TYPES:
            continue
        if block.type == "text" and not (block.text or "").strip():
            continue
        return True
    return False


def replay(records: Sequence[Record | None]) -> Conversation:
    """The conversation a resume of this file sends: main session, or the sub-agent it holds."""
    agent_id = sub_agent_id(records)
    index = load(records, agent_id)
    leaves = list(leaf_messages(index))
    leaf = newest_leaf(leaves, include_sidechains=agent_id is not None)
    if leaf is None:
        return Conversation(agent_id=agent_id)
    walked, end, first = walk_chain(leaf, index)
    chain, recovered = (
        (walked, [])  # the walk took every line, each once: none is off it
        if len(walked) == len(index.order)
        else recover_siblings(walked, index)
    )
    relinked, preserved = index.relinked, index.preserved
    del (
        index
    )  # its maps go before the API messages are made, not beside them (11 MB on 140,000 lines)
    return Conversation(
        leaf=leaf,
        chain=chain,
        walked=walked,
        messages=to_api_messages(chain),
        end=end,
        end_record=first,
        recovered=recovered,
        agent_id=agent_id,
        relinked=relinked,
        preserved=preserved,
        leaves=leaves,
    )


def conversation_of(analysis: Analysis) -> Conversation:
    """The Claude Code replay an analysis of a Claude Code file keeps (an empty one otherwise)."""
    conversation = analysis.conversation
    return conversation if isinstance(conversation, Conversation) else Conversation()
