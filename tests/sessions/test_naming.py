"""How a user names a session: a path, an id, a unique prefix, or --last."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from session_lsp.sessions import SessionNameError, resolve_session
from tests.sessions.tree import CLEAN, DAMAGED, DEEP, LIVE, LONG, ProjectsTree, build_tree


@pytest.fixture
def tree(tmp_path: Path) -> ProjectsTree:
    return build_tree(tmp_path)


def test_an_existing_path_is_taken_as_it_is(tree: ProjectsTree, tmp_path: Path) -> None:
    elsewhere = tmp_path / "deadbeef"
    elsewhere.write_text("")
    assert resolve_session(str(elsewhere), root=tree.root) == elsewhere


def test_a_full_id_or_a_unique_prefix_finds_the_session_in_any_project(tree: ProjectsTree) -> None:
    assert resolve_session(DEEP, root=tree.root) == tree.session(DEEP)
    assert resolve_session(DAMAGED[:8], root=tree.root) == tree.session(DAMAGED)
    assert resolve_session(LONG[:13].upper(), root=tree.root) == tree.session(LONG)


def test_an_ambiguous_prefix_lists_the_candidates(tree: ProjectsTree) -> None:
    twin = tree.folder / (CLEAN[:8] + "-ffff-4fff-8fff-ffffffffffff.jsonl")
    shutil.copyfile(tree.session(CLEAN), twin)
    with pytest.raises(SessionNameError) as raised:
        resolve_session(CLEAN[:8], root=tree.root)
    message = str(raised.value)
    assert "ambiguous, matches 2 sessions" in message
    assert CLEAN in message
    assert twin.stem in message
    assert resolve_session(CLEAN, root=tree.root) == tree.session(CLEAN)


def test_an_unknown_id_a_short_prefix_and_a_plain_word_are_refused(tree: ProjectsTree) -> None:
    with pytest.raises(SessionNameError, match="no session with this id under"):
        resolve_session("0123abcd", root=tree.root)
    with pytest.raises(SessionNameError, match="needs at least 8 characters"):
        resolve_session("e9fb40", root=tree.root)
    with pytest.raises(SessionNameError, match="no such file, folder or session id"):
        resolve_session("yesterday", root=tree.root)


def test_sub_agent_ids_are_not_session_names(tree: ProjectsTree) -> None:
    with pytest.raises(SessionNameError):
        resolve_session("c8d9b115", root=tree.root)


def test_last_is_the_newest_main_session_of_the_directory(tree: ProjectsTree) -> None:
    assert resolve_session(last=True, root=tree.root, cwd=tree.work) == tree.session(LIVE)
    tree.session(LIVE).unlink()
    # A sidechain transcript written later, named like a session, is skipped.
    assert resolve_session(last=True, root=tree.root, cwd=tree.work) == tree.session(DAMAGED)
    assert resolve_session(last=True, root=tree.root, cwd=tree.long_work) == tree.session(LONG)


def test_last_in_a_directory_without_sessions_says_where_it_looked(tree: ProjectsTree) -> None:
    with pytest.raises(SessionNameError, match=r"no Claude Code sessions for .*looked for"):
        resolve_session(last=True, root=tree.root, cwd=tree.home)


@pytest.mark.parametrize(
    "name", ["../" + CLEAN[:8], CLEAN[:8] + "/..", "-work-demo/" + CLEAN, CLEAN + "/../" + DEEP]
)
def test_a_name_with_a_slash_or_dot_dot_is_never_looked_up_as_an_id(
    tree: ProjectsTree, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree.root)
    with pytest.raises(SessionNameError, match="no such file, folder or session id"):
        resolve_session(name, root=tree.root)


def test_a_fifo_named_like_a_session_is_not_a_session(tree: ProjectsTree) -> None:
    fifo_id = "fafafafa-1111-4111-8111-111111111111"
    os.mkfifo(tree.folder / f"{fifo_id}.jsonl")
    with pytest.raises(SessionNameError, match="no session with this id"):
        resolve_session(fifo_id[:8], root=tree.root)
