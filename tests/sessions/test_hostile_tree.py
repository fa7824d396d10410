"""A projects tree or a cache that someone else wrote: FIFOs, endless devices, links to themselves,
entries of the wrong type, folders that cannot be read (#15 items 9 and 10).

Nothing here may hang, read without bound or raise: a listing lists what it can and reports what
it cannot, and a name resolves or is refused in one line.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from session_lsp.sessions import Health, SessionNameError, list_sessions, resolve_session
from session_lsp.sessions import cache as cache_module
from session_lsp.sessions.cache import CACHE_FORMAT, CACHE_NAME, SessionCache
from session_lsp.sessions.locations import cache_folder, project_folder, project_folder_name
from tests.support.cli import EXAMPLE

SESSION = "11111111-1111-4111-8111-111111111111"
OTHER = "22222222-2222-4222-8222-222222222222"


def _place(target: Path, seconds_ago: float = 3600) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLE, target)
    moment = time.time() - seconds_ago
    os.utime(target, (moment, moment))
    return target


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A projects root with one project folder holding one damaged session."""
    projects = tmp_path / "projects"
    _place(projects / "-work" / f"{SESSION}.jsonl")
    return projects


def _ids(root: Path, cache: SessionCache | None = None) -> dict[str, Health]:
    listed = list_sessions(root, cache=cache if cache is not None else SessionCache(None))
    return {session.session_id: session.health for session in listed}


# --- item 9: never block, never read without bound --------------------------------------------


def test_a_link_to_a_fifo_as_the_newest_session_is_resolved_without_blocking(
    root: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    newest = root / "-work" / f"{OTHER}.jsonl"
    newest.symlink_to(fifo)
    # `--last` takes the newest file; it reads the head of each candidate to skip agent
    # transcripts, which blocked forever on a FIFO.
    assert resolve_session(last=True, root=root, cwd=Path("/work")) in {
        newest,
        root / "-work" / f"{SESSION}.jsonl",
    }
    assert _ids(root) == {SESSION: Health.BROKEN, OTHER: Health.UNREADABLE}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "oversized"])
def test_a_cache_file_that_is_not_a_sane_regular_file_is_ignored(
    root: Path, tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache" / CACHE_NAME
    path.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        monkeypatch.setattr(cache_module, "MAX_CACHE_BYTES", 1000)
        path.write_text(json.dumps({"format": CACHE_FORMAT, "files": {}, "padding": "x" * 2000}))
    assert _ids(root, SessionCache(path)) == {SESSION: Health.BROKEN}


# --- item 10: links to themselves, bad cache entries, unreadable folders ------------------------


def test_a_link_to_itself_is_listed_unreadable_and_breaks_no_lookup(root: Path) -> None:
    (root / "-work" / "self.jsonl").symlink_to("self.jsonl")
    (root / "loop").symlink_to("loop")
    assert _ids(root) == {SESSION: Health.BROKEN, "self": Health.UNREADABLE}
    assert resolve_session(SESSION[:8], root=root) == root / "-work" / f"{SESSION}.jsonl"
    assert resolve_session(last=True, root=root, cwd=Path("/work")) == (
        root / "-work" / f"{SESSION}.jsonl"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ["a", "list"]),
        ("project", {"an": "object"}),
        ("is_sidechain", 1),
        ("errors", "1"),
        ("size", True),
        ("last_activity", 12),
    ],
)
def test_a_cache_entry_of_the_wrong_type_is_dropped_and_the_file_read_again(
    root: Path, tmp_path: Path, field: str, value: object
) -> None:
    path = tmp_path / CACHE_NAME
    expected = _ids(root, SessionCache(path))
    document = json.loads(path.read_bytes())
    for entry in document["files"].values():
        entry[field] = value
    path.write_text(json.dumps(document))
    assert _ids(root, SessionCache(path)) == expected
    (entry,) = json.loads(path.read_bytes())["files"].values()
    assert entry[field] != value


def test_a_cache_nested_deeper_than_python_reads_is_ignored(root: Path, tmp_path: Path) -> None:
    path = tmp_path / CACHE_NAME
    path.write_text(f'{{"format": {CACHE_FORMAT}, "files": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert _ids(root, SessionCache(path)) == {SESSION: Health.BROKEN}


def test_a_root_or_project_folder_that_cannot_be_read_is_reported(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _place(root / "-locked" / f"{OTHER}.jsonl")
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        if Path(path).name == "-locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    problems: list[str] = []
    listed = list_sessions(root, cache=SessionCache(None), on_problem=problems.append)
    assert [session.session_id for session in listed] == [SESSION]
    assert problems == [f"{root / '-locked'}: cannot read folder: Permission denied"]
    monkeypatch.setattr(os, "scandir", _denied)
    problems.clear()
    assert list_sessions(root, cache=SessionCache(None), on_problem=problems.append) == []
    assert problems == [f"{root}: cannot read the sessions folder: Permission denied"]


def _denied(path: str | Path) -> object:
    raise PermissionError(13, "Permission denied", str(path))


def test_a_name_over_255_bytes_or_with_a_nul_is_refused_in_one_line(root: Path) -> None:
    for name in ("a" * 300, "abcdef01" + "0" * 300, "abcdef01\x00"):
        with pytest.raises(SessionNameError):
            resolve_session(name, root=root)


# --- the cache holds this root's existing files only --------------------------------------------


def test_entries_of_other_roots_and_of_vanished_files_are_pruned(
    root: Path, tmp_path: Path
) -> None:
    path = tmp_path / CACHE_NAME
    other_root = tmp_path / "other" / "projects"
    elsewhere = _place(other_root / "-elsewhere" / f"{OTHER}.jsonl")
    _ids(other_root, SessionCache(path))
    vanishing = _place(root / "-gone" / f"{OTHER}.jsonl")
    _ids(root, SessionCache(path))
    assert str(elsewhere) not in json.loads(path.read_bytes())["files"]
    assert str(vanishing) in json.loads(path.read_bytes())["files"]
    vanishing.unlink()
    # Listing only the other project still prunes the file that vanished from this one.
    list_sessions(root, project=root / "-work", cache=SessionCache(path))
    assert set(json.loads(path.read_bytes())["files"]) == {str(root / "-work" / f"{SESSION}.jsonl")}


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_folder() == Path("/home/someone/.cache/session-lsp")
    monkeypatch.setenv("XDG_CACHE_HOME", "/abs/cache")
    assert cache_folder() == Path("/abs/cache/session-lsp")


def test_a_link_to_itself_beside_the_folder_of_a_long_working_directory(tmp_path: Path) -> None:
    long_work = tmp_path / ("a-very-long-directory-name-" * 9)
    long_work.mkdir()
    projects = tmp_path / "projects"
    # Named by the native build's hash: found by scanning the root for the cut name.
    name = project_folder_name(os.path.realpath(long_work))[:200] + "-bunhash"
    _place(projects / name / f"{SESSION}.jsonl")
    (projects / "loop").symlink_to("loop")
    assert project_folder(long_work, projects) == projects / name
