"""`resume` trusts a transcript no further than its user would (issue #15, items 1-6).

Where claude starts, which claude, what follows `--resume`, what reaches the terminal, which file
is resumed, and that the repair is the one explained. A fake `claude` on PATH records every call
(see `test_resume`); a planted one writes a marker, and must never run.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_resume import _interact, _is_clean, _record_cwd
from tests.sessions.tree import CLEAN, DAMAGED, ProjectsTree, run_in_tree, snapshot
from tests.support.corpus import DANGLING_MID_ROLLOUT
from tests.support.fake_claude import Claude

CODEX_BROKEN = DANGLING_MID_ROLLOUT
PLANTED = """#!/bin/sh
touch "{marker}"
"""


def _plant_claude(folder: Path) -> Path:
    """A `claude` in `folder` that leaves a marker when run, and a project config beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "planted-claude-ran"
    planted = folder / "claude"
    planted.write_text(PLANTED.format(marker=marker))
    planted.chmod(0o755)
    (folder / ".claude").mkdir(exist_ok=True)
    (folder / ".claude" / "settings.json").write_text('{"hooks": {}}')
    return marker


def _copy_at_rest(source: Path, target: Path) -> Path:
    """A copy written ten minutes ago, so the modification-time rule does not call it live."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.utime(target, (time.time() - 600,) * 2)
    return target


def _resume(
    tree: ProjectsTree, claude: Claude, *arguments: str, cwd: Path | None = None, path: str = ""
) -> subprocess.CompletedProcess[str]:
    result = run_in_tree(tree, "resume", *arguments, cwd=cwd, path=path or claude.path)
    assert "Traceback" not in result.stderr + result.stdout
    return result


# --- 1. where claude starts ----------------------------------------------------------------------


def test_a_relative_cwd_in_the_transcript_is_never_where_claude_starts(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    _plant_claude(tree.work.parent / "evil")
    _record_cwd(tree.session(DAMAGED), "../evil")
    result = _resume(tree, claude, DAMAGED, "--yes", cwd=tree.work)
    assert result.returncode == 0, result.stderr
    assert [call["cwd"] for call in claude.calls()] == [os.path.realpath(tree.work)]
    assert "relative directory (../evil), which is not trusted" in result.stdout


def test_an_absolute_cwd_of_another_project_is_not_entered(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "downloaded"
    marker = _plant_claude(elsewhere)
    _record_cwd(tree.session(DAMAGED), str(elsewhere))
    result = _resume(tree, claude, DAMAGED, "--yes", cwd=tree.work)
    assert result.returncode == 0, result.stderr
    assert [call["cwd"] for call in claude.calls()] == [os.path.realpath(tree.work)]
    assert not marker.exists()


def test_with_no_qualifying_directory_claude_is_not_started_and_the_command_is_printed(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "downloaded"
    _plant_claude(elsewhere)
    _record_cwd(tree.session(CLEAN), str(elsewhere))
    before = snapshot(tree.home)
    result = _resume(tree, claude, CLEAN, cwd=tmp_path)
    assert result.returncode == 2
    assert claude.calls() == []
    assert snapshot(tree.home) == before
    assert f"claude --resume {CLEAN}" in result.stderr
    assert "is not the current directory's" in result.stderr


def test_a_project_folder_named_by_claude_code_project_dir_name_starts_claude_here_only(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    _record_cwd(tree.session(DAMAGED), str(tree.work))
    elsewhere = run_in_tree(tree, "resume", DAMAGED, "--yes", cwd=tmp_path, path=claude.path)
    assert elsewhere.returncode == 0  # the transcript's directory qualifies without the variable
    named = {**tree.env, "PATH": claude.path, "CLAUDE_CODE_PROJECT_DIR_NAME": tree.folder.name}
    here = subprocess.run(
        [sys.executable, "-m", "session_lsp", "resume", DAMAGED],
        cwd=tmp_path,
        env=named,
        capture_output=True,
        text=True,
        check=False,
    )
    assert here.returncode == 0, here.stderr
    other = subprocess.run(
        [sys.executable, "-m", "session_lsp", "resume", DAMAGED],
        cwd=tree.work,
        env={**named, "CLAUDE_CODE_PROJECT_DIR_NAME": "short"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert other.returncode == 2
    assert "CLAUDE_CODE_PROJECT_DIR_NAME makes claude look in short" in other.stderr
    assert [call["cwd"] for call in claude.calls()] == [
        os.path.realpath(tree.work),
        os.path.realpath(tmp_path),
    ]


# --- 2. which claude -----------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["", "."], ids=["empty entry", "relative entry"])
def test_only_the_claude_found_on_absolute_path_entries_runs(
    tree: ProjectsTree, claude: Claude, tmp_path: Path, entry: str
) -> None:
    marker = _plant_claude(tree.work)
    _record_cwd(tree.session(DAMAGED), str(tree.work))
    path = f"{entry}{os.pathsep}{claude.path}"
    result = _resume(tree, claude, DAMAGED, "--yes", cwd=tmp_path, path=path)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert [call["cwd"] for call in claude.calls()] == [os.path.realpath(tree.work)]


# --- 3. arguments --------------------------------------------------------------------------------


def test_a_file_named_like_an_option_never_reaches_claude_as_one(
    tree: ProjectsTree, claude: Claude
) -> None:
    _copy_at_rest(tree.session(CLEAN), tree.work / "--dangerously-skip-permissions")
    result = _resume(tree, claude, "./--dangerously-skip-permissions", cwd=tree.work)
    assert result.returncode == 2
    assert claude.calls() == []
    assert "Claude Code would not load this file" in result.stderr


def test_a_refusal_names_a_hostile_file_so_that_pasting_it_runs_nothing(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    hostile = tree.work / ";touch pwned;#abc.jsonl"
    _copy_at_rest(tree.session(DAMAGED), hostile)
    result = _resume(tree, claude, str(hostile.name), cwd=tree.work)
    assert result.returncode == 2
    printed = result.stderr.split("Choose a repair: ", 1)[1].split(" (or", 1)[0]
    assert shlex.split(printed)[2] == hostile.name
    echoed = subprocess.run(
        ["sh", "-c", printed.replace("session-lsp", "echo", 1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert hostile.name in echoed.stdout
    assert not (tmp_path / "pwned").exists()


# --- 4. nothing reaches the terminal raw ---------------------------------------------------------


def test_control_sequences_from_the_transcript_and_its_name_are_shown_escaped(
    tree: ProjectsTree, claude: Claude
) -> None:
    session = tree.session(DAMAGED)
    data = session.read_bytes()
    data = data.replace(b'"name":"Bash"', b'"name":"Bash\\u001b]8;;http://x\\u0007"')
    data = data.replace(b"Metrics Calculations", b"\\u001b]52;c;aGk=\\u0007\\u009b2J Metrics")
    hostile = tree.work / "\x1b]0;title\x07.jsonl"
    hostile.write_bytes(data)
    os.utime(hostile, (time.time() - 600,) * 2)
    result = _resume(tree, claude, hostile.name, "--yes", cwd=tree.work)
    output = result.stdout + result.stderr
    assert "Interrupted: Bash\\x1b]8;;http://x\\x07 " in output
    assert "\\x1b]0;title\\x07.jsonl" in output
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in output


# --- 5. the file resumed is the file repaired ----------------------------------------------------


def test_a_copy_outside_the_projects_folder_is_repaired_but_not_resumed(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    copy = tmp_path / "elsewhere" / f"{DAMAGED}.jsonl"
    _copy_at_rest(tree.session(DAMAGED), copy)
    original = tree.session(DAMAGED).read_bytes()
    result = _resume(tree, claude, str(copy), "--yes", cwd=tree.work)
    assert result.returncode == 2
    assert _is_clean(copy)
    assert tree.session(DAMAGED).read_bytes() == original
    assert claude.calls() == []
    assert "Claude Code would not load this file" in result.stderr


def test_a_file_in_the_project_folder_not_named_by_its_id_is_not_resumed(
    tree: ProjectsTree, claude: Claude
) -> None:
    renamed = tree.folder / "notes.jsonl"
    _copy_at_rest(tree.session(CLEAN), renamed)
    result = _resume(tree, claude, str(renamed), cwd=tree.work)
    assert result.returncode == 2
    assert claude.calls() == []


def test_a_codex_rollout_is_repaired_and_the_codex_command_printed(
    tree: ProjectsTree, claude: Claude, tmp_path: Path
) -> None:
    codex_home = tmp_path / "codex"
    rollout = codex_home / "sessions" / "2026" / "03" / "04" / CODEX_BROKEN.name
    _copy_at_rest(CODEX_BROKEN, rollout)
    env = {**tree.env, "PATH": claude.path, "CODEX_HOME": str(codex_home)}
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", "resume", str(rollout), "--yes"],
        cwd=tree.work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _is_clean(rollout)
    assert claude.calls() == []
    assert result.stdout.rstrip().endswith(
        "To resume, run:\n  codex resume 019cb816-11a0-78b6-97b7-50923ceb3ffd"
    )


# --- 6. the repair is the one explained ----------------------------------------------------------


def test_a_file_changed_between_the_explanation_and_the_answer_is_explained_again(
    tree: ProjectsTree, claude: Claude
) -> None:
    session = tree.session(DAMAGED)

    def change_it() -> None:
        session.write_bytes(session.read_bytes() + session.read_bytes().splitlines()[0] + b"\n")
        os.utime(session, (time.time() - 600,) * 2)

    status, output = _interact(tree, claude, [b"s\n", b"s\n"], before_answer={0: change_it})
    assert status == 0, output
    assert "The file changed since it was explained" in output
    assert output.count("Interrupted: Bash") == 2
    assert [call["clean"] for call in claude.calls()] == [True]


def test_truncate_on_the_terminal_says_what_it_drops_and_asks_before_writing(
    tree: ProjectsTree, claude: Claude
) -> None:
    before = snapshot(tree.home)
    status, output = _interact(tree, claude, [b"t\n", b"n\n", b"a\n"])
    assert status == 1, output
    assert "Truncate: drops 2 of 25 lines (0 prompts, 1 tool call)" in output
    assert "Write this truncation? [y/N]" in output
    assert snapshot(tree.home) == before
    assert claude.calls() == []
