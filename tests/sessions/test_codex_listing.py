"""Codex rollouts in the listing: found where Codex keeps them, each with its project, title, id,
health and agent, ordered with Claude Code's sessions, scoped by the directory it was started in,
read once (the cache), and a tree someone else wrote never breaks the listing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import msgspec
import pytest
import zstandard

from session_lsp.files import read_session_file
from session_lsp.lsp import api
from session_lsp.sessions import (
    Health,
    SessionNameError,
    inspection,
    list_sessions,
    resolve_session,
)
from session_lsp.sessions.cache import CACHE_NAME, SessionCache
from session_lsp.sessions.discovery import session_files
from session_lsp.sessions.locations import project_folder
from session_lsp.sessions.registry import Liveness, analyse_session
from tests.sessions.tree import (
    CLEAN,
    DAMAGED,
    ProjectsTree,
    build_tree,
    place_rollout,
    recorded_reads,
    run_in_tree,
)
from tests.support.contract import SESSION_KEYS
from tests.support.corpus import (
    CODEMIE_ROLLOUT,
    COMPACTED_ROLLOUT,
    DANGLING_END_ROLLOUT,
    DANGLING_MID_ROLLOUT,
)

ENDS_DANGLING = "019cbd3d-5800-71a5-8da4-f9fc3c6da5d7"
COMPACTED = "019cc264-9e60-7bdd-8164-d8399f767c45"
CODEMIE = "019e1625-789d-76c0-80ab-3724b5ddb799"
MID_DANGLING = "019cb816-11a0-78b6-97b7-50923ceb3ffd"
SUB_AGENT = "019cc264-0000-7000-8000-00000000beef"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectsTree:
    """The Claude Code tree of the other session tests, with Codex's rollouts beside it: two
    started in the main project's directory (one recorded through a link to it), one elsewhere,
    one broken whose directory no longer exists."""
    built = build_tree(tmp_path)
    monkeypatch.setenv("CODEX_HOME", str(built.codex_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(built.home / ".cache"))
    linked = tmp_path / "link-to-work"
    linked.symlink_to(built.work)
    place_rollout(built.codex_home, COMPACTED_ROLLOUT, seconds_ago=900, cwd=str(built.work))
    place_rollout(built.codex_home, CODEMIE_ROLLOUT, seconds_ago=1500, cwd=str(linked))
    place_rollout(built.codex_home, DANGLING_END_ROLLOUT, seconds_ago=2000, cwd="/gone/project")
    place_rollout(built.codex_home, DANGLING_MID_ROLLOUT, seconds_ago=5000, cwd=str(tmp_path))
    return built


def _memory() -> SessionCache:
    return SessionCache(None)


def _rollout(tree: ProjectsTree, session_id: str) -> Path:
    [path] = (tree.codex_home / "sessions").rglob(f"rollout-*-{session_id}.jsonl")
    return path


def test_a_rollout_is_listed_with_its_project_title_id_health_and_agent(
    tree: ProjectsTree,
) -> None:
    by_id = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    path = _rollout(tree, ENDS_DANGLING)
    assert by_id[ENDS_DANGLING].to_json() == {
        "sessionId": ENDS_DANGLING,
        "path": str(path),
        "project": "/gone/project",
        "title": "show tools",
        "firstActivity": "2026-03-05T09:04:01.628Z",
        "lastActivity": "2026-03-05T09:05:50.664Z",
        "sizeBytes": path.stat().st_size,
        "version": "0.125.0",
        "health": "broken",
        "errors": 1,
        "warnings": 0,
        "subagents": [],
        "agent": "codex",
    }
    assert set(by_id[COMPACTED].to_json()) == SESSION_KEYS
    assert by_id[DAMAGED].to_json()["agent"] == "claude-code"
    # What the server answers `sessionLsp.listSessions` with, typed by the contract.
    sent = msgspec.convert([s.to_json() for s in by_id.values()], list[api.SessionSummary])
    assert {summary.agent for summary in sent} == {"claude-code", "codex"}


def test_a_rollout_is_named_by_the_id_in_its_file_name_whatever_its_first_line_says(
    tree: ProjectsTree,
) -> None:
    """`codex resume <id>` finds a rollout by the id in its name, and `session-lsp resume` plans
    with it: the listing (and the tree's resume command) uses the same, not a `session_meta` id
    the file may say otherwise."""
    path = _rollout(tree, ENDS_DANGLING)
    lines = path.read_bytes().split(b"\n", 1)
    meta = json.loads(lines[0])
    meta["payload"]["id"] = "-- not the file's id; rm -rf ~"
    path.write_bytes(json.dumps(meta).encode() + b"\n" + lines[1])
    ids = {s.session_id for s in list_sessions(tree.root, cache=_memory())}
    assert ENDS_DANGLING in ids and not any(sid.startswith("--") for sid in ids)


def test_a_rollout_s_health_is_what_check_finds_in_it(tree: ProjectsTree) -> None:
    listed = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    for session_id in (ENDS_DANGLING, COMPACTED, CODEMIE, MID_DANGLING):
        checked = analyse_session(read_session_file(_rollout(tree, session_id)), Liveness(None))
        errors = sum(1 for finding in checked.findings if finding.is_error)
        assert listed[session_id].errors == errors, session_id
        assert listed[session_id].health is (Health.BROKEN if errors else Health.OK)


def test_a_rollout_written_seconds_ago_is_live_by_the_clock_even_with_a_registry(
    tree: ProjectsTree,
) -> None:
    # An empty registry of running Claude Code says nothing of Codex: the clock decides.
    (tree.home / ".claude" / "sessions").mkdir(parents=True)
    os.utime(_rollout(tree, ENDS_DANGLING))
    by_id = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    assert by_id[ENDS_DANGLING].health is Health.LIVE
    assert by_id[ENDS_DANGLING].errors == 0


def test_both_agents_sessions_come_newest_modification_first(tree: ProjectsTree) -> None:
    sessions = list_sessions(tree.root, cache=_memory())
    agents = {session.agent.value for session in sessions}
    assert agents == {"claude-code", "codex"}
    readable = [s for s in sessions if s.health is not Health.UNREADABLE]
    modified = [s.path.stat().st_mtime_ns // 1_000_000 for s in readable]
    assert modified == sorted(modified, reverse=True)
    order = [s.session_id for s in sessions]
    # COMPACTED was written 900 s ago, between DAMAGED (600 s) and CLEAN (1200 s).
    assert order.index(DAMAGED) < order.index(COMPACTED) < order.index(CLEAN)


def test_a_project_takes_the_rollouts_started_in_its_directory_however_named(
    tree: ProjectsTree,
) -> None:
    by_directory = list_sessions(tree.root, project=tree.work, cache=_memory())
    codex = {s.session_id for s in by_directory if s.agent.value == "codex"}
    assert codex == {COMPACTED, CODEMIE}  # CODEMIE recorded the directory through a link
    folder = project_folder(tree.work, tree.root)
    assert folder is not None
    by_folder = list_sessions(tree.root, project=folder, cache=_memory())
    assert {s.session_id for s in by_folder if s.agent.value == "codex"} == {COMPACTED, CODEMIE}
    elsewhere = list_sessions(tree.root, project=tree.long_work, cache=_memory())
    assert all(session.agent.value == "claude-code" for session in elsewhere)


def test_a_directory_with_only_codex_sessions_lists_them(tree: ProjectsTree) -> None:
    only_codex = tree.work.parent.parent  # the rollout of MID_DANGLING was started here
    listed = list_sessions(tree.root, project=only_codex, cache=_memory())
    assert [s.session_id for s in listed] == [MID_DANGLING]


@pytest.mark.parametrize("scoped", [False, True], ids=["all", "project"])
def test_a_warm_listing_reads_no_rollout(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch, scoped: bool
) -> None:
    cache_file = tree.home / ".cache" / CACHE_NAME
    project = tree.work if scoped else None
    cold = [
        s.to_json()
        for s in list_sessions(tree.root, project=project, cache=SessionCache(cache_file))
    ]
    reads = recorded_reads(monkeypatch)
    warm = [
        s.to_json()
        for s in list_sessions(tree.root, project=project, cache=SessionCache(cache_file))
    ]
    assert warm == cold
    assert not [path for path in reads if path.name.startswith("rollout-")]
    assert any(entry["agent"] == "codex" for entry in warm)


def test_a_project_listing_analyses_only_the_rollouts_started_there(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed: list[Path] = []
    real = inspection.inspect_file

    def recording(path: Path, analyse: bool, liveness: Liveness, agent: object) -> object:
        if analyse:
            analysed.append(path)
        return real(path, analyse, liveness, agent)  # type: ignore[arg-type]

    monkeypatch.setattr(inspection, "inspect_file", recording)
    list_sessions(tree.root, project=tree.work, cache=_memory())
    rollouts = {path.name for path in analysed if path.name.startswith("rollout-")}
    assert rollouts == {_rollout(tree, COMPACTED).name, _rollout(tree, CODEMIE).name}


def test_a_sub_agent_rollout_is_listed_under_the_thread_that_spawned_it(
    tree: ProjectsTree,
) -> None:
    spawn = {"subagent": {"thread_spawn": {"parent_thread_id": COMPACTED, "depth": 1}}}
    child = place_rollout(
        tree.codex_home, COMPACTED_ROLLOUT, meta_source=spawn, session_id=SUB_AGENT
    )
    review = place_rollout(
        tree.codex_home,
        COMPACTED_ROLLOUT,
        meta_source={"subagent": "review"},
        session_id=SUB_AGENT.replace("beef", "f00d"),
    )
    by_id = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    assert SUB_AGENT not in by_id and review.name not in {s.path.name for s in by_id.values()}
    assert by_id[COMPACTED].subagents == [child]


def test_archived_rollouts_are_not_listed(tree: ProjectsTree) -> None:
    archived = tree.codex_home / "archived_sessions"
    archived.mkdir()
    shutil.copyfile(CODEMIE_ROLLOUT, archived / f"rollout-2026-05-12T00-00-00-{SUB_AGENT}.jsonl")
    listed = {s.session_id for s in list_sessions(tree.root, cache=_memory())}
    assert CODEMIE in listed and SUB_AGENT not in listed


def test_a_compressed_rollout_is_listed_read_decompressed_unless_its_plain_one_is_beside_it(
    tree: ProjectsTree,
) -> None:
    """Codex compresses archived rollouts with zstd; one unarchived comes back so, and Codex lists
    it, reading the plain file instead when both are there."""
    plain = _rollout(tree, CODEMIE)
    compressed = plain.with_name(plain.name + ".zst")
    compressed.write_bytes(zstandard.ZstdCompressor(level=3).compress(plain.read_bytes()))
    os.utime(compressed, (plain.stat().st_atime, plain.stat().st_mtime))
    before = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    assert before[CODEMIE].path == plain  # the plain one hides its compressed sibling
    plain.unlink()
    after = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    listed = after[CODEMIE]
    assert listed.path == compressed
    assert (listed.title, listed.health, listed.project) == (
        before[CODEMIE].title,
        before[CODEMIE].health,
        before[CODEMIE].project,
    )


def test_last_where_claude_code_has_no_session_is_what_codex_resume_last_takes(
    tree: ProjectsTree, tmp_path: Path
) -> None:
    """The newest rollout started in the directory from Codex's CLI or IDE extension: not a
    `codex exec` run's, nor a sub-agent's, however newer."""
    here = tmp_path / "codex-only"
    here.mkdir()
    home = tree.codex_home
    older = place_rollout(home, DANGLING_MID_ROLLOUT, seconds_ago=3000, cwd=str(here))
    wanted = place_rollout(home, CODEMIE_ROLLOUT, cwd=str(here))
    os.utime(wanted, (wanted.stat().st_atime, older.stat().st_mtime + 600))
    newer_exec = place_rollout(
        home, DANGLING_END_ROLLOUT, seconds_ago=60, cwd=str(here), meta_source="exec"
    )
    spawn = {"subagent": {"thread_spawn": {"parent_thread_id": CODEMIE, "depth": 1}}}
    newer_agent = place_rollout(
        home, COMPACTED_ROLLOUT, seconds_ago=30, cwd=str(here), meta_source=spawn
    )
    assert newer_exec.stat().st_mtime > wanted.stat().st_mtime < newer_agent.stat().st_mtime
    assert resolve_session(last=True, root=tree.root, cwd=here) == wanted
    shown = run_in_tree(tree, "show", "--brief", "--last", cwd=here)
    assert shown.returncode == 0, shown.stderr
    assert f"codex · session {CODEMIE}" in shown.stdout
    # Where Claude Code has a session, it stays `--last` (`claude --continue`'s).
    assert resolve_session(last=True, root=tree.root, cwd=tree.work).is_relative_to(tree.root)


def test_last_with_neither_agents_session_says_where_it_looked_for_both(
    tree: ProjectsTree, tmp_path: Path
) -> None:
    here = tmp_path / "nothing-here"
    here.mkdir()
    place_rollout(tree.codex_home, CODEMIE_ROLLOUT, cwd=str(here), meta_source="exec")
    with pytest.raises(
        SessionNameError,
        match=r"no Claude Code sessions for .* \(looked for .*\) and no Codex session started"
        r" there \(looked under .*sessions\)",
    ):
        resolve_session(last=True, root=tree.root, cwd=here)


def test_a_search_takes_the_rollouts_of_the_same_scope_newest_first(tree: ProjectsTree) -> None:
    everything = session_files(tree.root)
    assert _rollout(tree, MID_DANGLING) in everything
    here = session_files(tree.root, tree.work)
    assert [path for path in here if path.name.startswith("rollout-")] == [
        _rollout(tree, COMPACTED),
        _rollout(tree, CODEMIE),
    ]
    assert here.index(tree.session(DAMAGED)) < here.index(_rollout(tree, COMPACTED))


def test_a_codex_id_or_prefix_names_its_rollout(tree: ProjectsTree) -> None:
    assert resolve_session(CODEMIE, root=tree.root) == _rollout(tree, CODEMIE)
    assert resolve_session(COMPACTED[:13].upper(), root=tree.root) == _rollout(tree, COMPACTED)
    place_rollout(tree.codex_home, COMPACTED_ROLLOUT, session_id=SUB_AGENT)
    with pytest.raises(SessionNameError, match=rf"ambiguous.*{COMPACTED} \(Codex\)"):
        resolve_session(COMPACTED[:9], root=tree.root)


def test_an_id_is_found_without_any_claude_code_folder(tree: ProjectsTree) -> None:
    shutil.rmtree(tree.root)
    assert resolve_session(CODEMIE[:8], root=tree.root) == _rollout(tree, CODEMIE)


# --- a tree someone else wrote ------------------------------------------------------------------


def test_links_odd_names_and_files_that_are_no_rollout_are_skipped(
    tree: ProjectsTree, tmp_path: Path
) -> None:
    sessions = tree.codex_home / "sessions"
    expected = sorted(
        _rollout(tree, session_id).name
        for session_id in (ENDS_DANGLING, COMPACTED, CODEMIE, MID_DANGLING)
    )
    outside = tmp_path / "outside" / "2026" / "01" / "01"
    outside.mkdir(parents=True)
    shutil.copyfile(CODEMIE_ROLLOUT, outside / f"rollout-2026-01-01T00-00-00-{SUB_AGENT}.jsonl")
    (sessions / "2027").symlink_to(tmp_path / "outside" / "2026")  # a folder leading outside
    day = _rollout(tree, CODEMIE).parent
    (day / "rollout-planted.jsonl").symlink_to(outside / os.listdir(outside)[0])
    (day / f"rollout-2026-05-11T00-00-00-{SUB_AGENT[:-4]}cafe.jsonl").symlink_to(
        outside / os.listdir(outside)[0]
    )  # a link named like a rollout, to a file outside the tree
    (day / "notes.jsonl").write_text("{}\n")
    (day / f"rollout-{SUB_AGENT}.json").write_text("{}\n")
    os.mkfifo(day / f"rollout-2026-05-11T00-00-01-{SUB_AGENT[:-4]}0000.jsonl")
    (sessions / "misc").mkdir()
    shutil.copyfile(CODEMIE_ROLLOUT, sessions / "misc" / CODEMIE_ROLLOUT.name)
    listed = [s.path for s in list_sessions(tree.root, cache=_memory()) if s.agent.value == "codex"]
    assert sorted(path.name for path in listed) == expected
    assert all(path.is_relative_to(sessions) and not path.is_symlink() for path in listed)


def test_a_folder_that_cannot_be_read_is_reported_in_one_line(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = _rollout(tree, CODEMIE).parent
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    problems: list[str] = []
    listed = list_sessions(tree.root, cache=_memory(), on_problem=problems.append)
    assert problems == [f"{locked}: cannot read folder: Permission denied"]
    assert CODEMIE not in {s.session_id for s in listed}
    assert COMPACTED in {s.session_id for s in listed}


@pytest.mark.parametrize(
    "first_line",
    [
        b"\x00\xffgarbage\n",
        b'{"type":"session_meta","payload":"not an object"}\n',
        b"[" * 5000 + b"\n",
    ],
    ids=["garbage", "payload-not-an-object", "nested"],
)
def test_a_rollout_whose_first_line_is_garbage_is_listed_by_its_file_name(
    tree: ProjectsTree, first_line: bytes
) -> None:
    path = _rollout(tree, ENDS_DANGLING)
    moment = path.stat().st_mtime
    path.write_bytes(first_line + path.read_bytes().split(b"\n", 1)[1])
    os.utime(path, (moment, moment))
    by_id = {s.session_id: s for s in list_sessions(tree.root, cache=_memory())}
    damaged = by_id[ENDS_DANGLING]
    assert damaged.agent.value == "codex"
    assert damaged.project is None
    assert damaged.health is Health.BROKEN
    # With no directory recorded it belongs to no project, and breaks no project's listing.
    here = list_sessions(tree.root, project=tree.work, cache=_memory())
    assert ENDS_DANGLING not in {s.session_id for s in here}
