"""A session's history, in segments: what a reader can see beyond what a resume sends.

The conversation model's items are the last segment, the conversation a resume sends (and the
findings judge). Each compaction closed a segment of history that is still in the file; the formats
rebuild those (Claude Code: the chain that led to each boundary; Codex: the items between two
`compacted` records) as earlier segments, oldest first, so the view and the search reach them.
A branch the resume leaves out (a rewound reply, an edited prompt's first answer) is a segment
too, after those and before the last: its lines are in the file, and a reader who rewound may
want them back. Segments other than the last carry no findings: history to read, never sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from session_lsp.core.content_text import one_line
from session_lsp.core.turns.model import ConversationModel, Item, ItemKind
from session_lsp.core.wording import counted

SUMMARY_LIMIT = 300
"""Characters of a segment's one-line summary."""

BOILERPLATE = (
    "This session is being continued from a previous conversation that ran out of context.",
    "The conversation is summarized below:",
)
"""How Claude Code opens every compaction summary: no help in telling segments apart."""


class SegmentKind(Enum):
    COMPACTED = "compacted"
    """History a compaction closed."""
    ABANDONED = "abandoned"
    """A branch off the conversation that a resume leaves out."""
    CURRENT = "current"
    """The last segment: the conversation a resume sends."""


@dataclass(slots=True)
class Segment:
    """The items of one stretch of history, indexed from 0 within it."""

    items: list[Item]
    summary: str | None
    """What the compaction that closed it kept of it, or an abandoned branch's first prompt, on
    one line; None for the last segment or a compaction that wrote no summary."""
    lines: tuple[int, int] | None = None
    """Its first and last line, once asked for (its items are never changed)."""
    kind: SegmentKind = SegmentKind.COMPACTED
    fork_line: int | None = None
    """An abandoned branch's: the line it hangs off (on the conversation or on an earlier
    branch); None where its first line's parent is in no other segment."""

    @property
    def first_line(self) -> int:
        return self._lines()[0]

    @property
    def last_line(self) -> int:
        return self._lines()[1]

    def _lines(self) -> tuple[int, int]:
        if self.lines is None:
            first = min((item.first_line for item in self.items), default=0)
            last = max((item.last_line for item in self.items), default=0)
            self.lines = (first, last)
        return self.lines


def earlier_segment(items: list[Item], summary: str | None) -> Segment:
    """A closed segment, its items numbered within it."""
    return Segment(_numbered(items), summary_line(summary))


def abandoned_segment(items: list[Item], fork_line: int | None, opening: str | None) -> Segment:
    """An abandoned branch, its items numbered within it, summed up by `opening`: the text of
    its first prompt, else of its first item (`summing_item`)."""
    summary = one_line(opening, SUMMARY_LIMIT) if opening and opening.strip() else None
    return Segment(_numbered(items), summary, kind=SegmentKind.ABANDONED, fork_line=fork_line)


def _numbered(items: list[Item]) -> list[Item]:
    """The items of a segment before the last, numbered from 0 within it (as pages count them)."""
    for index, item in enumerate(items):
        item.index = index
    return items


def summing_item(items: Sequence[Item]) -> Item | None:
    """The item whose text sums up an abandoned branch: its first prompt (a rewind usually
    starts one), else its first item."""
    prompt = next((item for item in items if item.kind is ItemKind.PROMPT), None)
    return prompt if prompt is not None else (items[0] if items else None)


def summary_line(summary: str | None) -> str | None:
    """A compaction summary on one line, without Claude Code's opening sentences."""
    if summary is None:
        return None
    text = summary.strip()
    for sentence in BOILERPLATE:
        if text.startswith(sentence):
            text = text[len(sentence) :].lstrip()
    return one_line(text, SUMMARY_LIMIT) if text else None


def segments(model: ConversationModel) -> list[Segment]:
    """Every segment: the compactions' history oldest first, then the abandoned branches in file
    order; the last is the model's own items."""
    last = model.known.last_segment
    if last is None or last.items is not model.items:
        last = model.known.last_segment = Segment(model.items, None, kind=SegmentKind.CURRENT)
    return [*model.earlier_segments, *model.abandoned_segments, last]


def live_segment(model: ConversationModel) -> int:
    """The number of the last segment, the conversation a resume sends."""
    return len(model.earlier_segments) + len(model.abandoned_segments)


def segment_items(model: ConversationModel, segment: int | None) -> list[Item]:
    """The items of segment `segment` (None: the last). IndexError names the segments there are."""
    last = live_segment(model)
    if segment is None or segment == last:
        return model.items
    if 0 <= segment < len(model.earlier_segments):
        return model.earlier_segments[segment].items
    if 0 <= segment < last:
        return model.abandoned_segments[segment - len(model.earlier_segments)].items
    raise IndexError(
        f"segment {segment}: the session has {counted(last + 1, 'segment')}, numbered from 0"
    )


def segment_place(model: ConversationModel, segment: int) -> str:
    """What segment `segment` (counted from 0) is, as a header says it: `segment 2 of 3: history
    before compaction 2`, `segment 3 of 4: an abandoned branch off line 40`. Lines and segments
    counted from 1."""
    every = segments(model)
    part = every[segment]
    where = f"segment {segment + 1} of {len(every)}"
    if part.kind is SegmentKind.ABANDONED:
        off = f" off line {part.fork_line + 1}" if part.fork_line is not None else ""
        return f"{where}: an abandoned branch{off}, which a resume leaves out"
    if part.kind is SegmentKind.COMPACTED:
        return f"{where}: history before compaction {segment + 1}"
    return f"{where}: the conversation a resume sends"


def other_parts(model: ConversationModel) -> str | None:
    """The segments besides the last, counted by kind (`2 earlier parts before compactions,
    1 abandoned branch`); None when there are none."""
    parts: list[str] = []
    earlier = len(model.earlier_segments)
    if earlier:
        before = "a compaction" if earlier == 1 else "compactions"
        parts.append(f"{counted(earlier, 'earlier part')} before {before}")
    branches = model.abandoned_branches
    if branches:
        branched = counted(branches, "abandoned branch", "abandoned branches")
        kept = len(model.abandoned_segments)
        parts.append(branched if kept == branches else f"{branched} (the newest {kept:,} kept)")
    return ", ".join(parts) or None


def counted_facts(model: ConversationModel, segment: int | None) -> list[str]:
    """What a header says of a segment's size and of the session's health (`show` and the
    Markdown alike): `52 items`, `1 error, 0 warnings`."""
    return [
        counted(len(segment_items(model, segment)), "item"),
        f"{counted(model.errors, 'error')}, {counted(model.warnings, 'warning')}",
    ]


def placed_calls(
    segments: Sequence[Sequence[Item]], wanted: set[int]
) -> dict[int, tuple[Item, int]]:
    """The item and segment (counted from 0, oldest first) of each call in `wanted`, by the `id`
    of its `ToolCall`: for a call that names another, one pass over the items, made only when
    some call does."""
    if not wanted:
        return {}
    return {
        id(item.tool): (item, number)
        for number, items in enumerate(segments)
        for item in items
        if item.tool is not None and id(item.tool) in wanted
    }
