"""Repairs on disk: atomic, guarded against live writers, backed up, restorable."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from session_lsp import atomic
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file, restore_file
from tests.support.corpus import CODEMIE_TURN_1, SUBAGENT
from tests.support.files import age, aged_copy

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "interrupted-parallel-tools.jsonl"


@pytest.fixture
def session(tmp_path: Path) -> Path:
    return aged_copy(EXAMPLE, tmp_path / "session.jsonl")


def test_fix_in_place_keeps_a_backup_and_restore_brings_back_the_exact_original(
    session: Path,
) -> None:
    original = session.read_bytes()
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.changed and not outcome.refused
    assert outcome.backup is not None and outcome.backup.read_bytes() == original
    assert not outcome.backup.name.endswith(".jsonl")
    assert analyse_bytes(session.read_bytes()).error_count == 0
    assert restore_file(session) == outcome.backup
    assert session.read_bytes() == original


def test_backups_sort_by_time_and_never_overwrite(session: Path) -> None:
    first = fix_file(session, Strategy.STUB).backup
    age(session)
    restore_file(session)
    age(session)
    second = fix_file(session, Strategy.PURGE).backup
    age(session)
    third = fix_file(session, Strategy.STUB, force=True)
    assert first is not None and second is not None
    assert first != second
    assert not third.changed, "a repaired file needs nothing more"
    assert atomic.backups_of(session) == [second]


def test_second_run_changes_nothing(session: Path) -> None:
    fix_file(session, Strategy.STUB)
    repaired = session.read_bytes()
    outcome = fix_file(session, Strategy.STUB, force=True)
    assert not outcome.changed and outcome.message == "nothing to repair"
    assert session.read_bytes() == repaired


def test_dry_run_leaves_bytes_and_mtime_unchanged(session: Path) -> None:
    before = session.stat()
    original = session.read_bytes()
    outcome = fix_file(session, Strategy.STUB, dry_run=True)
    assert "+++ b/session.jsonl" in outcome.diff and "session-lsp" in outcome.diff
    assert session.read_bytes() == original
    assert session.stat().st_mtime_ns == before.st_mtime_ns
    assert atomic.backups_of(session) == []


def test_live_session_is_refused_unless_forced(tmp_path: Path) -> None:
    live = aged_copy(CODEMIE_TURN_1, tmp_path / "live.jsonl", seconds_ago=1)
    original = live.read_bytes()
    outcome = fix_file(live, Strategy.STUB)
    assert outcome.refused and "may still be running" in outcome.message
    assert live.read_bytes() == original
    assert fix_file(live, Strategy.STUB, force=True).changed


def test_fork_writes_a_new_session_and_leaves_the_original(session: Path) -> None:
    original = session.read_bytes()
    outcome = fix_file(session, Strategy.STUB, fork=True)
    assert session.read_bytes() == original
    assert outcome.fork is not None and outcome.fork_session_id is not None
    assert outcome.fork.name == f"{outcome.fork_session_id}.jsonl"
    lines = outcome.fork.read_bytes().decode().splitlines()
    sessions = {json.loads(line).get("sessionId") for line in lines} - {None}
    assert sessions == {outcome.fork_session_id}
    assert analyse_bytes(outcome.fork.read_bytes()).error_count == 0


def test_symlink_is_refused_and_its_target_untouched(session: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(session)
    original = session.read_bytes()
    outcome = fix_file(link, Strategy.STUB)
    assert outcome.refused and "symbolic link" in outcome.message
    assert session.read_bytes() == original and link.is_symlink()


def test_file_swapped_for_a_symlink_before_the_replace_is_refused(
    session: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = aged_copy(SUBAGENT, tmp_path / "decoy.jsonl")
    real_replace = atomic.replace_atomically

    def swap_then_replace(path: Path, *args: object, **kwargs: object) -> object:
        path.unlink()
        path.symlink_to(decoy)
        return real_replace(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("session_lsp.disk.replace_atomically", swap_then_replace)
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.refused and "replaced by another file" in outcome.message
    assert decoy.read_bytes() == SUBAGENT.read_bytes()


def test_read_only_folder_gives_a_clear_error_and_the_original_intact(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = session.read_bytes()
    real_open = os.open

    def deny_create(path: object, flags: int, *args: object) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.os, "open", deny_create)
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.refused
    assert (
        "cannot write the repaired file beside it (Permission denied); nothing was changed"
        in outcome.message
    )
    assert session.read_bytes() == original


def test_full_disk_gives_a_clear_error_leaves_no_temp_file_and_the_original_intact(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = session.read_bytes()
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, descriptor: int, mode: str) -> None:
            self._handle = real_fdopen(descriptor, mode)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self._handle.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fdopen", FullDisk)
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.refused and "No space left on device" in outcome.message
    assert session.read_bytes() == original
    assert sorted(p.name for p in session.parent.iterdir()) == ["session.jsonl"]


def test_lines_appended_while_fixing_are_never_lost(tmp_path: Path) -> None:
    """A writer thread appends like Claude Code while repairs run: each line survives."""
    target = aged_copy(CODEMIE_TURN_1, tmp_path / "busy.jsonl")
    template = json.loads(CODEMIE_TURN_1.read_bytes().split(b"\n")[2])
    appended: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        count = 0
        while not stop.is_set() and count < 400:
            marker = f"appended-{count}"
            line = json.dumps(
                {**template, "uuid": marker, "message": {"role": "user", "content": marker}}
            )
            with target.open("ab") as handle:
                handle.write(line.encode() + b"\n")
            appended.append(marker)
            count += 1
            time.sleep(0.0005)

    thread = threading.Thread(target=writer)
    thread.start()
    outcomes = []
    try:
        for _ in range(40):
            outcomes.append(fix_file(target, Strategy.STUB, force=True, backup=False))
    finally:
        stop.set()
        thread.join()
    text = target.read_text(encoding="utf-8")
    missing = [marker for marker in appended if f'"uuid": "{marker}"' not in text]
    assert missing == []
    assert any(outcome.refused for outcome in outcomes) or any(o.changed for o in outcomes)


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    """Kill `fix` at spread-out moments; the file is always whole, never a mix."""
    source = tmp_path / "big-source.jsonl"
    body = EXAMPLE.read_bytes()
    filler = b"".join(
        json.dumps(
            {"type": "queue-operation", "operation": "enqueue", "content": "x" * 200_000}
        ).encode()
        + b"\n"
        for _ in range(60)
    )
    source.write_bytes(filler + body)
    expected_new = tmp_path / "expected.jsonl"
    aged_copy(source, expected_new)
    fix_file(expected_new, Strategy.STUB, backup=False)
    old, new = source.read_bytes(), expected_new.read_bytes()
    assert old != new
    for attempt in range(12):
        folder = tmp_path / f"run{attempt}"
        folder.mkdir()
        target = aged_copy(source, folder / "session.jsonl")
        process = subprocess.Popen(
            [sys.executable, "-m", "session_lsp", "fix", "--no-backup", str(target)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.03 * attempt)
        process.send_signal(signal.SIGKILL)
        process.wait()
        data = target.read_bytes()
        assert data in (old, new), f"attempt {attempt}: a mix of old and new"
        assert [p.name for p in folder.iterdir() if p.name.endswith(".jsonl")] == ["session.jsonl"]
        later = fix_file(target, Strategy.STUB, force=True, backup=False)
        assert not later.refused
        assert [p.name for p in folder.iterdir()] == ["session.jsonl"], (
            "stale temp files are cleaned"
        )
        assert target.read_bytes() == new
