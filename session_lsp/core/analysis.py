"""One entry point for every adapter: text in, findings and the replayed conversation out.

The CLI, the language server and the repairs all call `Transcript.analyse`, so they cannot disagree.
A `Transcript` keeps each line's reading, so an editor can re-read only the lines an edit touched,
and an `Analysis` is a snapshot: later edits never change one already handed out. The transcript
replaces its line lists instead of editing them (a list of pointers costs well under a
millisecond to copy even at 100 MB) and gives re-numbered lines new records.

An edit that leaves every touched line's replay fields as they were (a prompt's wording, the text
of a tool's output) reuses the previous replay and rule findings; only the spans on the touched
lines are located again.
"""

from __future__ import annotations

import dataclasses
import mmap
import sys
from collections.abc import Collection, Iterable, Sequence

import msgspec

from session_lsp.core.collector import collector_paused
from session_lsp.core.document import NO_REPLAY, Analysis, Anchor, Replay
from session_lsp.core.findings import Finding, Related, Span
from session_lsp.core.formats import Format, detect, reads_records
from session_lsp.core.line_views import LineViews, line_views
from session_lsp.core.locate import Locator
from session_lsp.core.reading import (
    Line,
    LineProblem,
    Record,
    kept_when_checked,
    read_lines,
    replayed_records,
    split_lines,
)

LIVE_SECONDS = 10.0
"""A file written to this recently may still be open in Claude Code (it flushes every ~100 ms)."""

RECORD_SHAPE_CODES = frozenset({"invalid-record"})
"""Reading findings that concern a format's record shapes (`Format.checks_record_shapes`)."""

__all__ = ["Analysis", "Transcript", "analyse_bytes", "unjudged_analysis"]


class _RecordingLocator(Locator):
    """A locator that remembers how it found each span, so the span can be found again."""

    def __init__(self, lines: Sequence[Line]) -> None:
        super().__init__(lines)
        self.anchors: dict[Span, set[Anchor]] = {}

    def line(self, line: int) -> Span:
        span = super().line(line)
        self.anchors.setdefault(span, set()).add(None)
        return span

    def value(self, line: int, key: str, value: str) -> Span:
        span = super().value(line, key, value)
        self.anchors.setdefault(span, set()).add((key, value))
        return span


_GONE = -2
"""Where the torn-tail candidate is after an edit that replaced it: nowhere."""
_NONE_MOVED = sys.maxsize
"""`Transcript._renumber_from` when no record waits for its new line number."""


