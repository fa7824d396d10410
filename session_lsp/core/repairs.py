"""Turn findings into the smallest line edits that make the replayed conversation valid.

Strategies (docs/claude-code-format.md §9):
- stub: answer each unpaired call with an error `tool_result` of our own, placed on the chain so
  that, after the merge, it sits in the next user message with the batch's real results and before
  any text; the chain child of the line it follows is re-pointed to it (the linear shape every
  Claude Code version and reader loads).
- purge: remove the unpaired calls (and thinking left alone in their message), re-pointing children
  to the nearest kept ancestor.
- truncate: cut the file after the last line at which the replayed conversation is consistent.
Orphan and duplicate results, duplicate calls, results after text and a torn last line get the one
unambiguous fix under stub and purge. How each is done in a file is its format's business
(core/formats/); glued lines are split first (core/glued.py). Every strategy returns edits; nothing
here writes files.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from session_lsp.core.analysis import Analysis, Transcript
from session_lsp.core.content import Content
from session_lsp.core.edits import EditKind, LineEdit, apply_edits
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats import Format, known_agents
from session_lsp.core.formats.base import PerAnalysis
from session_lsp.core.glued import SplitView
from session_lsp.core.plan import Plan, findings_of
from session_lsp.core.reading import skipped_on_resume
from session_lsp.core.wording import counted

PAIRING_CODES = frozenset(
    {
        Code.UNPAIRED_TOOL_USE,
        Code.ORPHAN_TOOL_RESULT,
        Code.DUPLICATE_TOOL_USE_ID,
        Code.DUPLICATE_TOOL_RESULT,
        Code.TOOL_RESULT_AFTER_TEXT,
        Code.UNPAIRED_SERVER_TOOL_USE,
        Code.ORPHAN_SERVER_TOOL_RESULT,
    }
)
"""The API's 400s: a repair that leaves one of these behind is refused."""


class Strategy(enum.StrEnum):
    STUB = "stub"
    PURGE = "purge"
    TRUNCATE = "truncate"


@dataclass(frozen=True, slots=True)
class Repair:
    strategy: Strategy
    title: str
    edits: tuple[LineEdit, ...]
    findings: tuple[Finding, ...]
    """The findings this repair resolves."""
    refusal: str | None = None
    """Why the strategy will not repair this file (then `edits` is at most the glued split)."""


# --- fixes every format makes ------------------------------------------------------------


DROP_TITLES = {
    Code.ORPHAN_TOOL_RESULT: "Remove the orphan {result} for",
    Code.DUPLICATE_TOOL_RESULT: "Remove the duplicate {result} for",
    Code.DUPLICATE_TOOL_USE_ID: "Remove the duplicate call",
    Code.UNPAIRED_SERVER_TOOL_USE: "Remove the unanswered server tool call",
    Code.ORPHAN_SERVER_TOOL_RESULT: "Remove the orphan server tool result for",
}
"""Findings whose one fix is removing the offending block, and how the fix is titled (`{result}`:
what the file's format calls a call's answer)."""


def _drop_torn_tail(plan: Plan) -> None:
    for finding in findings_of(plan.analysis, [Code.TRUNCATED_LINE]):
        plan.delete(finding.span.line)
        plan.resolved.append(finding)


def _common_fixes(plan: Plan, transcript_format: Format) -> None:
    analysis = plan.analysis
    # A duplicate only through recovered lines is information: no version fails on it.
    transcript_format.drop(plan, [f for f in findings_of(analysis, DROP_TITLES) if f.is_error])
    transcript_format.reorder(plan, findings_of(analysis, [Code.TOOL_RESULT_AFTER_TEXT]))
    _drop_torn_tail(plan)


# --- truncate -----------------------------------------------------------------------------


def truncation_line(analysis: Analysis) -> int | None:
    """The first line to cut: every line from it on goes. None when nothing needs cutting."""
    current = analysis
    cut: int | None = None
    for _ in range(64):
        errors = [finding for finding in current.findings if finding.is_error]
        if not errors:
            return cut
        start = min(_first_line_involved(current, finding) for finding in errors)
        cut = start if cut is None else min(cut, start)
        current = Transcript.prefix_of(current, cut).analyse()
    return cut


def _first_line_involved(analysis: Analysis, finding: Finding) -> int:
    """Cutting here removes the finding's whole message group, never half of it."""
    if analysis.format is None:
        return finding.span.line
    return analysis.format.first_line_involved(analysis, finding)


# --- entry points -------------------------------------------------------------------------


def repair_all(analysis: Analysis, strategy: Strategy) -> Repair:
    """Every fix the strategy can make to this document, as one set of edits.

    Glued lines are split first, under every strategy; the rest is planned on the split file.
    Made once per analysis and strategy: one code action request asks for each several times.
    """
    made = _repairs_made(analysis)
    repair = made.get(strategy)
    if repair is None:
        repair = made[strategy] = _repair_all_split(analysis, strategy)
    return repair


