"""The same behaviours over every registered format (docs/architecture.md: adding a format): a
format is done when it passes. Parametrised over the registry, so a new format runs them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_lsp import atomic
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import EditKind, LineEdit, apply_edits, join_lines
from session_lsp.core.formats import FORMATS, Format
from session_lsp.core.repairs import Strategy, repair_all, repairs_for
from session_lsp.core.turns import ItemKind, ToolStatus, build_model, page
from session_lsp.disk import write_fork
from tests.conformance.samples import SAMPLES, SESSION_ID, Samples, text, variants

NAMES = [candidate.name for candidate in FORMATS]


def _format(name: str) -> tuple[Format, Samples]:
    (found,) = [candidate for candidate in FORMATS if candidate.name == name]
    return found, SAMPLES[name]


def _damaged() -> list[tuple[str, str]]:
    return [(name, variant) for name in NAMES for variant in variants(SAMPLES[name])]


def test_every_registered_format_has_samples() -> None:
    assert set(NAMES) == set(SAMPLES)


@pytest.mark.parametrize("name", NAMES)
def test_a_clean_session_is_detected_as_its_format_and_has_no_finding(name: str) -> None:
    transcript_format, samples = _format(name)
    analysis = analyse_bytes(text(samples.clean).encode())
    assert analysis.format is transcript_format
    assert analysis.findings == []


@pytest.mark.parametrize(("name", "variant"), _damaged())
def test_a_damaged_variant_gives_its_findings(name: str, variant: str) -> None:
    data, codes = variants(SAMPLES[name])[variant]
    analysis = analyse_bytes(data.encode())
    assert analysis.format is _format(name)[0]
    assert codes <= {finding.code.value for finding in analysis.findings}


def _untouched_lines_kept(
    before: list[bytes], edits: tuple[LineEdit, ...], after: list[bytes]
) -> bool:
    """Every line no edit names is in the output, unchanged and in order: nothing else is lost."""
    touched = {edit.line for edit in edits if edit.kind is not EditKind.INSERT_AFTER}
    kept = iter(after)
    return all(
        any(line == candidate for candidate in kept)
        for index, line in enumerate(before)
        if index not in touched
    )


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize(("name", "variant"), _damaged())
def test_each_repair_clears_the_errors_keeps_every_other_line_and_is_idempotent(
    name: str, variant: str, strategy: Strategy
) -> None:
    data, _ = variants(SAMPLES[name])[variant]
    analysis = analyse_bytes(data.encode())
    repair = repair_all(analysis, strategy)
    assert repair.refusal is None and repair.edits
    repaired = apply_edits(analysis.lines, repair.edits)
    before = [bytes(line) for line in analysis.lines]
    assert _untouched_lines_kept(before, repair.edits, [bytes(line) for line in repaired])
    again = analyse_bytes(join_lines(repaired))
    assert again.format is analysis.format
    assert again.error_count == 0
    assert repair_all(again, strategy).edits == ()


@pytest.mark.parametrize(("name", "variant"), _damaged())
def test_every_quick_fix_resolves_the_finding_it_is_offered_for(name: str, variant: str) -> None:
    data, _ = variants(SAMPLES[name])[variant]
    analysis = analyse_bytes(data.encode())
    for finding in (f for f in analysis.findings if f.is_error):
        fixes = repairs_for(analysis, finding)
        assert fixes, finding
        for fix in fixes:
            fixed = analyse_bytes(join_lines(apply_edits(analysis.lines, fix.edits)))
            assert finding.code not in {f.code for f in fixed.findings if f.is_error}, fix.title


@pytest.mark.parametrize("name", NAMES)
def test_the_conversation_model_shows_the_prompt_and_the_call_with_its_fate(name: str) -> None:
    transcript_format, samples = _format(name)
    clean = build_model(analyse_bytes(text(samples.clean).encode()))
    assert clean.format == transcript_format.name
    assert clean.assistant_label == transcript_format.assistant_label
    items = page(clean)
    assert items[0].kind is ItemKind.PROMPT and items[0].text
    (tool,) = [item.tool for item in items if item.tool is not None]
    assert (tool.id, tool.name, tool.status) == (
        samples.call_id,
        samples.call_name,
        ToolStatus.ANSWERED,
    )
    assert (tool.call_line, tool.result_line) == (samples.call_line, samples.result_line)
    assert tool.input and tool.result
    broken_lines, _ = samples.damaged["unanswered call"]
    broken = build_model(analyse_bytes(text(broken_lines).encode()))
    (unanswered,) = [item for item in page(broken) if item.tool is not None]
    assert unanswered.tool is not None and unanswered.tool.status is ToolStatus.UNPAIRED
    assert [f.code.value for f in unanswered.findings] == ["unpaired-tool-use"]


@pytest.mark.parametrize("name", NAMES)
def test_the_format_names_the_tool_ids_and_pairs_their_lines(name: str) -> None:
    transcript_format, samples = _format(name)
    analysis = analyse_bytes(text(samples.clean).encode())
    (call,) = transcript_format.mentions(analysis, samples.call_line)
    (result,) = transcript_format.mentions(analysis, samples.result_line)
    assert (call.tool_use_id, call.is_result) == (samples.call_id, False)
    assert (result.tool_use_id, result.is_result) == (samples.call_id, True)
    assert transcript_format.pair_lines(analysis, samples.call_id) == (
        [samples.call_line],
        [samples.result_line],
    )
    assert transcript_format.call_name(analysis, samples.call_id) == samples.call_name
    half = transcript_format.half(analysis, samples.call_line, samples.call_id, False)
    assert half.name == samples.call_name and half.input is not None


@pytest.mark.parametrize("name", NAMES)
def test_a_fork_is_written_only_where_the_format_can_fork(name: str, tmp_path: Path) -> None:
    transcript_format, samples = _format(name)
    broken_lines, _ = samples.damaged["unanswered call"]
    path = tmp_path / "session.jsonl"
    path.write_text(text(broken_lines), encoding="utf-8")
    analysis = analyse_bytes(path.read_bytes())
    repaired = apply_edits(analysis.lines, repair_all(analysis, Strategy.STUB).edits)
    if not transcript_format.can_fork:
        with pytest.raises(atomic.UnsafeWriteError, match="cannot be forked"):
            write_fork(path, analysis, repaired)
        assert [p.name for p in tmp_path.iterdir()] == ["session.jsonl"]
        return
    target, session_id = write_fork(path, analysis, repaired)
    forked = analyse_bytes(target.read_bytes())
    assert forked.format is transcript_format and forked.error_count == 0
    assert session_id != SESSION_ID and session_id in transcript_format.resume_command(session_id)
