"""The seam every transcript format implements, so that the server, the CLI, the repairs and the
editor features never branch on the format of a file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from session_lsp.core.findings import Finding
from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.locate import Locator
from session_lsp.core.reading import Line
from session_lsp.core.tools import Mention, ToolHalf

if TYPE_CHECKING:
    from session_lsp.core.analysis import Analysis
    from session_lsp.core.formats.claude_code.conversation import Conversation
    from session_lsp.core.plan import Plan

T = TypeVar("T")


class Format(Protocol):
    name: str
    result_noun: str
    """What the format calls a call's answer, as repair titles name it."""

    def detect(self, lines: Sequence[Line], records: Sequence[Record | None]) -> bool:
        """Whether the file is a transcript of this format."""
        ...

    def analyse(
        self,
        lines: Sequence[Line],
        records: Sequence[Record | None],
        live_seconds_ago: float | None,
        locator: Locator,
    ) -> tuple[Conversation, list[Finding]]:
        """The replayed conversation (empty where the format has no such model) and findings,
        their spans found through `locator` (the analysis records how, to find them again)."""
        ...

    def mentions(self, analysis: Analysis, line: int) -> list[Mention]: ...

    def pair_lines(self, analysis: Analysis, tool_use_id: str) -> tuple[list[int], list[int]]:
        """The lines of the calls and of the results with this id, anywhere in the file."""
        ...

    def call_name(self, analysis: Analysis, tool_use_id: str) -> str | None:
        """The name of the tool called with this id (its first call in the file), for the hint
        beside each result; read without decoding the call's input where the format allows."""
        ...

    def half(self, analysis: Analysis, line: int, tool_use_id: str, is_result: bool) -> ToolHalf:
        """The call (or result) with this id on this line, for hover."""
        ...

    def content(self, analysis: Analysis, start: int, stop: int) -> tuple[int, int, int]:
        """User prompts, tool calls and conversation records on lines [start, stop)."""
        ...

    def stub(self, plan: Plan, unpaired: Sequence[Finding]) -> None: ...

    def purge(self, plan: Plan, unpaired: Sequence[Finding]) -> None: ...

    def drop(self, plan: Plan, findings: Sequence[Finding]) -> None:
        """Remove an orphan or duplicate result, a duplicate call, a dangling server call."""
        ...

    def reorder(self, plan: Plan, findings: Sequence[Finding]) -> None:
        """Put tool results before text in their message."""
        ...


class PerAnalysis(Generic[T]):
    """A value derived from an analysis, kept for the last analysis asked about: an editor asks
    about the same text again and again (one tool id after another, the outline on each change).
    An analysis never changes, so the value stays right for as long as it is the one asked about."""

    def __init__(self, derive: Callable[[Analysis], T]) -> None:
        self._derive = derive
        self._last: tuple[Analysis, T] | None = None

    def __call__(self, analysis: Analysis) -> T:
        last = self._last
        if last is None or last[0] is not analysis:
            last = self._last = (analysis, self._derive(analysis))
        return last[1]
