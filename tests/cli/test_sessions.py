"""`session-lsp sessions`, and session names in `check`, `fix` and `restore`."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from session_lsp.sessions import list_sessions
from session_lsp.sessions.cache import SessionCache
from session_lsp.sessions.locations import project_folder_name
from tests.sessions.tree import (
    CLEAN,
    DAMAGED,
    LIVE,
    LONG,
    UNREADABLE,
    ProjectsTree,
    build_tree,
    place_rollout,
    run_in_tree,
)
from tests.support.corpus import COMPACTED_ROLLOUT, DANGLING_END_ROLLOUT, DANGLING_MID_ROLLOUT


@pytest.fixture
def tree(tmp_path: Path) -> ProjectsTree:
    return build_tree(tmp_path)


def test_json_output_is_the_listing_of_the_shared_discovery_code(tree: ProjectsTree) -> None:
    os.utime(tree.session(LIVE))  # live for both listings
    result = run_in_tree(tree, "sessions", "--all", "--format", "json")
    assert result.returncode == 0, result.stderr
    expected = [s.to_json() for s in list_sessions(tree.root, cache=SessionCache(None))]
    assert json.loads(result.stdout) == expected


def test_by_default_only_the_current_directory_s_project_is_listed(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "sessions", "--format", "json")
    ids = [entry["sessionId"] for entry in json.loads(result.stdout)]
    assert set(ids) == {LIVE, DAMAGED, CLEAN, UNREADABLE, "d99fb29e-ab5b-4def-872c-d7aac544c424"}
    long = run_in_tree(tree, "sessions", "--format", "json", cwd=tree.long_work)
    assert [entry["sessionId"] for entry in json.loads(long.stdout)] == [LONG]
    other = run_in_tree(tree, "sessions", "--project", str(tree.long_work), "--format", "json")
    assert [entry["sessionId"] for entry in json.loads(other.stdout)] == [LONG]


def test_broken_keeps_only_sessions_that_will_fail(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "sessions", "--all", "--broken", "--format", "json")
    assert [entry["sessionId"] for entry in json.loads(result.stdout)] == [DAMAGED]


def test_text_output_shows_health_id_title_and_how_to_resume(tree: ProjectsTree) -> None:
    os.utime(tree.session(LIVE))  # live however long the tree took
    result = run_in_tree(tree, "sessions")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    damaged = next(line for line in lines if DAMAGED in line)
    assert damaged.startswith("broken 1E")
    assert damaged.endswith("create specification for adding missing CLI commands. fo\u2026")
    assert "2.1.7" in damaged
    assert next(line for line in lines if LIVE in line).startswith("live")
    assert next(line for line in lines if UNREADABLE in line).startswith("unreadable")
    assert lines[-1] == (
        f"5 sessions in {tree.folder}, 1 broken."
        f" Repair and resume one with: session-lsp resume {DAMAGED[:8]}"
    )


def test_the_columns_stay_aligned_past_a_thousand_kilobytes(tree: ProjectsTree) -> None:
    """`1022.3 KB` is a character wider than `503.4 KB`: the size column holds the widest."""
    clean = tree.session(CLEAN)
    stat = clean.stat()
    padding = 1_046_000 - stat.st_size - len('{"type":"summary","summary":""}\n')
    with clean.open("a", encoding="utf-8") as file:
        file.write(
            json.dumps({"type": "summary", "summary": "x" * padding}, separators=(",", ":")) + "\n"
        )
    os.utime(clean, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    lines = run_in_tree(tree, "sessions").stdout.splitlines()[:-1]
    assert any(" 1021.5 KB  " in line for line in lines), lines
    sizes = {re.match(r"^.{13}  .{16}  (.{9})  \S", line) is not None for line in lines}
    assert sizes == {True}, lines


def test_all_projects_show_each_session_s_project(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "sessions", "--all")
    assert "[/src/deep-manifest]" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("7 sessions, 1 broken.")


def test_a_directory_without_sessions_is_one_line_and_exit_2(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "sessions", cwd=tree.home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("session-lsp: no Claude Code or Codex sessions for ")
    assert len(result.stderr.splitlines()) == 1


def _empty_project(tree: ProjectsTree) -> Path:
    """A working directory whose project folder exists and holds no session (only a sub-agent
    transcript, which is never listed as one)."""
    work = tree.home / "emptied"
    work.mkdir()
    folder = tree.root / project_folder_name(os.path.realpath(work))
    (folder / "agent-5a5a5a5a").mkdir(parents=True)
    (folder / "notes.txt").write_text("not a session\n")
    return work


def test_a_project_folder_without_sessions_is_exit_2_saying_what_check_says(
    tree: ProjectsTree,
) -> None:
    work = _empty_project(tree)
    folder = tree.root / project_folder_name(os.path.realpath(work))
    checked = run_in_tree(tree, "check", cwd=work)
    said = f"session-lsp: {folder}: no session files (*.jsonl): nothing was"
    assert (checked.returncode, checked.stderr) == (2, f"{said} checked\n")
    for arguments in ((), ("--broken",), ("--project", str(work))):
        listed = run_in_tree(tree, "sessions", *arguments, cwd=work)
        assert (listed.returncode, listed.stdout) == (2, ""), arguments
        assert listed.stderr == f"{said} listed\n"
    as_json = run_in_tree(tree, "sessions", "--format", "json", cwd=work)
    assert (as_json.returncode, json.loads(as_json.stdout)) == (2, [])
    searched = run_in_tree(tree, "search", "the", cwd=work)
    assert (searched.returncode, searched.stdout) == (2, "")
    assert searched.stderr == f"{said} searched\n"


def test_an_empty_projects_root_is_exit_2_for_sessions_all(tmp_path: Path) -> None:
    tree = build_tree(tmp_path)
    shutil.rmtree(tree.root)
    tree.root.mkdir()
    for command in ("sessions", "search the"):
        result = run_in_tree(tree, *command.split(), "--all")
        assert result.returncode == 2, command
        assert result.stderr.startswith(f"session-lsp: {tree.root}: no session files (*.jsonl)")


def test_check_without_path_checks_this_directory_s_sessions(tree: ProjectsTree) -> None:
    clean = run_in_tree(tree, "check", cwd=tree.long_work)
    assert clean.returncode == 0, clean.stderr
    assert "Checked 1 file: 0 errors" in clean.stdout
    broken = run_in_tree(tree, "check", "--format", "json", cwd=tree.work)
    findings = json.loads(broken.stdout)
    errors = {finding["path"] for finding in findings if finding["severity"] == "error"}
    assert errors == {str(tree.session(DAMAGED))}
    # the sub-agent transcripts of the project are checked too
    assert any("/subagents/" in finding["path"] for finding in findings)
    nowhere = run_in_tree(tree, "check", cwd=tree.home)
    assert nowhere.returncode == 2
    assert nowhere.stderr.startswith("session-lsp: no Claude Code or Codex sessions for ")


def test_check_without_path_checks_the_codex_rollouts_started_here_too(tree: ProjectsTree) -> None:
    """Beside this directory's Claude Code sessions, and where it has none."""
    here = place_rollout(tree.codex_home, DANGLING_END_ROLLOUT, cwd=str(tree.work))
    elsewhere = place_rollout(tree.codex_home, DANGLING_MID_ROLLOUT, cwd=str(tree.home))
    beside = run_in_tree(tree, "check", "--format", "json", cwd=tree.work)
    checked = {finding["path"] for finding in json.loads(beside.stdout)}
    assert str(here) in checked and str(tree.session(DAMAGED)) in checked
    assert str(elsewhere) not in checked
    alone = run_in_tree(tree, "check", cwd=tree.home)
    assert alone.returncode == 1, alone.stderr
    assert alone.stdout.startswith(f"{elsewhere}:")


