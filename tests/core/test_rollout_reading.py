"""A Codex rollout's lines are checked, not decoded into the records Claude Code's replay reads:
the same findings, a tenth of the memory, and a file that holds a Claude Code record is still
read as one."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_lsp.core.analysis import Transcript
from session_lsp.core.formats import CLAUDE_CODE, CODEX
from session_lsp.core.reading import read_lines, split_lines
from tests.support.corpus import CODEMIE_ROLLOUT, COMPACTED_ROLLOUT, SHORT
from tests.support.snapshots import fingerprint

ROLLOUT_LINES = [
    line
    for path in (CODEMIE_ROLLOUT, COMPACTED_ROLLOUT)
    for line in path.read_bytes().split(b"\n")
    if line
]
CLAUDE_LINE = next(
    line
    for line in SHORT.read_bytes().split(b"\n")
    if line and json.loads(line).get("type") in ("user", "assistant")
)
DAMAGE = [b"", b"{", b'"text"', b"[1]", b"\xff", b"\x00\x00", b'{"type":5}', b'{"timestamp":1}']


def test_a_rollout_s_lines_are_checked_without_records() -> None:
    transcript = Transcript.from_bytes(CODEMIE_ROLLOUT.read_bytes())
    assert not transcript.reads_records
    assert all(record is None for record in transcript.records)
    assert transcript.analyse().format is CODEX


def test_a_rollout_holding_a_claude_code_record_is_read_whole_and_is_claude_code_s() -> None:
    """Detection looks for a Claude Code record anywhere before it takes a rollout's first line:
    the lines read without records must not hide one."""
    data = b"\n".join([*ROLLOUT_LINES[:5], CLAUDE_LINE, *ROLLOUT_LINES[5:9]]) + b"\n"
    transcript = Transcript.from_bytes(data)
    assert not transcript.reads_records
    analysis = transcript.analyse()
    assert analysis.format is CLAUDE_CODE
    assert transcript.reads_records
    assert analysis.findings == Transcript(*split_lines(data)).analyse().findings


def test_an_edit_that_writes_a_claude_code_record_into_a_rollout_reads_it_whole() -> None:
    data = b"\n".join(ROLLOUT_LINES[:9]) + b"\n"
    transcript = Transcript.from_bytes(data)
    assert transcript.analyse().format is CODEX
    transcript.replace_lines(4, 5, [CLAUDE_LINE], ends_with_newline=True)
    assert transcript.analyse().format is CLAUDE_CODE


def test_an_edit_that_leaves_no_rollout_first_line_reads_the_file_as_a_fresh_reading_would() -> (
    None
):
    """Found by the incremental property test: with the first line's `payload` renamed, Codex no
    longer claims the file from its lines, and a fresh reading reads every line whole."""
    data = b"\n".join(ROLLOUT_LINES[:9]) + b"\n"
    transcript = Transcript.from_bytes(data)
    transcript.analyse()
    edited = ROLLOUT_LINES[0].replace(b'"payload"', b'"apayload"', 1)
    transcript.replace_lines(0, 1, [edited], ends_with_newline=True)
    lines = [edited, *ROLLOUT_LINES[1:9]]
    assert fingerprint(transcript.analyse()) == fingerprint(Transcript(lines, True).analyse())
    assert transcript.reads_records


def test_an_edit_that_makes_a_file_a_rollout_checks_its_lines_as_a_fresh_reading_would() -> None:
    """The other way: a file read whole whose first line becomes a rollout's, and whose Claude
    Code line goes, is only checked, as reading it fresh does."""
    lines = [CLAUDE_LINE, *ROLLOUT_LINES[1:9]]
    transcript = Transcript(list(lines), True)
    transcript.analyse()
    assert transcript.reads_records
    transcript.replace_lines(0, 1, [ROLLOUT_LINES[0]], ends_with_newline=True)
    lines = ROLLOUT_LINES[:9]
    assert fingerprint(transcript.analyse()) == fingerprint(Transcript(list(lines), True).analyse())
    assert not transcript.reads_records


@st.composite
def damaged_rollouts(draw: st.DrawFn) -> bytes:
    start = draw(st.integers(0, len(ROLLOUT_LINES) - 1))
    lines = ROLLOUT_LINES[start : start + draw(st.integers(1, 30))]
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            lines[index] = draw(st.sampled_from(DAMAGE))
        else:
            at = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:at] + draw(st.sampled_from(DAMAGE)) + lines[index][at:]
    return b"\n".join([ROLLOUT_LINES[0], *lines]) + draw(st.sampled_from([b"\n", b""]))


@settings(
    max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(damaged_rollouts())
def test_a_damaged_rollout_s_findings_are_those_of_its_whole_reading(data: bytes) -> None:
    lines, ends_with_newline = split_lines(data)
    checked = Transcript(lines, ends_with_newline)
    whole = Transcript.from_readings(
        lines,
        *map(list, zip(*read_lines(lines, ends_with_newline=ends_with_newline), strict=True)),
        ends_with_newline,
    )
    assert checked.analyse().findings == whole.analyse().findings
