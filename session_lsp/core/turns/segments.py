"""A session's history, one segment per compaction: what a reader can see beyond what a resume sends.

The conversation model's items are the last segment, the conversation a resume sends (and the
findings judge). Each compaction closed a segment of history that is still in the file; the formats
rebuild those (Claude Code: the chain that led to each boundary; Codex: the items between two
`compacted` records) as earlier segments, oldest first, so the view and the search reach them.
Earlier segments carry no findings: they are history to read, never sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from session_lsp.core.content_text import one_line
from session_lsp.core.turns.model import ConversationModel, Item
from session_lsp.core.wording import counted

SUMMARY_LIMIT = 300
"""Characters of a segment's one-line summary."""

BOILERPLATE = (
    "This session is being continued from a previous conversation that ran out of context.",
    "The conversation is summarized below:",
)
"""How Claude Code opens every compaction summary: no help in telling segments apart."""


@dataclass(slots=True)
class Segment:
    """The items of one stretch of history, indexed from 0 within it."""

    items: list[Item]
    summary: str | None
    """What the compaction that closed it kept of it, on one line; None for the last segment or a
    compaction that wrote no summary."""
    lines: tuple[int, int] | None = None
    """Its first and last line, once asked for (its items are never changed)."""

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
    for index, item in enumerate(items):
        item.index = index
    return Segment(items, summary_line(summary))


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
    """Every segment, oldest first; the last is the model's own items."""
    last = model.known.last_segment
    if last is None or last.items is not model.items:
        last = model.known.last_segment = Segment(model.items, None)
    return [*model.earlier_segments, last]


def segment_items(model: ConversationModel, segment: int | None) -> list[Item]:
    """The items of segment `segment` (None: the last). IndexError names the segments there are."""
    if segment is None or segment == len(model.earlier_segments):
        return model.items
    if 0 <= segment < len(model.earlier_segments):
        return model.earlier_segments[segment].items
    raise IndexError(
        f"segment {segment}: the session has {counted(len(model.earlier_segments) + 1, 'segment')},"
        f" numbered from 0"
    )


def counted_facts(model: ConversationModel, segment: int | None) -> list[str]:
    """What a header says of a segment's size and of the session's health (`show` and the
    Markdown alike): `52 items`, `1 error, 0 warnings`, abandoned branches where there are some."""
    facts = [
        counted(len(segment_items(model, segment)), "item"),
        f"{counted(model.errors, 'error')}, {counted(model.warnings, 'warning')}",
    ]
    if model.abandoned_branches:
        facts.append(counted(model.abandoned_branches, "abandoned branch", "abandoned branches"))
    return facts


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
