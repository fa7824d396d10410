"""`session-lsp search QUERY`: sessions that mention something, newest first, with the matches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from session_lsp.sessions.search import search_file
from tests.bench.support import bench_module
from tests.sessions.tree import (
    CLEAN,
    COMPACTED,
    DAMAGED,
    DEEP,
    LIVE,
    LONG,
    ProjectsTree,
    build_tree,
    place_rollout,
    run_in_tree,
)
from tests.support.claude_records import Builder
from tests.support.corpus import COMPACTED_ROLLOUT


@pytest.fixture
def tree(tmp_path: Path) -> ProjectsTree:
    return build_tree(tmp_path)


def _ids(stdout: str) -> list[str]:
    return [entry["sessionId"] for entry in json.loads(stdout)]


def test_sessions_that_match_are_listed_newest_first_with_their_matches(
    tree: ProjectsTree,
) -> None:
    result = run_in_tree(tree, "search", "THE", "--format", "json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [entry["sessionId"] for entry in found] == [LIVE, DAMAGED, CLEAN, COMPACTED]
    for entry in found:
        assert 1 <= len(entry["hits"]) <= 10
        assert set(entry["hits"][0]) == {"segment", "index", "line", "field", "snippet"}
        assert all("the" in hit["snippet"].lower() for hit in entry["hits"])
    assert Path(found[0]["path"]).name == f"{LIVE}.jsonl"


def test_a_match_before_a_compaction_is_found_in_the_earlier_segment(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "search", "off by one column", "--format", "json")
    [entry] = json.loads(result.stdout)
    assert entry["sessionId"] == COMPACTED
    assert entry["hits"][0]["segment"] == 0


def test_scope_is_the_project_by_default_all_or_another_project(tree: ProjectsTree) -> None:
    here = _ids(run_in_tree(tree, "search", "the", "--format", "json").stdout)
    everywhere = _ids(run_in_tree(tree, "search", "the", "--all", "--format", "json").stdout)
    other = run_in_tree(tree, "search", "the", "--project", str(tree.long_work), "--format", "json")
    assert LONG not in here and LONG in everywhere
    assert _ids(other.stdout) == [LONG]


def test_text_output_is_one_row_per_session_then_its_matches(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "search", "off by one column", "--limit", "1")
    assert result.returncode == 0, result.stderr
    header, match, summary = result.stdout.splitlines()
    assert COMPACTED in header and "The LSP diagnostics are off" in header
    assert match.startswith("    segment 1/2 item 3 text (line 7): ")
    assert summary == "1 result in 1 of 5 sessions."


def test_a_session_with_matches_past_the_limit_says_so(tree: ProjectsTree) -> None:
    every = json.loads(run_in_tree(tree, "search", "the", "--format", "json").stdout)
    counts = {entry["sessionId"]: len(entry["hits"]) for entry in every}
    session = next(name for name, count in counts.items() if count >= 2)
    cut = json.loads(run_in_tree(tree, "search", "the", "--limit", "1", "--format", "json").stdout)
    assert {entry["sessionId"]: entry["more"] for entry in cut}[session] is True
    text = run_in_tree(tree, "search", "the", "--limit", "1").stdout.splitlines()
    assert "    … more past the first 1 match" in text
    assert text[-1].endswith(" with more: raise --limit).")
    assert not any(entry["more"] for entry in every if len(entry["hits"]) < 10)


def test_sub_agents_transcripts_are_searched_and_listed_under_their_session(
    tree: ProjectsTree,
) -> None:
    """2.1.x's `<session>/subagents/` (CLEAN's) by their folder; 2.0.x's `agent-*.jsonl` beside
    their session (DEEP's) by the session their lines name; a session listed for them alone."""
    found = json.loads(
        run_in_tree(tree, "search", "render_message_enriched", "--format", "json").stdout
    )
    assert [(entry["sessionId"], entry["hits"]) for entry in found] == [(CLEAN, [])]
    [agent] = found[0]["agents"]
    assert Path(agent["path"]).name == "agent-acompact-f46190.jsonl" and agent["hits"]
    assert agent["agents"] == []
    beside = json.loads(
        run_in_tree(
            tree, "search", "manifest_generation.feature", "--all", "--format", "json"
        ).stdout
    )
    assert [Path(a["path"]).name for e in beside for a in e["agents"]] == ["agent-c8d9b115.jsonl"]
    assert [entry["sessionId"] for entry in beside] == [DEEP]
    text = run_in_tree(tree, "search", "render_message_enriched").stdout.splitlines()
    assert text[1].startswith("    sub-agent ~/") and "/agent-acompact-f46190.jsonl (" in text[1]
    assert text[2].startswith("      item ")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX's")
def test_a_pipe_named_like_a_sub_agent_transcript_is_neither_read_nor_reported(
    tree: ProjectsTree,
) -> None:
    os.mkfifo(tree.folder / CLEAN / "subagents" / "agent-pipe.jsonl")
    result = run_in_tree(tree, "search", "render_message_enriched")
    assert result.returncode == 0 and result.stderr == ""


def test_a_match_in_the_history_is_where_show_segment_item_finds_it(tree: ProjectsTree) -> None:
    match = run_in_tree(tree, "search", "off by one column", "--limit", "1").stdout.splitlines()[1]
    assert match.startswith("    segment 1/2 item 3 ")
    shown = run_in_tree(tree, "show", COMPACTED, "--segment", "1", "--item", "3")
    assert shown.returncode == 0, shown.stderr
    assert "off by one column" in shown.stdout.split("\n", 2)[1]


def test_nothing_found_exits_1_and_a_bad_query_exits_2(tree: ProjectsTree) -> None:
    none = run_in_tree(tree, "search", "no session says this 9f8e7d")
    assert (none.returncode, none.stdout.splitlines()[-1]) == (
        1,
        "0 results in 0 of 5 sessions.",
    )
    empty = run_in_tree(tree, "search", "  ")
    assert empty.returncode == 2 and "the query is empty" in empty.stderr
    assert "Traceback" not in empty.stderr + none.stderr


def test_transcript_text_reaches_the_terminal_escaped(tree: ProjectsTree) -> None:
    session = Builder()
    session.prompt("u1", None, "title \x1b]0;pwned\x07 here")
    path = tree.folder / "11111111-2222-4333-8444-555555555555.jsonl"
    path.write_bytes(session.data())
    moment = time.time() - 3600
    os.utime(path, (moment, moment))
    result = run_in_tree(tree, "search", "pwned")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;pwned\\x07" in result.stdout


def test_a_sub_agent_transcript_named_like_a_session_is_not_searched(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "search", "warmup", "--all", "--format", "json")
    assert "d99fb29e-0000-4000-8000-000000000000" not in _ids(result.stdout)


def test_a_generated_session_with_compactions_is_searched_in_every_segment(
    tmp_path: Path,
) -> None:
    generator = bench_module("generate_session")
    path = tmp_path / "big.jsonl"
    generator.generate_session(path, size_bytes=600_000, seed=5, compactions=2)
    found = search_file((path, "def walk", 50, False))
    assert found.segments == 3
    assert {hit.segment for hit in found.hits} == {0, 1, 2}


def _add_session(tree: ProjectsTree, session: Builder) -> None:
    path = tree.folder / "22222222-3333-4444-8555-666666666666.jsonl"
    path.write_bytes(session.data())
    moment = time.time() - 7200
    os.utime(path, (moment, moment))


def _hits(tree: ProjectsTree, query: str) -> list[dict[str, object]]:
    result = run_in_tree(tree, "search", query, "--format", "json")
    assert "Traceback" not in result.stderr
    return [hit for entry in json.loads(result.stdout or "[]") for hit in entry["hits"]]


def test_a_call_is_found_by_its_tool_name_and_its_values_as_typed(tree: ProjectsTree) -> None:
    session = Builder()
    session.prompt("u1", None, "file it")
    command = 'cd src &&\ngrep -n "retry" *.py'
    session.call("a1", "u1", "toolu_01A", "Bash", command=command)
    session.result("r1", "a1", "toolu_01A", "a.py:1: retry")
    session.call("a2", "r1", "toolu_01B", "mcp__github__create_issue", title="\x1b[2Jboom\u202e")
    session.result("r2", "a2", "toolu_01B", "created #7")
    _add_session(tree, session)
    [named] = _hits(tree, "mcp__github__create_issue")
    assert (named["index"], named["field"]) == (2, "input")
    assert named["snippet"] == "mcp__github__create_issue ⏎ title: \\x1b[2Jboom\\u202e"
    [typed] = _hits(tree, 'cd src &&\ngrep -n "retry"')
    assert typed["snippet"] == 'Bash ⏎ command: cd src && ⏎ grep -n "retry" *.py'
    text = run_in_tree(tree, "search", "create_issue")
    assert "item 3 input (line 4): mcp__github__create_issue ⏎ title: \\x1b[2Jboom" in text.stdout
    assert "\x1b" not in text.stdout and "\u202e" not in text.stdout


def test_the_query_is_marked_on_a_terminal_that_takes_colours_and_never_otherwise(
    tree: ProjectsTree,
) -> None:
    session = Builder()
    session.prompt("u1", None, "Retry the upload, then retry the RETRY queue \x1b[2J")
    _add_session(tree, session)
    coloured = subprocess.run(
        [sys.executable, "-m", "session_lsp", "search", "retry"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tree.work,
        env={**tree.env, "FORCE_COLOR": "1", "NO_COLOR": ""},
    )
    marked = "\033[1;31m{}\033[0m"
    line = next(line for line in coloured.stdout.splitlines() if "item 1 text" in line)
    assert line.endswith(
        f"{marked.format('Retry')} the upload, then {marked.format('retry')} the"
        f" {marked.format('RETRY')} queue \\x1b[2J"
    ), line
    plain = run_in_tree(tree, "search", "retry")
    assert "\033[" not in plain.stdout


def test_texts_claude_code_composes_are_found_in_a_session_searched(tree: ProjectsTree) -> None:
    session = Builder()
    session.prompt("u1", None, "why API error 500 again? and who switched the model?")
    session.api_error("e1", "u1", 1, status=500)
    tags = "<command-name>/model</command-name>\n<command-args>opus</command-args>"
    session.prompt("c1", "e1", tags)
    said = "<local-command-stdout>Set model to \x1b[1mopus\x1b[22m</local-command-stdout>"
    session.prompt("c2", "c1", said)
    session.text("a1", "c2", "Retrying with opus.")
    _add_session(tree, session)
    found = [(hit["index"], hit["snippet"]) for hit in _hits(tree, "API error 500")]
    assert found == [
        (0, "why API error 500 again? and who switched the model?"),
        (1, "API error 500: Internal server error (retry 1 of 10 in 1s)"),
    ]


def test_codex_rollouts_are_searched_in_the_same_scopes(tree: ProjectsTree) -> None:
    codex_id = "019cc264-9e60-7bdd-8164-d8399f767c45"
    place_rollout(tree.codex_home, COMPACTED_ROLLOUT, seconds_ago=900, cwd=str(tree.work))
    here = run_in_tree(tree, "search", "Update File: src/config.py", "--format", "json")
    assert here.returncode == 0, here.stderr
    [found] = json.loads(here.stdout)
    assert (found["sessionId"], found["title"], found["project"]) == (
        codex_id,
        "show tools",
        str(tree.work),
    )
    assert found["hits"][0]["field"] == "input"
    elsewhere = run_in_tree(tree, "search", "Update File", "--project", str(tree.long_work))
    assert elsewhere.returncode == 1
    everywhere = run_in_tree(tree, "search", "Update File", "--all", "--format", "json")
    assert _ids(everywhere.stdout) == [codex_id]
