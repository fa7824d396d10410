"""The listing cache: unchanged files are not read again; anything odd about it is ignored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from session_lsp.sessions import list_sessions
from session_lsp.sessions.cache import CACHE_FORMAT, CACHE_NAME, SessionCache
from tests.sessions.tree import CLEAN, DAMAGED, LIVE, ProjectsTree, build_tree, recorded_reads


@pytest.fixture
def tree(tmp_path: Path) -> ProjectsTree:
    return build_tree(tmp_path)


def _cache(tree: ProjectsTree) -> Path:
    return tree.home / ".cache" / "session-lsp" / CACHE_NAME


def _listing(tree: ProjectsTree) -> list[dict[str, object]]:
    return [s.to_json() for s in list_sessions(tree.root, cache=SessionCache(_cache(tree)))]


def test_a_warm_listing_reads_only_the_live_session_and_gives_the_same_result(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _listing(tree)
    reads = recorded_reads(monkeypatch)
    warm = _listing(tree)
    assert warm == cold
    assert reads == [tree.session(LIVE)]


def test_a_file_that_changed_size_or_mtime_is_read_again(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    _listing(tree)
    clean = tree.session(CLEAN)
    os.utime(clean, ns=(clean.stat().st_atime_ns, clean.stat().st_mtime_ns - 1_000_000_000))
    damaged = tree.session(DAMAGED)
    moment = damaged.stat().st_mtime
    with damaged.open("ab") as handle:
        handle.write(b'{"type":"custom-title","customTitle":"Renamed"}\n')
    os.utime(damaged, (moment, moment))
    reads = recorded_reads(monkeypatch)
    by_id = {entry["sessionId"]: entry for entry in _listing(tree)}
    assert set(reads) == {clean, damaged, tree.session(LIVE)}
    assert by_id[DAMAGED]["title"] == "Renamed"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"format": %d, "files": []}' % CACHE_FORMAT,
        b'{"format": %d, "files": {"x": 1}}' % CACHE_FORMAT,
        b'{"format": %d, "files": {"/p": {"size": "big"}}}' % CACHE_FORMAT,
        b"\xff\xfe",
    ],
    ids=["empty", "torn", "list", "files list", "entry not object", "wrong fields", "binary"],
)
def test_a_corrupt_cache_is_ignored_and_rewritten(tree: ProjectsTree, content: bytes) -> None:
    expected = _listing(tree)
    _cache(tree).write_bytes(content)
    assert _listing(tree) == expected
    assert json.loads(_cache(tree).read_bytes())["format"] == CACHE_FORMAT


def test_the_cache_is_replaced_atomically_and_leaves_no_temporary_file(tree: ProjectsTree) -> None:
    _listing(tree)
    folder = _cache(tree).parent
    assert sorted(path.name for path in folder.iterdir()) == [CACHE_NAME]


def test_a_cache_that_cannot_be_written_does_not_fail_the_listing(tree: ProjectsTree) -> None:
    _cache(tree).parent.parent.mkdir(parents=True)
    _cache(tree).parent.write_bytes(b"a file where the folder should be")
    assert len(_listing(tree)) == 7


def test_entries_of_deleted_sessions_are_dropped(tree: ProjectsTree) -> None:
    _listing(tree)
    tree.session(CLEAN).unlink()
    _listing(tree)
    files = json.loads(_cache(tree).read_bytes())["files"]
    assert str(tree.session(DAMAGED)) in files
    assert not any(CLEAN + ".jsonl" in key for key in files)
    assert str(tree.session(LIVE)) not in files


def test_a_file_replaced_with_its_size_and_mtime_kept_is_read_again(
    tree: ProjectsTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repair keeps the session's modification time and can keep its size (a reordering): the
    new file is renamed into place, so its inode tells it apart."""
    _listing(tree)
    damaged = tree.session(DAMAGED)
    status = damaged.stat()
    replacement = damaged.with_name("replacement.tmp")
    replacement.write_bytes(damaged.read_bytes())
    os.utime(replacement, ns=(status.st_atime_ns, status.st_mtime_ns))
    os.replace(replacement, damaged)
    assert (damaged.stat().st_size, damaged.stat().st_mtime_ns) == (
        status.st_size,
        status.st_mtime_ns,
    )
    reads = recorded_reads(monkeypatch)
    _listing(tree)
    assert damaged in reads
