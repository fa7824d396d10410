"""Transcript formats behind one seam (`base.Format`): Claude Code sessions and Codex rollouts.

`detect` picks the format of a file once; everything after that (findings, repairs, mentions of
tool ids, what truncation drops) goes through the format, so no caller branches on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from session_lsp.core.findings import Finding
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


LINE_HEAD_BYTES = 256
"""How much of a line's start tells whether it opens a JSON object."""


def may_be_transcript(lines: Sequence[Line], findings: Sequence[Finding]) -> bool:
    """Whether a file no format claims may be a transcript all the same, every record of it
    damaged: empty (a session just created), or with a line that opens a JSON object and could
    not be read (a record too deep or too big to read, a torn one), rather than a document of
    another kind (a README, an application's JSON log). Only lines' starts are looked at."""
    damaged = sorted({finding.span.line for finding in findings})
    if any(_opens_object(lines[number]) for number in damaged if 0 <= number < len(lines)):
        return True
    return not any(bytes(line[:LINE_HEAD_BYTES]).strip() for line in lines)


def not_a_transcript(
    format_known: bool, lines: Sequence[Line], findings: Sequence[Finding]
) -> str | None:
    """Why a file is no session at all, if it is none: no format claims it and it looks like no
    damaged transcript either (`may_be_transcript`): a README, an application's log, a JSON
    list. `show` and `check` report it so, and `fix` leaves it alone."""
    if format_known or may_be_transcript(lines, findings):
        return None
    return f"not a session transcript: no line is a {known_agents()} record"


def _opens_object(line: Line) -> bool:
    return bytes(line[:LINE_HEAD_BYTES]).lstrip().startswith(b"{")


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
    "may_be_transcript",
    "reads_records",
]
