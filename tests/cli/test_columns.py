"""Text laid out by terminal columns (cli/columns.py): wide characters take two, a line may break
between them, and narrow text wraps exactly as `textwrap` wraps it."""

from __future__ import annotations

import textwrap

from hypothesis import given
from hypothesis import strategies as st

from session_lsp.cli.columns import columns, cut, cut_start, wrap

JAPANESE = "Phoenixサーバーをバックグラウンドで起動してください。起動したら、ログを調べてください。"
CLOSING = "、。，．！？：；」』）〕】〉》〙〗〟’”ー々ゝゞ…‥"  # noqa: RUF001 - the characters under test


def test_wide_characters_take_two_columns_and_combining_marks_none() -> None:
    assert columns("abc") == 3
    assert columns("日本語") == 6
    assert columns("e\u0301") == 1, "e and a combining acute accent"
    assert columns("👍") == 2
    assert columns("👩\u200d💻") == 4, "two wide emoji joined: the joiner takes nothing"


@given(
    st.lists(st.sampled_from([*"ab- \t\u00a0é.", "word", "x" * 30])).map("".join),
    st.integers(min_value=5, max_value=60),
    st.sampled_from(["", "  ", "- "]),
)
def test_narrow_text_wraps_as_textwrap_wraps_it(text: str, width: int, indent: str) -> None:
    expected = textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=" " * len(indent),
        break_long_words=False,
        break_on_hyphens=False,
    )
    assert wrap(text, width, indent, " " * len(indent)) == expected


@given(st.integers(min_value=10, max_value=50))
def test_japanese_is_broken_between_characters_within_the_width(width: int) -> None:
    rows = wrap(JAPANESE, width, "  ", "  ")
    assert all(columns(row) <= width for row in rows), rows
    assert "".join(row[2:] for row in rows) == JAPANESE, "nothing lost, nothing added"
    assert not any(row[2] in CLOSING for row in rows), "no line starts with closing punctuation"


def test_a_wide_run_between_narrow_words_breaks_only_where_it_may() -> None:
    text = "see /src/プロジェクト/main.py then 修复"
    rows = wrap(text, 12)
    assert all(columns(row) <= 12 or " " not in row for row in rows), rows
    assert " ".join(rows).replace(" ", "") == text.replace(" ", "")


@given(st.integers(min_value=1, max_value=60))
def test_a_cut_fits_the_columns_and_keeps_the_start_or_the_end(width: int) -> None:
    head, tail = cut(JAPANESE, width), cut_start(JAPANESE, width)
    assert columns(head) <= width and columns(tail) <= width
    assert head.endswith("…") and JAPANESE.startswith(head[:-1])
    assert tail.startswith("…") and JAPANESE.endswith(tail[1:])
    assert cut("short", 5) == "short" and cut("shorter", 5) == "shor…"


def test_what_must_stay_with_a_wide_character_is_never_put_on_the_next_line() -> None:
    assert wrap("日本語日本語.", 12) == ["日本語日本", "語."], "ASCII punctuation after it"
    assert wrap("\uff08日本語日本)", 12) == ["\uff08日本語日", "本)"], "after a full-width bracket"
    assert wrap("日本語日本👩\u200d💻", 12) == ["日本語日本", "👩\u200d💻"], "a joined emoji"
    assert wrap("日本語日本👍🏽", 11) == ["日本語日本", "👍🏽"], "an emoji and its skin tone"
    assert columns("👍🏽") == 2


def test_a_cut_at_its_start_leaves_no_mark_of_a_character_cut_off() -> None:
    assert cut_start("xe\u0301abc", 4) == "…abc"