class Transcript:
    """A transcript's lines and their readings, editable line by line."""

    def __init__(self, lines: Sequence[Line], ends_with_newline: bool) -> None:
        self.lines = line_views(lines)
        self.ends_with_newline = ends_with_newline
        self.reads_records = reads_records(self.lines)
        """False: a file another format claims from its lines (a Codex rollout), read without
        records but for the lines that could be Claude Code's (`read_lines(records=False)`)."""
        self._records: list[Record | None] = []
        self.problems: list[tuple[LineProblem, ...]] = []
        for record, problems in read_lines(
            lines, ends_with_newline=ends_with_newline, records=self.reads_records
        ):
            self._records.append(record)
            self.problems.append(problems)
        self._renumber_from = _NONE_MOVED
        self._handed_out = False
        """Whether an analysis was made from the lists as they are (then an edit copies them)."""
        self._last: Analysis | None = None
        self._touched: dict[int, Record | None] = {}
        """Lines re-read since `_last`, with the record `_last` had for each."""

    @classmethod
    def from_readings(
        cls,
        lines: Sequence[Line],
        records: list[Record | None],
        problems: list[tuple[LineProblem, ...]],
        ends_with_newline: bool,
        *,
        read_records: bool = True,
    ) -> Transcript:
        """Lines already read (`read_lines`, all of them with this `ends_with_newline`, and with
        records unless `read_records` is False): a big didOpen reads each chunk's lines while the
        next chunk is unescaped."""
        transcript = cls.__new__(cls)
        transcript.lines = line_views(lines)
        transcript.ends_with_newline = ends_with_newline
        transcript.reads_records = read_records
        transcript._records = records
        transcript.problems = problems
        transcript._renumber_from = _NONE_MOVED
        transcript._handed_out = False
        transcript._last = None
        transcript._touched = {}
        return transcript

    @classmethod
    def prefix_of(cls, analysis: Analysis, stop: int) -> Transcript:
        """The first `stop` lines, reusing their readings; only the new last line is re-read."""
        transcript = cls.from_readings(
            analysis.lines[:stop],
            list(analysis.records[:stop]),
            list(analysis.problems[:stop]),
            ends_with_newline=True,
            read_records=analysis.format is None or analysis.format.uses_records,
        )
        if stop > 0:
            transcript._reread(stop - 1)
        return transcript

    @classmethod
    def from_bytes(cls, data: bytes | mmap.mmap) -> Transcript:
        lines, ends_with_newline = split_lines(data)
        return cls(lines, ends_with_newline)

    def replace_lines(
        self, start: int, stop: int, new_lines: Sequence[Line], ends_with_newline: bool
    ) -> None:
        """Swap lines[start:stop] for new_lines and re-read only those (and a changed last line).

        The lists an analysis was made from are copied before the first change after it (that
        analysis keeps them as they were); the changes after that edit the copies in place, so a
        didChange of thousands of changes costs each change its own lines, not the document.
        """
        old_torn = len(self.lines) - 1 if not self.ends_with_newline else -1
        inserted = len(new_lines)
        shift = inserted - (stop - start)
        if self._handed_out:
            self.lines = self.lines.copy()
            self._records = list(self._records)
            self.problems = list(self.problems)
            self._handed_out = False
        replaced = self._records[start:stop]
        self.lines.replace(start, stop, new_lines)
        self.ends_with_newline = ends_with_newline
        readings = list(
            read_lines(
                self.lines,
                start,
                start + inserted,
                ends_with_newline=ends_with_newline,
                records=self.reads_records,
            )
        )
        self._records[start:stop] = [record for record, _ in readings]
        self.problems[start:stop] = [problems for _, problems in readings]
        if shift:
            self._renumber_from = min(self._renumber_from, start + inserted)
            self._last = None
        elif self._last is not None:
            for index, record in enumerate(replaced, start):
                self._touched.setdefault(index, record)
        # Only an unterminated last line is read as a torn tail: when that candidate moved or
        # went, re-read the lines it left and reached (unless just read above).
        if old_torn < start:
            old_torn_now = old_torn
        else:
            old_torn_now = old_torn + shift if old_torn >= stop else _GONE
        new_torn = len(self.lines) - 1 if not ends_with_newline else -1
        if old_torn_now != new_torn:
            for index in (old_torn_now, new_torn):
                if 0 <= index < len(self.lines) and not start <= index < start + inserted:
                    self._reread(index)

    @property
    def records(self) -> list[Record | None]:
        """Each line's record, under its line number now (lines an edit moved are renumbered
        once, here, not at each change that moved them)."""
        records = self._records
        for index in range(min(self._renumber_from, len(records)), len(records)):
            record = records[index]
            if record is not None and record.line != index:
                # A copy: the record stays as earlier analyses saw it.
                records[index] = msgspec.structs.replace(record, line=index)
        self._renumber_from = _NONE_MOVED
        return records

    def _reread(self, index: int) -> None:
        """Re-read one line of lists this transcript has not handed out since they were made."""
        ((record, problems),) = read_lines(
            self.lines,
            index,
            index + 1,
            ends_with_newline=self.ends_with_newline,
            records=self.reads_records,
        )
        if self._last is not None:
            self._touched.setdefault(index, self._records[index])
        self._records[index] = record
        self.problems[index] = problems

    def analyse(
        self, *, modified_seconds_ago: float | None = None, live_seconds: float = LIVE_SECONDS
    ) -> Analysis:
        """Findings on the replayed conversation; `modified_seconds_ago` under `live_seconds`
        marks a session Claude Code may still be writing."""
        live = (
            modified_seconds_ago
            if modified_seconds_ago is not None and modified_seconds_ago < live_seconds
            else None
        )
        analysis = self._reused(live) or self._analysed(live)
        self._handed_out = True
        self._last = analysis
        self._touched = {}
        return analysis

    def _analysed(self, live: float | None) -> Analysis:
        self._read_as_the_lines_say()
        records = replayed_records(self.records, self.problems)
        transcript_format = detect(self.lines, records)
        checks_shapes = transcript_format is not None and transcript_format.checks_record_shapes
        reading = self._reading_findings(checks_shapes, range(len(self.problems)))
        conversation: Replay = NO_REPLAY
        rule_findings: list[Finding] = []
        anchors: dict[Span, set[Anchor]] = {}
        if transcript_format is not None:
            locator = _RecordingLocator(self.lines)
            conversation, rule_findings = transcript_format.analyse(
                self.lines, records, live, locator
            )
            anchors = locator.anchors
        findings = [*reading, *rule_findings]
        findings.sort(key=_position)
        return Analysis(
            self.lines,
            self.ends_with_newline,
            self.records,
            conversation,
            findings,
            transcript_format,
            self.problems,
            live,
            rule_findings,
            anchors,
            reading,
        )

    def _read_as_the_lines_say(self) -> None:
        """The readings a fresh transcript of these lines has: a file another format claims from
        its lines (a Codex rollout) only checked, unless a line could be Claude Code's (then the
        file may be its, and is read whole); any other file read whole. An edit can change
        which: a rollout's first line rewritten, a Claude Code line typed in or deleted."""
        claimed = not reads_records(self.lines)
        if self.reads_records and claimed and not any(map(kept_when_checked, self._records)):
            self._read_again(records=False)
        if not self.reads_records and (
            not claimed or any(record is not None for record in self._records)
        ):
            self._read_again(records=True)

    def _read_again(self, *, records: bool) -> None:
        """Every line read again, whole or checked, in new lists (earlier analyses keep theirs)."""
        readings = list(
            read_lines(self.lines, ends_with_newline=self.ends_with_newline, records=records)
        )
        self._records = [record for record, _ in readings]
        self.problems = [problems for _, problems in readings]
        self._renumber_from = _NONE_MOVED
        self._handed_out = False
        self._last = None
        self._touched = {}
        self.reads_records = records

    def _reused(self, live: float | None) -> Analysis | None:
        """The previous analysis brought up to date, when no touched line replays differently."""
        last, touched = self._last, self._touched
        if last is None or last.live_seconds_ago != live or last.format is None:
            return None
        transcript_format = last.format
        if len(last.records) != len(self.records):
            return None
        if not touched and last.lines is self.lines:
            return last
        records, lines, old_lines = self.records, self.lines, last.lines
        if not all(
            transcript_format.replays_alike(old_lines[line], lines[line], old, records[line])
            for line, old in touched.items()
        ):
            return None
        if any(_glued(last.problems[line]) or _glued(self.problems[line]) for line in touched):
            return None  # the records a glued line holds beyond its first are not compared
        locator = _RecordingLocator(self.lines)
        relocated = _relocated(last, touched.keys(), locator)
        if relocated is None:
            return None
        rule_findings, anchors = relocated
        reading = [finding for finding in last.reading_findings if finding.span.line not in touched]
        checks_shapes = transcript_format.checks_record_shapes
        reading.extend(self._reading_findings(checks_shapes, sorted(touched)))
        reading.sort(key=_line_of)
        findings = [*reading, *rule_findings]
        findings.sort(key=_position)
        replaced = {line: record for line in touched if (record := records[line]) is not None}
        return Analysis(
            self.lines,
            self.ends_with_newline,
            records,
            last.conversation.with_records(replaced),
            findings,
            transcript_format,
            self.problems,
            live,
            rule_findings,
            anchors,
            reading,
        )

    def _reading_findings(self, checks_shapes: bool, lines: Iterable[int]) -> list[Finding]:
        findings = []
        all_problems = self.problems
        for line in lines:
            for problem in all_problems[line]:
                if not checks_shapes and problem.code in RECORD_SHAPE_CODES:
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


