"""Our own writes are not a live session; Claude Code's registry says which are (#15 items 7, 8).

A repair keeps the file's modification time (so `fix` then `resume` is not refused, and repairing
an old session neither makes it `--continue`'s pick nor postpones its cleanup), and `fix`,
`resume` and `sessions` take a session as live when Claude Code's registry says it runs it,
however long ago it was written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_resume import Claude
from tests.sessions.test_registry import Processes, _ticks
from tests.sessions.tree import DAMAGED, LIVE, ProjectsTree, build_tree, run_in_tree, snapshot
from tests.support.corpus import DANGLING_END_ROLLOUT


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectsTree:
    built = build_tree(tmp_path)
    monkeypatch.setenv("FAKE_CLAUDE_LOG", str(tmp_path / "claude.log"))
    return built


@pytest.fixture
def claude(tmp_path: Path) -> Claude:
    return Claude(tmp_path)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    yield started
    started.stop()


def _run_damaged(tree: ProjectsTree, processes: Processes, tmp_path: Path) -> None:
    """Register a running Claude Code for DAMAGED, started in a directory of another project."""
    running = processes.start()
    folder = tree.home / ".claude" / "sessions"
    folder.mkdir()
    entry = {
        "pid": running.pid,
        "sessionId": DAMAGED,
        "cwd": str(tmp_path),
        "startedAt": int(time.time() * 1000),
        "procStart": _ticks(running.pid),
    }
    (folder / f"{running.pid}.json").write_text(json.dumps(entry))


def _health(tree: ProjectsTree) -> dict[str, str]:
    listed = run_in_tree(tree, "sessions", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    return {row["sessionId"]: row["health"] for row in json.loads(listed.stdout)}


def test_fix_and_resume_refuse_a_session_claude_code_runs_whatever_its_modification_time(
    tree: ProjectsTree, claude: Claude, processes: Processes, tmp_path: Path
) -> None:
    _run_damaged(tree, processes, tmp_path)
    before = snapshot(tree.root)
    fixed = run_in_tree(tree, "fix", str(tree.session(DAMAGED)))
    assert fixed.returncode == 2
    assert "is running this session" in fixed.stderr
    resumed = run_in_tree(tree, "resume", DAMAGED, "--yes", path=claude.path)
    assert resumed.returncode == 2
    assert "is running this session. Close it first, or pass --force" in resumed.stderr
    assert claude.calls() == []
    assert snapshot(tree.root) == before


def test_sessions_says_live_from_the_registry_not_from_the_clock(
    tree: ProjectsTree, processes: Processes, tmp_path: Path
) -> None:
    _run_damaged(tree, processes, tmp_path)
    health = _health(tree)
    assert health[DAMAGED] == "live"  # written ten minutes ago
    assert health[LIVE] != "live"  # written just now, but no running Claude Code holds it


def test_fix_then_resume_is_not_refused_as_live_and_lists_as_at_rest(
    tree: ProjectsTree, claude: Claude
) -> None:
    session = tree.session(DAMAGED)
    modified = session.stat().st_mtime_ns
    fixed = run_in_tree(tree, "fix", str(session))
    assert fixed.returncode == 0, fixed.stderr
    assert session.stat().st_mtime_ns == modified
    assert _health(tree)[DAMAGED] == "ok"
    resumed = run_in_tree(tree, "resume", DAMAGED, "--yes", path=claude.path)
    assert resumed.returncode == 0, resumed.stderr
    assert [call["argv"] for call in claude.calls()] == [["--resume", DAMAGED]]


def test_a_fork_and_a_backup_keep_the_session_s_modification_time_and_restore_brings_it_back(
    tree: ProjectsTree,
) -> None:
    session = tree.session(DAMAGED)
    modified = session.stat().st_mtime_ns
    original = session.read_bytes()
    forked = run_in_tree(tree, "fix", "--fork", str(session))
    assert forked.returncode == 0, forked.stderr
    (fork,) = [
        path
        for path in tree.folder.glob("*.jsonl")
        if not path.is_symlink() and path != session and path.stat().st_mtime_ns == modified
    ]
    assert fork.read_bytes() != original
    run_in_tree(tree, "fix", "--strategy", "truncate", str(session))
    (backup,) = tree.folder.glob(f"{DAMAGED}.jsonl.*.bak")
    assert backup.stat().st_mtime_ns == modified
    restored = run_in_tree(tree, "restore", str(session))
    assert restored.returncode == 0, restored.stderr
    assert "so that backup is gone (older ones remain)" in restored.stdout
    assert not backup.exists()
    assert session.read_bytes() == original
    assert session.stat().st_mtime_ns == modified
    assert os.path.getsize(session) == len(original)


def _checked(tree: ProjectsTree) -> tuple[int, list[str]]:
    checked = run_in_tree(tree, "check", "--format", "json", str(tree.session(DAMAGED)))
    return checked.returncode, [finding["code"] for finding in json.loads(checked.stdout)]


def _shown(tree: ProjectsTree) -> tuple[int, list[str]]:
    shown = run_in_tree(tree, "show", "--format", "json", str(tree.session(DAMAGED)))
    assert shown.returncode == 0, shown.stderr
    conversation = json.loads(shown.stdout)
    statuses = re.findall(r'"status": "([a-z]+)"', json.dumps(conversation["items"]))
    return conversation["errors"], statuses


def _listed(tree: ProjectsTree) -> tuple[str, int]:
    listed = run_in_tree(tree, "sessions", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (row,) = [row for row in json.loads(listed.stdout) if row["sessionId"] == DAMAGED]
    return row["health"], row["errors"]


def test_check_and_show_take_the_call_claude_code_is_running_as_running_whatever_the_clock_says(
    tree: ProjectsTree, processes: Processes, tmp_path: Path
) -> None:
    _run_damaged(tree, processes, tmp_path)  # its file was written ten minutes ago
    assert _checked(tree) == (0, ["live-session"])
    errors, statuses = _shown(tree)
    assert (errors, statuses[-1]) == (0, "live")


def test_with_a_registry_check_and_show_call_a_file_no_running_claude_holds_broken_however_new(
    tree: ProjectsTree,
) -> None:
    (tree.home / ".claude" / "sessions").mkdir()
    os.utime(tree.session(DAMAGED))
    assert _checked(tree) == (1, ["unpaired-tool-use"])
    errors, statuses = _shown(tree)
    assert (errors, statuses[-1]) == (1, "unpaired")


def test_the_listing_counts_no_error_for_a_running_call_and_counts_it_once_claude_code_stops(
    tree: ProjectsTree, processes: Processes, tmp_path: Path
) -> None:
    _run_damaged(tree, processes, tmp_path)
    assert _listed(tree) == ("live", 0)
    processes.stop()  # Claude Code has gone: its entry stays behind, as after a crash
    assert _listed(tree) == ("broken", 1)  # the count while live was not cached


def test_with_a_registry_a_broken_session_written_just_now_lists_broken_with_its_error(
    tree: ProjectsTree,
) -> None:
    (tree.home / ".claude" / "sessions").mkdir()
    _listed(tree)  # cached at rest, ten minutes old
    os.utime(tree.session(DAMAGED))
    assert _listed(tree) == ("broken", 1)


@pytest.mark.parametrize("registry", [True, False])
def test_fix_refuses_a_codex_rollout_written_a_moment_ago_in_codex_s_name_whatever_the_registry(
    tree: ProjectsTree, registry: bool, tmp_path: Path
) -> None:
    """Claude Code's registry says nothing about Codex: its rollouts keep the clock's rule."""
    if registry:
        (tree.home / ".claude" / "sessions").mkdir()
    rollout = tmp_path / DANGLING_END_ROLLOUT.name
    shutil.copyfile(DANGLING_END_ROLLOUT, rollout)
    before = rollout.read_bytes()
    fixed = run_in_tree(tree, "fix", str(rollout))
    assert fixed.returncode == 2
    assert "ago: Codex may still be running this session" in fixed.stderr
    assert rollout.read_bytes() == before


def test_check_takes_a_codex_rollout_written_a_moment_ago_as_live_though_a_registry_exists(
    tree: ProjectsTree, tmp_path: Path
) -> None:
    (tree.home / ".claude" / "sessions").mkdir()
    rollout = tmp_path / DANGLING_END_ROLLOUT.name
    shutil.copyfile(DANGLING_END_ROLLOUT, rollout)
    checked = run_in_tree(tree, "check", "--format", "json", str(rollout))
    assert [finding["code"] for finding in json.loads(checked.stdout)] == ["live-session"]
    assert "Codex is probably still running it" in checked.stdout
