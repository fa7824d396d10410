"""Every session in the test corpus is judged as Claude Code would replay it."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Severity
from tests.support.corpus import (
    CLEAN_SESSIONS,
    CODEMIE_TURN_1,
    COMPACTED_2_0,
    SHORT,
    SIDECHAIN_EXCERPT,
    SUBAGENT,
    TOOL_HEAVY,
    WORKTREES,
    corpus_id,
)
from tests.support.findings import check


@pytest.mark.parametrize("path", CLEAN_SESSIONS, ids=corpus_id)
def test_real_session_has_no_error(path: Path) -> None:
    analysis = analyse_bytes(path.read_bytes())
    errors = [finding for finding in analysis.findings if finding.severity is Severity.ERROR]
    assert errors == []
    assert analysis.conversation.messages, "a real session replays to a non-empty conversation"


def test_session_captured_mid_turn_reports_its_dangling_bash_call() -> None:
    assert check(CODEMIE_TURN_1.read_bytes()) == {
        ("unpaired-tool-use", "toolu_bdrk_01NNGBKLENmr7j3TfUKZW7rz", 25)
    }


def test_trimmed_inline_sidechain_excerpt_reports_its_cut_task_result_and_missing_parent() -> None:
    assert check(SIDECHAIN_EXCERPT.read_bytes()) == {
        ("unpaired-tool-use", "toolu_01VJzVGXqdaUe6AYX6CAJUHz", 1),
        ("missing-parent", None, 1),
    }


@pytest.mark.parametrize(
    ("path", "restored"), [(SHORT, 2), (TOOL_HEAVY, 2), (SUBAGENT, 6), (WORKTREES, 10)]
)
def test_sibling_recovery_restores_the_documented_number_of_lines(
    path: Path, restored: int
) -> None:
    assert len(analyse_bytes(path.read_bytes()).conversation.recovered) == restored


def test_tie_on_timestamp_picks_the_first_leaf_in_file_order() -> None:
    conversation = analyse_bytes(SHORT.read_bytes()).conversation
    assert conversation.leaf is not None
    assert conversation.leaf.line + 1 == 11
    assert 13 not in {record.line + 1 for record in conversation.chain}, "the marker is off-chain"


def test_resume_starts_at_the_last_compaction_boundary() -> None:
    conversation = analyse_bytes(COMPACTED_2_0.read_bytes()).conversation
    assert conversation.end.value == "compaction"
    assert len(conversation.chain) == 7