def test_check_accepts_an_id_a_prefix_and_last(tree: ProjectsTree) -> None:
    tree.session(LIVE).unlink()
    for name in (DAMAGED, DAMAGED[:8], "--last"):
        result = run_in_tree(tree, "check", name)
        assert result.returncode == 1, (name, result.stderr)
        assert result.stdout.startswith(f"{tree.session(DAMAGED)}:25:")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("0123abcd", "0123abcd: no session with this id under "),
        ("e9fb", "e9fb: no such file, and a session id prefix needs at least 8 characters"),
    ],
)
def test_an_unknown_name_is_one_line_and_exit_2(
    tree: ProjectsTree, name: str, message: str
) -> None:
    for command in ("check", "fix", "restore"):
        result = run_in_tree(tree, command, name)
        assert result.returncode == 2
        assert result.stderr.startswith(f"session-lsp: {message}")
        assert len(result.stderr.splitlines()) == 1


def test_fix_and_restore_accept_names(tree: ProjectsTree) -> None:
    original = tree.session(DAMAGED).read_bytes()
    fixed = run_in_tree(tree, "fix", DAMAGED[:8])
    assert fixed.returncode == 0, fixed.stderr
    assert run_in_tree(tree, "check", DAMAGED).returncode == 0
    restored = run_in_tree(tree, "restore", DAMAGED)
    assert restored.returncode == 0, restored.stderr
    assert tree.session(DAMAGED).read_bytes() == original