def _glued(problems: tuple[LineProblem, ...]) -> bool:
    return any(problem.glued for problem in problems)


def _position(finding: Finding) -> tuple[int, int]:
    return finding.span.line, finding.span.start


def _line_of(finding: Finding) -> int:
    return finding.span.line


def _relocated(
    last: Analysis, touched: Collection[int], locator: _RecordingLocator
) -> tuple[list[Finding], dict[Span, set[Anchor]]] | None:
    """The previous rule findings with their spans on touched lines located again, or None when
    a span cannot be traced to how it was found (then the rules run again)."""
    moved: dict[Span, Span] = {}
    anchors: dict[Span, set[Anchor]] = {}
    for span, hows in last.anchors.items():
        if span.line not in touched:
            anchors[span] = hows
            continue
        found = {
            locator.line(span.line) if how is None else locator.value(span.line, *how)
            for how in hows
        }
        if len(found) != 1:
            return None
        moved[span] = found.pop()
    anchors.update(locator.anchors)

    findings: list[Finding] = []
    for finding in last.rule_findings:
        spans = [finding.span, *(related.span for related in finding.related)]
        if all(span.line not in touched for span in spans):
            findings.append(finding)
            continue
        now = [moved.get(span) if span.line in touched else span for span in spans]
        if None in now:
            return None
        span, *others = (span for span in now if span is not None)
        related = tuple(
            Related(other, related.message)
            for other, related in zip(others, finding.related, strict=True)
        )
        findings.append(dataclasses.replace(finding, span=span, related=related))
    return findings, anchors


def unjudged_analysis(lines: LineViews, ends_with_newline: bool, claiming: Format) -> Analysis:
    """What the conversation model of a file another format claims from its lines (`claimant`:
    a Codex rollout) is built from, without a finding and without reading a line: its model reads
    the lines. Another process works out the findings from the same bytes meanwhile, and
    `turns.build.judge_model` joins them. A full reading could still turn the claim down (a line
    there that could be Claude Code's): the caller compares the two formats."""
    count = len(lines)
    unread: list[tuple[LineProblem, ...]] = [()] * count
    return Analysis(lines, ends_with_newline, [None] * count, NO_REPLAY, [], claiming, unread)


def analyse_bytes(
    data: bytes | mmap.mmap,
    *,
    modified_seconds_ago: float | None = None,
    live_seconds: float = LIVE_SECONDS,
) -> Analysis:
    """As `Transcript.analyse`; a caller that has decided liveness itself (Claude Code's registry
    of running sessions) passes the age of a live file and `live_seconds=math.inf`."""
    with collector_paused():
        return Transcript.from_bytes(data).analyse(
            modified_seconds_ago=modified_seconds_ago, live_seconds=live_seconds
        )
