"""A session's title: one rule for the sessions listing and the conversation view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.claude_code.titles import (
    TITLE_WINDOW,
    byte_windows,
    line_windows,
    one_line,
    titled,
    uuid_in,
)
from session_lsp.core.reading import split_lines
from session_lsp.core.turns import build_model
from session_lsp.sessions.metadata import read_metadata
from tests.support.corpus import SESSIONS, corpus_id


@pytest.mark.parametrize("path", SESSIONS, ids=corpus_id)
def test_the_view_shows_the_title_the_listing_shows(path: Path) -> None:
    """The listing never shows a sub-agent's transcript as a session: opened on its own, the
    view titles it by its Task call's description, its task or its agent id."""
    data = path.read_bytes()
    listed = read_metadata(data, path.stem)
    viewed = build_model(analyse_bytes(data), path).title
    if listed.is_sidechain:
        assert listed.title is None and viewed
    else:
        assert viewed == listed.title


def _title_line(title: str, pad: int) -> bytes:
    record = {"type": "ai-title", "aiTitle": title, "pad": "x" * pad}
    return json.dumps(record, separators=(",", ":")).encode()


@pytest.mark.parametrize("ends_with_newline", [True, False])
@pytest.mark.parametrize("shift", [-2, -1, 0, 1, 2, 40])
def test_split_lines_give_the_windows_the_bytes_give(shift: int, ends_with_newline: bool) -> None:
    """A line that crosses the head window's edge is outside it, whether the file is read as bytes
    or as split lines, so a title there is missed by both or found by both."""
    filler = [json.dumps({"type": "user", "n": n, "pad": "y" * 900}).encode() for n in range(200)]
    lines = [_title_line("first line", 300), *filler]
    head_bytes = sum(len(line) + 1 for line in lines[:70])
    ends_at_edge = TITLE_WINDOW - head_bytes - len(_title_line("last in the head", 0)) - 1
    lines.insert(70, _title_line("last in the head", ends_at_edge + shift))
    data = b"\n".join(lines) + (b"\n" if ends_with_newline else b"")
    split, ends = split_lines(data)
    assert ends is ends_with_newline
    windows = byte_windows(data)
    assert line_windows(split, ends) == windows
    assert titled(windows, uuid_in(data)) == ("last in the head" if shift <= 0 else "first line")


def test_one_line_collapses_every_line_and_cuts_with_an_ellipsis() -> None:
    assert one_line("  fix\n\tthe   bug \n") == "fix the bug"
    assert one_line("word " * 40, 20) == "word word word word\u2026"


def _session(*records: dict[str, object]) -> bytes:
    return b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records)


PROMPT = {"type": "user", "uuid": "u1", "message": {"role": "user", "content": "fix the login"}}


@pytest.mark.parametrize(
    ("leaf", "title"), [("u1", "Login fix"), ("in-another-file", "fix the login")]
)
def test_a_summary_titles_the_session_only_when_its_leaf_is_a_message_of_the_file(
    leaf: str, title: str
) -> None:
    """Claude Code files summaries by leaf; most summary lines in a file describe other sessions."""
    data = _session(PROMPT, {"type": "summary", "summary": "Login fix", "leafUuid": leaf})
    assert read_metadata(data, "s").title == title
    assert build_model(analyse_bytes(data)).title == title