_repairs_made: PerAnalysis[dict[Strategy, Repair]] = PerAnalysis(lambda analysis: {})
_split_views = PerAnalysis(SplitView.of)
"""An analysis's glued lines split, analysed once however many findings ask for a fix."""


def _repair_all_split(analysis: Analysis, strategy: Strategy) -> Repair:
    split = _split_views(analysis)
    if split is None:
        return _repair_all(analysis, strategy)
    inner = _repair_all(split.analysis, strategy)
    if inner.refusal is not None:
        return Repair(strategy, inner.title, split.split_edits(), split.glued, inner.refusal)
    edits = split.lift(inner.edits)
    title = inner.title
    if strategy is Strategy.TRUNCATE and inner.edits:
        title = _truncate_title(split.analysis, inner, len(analysis.lines), edits)
    elif not inner.edits:
        title = _split_title(split)
    resolved = split.resolved(analysis, inner.findings)
    if strategy is not Strategy.TRUNCATE and inner.edits:
        title = f"Fix all ({strategy.value}): {counted(len(resolved), 'problem')}"
    return Repair(strategy, title, edits, resolved)


def _split_title(split: SplitView) -> str:
    lines = ", ".join(str(finding.span.line + 1) for finding in split.glued)
    return f"Split the glued records onto lines of their own (line {lines})"


def _repair_all(analysis: Analysis, strategy: Strategy) -> Repair:
    if strategy is Strategy.TRUNCATE:
        return _truncation(analysis)
    plan = Plan(analysis)
    transcript_format = analysis.format
    if transcript_format is None:  # reading fixes only: a torn last line
        _drop_torn_tail(plan)
        title = f"Fix all ({strategy.value}): {counted(len(plan.resolved), 'problem')}"
        return Repair(strategy, title, plan.edits(), tuple(plan.resolved))
    # A live session's dangling call is a running tool; repairing it anyway was asked for.
    unpaired = [
        finding
        for finding in findings_of(analysis, [Code.UNPAIRED_TOOL_USE, Code.LIVE_SESSION])
        if finding.tool_use_id is not None
    ]
    if strategy is Strategy.STUB:
        transcript_format.stub(plan, unpaired)
    else:
        transcript_format.purge(plan, unpaired)
    _common_fixes(plan, transcript_format)
    title = f"Fix all ({strategy.value}): {counted(len(plan.resolved), 'problem')}"
    return Repair(strategy, title, plan.edits(), tuple(plan.resolved))


def _truncate(analysis: Analysis) -> Repair:
    """The one truncation of an analysis: offered for each of its errors, made once
    (`_truncation`), since finding where to cut analyses the file again up to 64 times."""
    cut = truncation_line(analysis)
    if cut is None:
        return Repair(Strategy.TRUNCATE, "Nothing to truncate", (), ())
    refusal = _truncate_refusal(analysis, cut)
    if refusal is not None:
        return Repair(Strategy.TRUNCATE, f"Truncate refused: {refusal}", (), (), refusal)
    edits = tuple(LineEdit(EditKind.DELETE, line) for line in range(cut, len(analysis.lines)))
    resolved = tuple(finding for finding in analysis.findings if finding.span.line >= cut)
    repair = Repair(Strategy.TRUNCATE, "", edits, resolved)
    title = _truncate_title(analysis, repair, len(analysis.lines), edits)
    return Repair(Strategy.TRUNCATE, title, edits, resolved)


def _truncate_title(
    analysis: Analysis, repair: Repair, total: int, lifted: tuple[LineEdit, ...]
) -> str:
    """What truncating loses, said before it is done: lines, user prompts and tool calls.

    `analysis` and `repair` are in the same line numbering (the split file when lines were
    glued); `total` and `lifted` are the file's own, so the line counts match what the user sees.
    """
    cut = min(edit.line for edit in repair.edits)
    dropped = Content.of(analysis, cut)
    lines = sum(1 for edit in lifted if edit.kind is EditKind.DELETE)
    return f"Truncate: drops {lines} of {total} lines ({dropped.describe()})"


def _truncate_refusal(analysis: Analysis, cut: int) -> str | None:
    """Truncating must never delete the session: it keeps at least one user prompt."""
    if analysis.format is None:
        return (
            f"the file holds no {known_agents()} session records, so there is no conversation"
            " to keep"
        )
    refusal = analysis.format.truncate_refusal(analysis, cut)
    if refusal is not None:
        return refusal
    kept = Content.of(analysis, 0, cut)
    if kept.prompts or (kept.messages and not Content.of(analysis, cut).prompts):
        return None  # (a sub-agent file whose prompt is in the main session keeps its turns)
    helps = _strategy_that_helps(analysis)
    instead = (
        f"use --strategy {helps.value} instead"
        if helps is not None
        else "no other strategy clears its errors either; repair it by hand from the backup"
    )
    return (
        f"it would cut at line {cut + 1} and keep no user prompt (the session would be empty);"
        f" {instead}"
    )


