"""A repair's edits as a unified diff (`core/edit_diff.py`), the same as comparing the files."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core.edit_diff import edits_diff
from session_lsp.core.edits import EditKind, LineEdit, apply_edits

KINDS = list(EditKind)


@st.composite
def edited_files(draw: st.DrawFn) -> tuple[list[bytes], list[LineEdit]]:
    """Distinct lines (so that comparing the files has one answer) and edits of distinct texts,
    or a line replaced by its own text."""
    count = draw(st.integers(0, 30))
    lines = [f'{{"n":{number}}}'.encode() for number in range(count)]
    edits: list[LineEdit] = []
    for number in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(KINDS))
        if kind is EditKind.INSERT_AFTER:
            line = draw(st.integers(-1, count - 1))
        elif count:
            line = draw(st.integers(0, count - 1))
        else:
            continue
        same = kind is EditKind.REPLACE and draw(st.booleans())
        text = lines[line] if same else f'{{"stub":{number},"é":"✓"}}'.encode()
        edits.append(LineEdit(kind, line, text))
    return lines, edits


@settings(max_examples=500)
@given(edited_files())
def test_the_diff_of_the_edits_is_the_diff_of_the_files(
    file: tuple[list[bytes], list[LineEdit]],
) -> None:
    lines, edits = file
    before = [line.decode() + "\n" for line in lines]
    after = [bytes(line).decode() + "\n" for line in apply_edits(lines, edits)]
    compared = "".join(difflib.unified_diff(before, after, "a/s.jsonl", "b/s.jsonl", n=1))
    assert edits_diff(lines, edits, "s.jsonl") == compared


def test_a_stub_after_a_call_is_one_hunk_with_a_line_each_side() -> None:
    lines = [b"one", b"call", b"three"]
    diff = edits_diff(lines, [LineEdit(EditKind.INSERT_AFTER, 1, b"stub")], "s.jsonl")
    assert diff == "--- a/s.jsonl\n+++ b/s.jsonl\n@@ -2,2 +2,3 @@\n call\n+stub\n three\n"


def test_a_line_replaced_by_its_own_text_is_no_change() -> None:
    lines = [b"one", b"two", b"three"]
    assert edits_diff(lines, [LineEdit(EditKind.REPLACE, 1, b"two")], "s.jsonl") == ""
