"""An edited transcript's analysis equals a fresh analysis of the same bytes, and never changes later.

Edits that keep every replay field (a prompt's wording, a tool's output, a `cwd` that moves a tool
id's column) reuse the previous replay and locate the touched spans again; the others replay.
Either way the result must be the analysis a fresh read gives, and analyses handed out earlier
must still say what they said when they were made.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_lsp.core.analysis import Transcript
from session_lsp.core.formats.codex import format as codex_format
from session_lsp.core.formats.codex import rollout
from session_lsp.core.reading import split_lines
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    CODEMIE_TURN_1,
    COMPACTED_2_0,
    COMPACTED_ROLLOUT,
    DANGLING_MID_ROLLOUT,
    SHORT,
    TOOL_HEAVY,
)
from tests.support.snapshots import ANCHORS, fingerprint

BASES = [
    path.read_bytes()
    for path in (
        SHORT,
        TOOL_HEAVY,
        CODEMIE_TURN_1,
        COMPACTED_2_0,
        CODEMIE_ROLLOUT,
        DANGLING_MID_ROLLOUT,
        COMPACTED_ROLLOUT,
    )
]
TYPED = ["a", "Z", " ", "é", "🚀", "中", '"', "\\", "\n", ""]


@st.composite
def edit(draw: st.DrawFn, lines: list[bytes]) -> tuple[int, int, list[bytes]]:
    """(start, stop, new lines): typing at an anchor, a random keystroke, or lines added/removed."""
    kind = draw(st.sampled_from(["anchor", "anchor", "tool line", "anywhere", "lines"]))
    line = draw(st.integers(0, max(0, len(lines) - 1)))
    with_tools = [
        index for index, raw in enumerate(lines) if b'"tool_use' in raw or b'"call_id"' in raw
    ]
    if kind == "tool line" and with_tools:
        # Where findings sit: typing before the id moves the span that must be located again.
        line, kind = draw(st.sampled_from(with_tools)), "anchor"
    old = lines[line] if lines else b""
    if kind in ("lines", "tool line"):
        stop = draw(st.integers(line, min(len(lines), line + 2)))
        new = draw(st.lists(st.sampled_from(lines or [b""]), max_size=2))
        return line, stop, new
    if kind == "anchor":
        found = [m.end() for anchor in ANCHORS for m in re.finditer(re.escape(anchor), old)]
        at = draw(st.sampled_from(found)) if found else len(old)
        at += draw(st.integers(0, 3))
    else:
        at = draw(st.integers(0, len(old)))
    at = min(at, len(old))
    typed = draw(st.sampled_from(TYPED)).encode()
    deleted = draw(st.integers(0, 1)) if not typed else 0
    text = old[:at] + typed + old[at + deleted :]
    return line, min(line + 1, len(lines)), text.split(b"\n")


@st.composite
def sessions(draw: st.DrawFn) -> list[bytes]:
    """A real session, sometimes with lines dropped so that rules have findings to relocate."""
    lines = list(split_lines(draw(st.sampled_from(BASES)))[0])
    for _ in range(draw(st.integers(0, 3))):
        if lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
    return [bytes(line) for line in lines]


@settings(
    max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sessions(), st.data())
def test_edited_analysis_equals_a_fresh_one_and_earlier_snapshots_stay(
    lines: list[bytes], data: st.DataObject
) -> None:
    transcript = Transcript(list(lines), True)
    handed_out = [(transcript.analyse(), None)]
    handed_out = [(handed_out[0][0], fingerprint(handed_out[0][0]))]
    for _ in range(data.draw(st.integers(1, 6))):
        start, stop, new = data.draw(edit(lines))
        lines = [*lines[:start], *new, *lines[stop:]]
        transcript.replace_lines(start, stop, list(new), True)
        if data.draw(st.booleans()):
            continue
        analysis = transcript.analyse()
        now = fingerprint(analysis)
        assert now == fingerprint(Transcript(list(lines), True).analyse())
        handed_out.append((analysis, now))
    for analysis, then in handed_out:
        assert fingerprint(analysis) == then


def test_typing_in_a_prompt_reuses_the_replay() -> None:
    lines = [bytes(line) for line in split_lines(SHORT.read_bytes())[0]]
    transcript = Transcript(list(lines), True)
    before = transcript.analyse()
    line = next(i for i, raw in enumerate(lines) if b'"content":"' in raw and b'"user"' in raw)
    at = lines[line].index(b'"content":"') + len(b'"content":"')
    transcript.replace_lines(line, line + 1, [lines[line][:at] + b"x" + lines[line][at:]], True)
    after = transcript.analyse()
    assert after.conversation.messages is not before.conversation.messages
    assert after.conversation.places is before.conversation.places, "no replay ran"
    assert before.records[line] is not after.records[line]
    assert bytes(before.lines[line]) == lines[line]
    # The replay's own lists hold the line read anew, found by where the line sits in them.
    for replayed in (after.conversation.chain, after.conversation.walked):
        assert any(record is after.records[line] for record in replayed)
        assert not any(record is before.records[line] for record in replayed)


def test_inserting_a_line_leaves_the_earlier_analysis_numbered_as_it_was() -> None:
    lines = [bytes(line) for line in split_lines(TOOL_HEAVY.read_bytes())[0]]
    transcript = Transcript(list(lines), True)
    before = transcript.analyse()
    numbers = [record.line for record in before.records if record is not None]
    transcript.replace_lines(0, 0, [b""], True)
    after = transcript.analyse()
    assert [record.line for record in before.records if record is not None] == numbers
    assert [record.line for record in after.records if record is not None] == [
        number + 1 for number in numbers
    ]


def test_changes_after_an_analysis_copy_its_lists_once_then_edit_the_copies() -> None:
    """A didChange of thousands of changes (an editor's replace-all, the fix-all edit coming back)
    costs each change its own lines: the lists are copied once, not at every change (24,000
    changes: 16 s before), and the lines after an insertion are renumbered once."""
    lines = [bytes(line) for line in split_lines(TOOL_HEAVY.read_bytes())[0]]
    transcript = Transcript(list(lines), True)
    before = transcript.analyse()
    numbers = [record.line for record in before.records if record is not None]
    transcript.replace_lines(0, 0, [b""], True)
    records = transcript.records
    for line in range(2, len(lines), 3):
        transcript.replace_lines(line, line + 1, [lines[line - 1]], True)
        transcript.replace_lines(line, line, [b""], True)
    assert transcript.records is records
    assert [record.line for record in before.records if record is not None] == numbers
    assert all(record.line == line for line, record in enumerate(records) if record is not None)
    fresh = Transcript([bytes(line) for line in transcript.lines], True)
    assert fingerprint(transcript.analyse()) == fingerprint(fresh.analyse())


def test_deleting_the_unterminated_last_line_reads_the_new_last_line_as_the_tail() -> None:
    """The torn-tail candidate went with the lines it was in: the line now last is read again."""
    prompt = (
        b'{"type":"user","message":{"role":"user","content":"hi"},"uuid":"u1",'
        b'"parentUuid":null,"sessionId":"s","timestamp":"2026-01-01T00:00:00Z"}'
    )
    transcript = Transcript([prompt, b"{", b"x"], False)
    transcript.analyse()
    transcript.replace_lines(2, 3, [], False)
    fresh = Transcript([prompt, b"{"], False)
    assert transcript.analyse().problems == fresh.analyse().problems


def test_typing_in_a_codex_output_keeps_the_findings_without_reading_the_rollout_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rollout's findings are read from its lines: an edit that leaves what they read of the
    line (its kind, call id, name) reuses them; one that changes a call id does not."""
    lines = [bytes(line) for line in split_lines(DANGLING_MID_ROLLOUT.read_bytes())[0]]
    transcript = Transcript(list(lines), True)
    before = transcript.analyse()
    assert before.findings
    reads: list[int] = []
    real = rollout.rollout_findings

    def counted(*arguments: Any) -> Any:
        reads.append(1)
        return real(*arguments)

    monkeypatch.setattr(codex_format, "rollout_findings", counted)
    line = next(i for i, raw in enumerate(lines) if b'"type":"function_call_output"' in raw)
    at = lines[line].index(b'"output":"') + len(b'"output":"')
    typed = lines[line][:at] + b"x" + lines[line][at:]
    transcript.replace_lines(line, line + 1, [typed], True)
    after = transcript.analyse()
    assert reads == []
    assert (
        after.findings
        == Transcript([*lines[:line], typed, *lines[line + 1 :]], True).analyse().findings
    )
    reads.clear()
    call = before.findings[0].span.line
    renamed = bytes(lines[call]).replace(b'"call_id":"call_', b'"call_id":"call_x', 1)
    transcript.replace_lines(call, call + 1, [renamed], True)
    transcript.analyse()
    assert reads == [1]
