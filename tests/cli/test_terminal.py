"""`for_terminal`: nothing a transcript says reaches the terminal as a control sequence."""

from __future__ import annotations

import pytest

from session_lsp.cli.terminal import for_terminal

HOSTILE = [
    "\x1b]0;pwned\x07",  # OSC 0: window title
    "\x1b]52;c;aWQ=\x07",  # OSC 52: clipboard
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # OSC 8: hidden link
    "\x9b31m",  # C1 CSI
    "\x1b[2J",  # clear screen
    "a\u202eb",  # right-to-left override
    "\x00\x7f\x85",
    "line\u2028break",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_character_survives(text: str) -> None:
    shown = for_terminal(text)
    assert all(ch.isprintable() for ch in shown), repr(shown)


def test_controls_are_shown_as_visible_escapes_not_dropped() -> None:
    assert for_terminal("\x1b]0;t\x07") == "\\x1b]0;t\\x07"
    assert for_terminal("\x9b") == "\\x9b"
    assert for_terminal("a\u202eb") == "a\\u202eb"


def test_one_line_text_escapes_tab_and_newline() -> None:
    assert for_terminal("a\tb\nc") == "a\\tb\\nc"


def test_layout_keeps_tab_and_newline_only() -> None:
    assert for_terminal("a\tb\nc\x1b[0m", layout=True) == "a\tb\nc\\x1b[0m"


def test_layout_reads_a_windows_line_break_as_one_and_shows_a_lone_carriage_return() -> None:
    """A tool's output from a file with CRLF endings showed `\\x0d` at the end of every line."""
    assert for_terminal("00:01 --> 00:02\r\nHello\r\n", layout=True) == "00:01 --> 00:02\nHello\n"
    assert for_terminal("50%\r100%\n", layout=True) == "50%\\x0d100%\n"
    assert for_terminal("a\r\nb") == "a\\x0d\\nb", "one line stays one line"


def test_ordinary_text_is_unchanged() -> None:
    text = "Fix the parser \u2014 caf\u00e9 \U0001f600 \u4e2d\u6587"
    assert for_terminal(text) == text


def test_lone_surrogate_from_a_file_name_is_escaped() -> None:
    assert for_terminal("name\udcff.jsonl") == "name\\udcff.jsonl"
