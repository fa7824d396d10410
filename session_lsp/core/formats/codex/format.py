"""Codex CLI rollouts as a format: the history replay and pairing live in rollout.py."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from session_lsp.core.document import NO_REPLAY, Analysis, Replay
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats.base import PerAnalysis, locator_of
from session_lsp.core.formats.codex.rollout import (
    call_half,
    call_lines,
    call_mentions,
    findings_key,
    is_rollout,
    purged_lines,
    rollout_content,
    rollout_findings,
)
from session_lsp.core.formats.codex.turns import CodexBuilder
from session_lsp.core.formats.codex.writing import rollout_output_line
from session_lsp.core.locate import Locator
from session_lsp.core.plan import Plan
from session_lsp.core.reading import Line, Record
from session_lsp.core.tools import Mention, ToolHalf
from session_lsp.core.turns.model import ConversationModel


class Codex:
    name = "codex"
    agent = "Codex"
    assistant_label = "Codex"
    result_noun = "output"
    fixes = frozenset({Code.UNPAIRED_TOOL_USE, Code.LIVE_SESSION, Code.ORPHAN_TOOL_RESULT})
    can_fork = False
    """A rollout's id is in its file name and its `session_meta`: no fork is written for one."""
    without_repair = (
        'Without a repair, Codex answers the unfinished call with "aborted" in memory each time'
        " it resumes and writes nothing back; an older Codex, another reader or a tool that"
        ' sends the history itself gets the API\'s 400 "No tool output found for function call".'
    )
    checks_record_shapes = False
    uses_records = False

    def __init__(self) -> None:
        self._call_lines = PerAnalysis(lambda analysis: call_lines(analysis.lines))

    def detect(self, lines: Sequence[Line], records: Sequence[Record | None]) -> bool:
        return is_rollout(lines)

    def analyse(
        self,
        lines: Sequence[Line],
        records: Sequence[Record | None],
        live_seconds_ago: float | None,
        locator: Locator,
    ) -> tuple[Replay, list[Finding]]:
        return NO_REPLAY, rollout_findings(lines, live_seconds_ago, locator)

    def replays_alike(
        self, old_line: Line, new_line: Line, old: Record | None, new: Record | None
    ) -> bool:
        """Findings are read from the lines, not the records: alike when the line still says
        the same to them (`findings_key`), as typing in an output or a reply does."""
        return findings_key(old_line) == findings_key(new_line)

    def resume_command(self, session_id: str) -> str:
        return f"codex resume {shlex.quote(session_id)}"

    def live_note(self) -> str:
        return "Codex is still writing this file"

    def forked(self, analysis: Analysis, lines: Sequence[Line], session_id: str) -> list[bytes]:
        raise ValueError("a rollout's id is in its file name and its session_meta")

    def first_line_involved(self, analysis: Analysis, finding: Finding) -> int:
        """Every call and output is a line of its own."""
        return finding.span.line

    def truncate_refusal(self, analysis: Analysis, cut: int) -> str | None:
        """A compaction's replacement history sits on its own line: a cut keeps or drops it
        whole."""
        return None

    def build_model(self, analysis: Analysis, path: Path | None) -> ConversationModel:
        return CodexBuilder(analysis, path).build()

    def mentions(self, analysis: Analysis, line: int) -> list[Mention]:
        if not 0 <= line < len(analysis.lines):
            return []
        locator = locator_of(analysis)
        return [
            Mention(call_id, is_output, locator.value(line, "call_id", call_id))
            for call_id, is_output in call_mentions(analysis.lines[line])
        ]

    def pair_lines(self, analysis: Analysis, tool_use_id: str) -> tuple[list[int], list[int]]:
        calls, outputs = self._call_lines(analysis)
        return calls.get(tool_use_id, []), outputs.get(tool_use_id, [])

    def call_name(self, analysis: Analysis, tool_use_id: str) -> str | None:
        calls, _ = self._call_lines(analysis)
        lines = calls.get(tool_use_id, ())
        try:
            return call_half(analysis.lines[lines[0]], tool_use_id, False).name if lines else None
        except RecursionError:  # a call nested too deeply to decode here: no name to show
            return None

    def half(self, analysis: Analysis, line: int, tool_use_id: str, is_result: bool) -> ToolHalf:
        return call_half(analysis.lines[line], tool_use_id, is_result)

    def content(self, analysis: Analysis, start: int, stop: int) -> tuple[int, int, int]:
        return rollout_content(analysis.lines, start, stop)

    def stub(self, plan: Plan, unpaired: Sequence[Finding]) -> None:
        """The output goes right after its call, as Codex's own in-memory patch puts it."""
        for finding in unpaired:
            call_id, line = finding.tool_use_id, finding.span.line
            if call_id is None or (call_id, False) not in call_mentions(plan.lines[line]):
                continue  # a call inside a compaction's replacement history
            plan.inserted.setdefault(line, []).append(
                rollout_output_line(plan.lines[line], call_id)
            )
            plan.resolved.append(finding)

    def purge(self, plan: Plan, unpaired: Sequence[Finding]) -> None:
        """File order is the conversation: removing the call (and its lone reasoning) needs no
        re-linking."""
        # A call inside a compaction's replacement history is not one line: it is left alone.
        calls = [
            finding
            for finding in unpaired
            if (finding.tool_use_id, False) in call_mentions(plan.lines[finding.span.line])
        ]
        purged = purged_lines(plan.lines, [finding.span.line for finding in calls])
        for finding in calls:
            for line in purged[finding.span.line]:
                plan.delete(line)
            plan.resolved.append(finding)

    def drop(self, plan: Plan, findings: Sequence[Finding]) -> None:
        """An orphan output's line holds that output alone."""
        for finding in findings:
            if (finding.tool_use_id, True) in call_mentions(plan.lines[finding.span.line]):
                plan.delete(finding.span.line)
                plan.resolved.append(finding)

    def reorder(self, plan: Plan, findings: Sequence[Finding]) -> None:
        """Codex items have no order rule inside a message: nothing to move."""

    def settle(self, plan: Plan) -> dict[int, bytes]:
        """No line links to another: deleting or inserting one changes no other."""
        return {}


CODEX = Codex()
