"""What a listing reads of one file: id, project, activity, version, title, sidechain or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.formats.claude_code.titles import TITLE_LIMIT
from session_lsp.sessions.metadata import read_metadata
from tests.core.test_deep_nesting import deeply_nested_session
from tests.support.corpus import (
    CODEMIE_TURN_1,
    FASTHOOKS_MAIN,
    SESSIONS,
    SHORT,
    SIDECHAIN_EXCERPT,
    WORKTREES,
    corpus_id,
)


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("path", SESSIONS, ids=corpus_id)
def test_metadata_of_every_corpus_file_matches_a_plain_json_reading(path: Path) -> None:
    records = _records(path)
    metadata = read_metadata(path.read_bytes(), path.stem)
    stamped = [record for record in records if record.get("timestamp")]
    chain = [record for record in records if record.get("type") in {"user", "assistant"}]
    assert metadata.session_id == next(r["sessionId"] for r in records if r.get("sessionId"))
    assert metadata.project == next(r["cwd"] for r in records if r.get("cwd"))
    assert metadata.first_activity == stamped[0]["timestamp"]
    assert metadata.last_activity == stamped[-1]["timestamp"]
    assert metadata.version == [r["version"] for r in records if r.get("version")][-1]
    assert metadata.is_sidechain == bool(chain[0].get("isSidechain"))
    assert metadata.is_sidechain == (
        "subagents" in path.parts or path.name.startswith(("agent-", "sample_agent"))
    )
    if metadata.title is not None:
        assert "\n" not in metadata.title
        assert len(metadata.title) <= TITLE_LIMIT


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (
            CODEMIE_TURN_1,
            '@"solution-architect (agent)" analyze existing CLI command and create specification'
            " for adding missing CLI commands. fo\u2026",
        ),
        (SHORT, "mix phx.server doesnt seem to start"),
        (FASTHOOKS_MAIN, "can you run a command ls -la"),
        (SIDECHAIN_EXCERPT, None),
    ],
    ids=[
        "summary of another session",
        "first prompt",
        "first prompt 2.0.x",
        "only sidechain prompts",
    ],
)
def test_title_comes_from_a_summary_else_the_first_real_prompt(path: Path, title: str) -> None:
    assert read_metadata(path.read_bytes(), path.stem).title == title


def test_a_long_first_prompt_becomes_one_line_of_at_most_120_characters() -> None:
    title = read_metadata(WORKTREES.read_bytes(), WORKTREES.stem).title
    assert title is not None
    assert title.startswith("OK, we're going to make a little experiment here.")
    assert len(title) == TITLE_LIMIT
    assert title.endswith("\u2026")


def _lines(*records: dict[str, object]) -> bytes:
    """Compact JSON, as Claude Code writes it."""
    return b"".join(
        json.dumps(record, separators=(",", ":")).encode() + b"\n" for record in records
    )


def _prompt(text: str, **flags: object) -> dict[str, object]:
    return {"type": "user", "message": {"role": "user", "content": text}, **flags}


def test_a_custom_title_beats_an_ai_title_which_beats_a_summary_and_the_newest_wins() -> None:
    base = [
        _prompt("first prompt", uuid="x"),
        {"type": "summary", "summary": "A summary", "leafUuid": "x"},
    ]
    ai = [{"type": "ai-title", "aiTitle": "Old AI"}, {"type": "ai-title", "aiTitle": "New AI"}]
    custom = [{"type": "custom-title", "customTitle": "Mine"}]
    assert read_metadata(_lines(*base), "s").title == "A summary"
    assert read_metadata(_lines(*base, *ai), "s").title == "New AI"
    assert read_metadata(_lines(*custom, *base, *ai), "s").title == "Mine"


def test_commands_meta_caveats_and_interrupts_are_not_the_first_prompt() -> None:
    data = _lines(
        _prompt("<local-command-caveat>Caveat: ...</local-command-caveat>", isMeta=True),
        _prompt("<command-name>/clear</command-name>\n<command-message>clear</command-message>"),
        _prompt("<local-command-stdout></local-command-stdout>"),
        _prompt("[Request interrupted by user]"),
        _prompt("summary of before", isCompactSummary=True),
        {"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "t"}]}},
        _prompt("  fix the\n  login bug  "),
    )
    assert read_metadata(data, "s").title == "fix the login bug"


def test_a_session_of_only_commands_is_titled_by_its_first_command() -> None:
    data = _lines(_prompt("<command-name>/init</command-name>"))
    assert read_metadata(data, "s").title == "/init"


def test_torn_and_invalid_lines_are_skipped_not_fatal() -> None:
    data = b'{"type":"user","cwd":"/p","timestamp":"2026-01-01T00:00:00Z"\nnot json\n\xff\xfe\n'
    metadata = read_metadata(data + _lines(_prompt("hello", timestamp="2026-01-02T00:00:00Z")), "s")
    assert metadata.project is None
    assert metadata.title == "hello"
    assert metadata.last_activity == "2026-01-02T00:00:00Z"


def test_a_uuid_file_name_is_the_session_id_as_claude_code_resumes_by_it() -> None:
    data = _lines(_prompt("x", sessionId="11111111-1111-4111-8111-111111111111"))
    name = "22222222-2222-4222-8222-222222222222"
    assert read_metadata(data, name).session_id == name
    assert read_metadata(data, "copy").session_id == "11111111-1111-4111-8111-111111111111"


def test_in_a_large_file_titles_are_read_from_its_first_and_last_64_kb() -> None:
    filler = [_prompt("x" * 1000) for _ in range(200)]
    head = [{"type": "summary", "summary": "Head summary", "leafUuid": "x"}]
    data = _lines(*head, *filler, _prompt("leaf", uuid="x"))
    assert read_metadata(data, "s").title == "Head summary"
    tail = [{"type": "ai-title", "aiTitle": "Tail title"}]
    assert read_metadata(data + _lines(*tail), "s").title == "Tail title"


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_tool_input_nested_deeper_than_python_s_limit_is_read_or_skipped_not_raised(
    depth: int,
) -> None:
    metadata = read_metadata(deeply_nested_session(depth), "deep")
    assert metadata.title == "fix the build 🙂 修复"