_truncation = PerAnalysis(_truncate)


def _strategy_that_helps(analysis: Analysis) -> Strategy | None:
    for strategy in (Strategy.STUB, Strategy.PURGE):
        repair = _repair_all(analysis, strategy)
        if repair.edits and not remaining_pairing_errors(analysis, repair):
            return strategy
    return None


def repairs_for(analysis: Analysis, finding: Finding) -> list[Repair]:
    """Each fix that applies to one finding, the preferred one first.

    With glued lines in the file, every fix splits them first: the fixes are found on the split
    file and mapped back.
    """
    split = _split_views(analysis)
    if split is None:
        return _repairs_for(analysis, finding)
    if finding.code is Code.GLUED_RECORDS:
        title = f"Split line {finding.span.line + 1} into its records"
        return [Repair(Strategy.STUB, title, split.split_edits(), split.glued)]
    inner = split.lower_finding(finding)
    if inner is None:
        return []
    return [
        Repair(
            repair.strategy,
            repair.title,
            split.lift(repair.edits),
            split.resolved(analysis, repair.findings),
        )
        for repair in _repairs_for(split.analysis, inner)
    ]


def _repairs_for(analysis: Analysis, finding: Finding) -> list[Repair]:
    code = finding.code
    transcript_format = analysis.format
    # A file of no known format has reading findings only: no pairing fix applies to them.
    repairs = (
        _pairing_repairs(analysis, transcript_format, finding)
        if transcript_format is not None
        else []
    )
    if code is Code.TRUNCATED_LINE:
        plan = Plan(analysis)
        _drop_torn_tail(plan)
        repairs.append(_single(plan, Strategy.PURGE, "Remove the torn last line"))
    if (
        code is Code.INVALID_JSON
        and finding.is_error
        and skipped_on_resume(analysis.lines[finding.span.line])
    ):
        # What Claude Code 2.1.121+ does on resume (skip it), with its children re-linked to
        # its parent where its bytes name them, so the history before it is kept.
        plan = Plan(analysis)
        plan.delete(finding.span.line)
        plan.resolved.append(finding)
        title = f"Remove the unreadable line {finding.span.line + 1}"
        repairs.append(_single(plan, Strategy.PURGE, title))
    if finding.is_error and code is not Code.TRUNCATED_LINE:
        truncate = _truncation(analysis)
        if truncate.edits:
            repairs.append(truncate)
    return [repair for repair in repairs if repair.edits]


def _pairing_repairs(
    analysis: Analysis, transcript_format: Format, finding: Finding
) -> list[Repair]:
    """The fixes the file's format makes for one pairing finding (none for other findings)."""
    code = finding.code
    if code not in transcript_format.fixes:
        return []
    tool = finding.tool_use_id or ""
    noun = transcript_format.result_noun
    if code in (Code.UNPAIRED_TOOL_USE, Code.LIVE_SESSION) and finding.tool_use_id is not None:
        stub = Plan(analysis)
        transcript_format.stub(stub, [finding])
        purge = Plan(analysis)
        transcript_format.purge(purge, [finding])
        return [
            _single(stub, Strategy.STUB, f"Insert a stub {noun} for {tool}"),
            _single(purge, Strategy.PURGE, f"Remove the unanswered call {tool}"),
        ]
    plan = Plan(analysis)
    if code in DROP_TITLES and finding.is_error:
        transcript_format.drop(plan, [finding])
        title = DROP_TITLES[code].format(result=noun)
        return [_single(plan, Strategy.PURGE, f"{title} {tool}")]
    if code is Code.TOOL_RESULT_AFTER_TEXT:
        transcript_format.reorder(plan, [finding])
        return [_single(plan, Strategy.STUB, f"Move the {noun} blocks before the text")]
    return []


def _single(plan: Plan, strategy: Strategy, title: str) -> Repair:
    return Repair(strategy, title, plan.edits(), tuple(plan.resolved))


def leaves_pairing_errors(strategy: Strategy, leftover: list[Finding]) -> str:
    """Why a repair (or a fork with it) is refused: what it would still leave (`leftover`, from
    `remaining_pairing_errors`, not empty). Said alike by `fix` and the editor's fork, which
    refuse for the same reason."""
    first = leftover[0]
    return (
        f"the {strategy.value} repair would still leave"
        f" {counted(len(leftover), 'pairing error')}, first at line {first.span.line + 1}:"
        f" {first.code.value}"
    )


def remaining_pairing_errors(analysis: Analysis, repair: Repair) -> list[Finding]:
    """Check the repaired text the same way: the pairing errors a repair would leave behind."""
    repaired = Transcript(apply_edits(analysis.lines, repair.edits), True).analyse()
    return [
        finding
        for finding in repaired.findings
        if finding.code in PAIRING_CODES and finding.is_error
    ]
