"""Transcript formats behind one seam (`base.Format`): Claude Code sessions and Codex rollouts.

`detect` picks the format of a file once; everything after that (findings, repairs, mentions of
tool ids, what truncation drops) goes through the format, so no caller branches on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from session_lsp.core.formats.base import Format
from session_lsp.core.formats.claude_code.format import CLAUDE_CODE
from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.formats.codex.format import CODEX
from session_lsp.core.reading import Line
from session_lsp.core.tools import Mention

FORMATS: tuple[Format, ...] = (CLAUDE_CODE, CODEX)
"""In detection order: a Claude Code record anywhere wins over a rollout's first line."""


def known_agents() -> str:
    """The agents whose files are known, as messages name them ("Claude Code or Codex")."""
    agents = [candidate.agent for candidate in FORMATS]
    return " or ".join([", ".join(agents[:-1]), agents[-1]] if len(agents) > 1 else agents)


def reads_records(lines: Sequence[Line]) -> bool:
    """Whether the lines are read into records: not when another format claims the file from
    its lines alone (a Codex rollout's first line), whose lines are then only checked
    (`read_lines(records=False)`)."""
    return claimant(lines) is None


def claimant(lines: Sequence[Line]) -> Format | None:
    """The format that knows the file from its lines alone and reads no records, if one does."""
    return next(
        (
            candidate
            for candidate in FORMATS
            if not candidate.uses_records and candidate.detect(lines, ())
        ),
        None,
    )


def detect(lines: Sequence[Line], records: Sequence[Record | None]) -> Format | None:
    for candidate in FORMATS:
        if candidate.detect(lines, records):
            return candidate
    return None


__all__ = [
    "CLAUDE_CODE",
    "CODEX",
    "FORMATS",
    "Format",
    "Mention",
    "claimant",
    "detect",
    "known_agents",
    "reads_records",
]
