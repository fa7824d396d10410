"""`session-lsp show` on what Claude Code 2.1.2xx writes: compactions that keep turns, and the
items Claude Code itself put in the conversation, each under a label of its own."""

from __future__ import annotations

from pathlib import Path

from tests.support.claude_records import inserted_by_claude_code, partial_compaction
from tests.support.cli import run_cli
from tests.support.files import age


def _show(path: Path) -> list[str]:
    age(path)
    result = run_cli("show", "--brief", str(path))
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _labels(lines: list[str]) -> list[tuple[int, str]]:
    return [
        (int(line[7:13]), line[14:24].strip()) for line in lines if line[7:13].strip().isdigit()
    ]


def test_show_labels_what_claude_code_inserted(tmp_path: Path) -> None:
    path = tmp_path / "inserted.jsonl"
    path.write_bytes(inserted_by_claude_code().data())
    labels = dict(_labels(_show(path)))
    assert [labels[line] for line in (5, 8, 9, 10, 12, 13, 16)] == [
        "agent",
        "api error",
        "api error",
        "fallback",
        "fallback",
        "notice",
        "notice",
    ]
    assert 2 not in labels


def test_show_draws_a_partial_compaction_before_the_turns_it_kept(tmp_path: Path) -> None:
    path = tmp_path / "compacted.jsonl"
    path.write_bytes(partial_compaction().data())
    lines = _show(path)
    assert "note: the conversation starts at the last compaction" in lines
    assert _labels(lines)[:3] == [(9, "compacted"), (5, "user"), (6, "tool")]
