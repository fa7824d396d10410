"""The seam every transcript format implements, so that the server, the CLI, the repairs and the
editor features never branch on the format of a file (docs/architecture.md: the format protocol)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from session_lsp.core.document import Analysis, Replay
from session_lsp.core.findings import Code, Finding
from session_lsp.core.locate import Locator
from session_lsp.core.reading import Line, Record
from session_lsp.core.tools import Mention, ToolHalf

if TYPE_CHECKING:
    from session_lsp.core.plan import Plan
    from session_lsp.core.turns.model import ConversationModel

T = TypeVar("T")


class Format(Protocol):
    name: str
    """Its id in the conversation model and the command contract (`claude-code`, `codex`)."""
    agent: str
    """The program that writes and resumes these files, as messages name it."""
    assistant_label: str
    """What the conversation view calls the assistant's turns."""
    result_noun: str
    """What the format calls a call's answer, as repair titles name it."""
    fixes: frozenset[Code]
    """The findings its repairs fix; no fix is offered for any other."""
    can_fork: bool
    """Whether a repaired copy under a new session id is a session the agent can resume."""
    without_repair: str
    """What resuming a file with an unanswered call does, said before a repair is chosen."""
    checks_record_shapes: bool
    """Whether the reader's record-shape findings (`invalid-record`) concern its files."""
    uses_records: bool
    """Whether it reads the records the reader decodes (`Record`); a format that does not
    recognises its files from their lines alone, which are then only checked."""

    def detect(self, lines: Sequence[Line], records: Sequence[Record | None]) -> bool:
        """Whether the file is a transcript of this format."""
        ...

    def analyse(
        self,
        lines: Sequence[Line],
        records: Sequence[Record | None],
        live_seconds_ago: float | None,
        locator: Locator,
    ) -> tuple[Replay, list[Finding]]:
        """The replayed conversation (`NO_REPLAY` where the format has none) and findings,
        their spans found through `locator` (the analysis records how, to find them again)."""
        ...

    def replays_alike(
        self, old_line: Line, new_line: Line, old: Record | None, new: Record | None
    ) -> bool:
        """Whether an edit of a line from `old_line` to `new_line` (read as `old` and `new`)
        leaves the replay and the findings as they were, so the previous analysis can be
        reused."""
        ...

    def resume_command(self, session_id: str) -> str:
        """The shell command that resumes a session of this format."""
        ...

    def live_note(self) -> str:
        """Said beside a repair of a file written moments ago."""
        ...

    def forked(self, analysis: Analysis, lines: Sequence[Line], session_id: str) -> list[bytes]:
        """`lines` (of this analysis, repaired) as a copy under a new session id, where
        `can_fork`; ValueError saying why not when the file has no id to replace."""
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

    def first_line_involved(self, analysis: Analysis, finding: Finding) -> int:
        """Where truncation must cut to remove the finding's whole message, never half of it."""
        ...

    def truncate_refusal(self, analysis: Analysis, cut: int) -> str | None:
        """Why cutting every line from `cut` on would lose what the format keeps (None: it
        would not)."""
        ...

    def build_model(self, analysis: Analysis, path: Path | None) -> ConversationModel:
        """The conversation model; `path` locates files that belong with this one."""
        ...

    def stub(self, plan: Plan, unpaired: Sequence[Finding]) -> None: ...

    def purge(self, plan: Plan, unpaired: Sequence[Finding]) -> None: ...

    def drop(self, plan: Plan, findings: Sequence[Finding]) -> None:
        """Remove an orphan or duplicate result, a duplicate call, a dangling server call."""
        ...

    def reorder(self, plan: Plan, findings: Sequence[Finding]) -> None:
        """Put tool results before text in their message."""
        ...

    def settle(self, plan: Plan) -> dict[int, bytes]:
        """The lines a plan's deletions and insertions force to change too (in Claude Code, the
        children of deleted lines re-pointed to a kept ancestor), as their new bytes."""
        ...


class PerAnalysis(Generic[T]):
    """A value derived from an analysis, kept for the last analysis asked about: an editor asks
    about the same text again and again (one tool id after another, the outline on each change).
    An analysis never changes, so the value stays right for as long as it is the one asked about.

    The analysis is held weakly and the value dropped with it: a cache must not keep a closed
    document's analysis (a 100 MB session's records) alive until another is asked about."""

    def __init__(self, derive: Callable[[Analysis], T]) -> None:
        self._derive = derive
        self._last: tuple[weakref.ref[Analysis], T] | None = None

    def __call__(self, analysis: Analysis) -> T:
        last = self._last
        if last is None or last[0]() is not analysis:
            last = self._last = (weakref.ref(analysis, self._forget), self._derive(analysis))
        return last[1]

    def _forget(self, gone: weakref.ref[Analysis]) -> None:
        last = self._last
        if last is not None and last[0] is gone:
            self._last = None


def _locator(analysis: Analysis) -> Locator:
    return Locator(analysis.lines)


locator_of = PerAnalysis(_locator)
"""Where ids sit on the lines of the analysis asked about last: hover, highlight and inlay hints
ask about the same lines again and again (each cursor move), and indexing a line of megabytes
takes tens of milliseconds."""
