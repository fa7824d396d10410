"""Listing every session under a projects root: which files are sessions, their health, order."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from session_lsp import parallel
from session_lsp.core.analysis import analyse_bytes
from session_lsp.sessions import Health, inspection, list_sessions
from session_lsp.sessions.cache import SessionCache
from session_lsp.sessions.metadata import read_metadata
from tests.sessions.tree import (
    CLEAN,
    COMPACTED,
    DAMAGED,
    DEEP,
    LIVE,
    LONG,
    SIDECHAIN_NAMED_LIKE_A_SESSION,
    SPOTTER_AGENTS,
    UNREADABLE,
    ProjectsTree,
    build_tree,
)
from tests.support.contract import SESSION_KEYS
from tests.support.corpus import CLAUDE_CORPUS, SESSIONS, corpus_id


@pytest.fixture
def tree(tmp_path: Path) -> ProjectsTree:
    return build_tree(tmp_path)


def _memory() -> SessionCache:
    return SessionCache(None)


def test_every_main_session_is_listed_and_no_sub_agent_file(tree: ProjectsTree) -> None:
    listed = {session.session_id for session in list_sessions(tree.root, cache=_memory())}
    assert listed == {LIVE, DAMAGED, CLEAN, COMPACTED, UNREADABLE, DEEP, LONG}
    assert SIDECHAIN_NAMED_LIKE_A_SESSION not in listed


def test_health_and_counts_come_from_the_core_analysis(tree: ProjectsTree) -> None:
    by_id = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    assert by_id[DAMAGED].health is Health.BROKEN
    assert (by_id[DAMAGED].errors, by_id[DAMAGED].warnings) == (1, 0)
    assert by_id[CLEAN].health is Health.OK
    assert by_id[CLEAN].errors == 0
    assert by_id[LIVE].health is Health.LIVE
    assert by_id[UNREADABLE].health is Health.UNREADABLE
    assert by_id[UNREADABLE].title is None


def test_sub_agents_are_attached_in_both_layouts(tree: ProjectsTree) -> None:
    by_id = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    assert [p.name for p in by_id[CLEAN].subagents] == sorted(
        p.name for p in SPOTTER_AGENTS.glob("*.jsonl")
    )
    assert by_id[CLEAN].subagents[0].parent == tree.folder / CLEAN / "subagents"
    assert [p.name for p in by_id[COMPACTED].subagents] == [
        "agent-5a5a5a5a.jsonl",
        f"{SIDECHAIN_NAMED_LIKE_A_SESSION}.jsonl",
    ]
    assert [p.name for p in by_id[DEEP].subagents] == ["agent-c8d9b115.jsonl"]
    assert by_id[DAMAGED].subagents == []


def test_sessions_come_newest_modification_first(tree: ProjectsTree) -> None:
    sessions = list_sessions(tree.root, cache=_memory())
    modified = [s.path.stat().st_mtime_ns // 1_000_000 for s in sessions[:-1]]
    assert modified == sorted(modified, reverse=True)
    assert sessions[-1].session_id == UNREADABLE


def test_the_summary_shows_project_title_version_and_activity_of_the_file(
    tree: ProjectsTree,
) -> None:
    damaged = next(s for s in list_sessions(tree.root, cache=_memory()) if s.session_id == DAMAGED)
    assert damaged.to_json() == {
        "sessionId": DAMAGED,
        "path": str(tree.folder / f"{DAMAGED}.jsonl"),
        "project": "/Users/User/repo/codemie-ai/codemie-code",
        # Its summary line titles another session (its leafUuid is not in the file).
        "title": '@"solution-architect (agent)" analyze existing CLI command and create'
        " specification for adding missing CLI commands. fo\u2026",
        "firstActivity": "2026-01-14T19:20:03.207Z",
        "lastActivity": "2026-01-14T19:26:41.066Z",
        "sizeBytes": (tree.folder / f"{DAMAGED}.jsonl").stat().st_size,
        "version": "2.1.7",
        "health": "broken",
        "errors": 1,
        "warnings": 0,
        "subagents": [],
        "agent": "claude-code",
    }


def test_json_has_exactly_the_contract_keys(tree: ProjectsTree) -> None:
    for session in list_sessions(tree.root, cache=_memory()):
        assert set(session.to_json()) == SESSION_KEYS


def test_a_project_is_named_by_its_working_directory_or_its_folder(tree: ProjectsTree) -> None:
    by_cwd = {s.session_id for s in list_sessions(tree.root, project=tree.work, cache=_memory())}
    assert by_cwd == {LIVE, DAMAGED, CLEAN, COMPACTED, UNREADABLE}
    by_folder = list_sessions(tree.root, project=tree.other_folder, cache=_memory())
    assert [s.session_id for s in by_folder] == [DEEP]
    long = list_sessions(tree.root, project=tree.long_work, cache=_memory())
    assert [s.session_id for s in long] == [LONG]
    assert list_sessions(tree.root, project=tree.home, cache=_memory()) == []


def test_a_missing_root_lists_nothing(tmp_path: Path) -> None:
    assert list_sessions(tmp_path / "absent", cache=_memory()) == []


def test_progress_is_reported_for_every_file_read(tree: ProjectsTree) -> None:
    calls: list[tuple[int, int]] = []
    list_sessions(tree.root, cache=_memory(), on_progress=lambda d, t, _: calls.append((d, t)))
    total = calls[0][1]
    assert calls == [(done, total) for done in range(1, total + 1)]


@pytest.mark.parametrize("path", SESSIONS, ids=corpus_id)
def test_every_corpus_file_is_one_session_unless_it_is_an_agent_transcript(
    path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "projects" / "-p"
    folder.mkdir(parents=True)
    target = folder / "12345678-1234-4234-8234-123456789abc.jsonl"
    shutil.copyfile(path, target)
    os.utime(target, (time.time() - 3600,) * 2)
    sessions = list_sessions(tmp_path / "projects", cache=_memory())
    data = path.read_bytes()
    metadata = read_metadata(data, target.stem)
    if metadata.is_sidechain:
        assert sessions == []
        return
    (session,) = sessions
    analysis = analyse_bytes(data)
    assert session.errors == analysis.error_count
    assert session.health is (Health.BROKEN if analysis.error_count else Health.OK)
    assert (session.project, session.title, session.version) == (
        metadata.project,
        metadata.title,
        metadata.version,
    )


def test_the_corpus_tree_itself_lists_with_its_sub_agents() -> None:
    by_id = {
        s.session_id: s
        for s in list_sessions(CLAUDE_CORPUS / "daaain-claude-code-log", cache=_memory())
    }
    assert len(by_id["ef958aa1-0e93-49f0-bb71-150f63befcd1"].subagents) == 6
    assert [p.name for p in by_id[DEEP].subagents] == ["agent-c8d9b115.jsonl"]
    assert all(not name.startswith("agent-") for name in by_id)


def _listed_here_then_parallel(tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The tree's listing read in this process; after it, any listing asks for worker processes."""
    os.utime(tree.session(LIVE))  # stays live however long the pool takes to start
    serial = [s.to_json() for s in list_sessions(tree.root, cache=_memory())]
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(inspection, "worker_count", lambda: 2)
    return serial


def test_reading_in_worker_processes_gives_the_same_listing(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _listed_here_then_parallel(tree, monkeypatch)
    started: list[int] = []
    real_pool = parallel.start_pool

    def counting_pool(*arguments: Any, **options: Any) -> Any:
        started.append(1)
        return real_pool(*arguments, **options)

    monkeypatch.setattr(parallel, "start_pool", counting_pool)
    calls: list[int] = []
    pooled = list_sessions(tree.root, cache=_memory(), on_progress=lambda d, t, _: calls.append(d))
    assert started == [1]
    assert [s.to_json() for s in pooled] == serial
    assert sorted(calls) == list(range(1, len(calls) + 1))


def test_a_pool_that_cannot_start_falls_back_to_reading_here(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _listed_here_then_parallel(tree, monkeypatch)

    def no_pool(*arguments: Any, **options: Any) -> Any:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(parallel, "start_pool", no_pool)
    assert [s.to_json() for s in list_sessions(tree.root, cache=_memory())] == serial
