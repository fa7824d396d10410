"""`session-lsp fix` and `restore` from the command line: output and exit codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.cli import EXAMPLE, run_cli
from tests.support.corpus import CLAUDE_CORPUS, CODEMIE_TURN_1, SHORT
from tests.support.files import age, aged_copy


def test_fix_repairs_in_place_and_exits_zero(tmp_path: Path) -> None:
    session = aged_copy(EXAMPLE, tmp_path / "s.jsonl")
    result = run_cli("fix", str(session))
    assert result.returncode == 0, result.stderr
    assert "repaired: Fix all (stub): 2 problems (backup: s.jsonl." in result.stdout
    assert run_cli("check", str(session)).returncode == 0


def test_dry_run_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    session = aged_copy(EXAMPLE, tmp_path / "s.jsonl")
    result = run_cli("fix", "--dry-run", "--strategy", "purge", str(session))
    assert result.returncode == 0
    assert result.stdout.startswith("--- a/s.jsonl\n+++ b/s.jsonl\n@@ ")
    assert session.read_bytes() == EXAMPLE.read_bytes()


def test_restore_puts_the_original_back(tmp_path: Path) -> None:
    session = aged_copy(EXAMPLE, tmp_path / "s.jsonl")
    run_cli("fix", "--strategy", "truncate", str(session))
    assert session.read_bytes() != EXAMPLE.read_bytes()
    result = run_cli("restore", str(session))
    assert result.returncode == 0 and "restored from s.jsonl." in result.stdout
    assert session.read_bytes() == EXAMPLE.read_bytes()
    assert run_cli("restore", str(session)).returncode == 2


def test_restore_of_a_folder_says_it_takes_a_session_not_that_no_backup_exists(
    tmp_path: Path,
) -> None:
    session = aged_copy(EXAMPLE, tmp_path / "s.jsonl")
    assert run_cli("fix", str(session)).returncode == 0
    result = run_cli("restore", str(tmp_path))
    assert result.returncode == 2
    assert "a folder: restore puts back one session file" in result.stderr
    assert "no backup found" not in result.stderr
    assert list(tmp_path.glob("s.jsonl.*.bak"))


def test_live_session_is_refused_with_exit_2(tmp_path: Path) -> None:
    session = tmp_path / "live.jsonl"
    shutil.copy(CODEMIE_TURN_1, session)
    result = run_cli("fix", str(session))
    assert result.returncode == 2
    assert "Claude Code may still be running this session" in result.stderr
    assert session.read_bytes() == CODEMIE_TURN_1.read_bytes()


def test_fork_prints_the_resume_command(tmp_path: Path) -> None:
    session = aged_copy(CODEMIE_TURN_1, tmp_path / "s.jsonl")
    result = run_cli("fix", "--fork", str(session))
    assert result.returncode == 0, result.stderr
    resume = [line for line in result.stdout.splitlines() if line.startswith("claude --resume ")]
    assert len(resume) == 1
    assert (tmp_path / f"{resume[0].split()[-1]}.jsonl").exists()
    assert session.read_bytes() == CODEMIE_TURN_1.read_bytes()


def test_no_fork_is_written_when_the_repair_changes_nothing_of_its_errors(tmp_path: Path) -> None:
    """A line of garbage mid-file: stub changes nothing, and a fork would be as broken as the
    session (the editor does not offer that fork either)."""
    lines = SHORT.read_bytes().split(b"\n")
    session = tmp_path / "s.jsonl"
    session.write_bytes(b"\n".join([*lines[:3], b'{"type":"user", oops', *lines[3:]]))
    age(session)
    before = session.read_bytes()
    result = run_cli("fix", "--fork", "--strategy", "stub", str(session))
    assert "no stub repair applies" in result.stdout + result.stderr
    assert "claude --resume" not in result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["s.jsonl"]
    assert session.read_bytes() == before


def test_fixing_a_whole_projects_tree_prints_a_summary(tmp_path: Path) -> None:
    shutil.copytree(CLAUDE_CORPUS, tmp_path / "projects", copy_function=shutil.copyfile)
    for path in (tmp_path / "projects").rglob("*.jsonl"):
        age(path)
    result = run_cli("fix", str(tmp_path / "projects"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "21 files: 2 repaired, 0 refused, 0 with errors left"
    assert run_cli("check", str(tmp_path / "projects")).returncode == 0


def _fix_hand_written(
    tmp_path: Path, lines: list[str]
) -> tuple[Path, bytes, subprocess.CompletedProcess[str]]:
    """Write a session by hand (not as Claude Code would), then run `fix` on it."""
    session = tmp_path / "s.jsonl"
    session.write_text("\n".join(lines) + "\n", encoding="utf-8")
    age(session)
    return session, session.read_bytes(), run_cli("fix", str(session))


def test_a_repair_that_would_leave_a_pairing_error_writes_nothing(tmp_path: Path) -> None:
    """An orphan result sharing its line with text, written with spaces: no exact rewrite exists."""
    lines = [
        '{"parentUuid": null, "type": "user", "message": {"role": "user", "content": "go"},'
        ' "uuid": "u1", "timestamp": "2026-01-01T00:00:00.000Z"}',
        '{"parentUuid": "u1", "type": "user", "message": {"role": "user", "content":'
        ' [{"type": "tool_result", "tool_use_id": "toolu_01GONE", "content": "x"},'
        ' {"type": "text", "text": "and a note"}]}, "uuid": "u2", "timestamp": "2026-01-01T00:00:01.000Z"}',
    ]
    session, original, result = _fix_hand_written(tmp_path, lines)
    assert result.returncode == 1
    assert "no stub repair applies to its 1 error; try --strategy truncate" in result.stderr
    assert "orphan-tool-result" in result.stdout
    assert session.read_bytes() == original


def test_a_partial_repair_that_leaves_a_pairing_error_is_refused(tmp_path: Path) -> None:
    """A fixable dangling call plus an orphan no strategy can rewrite: nothing is written."""
    lines = [
        '{"parentUuid": null, "type": "user", "message": {"role": "user", "content":'
        ' [{"type": "tool_result", "tool_use_id": "toolu_01GONE", "content": "x"},'
        ' {"type": "text", "text": "note"}]}, "uuid": "u1", "timestamp": "2026-01-01T00:00:00.000Z"}',
        '{"parentUuid":"u1","type":"assistant","message":{"id":"m1","role":"assistant","content":'
        '[{"type":"tool_use","id":"toolu_01LATE","name":"Bash","input":{}}]},"uuid":"a1",'
        '"timestamp":"2026-01-01T00:00:01.000Z"}',
    ]
    session, original, result = _fix_hand_written(tmp_path, lines)
    assert result.returncode == 1
    assert (
        "not repaired: the stub repair would still leave 1 pairing error, first at line 1"
        in result.stderr
    )
    assert session.read_bytes() == original


def test_fix_of_a_tree_without_sessions_exits_2_saying_what_check_says(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("not a session\n")
    checked = run_cli("check", str(tmp_path))
    fixed = run_cli("fix", str(tmp_path))
    dry = run_cli("fix", "--dry-run", str(tmp_path))
    assert checked.returncode == fixed.returncode == dry.returncode == 2
    said = f"session-lsp: {tmp_path}: no session files (*.jsonl): nothing was"
    assert checked.stderr.startswith(said)
    assert fixed.stderr == dry.stderr == f"{said} repaired\n"
    assert fixed.stdout == dry.stdout == ""