def test_fix_needs_a_path_or_last(tree: ProjectsTree) -> None:
    result = run_in_tree(tree, "fix")
    assert result.returncode == 2
    assert "give a PATH, a session id or --last" in result.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_slow_listing_shows_a_progress_bar_on_a_terminal(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from session_lsp.cli import sessions as command

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tree.home / ".claude"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tree.home / ".cache"))
    monkeypatch.setattr(command, "PROGRESS_AFTER_SECONDS", 0.0)
    status = command.run_sessions(
        all_projects=True, project=None, broken_only=False, output_format="json"
    )
    assert status == 0
    assert "[##############################] " in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")  # the bar is cleared again

    quick = _Terminal()
    monkeypatch.setattr(sys, "stderr", quick)
    monkeypatch.setattr(command, "PROGRESS_AFTER_SECONDS", 60.0)
    command.run_sessions(all_projects=True, project=None, broken_only=False, output_format="json")
    assert quick.getvalue() == ""


def test_json_output_is_valid_utf8_for_a_project_folder_the_locale_cannot_name(
    tree: ProjectsTree,
) -> None:
    folder = os.fsencode(tree.root) + b"/-proj-\xff"
    os.mkdir(folder)
    with open(os.fsencode(tree.session(CLEAN)), "rb") as source:
        data = source.read()
    with open(folder + f"/{CLEAN}.jsonl".encode(), "wb") as copy:
        copy.write(data)
    environment = {**tree.env, "LC_ALL": "C", "PYTHONIOENCODING": "ascii:strict"}
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", "sessions", "--all", "--format", "json"],
        capture_output=True,
        check=False,
        cwd=tree.work,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout.decode("utf-8"))
    assert any(entry["path"].endswith("/-proj-\udcff/" + f"{CLEAN}.jsonl") for entry in listed)


# --- Codex rollouts beside Claude Code's sessions -------------------------------------------------

CODEX_COMPACTED = "019cc264-9e60-7bdd-8164-d8399f767c45"
CODEX_BROKEN = "019cbd3d-5800-71a5-8da4-f9fc3c6da5d7"


def _with_rollouts(tree: ProjectsTree) -> None:
    place_rollout(tree.codex_home, COMPACTED_ROLLOUT, seconds_ago=900, cwd=str(tree.work))
    place_rollout(tree.codex_home, DANGLING_END_ROLLOUT, seconds_ago=2000, cwd=str(tree.home))


def test_the_listing_shows_codex_rollouts_marked_in_their_agent_s_name(tree: ProjectsTree) -> None:
    _with_rollouts(tree)
    result = run_in_tree(tree, "sessions")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = next(line for line in lines if CODEX_COMPACTED in line)
    assert row.startswith("ok")
    assert "codex 0.125.0" in row and row.endswith("show tools")
    assert not any("codex" in line for line in lines if DAMAGED in line)
    assert CODEX_BROKEN not in result.stdout  # started in another directory
    assert lines[-1].startswith(
        f"6 sessions in {tree.folder} and {tree.codex_home / 'sessions'}, 1 broken."
    )
    entries = json.loads(run_in_tree(tree, "sessions", "--all", "--format", "json").stdout)
    assert {
        entry["sessionId"]: entry["agent"] for entry in entries if "019c" in entry["sessionId"]
    } == {
        CODEX_COMPACTED: "codex",
        CODEX_BROKEN: "codex",
    }


def test_a_directory_with_only_codex_sessions_lists_them_and_resumes_by_id(
    tree: ProjectsTree,
) -> None:
    _with_rollouts(tree)
    result = run_in_tree(tree, "sessions", "--broken", cwd=tree.home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("broken 1E")
    assert result.stdout.splitlines()[-1] == (
        f"1 session in {tree.codex_home / 'sessions'}, 1 broken."
        f" Repair and resume one with: session-lsp resume {CODEX_BROKEN[:8]}"
    )
    checked = run_in_tree(tree, "check", CODEX_BROKEN[:8], cwd=tree.home)
    assert checked.returncode == 1, checked.stderr
    assert f"rollout-2026-03-05T09-04-00-{CODEX_BROKEN}.jsonl:" in checked.stdout


def test_all_projects_need_only_one_agent_s_folder(tmp_path: Path) -> None:
    tree = build_tree(tmp_path)
    shutil.rmtree(tree.root)
    place_rollout(tree.codex_home, COMPACTED_ROLLOUT)
    result = run_in_tree(tree, "sessions", "--all")
    assert result.returncode == 0, result.stderr
    assert CODEX_COMPACTED in result.stdout
    shutil.rmtree(tree.codex_home)
    neither = run_in_tree(tree, "sessions", "--all")
    assert neither.returncode == 2
    assert neither.stderr == (
        f"session-lsp: no Claude Code sessions folder at {tree.root} and no Codex sessions"
        f" folder at {tree.codex_home / 'sessions'}\n"
    )
