"""Arbitrary bytes and arbitrary line-level mutations never crash the core or escape the document."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_lsp.core.analysis import Transcript, analyse_bytes
from session_lsp.core.reading import split_lines, text_of
from tests.support.corpus import SHORT, SUBAGENT, TOOL_HEAVY

REAL_LINES = [
    line
    for path in (SHORT, TOOL_HEAVY, SUBAGENT)
    for line in path.read_bytes().split(b"\n")
    if line
]


def _assert_inside(data: bytes) -> None:
    analysis = analyse_bytes(data)
    lines, _ = split_lines(data)
    for finding in analysis.findings:
        for span in (finding.span, *(related.span for related in finding.related)):
            assert 0 <= span.line < max(1, len(lines)), finding
            width = len(text_of(lines[span.line])) if lines else 0
            assert 0 <= span.start <= span.end <= max(1, width), finding


@settings(max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "300")))
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _assert_inside(data)


json_fragments = st.sampled_from(
    [
        b"{",
        b"}",
        b'"',
        b"\\",
        b"\\u",
        b"\\ud83d",
        b"\x00",
        b"\xff",
        b"\r",
        b"\xe2\x80\xa8",
        b"NaN",
        b",",
        b":",
    ]
)


@st.composite
def mutated_sessions(draw: st.DrawFn) -> bytes:
    lines = list(draw(st.lists(st.sampled_from(REAL_LINES), min_size=1, max_size=12)))
    for _ in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(["cut", "delete", "duplicate", "swap", "inject", "splice"]))
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        if action == "cut":
            lines[index] = line[: draw(st.integers(0, len(line)))]
        elif action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "inject":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(json_fragments) + line[at:]
        elif action == "splice":
            other = lines[draw(st.integers(0, len(lines) - 1))]
            lines[index] = line + other
    newline = draw(st.booleans())
    return b"\n".join(lines) + (b"\n" if newline else b"")


@settings(
    max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "200")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated_sessions())
def test_line_level_mutations_never_raise_and_stay_inside(data: bytes) -> None:
    _assert_inside(data)


@settings(
    max_examples=int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "100")),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated_sessions(), mutated_sessions(), st.data())
def test_incremental_line_replacement_equals_a_fresh_read(
    before: bytes, inserted: bytes, data: st.DataObject
) -> None:
    lines, ends = split_lines(before)
    new_lines, _ = split_lines(inserted)
    start = data.draw(st.integers(0, len(lines)))
    stop = data.draw(st.integers(start, len(lines)))
    transcript = Transcript(list(lines), ends)
    transcript.replace_lines(start, stop, list(new_lines), ends)
    fresh = Transcript([*lines[:start], *new_lines, *lines[stop:]], ends)
    assert transcript.analyse().findings == fresh.analyse().findings
