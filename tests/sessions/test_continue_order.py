"""`sessions` lists, and `--last` picks, in the order `claude --continue` uses (issue #15 item 7).

Claude Code 2.1.88 (`getSessionFilesWithMtime`, `getSessionFilesLite`, `sortLogs`,
`readLiteMetadata`) takes the regular `<uuid>.jsonl` files of the project folder, newest
modification time first, and skips a sub-agent's or an agent team's file: never a symbolic link,
never the newest timestamp written inside a file.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from session_lsp.sessions import list_sessions, resolve_session
from session_lsp.sessions.cache import SessionCache
from tests.sessions.tree import CLEAN, DAMAGED, LIVE, ProjectsTree, build_tree, run_in_tree

TEAM = "7e7e7e7e-0000-4000-8000-000000000001"
LINKED = "1111aaaa-0000-4000-8000-000000000002"


@pytest.fixture
def tree(tmp_path: Path) -> ProjectsTree:
    built = build_tree(tmp_path)
    built.session(LIVE).unlink()
    return built


def _age(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment), follow_symlinks=False)


def _last(tree: ProjectsTree) -> str:
    return resolve_session(last=True, root=tree.root, cwd=tree.work).stem


def _first_row(tree: ProjectsTree) -> str:
    cache = SessionCache(tree.home / "cache.json")
    sessions = list_sessions(tree.root, project=tree.folder, cache=cache)
    return sessions[0].session_id


def test_the_listing_s_first_row_is_what_last_takes_when_timestamps_inside_disagree(
    tree: ProjectsTree,
) -> None:
    # CLEAN's lines carry newer timestamps than DAMAGED's, but DAMAGED was modified last.
    assert _last(tree) == DAMAGED
    assert _first_row(tree) == DAMAGED


def test_last_takes_the_newest_modified_file_whatever_its_content_says(
    tree: ProjectsTree,
) -> None:
    _age(tree.session(CLEAN), 5)
    assert _last(tree) == CLEAN
    assert _first_row(tree) == CLEAN


def test_last_skips_a_symbolic_link_an_agent_team_s_file_and_a_name_that_is_no_uuid(
    tree: ProjectsTree,
) -> None:
    team = tree.folder / f"{TEAM}.jsonl"
    shutil.copyfile(tree.session(CLEAN), team)
    team.write_bytes(b'{"type":"user","teamName":"crew","sessionId":"x"}\n' + team.read_bytes())
    (tree.folder / f"{LINKED}.jsonl").symlink_to(tree.session(CLEAN))
    shutil.copyfile(tree.session(CLEAN), tree.folder / "notes.jsonl")
    for newest in (team, tree.folder / f"{LINKED}.jsonl", tree.folder / "notes.jsonl"):
        _age(newest, 1)
    assert _last(tree) == DAMAGED


def test_a_self_loop_symlink_as_the_newest_file_does_not_stop_last(tree: ProjectsTree) -> None:
    loop = tree.folder / f"{LINKED}.jsonl"
    loop.symlink_to(loop)
    assert _last(tree) == DAMAGED


def test_the_sessions_command_lists_first_the_session_resume_last_takes(
    tree: ProjectsTree,
) -> None:
    _age(tree.session(CLEAN), 5)
    listed = run_in_tree(tree, "sessions")
    assert listed.returncode == 0, listed.stderr
    assert CLEAN in listed.stdout.splitlines()[0]
