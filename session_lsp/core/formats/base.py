"""The seam every transcript format implements, so that the server, the CLI, the repairs and the
editor features never branch on the format of a file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from session_lsp.core.findings import Finding
from session_lsp.core.reading import Line
from session_lsp.core.records import Record
from session_lsp.core.tools import Mention, ToolHalf

if TYPE_CHECKING:
    from session_lsp.core.analysis import Analysis
    from session_lsp.core.conversation import Conversation
    from session_lsp.core.plan import Plan


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
    ) -> tuple[Conversation, list[Finding]]:
        """The replayed conversation (empty where the format has no such model) and findings."""
        ...

    def mentions(self, analysis: Analysis, line: int) -> list[Mention]: ...

    def pair_lines(self, analysis: Analysis, tool_use_id: str) -> tuple[list[int], list[int]]:
        """The lines of the calls and of the results with this id, anywhere in the file."""
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
