"""An analysed document: what one version of a transcript says, whatever its format.

Formats read and repair `Analysis` values; `analysis.Transcript` makes them. Keeping the value
apart from the code that makes it lets the formats depend on it without depending on the entry
point that runs them (docs/architecture.md: core layers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from session_lsp.core.findings import Finding, Span
from session_lsp.core.reading import Line, LineProblem, Record

if TYPE_CHECKING:
    from session_lsp.core.formats.base import Format

Anchor = tuple[str, str] | None
"""How a span was found: the (key, value) searched in its line, or None for the whole line."""


class Replay(Protocol):
    """What a format keeps of the conversation it replayed, one per analysis (Claude Code's
    parentUuid walk); formats whose file order is the conversation keep `NO_REPLAY`."""

    def with_records(self, replaced: dict[int, Record]) -> Replay:
        """The same replay over records that replay alike but read differently (a reworded
        prompt): the next analysis of a small edit reuses it."""
        ...

    def index_lines(self) -> None:
        """Build what later requests look lines up in, ahead of them."""
        ...


class NoReplay:
    def with_records(self, replaced: dict[int, Record]) -> NoReplay:
        return self

    def index_lines(self) -> None:
        return None


NO_REPLAY = NoReplay()


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Analysis:
    """What one version of a transcript says; never changes once made."""

    lines: Sequence[Line]
    ends_with_newline: bool
    records: Sequence[Record | None]
    conversation: Replay
    findings: list[Finding]
    format: Format | None
    """Detected once, when the analysis is made; None for a file of no known format."""
    problems: Sequence[tuple[LineProblem, ...]]
    live_seconds_ago: float | None = None
    rule_findings: list[Finding] = field(default_factory=list, repr=False, compare=False)
    anchors: dict[Span, set[Anchor]] = field(default_factory=dict, repr=False, compare=False)
    """How each rule finding's spans were located, to locate them again after a small edit."""
    reading_findings: list[Finding] = field(default_factory=list, repr=False, compare=False)

    @property
    def error_count(self) -> int:
        return sum(1 for finding in self.findings if finding.is_error)
