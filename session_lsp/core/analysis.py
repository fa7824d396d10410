"""One entry point for every adapter: text in, findings and the replayed conversation out.

The CLI, the language server and the repairs all call `Transcript.analyse`, so they cannot disagree.
A `Transcript` keeps each line's reading, so an editor can re-read only the lines an edit touched.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from dataclasses import dataclass

from session_lsp.core.conversation import Conversation
from session_lsp.core.findings import Finding, Span
from session_lsp.core.formats import CLAUDE_CODE, detect
from session_lsp.core.reading import (
    Line,
    LineProblem,
    read_lines,
    replayed_records,
    split_lines,
)
from session_lsp.core.records import Record

LIVE_SECONDS = 10.0
"""A file written to this recently may still be open in Claude Code (it flushes every ~100 ms)."""

READING_CODES_ONLY_FOR_TRANSCRIPTS = frozenset({"invalid-record"})


@dataclass(slots=True)
class Analysis:
    lines: Sequence[Line]
    ends_with_newline: bool
    records: Sequence[Record | None]
    conversation: Conversation
    findings: list[Finding]
    is_transcript: bool
    problems: Sequence[tuple[LineProblem, ...]]

    @property
    def error_count(self) -> int:
        return sum(1 for finding in self.findings if finding.is_error)


class Transcript:
    """A transcript's lines and their readings, editable line by line."""

    def __init__(self, lines: list[Line], ends_with_newline: bool) -> None:
        self.lines = lines
        self.ends_with_newline = ends_with_newline
        self.records: list[Record | None] = []
        self.problems: list[tuple[LineProblem, ...]] = []
        for record, problems in read_lines(lines, ends_with_newline=ends_with_newline):
            self.records.append(record)
            self.problems.append(problems)

    @classmethod
    def prefix_of(cls, analysis: Analysis, stop: int) -> Transcript:
        """The first `stop` lines, reusing their readings; only the new last line is re-read."""
        transcript = cls.__new__(cls)
        transcript.lines = list(analysis.lines[:stop])
        transcript.ends_with_newline = True
        transcript.records = list(analysis.records[:stop])
        transcript.problems = list(analysis.problems[:stop])
        if stop > 0:
            transcript._reread(stop - 1)
        return transcript

    @classmethod
    def from_bytes(cls, data: bytes | mmap.mmap) -> Transcript:
        lines, ends_with_newline = split_lines(data)
        return cls(lines, ends_with_newline)

    def replace_lines(
        self, start: int, stop: int, new_lines: list[Line], ends_with_newline: bool
    ) -> None:
        """Swap lines[start:stop] for new_lines and re-read only those (and a changed last line)."""
        old_torn = len(self.lines) - 1 if not self.ends_with_newline else -1
        self.lines[start:stop] = new_lines
        self.ends_with_newline = ends_with_newline
        readings = list(
            read_lines(
                self.lines, start, start + len(new_lines), ends_with_newline=ends_with_newline
            )
        )
        self.records[start:stop] = [record for record, _ in readings]
        self.problems[start:stop] = [problems for _, problems in readings]
        shift = len(new_lines) - (stop - start)
        if shift:
            for record in self.records[start + len(new_lines) :]:
                if record is not None:
                    record.line += shift
        # Only an unterminated last line is read as a torn tail: when that candidate moved,
        # re-read the lines it left and reached (unless just read above).
        old_torn_now = old_torn if old_torn < start else old_torn + shift
        new_torn = len(self.lines) - 1 if not ends_with_newline else -1
        if old_torn_now != new_torn:
            for index in (old_torn_now, new_torn):
                if 0 <= index < len(self.lines) and not start <= index < start + len(new_lines):
                    self._reread(index)

    def _reread(self, index: int) -> None:
        ((record, problems),) = read_lines(
            self.lines, index, index + 1, ends_with_newline=self.ends_with_newline
        )
        self.records[index] = record
        self.problems[index] = problems

    def is_transcript(self) -> bool:
        """A Claude Code session (Codex rollouts are analysed by their own format)."""
        return CLAUDE_CODE.detect(self.lines, self.records)

    def analyse(
        self, *, modified_seconds_ago: float | None = None, live_seconds: float = LIVE_SECONDS
    ) -> Analysis:
        """Findings on the replayed conversation; `modified_seconds_ago` under `live_seconds`
        marks a session Claude Code may still be writing."""
        is_transcript = self.is_transcript()
        findings = self._reading_findings(is_transcript)
        live = (
            modified_seconds_ago
            if modified_seconds_ago is not None and modified_seconds_ago < live_seconds
            else None
        )
        records = replayed_records(self.records, self.problems)
        transcript_format = detect(self.lines, records)
        conversation = Conversation()
        if transcript_format is not None:
            conversation, format_findings = transcript_format.analyse(self.lines, records, live)
            findings.extend(format_findings)
        findings.sort(key=lambda finding: (finding.span.line, finding.span.start))
        return Analysis(
            self.lines,
            self.ends_with_newline,
            self.records,
            conversation,
            findings,
            is_transcript,
            self.problems,
        )

    def _reading_findings(self, is_transcript: bool) -> list[Finding]:
        findings = []
        for line, problems in enumerate(self.problems):
            for problem in problems:
                if not is_transcript and problem.code in READING_CODES_ONLY_FOR_TRANSCRIPTS:
                    continue
                findings.append(
                    Finding(
                        problem.code,
                        problem.severity,
                        problem.message,
                        Span(line, problem.start, problem.end),
                    )
                )
        return findings


def analyse_bytes(
    data: bytes | mmap.mmap, *, modified_seconds_ago: float | None = None
) -> Analysis:
    return Transcript.from_bytes(data).analyse(modified_seconds_ago=modified_seconds_ago)
