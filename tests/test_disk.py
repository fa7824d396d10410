"""Repairs on disk: atomic, guarded against live writers, backed up, restorable."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from session_lsp import atomic, fileops
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.repairs import Strategy
from session_lsp.disk import FixOutcome, NextStep, fix_file, restore_file, write_fork
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

    class FullDisk(fileops.FileOps):
        def write(self, descriptor: int, data: bytes | memoryview) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    with fileops.using(FullDisk()):
        outcome = fix_file(session, Strategy.STUB)
    assert outcome.refused and "No space left on device" in outcome.message
    assert session.read_bytes() == original
    assert sorted(p.name for p in session.parent.iterdir()) == ["session.jsonl"]


def test_lines_appended_while_fixing_are_never_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer thread appends like Claude Code while repairs run: each line survives. The
    old file is watched longer than in use: a writer thread descheduled past the watch, after
    opening the old file, loses its line (the window the next test pins)."""
    monkeypatch.setattr(atomic, "LATE_APPEND_WATCH_SECONDS", 0.5)
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
            time.sleep(0.004)

    thread = threading.Thread(target=writer)
    thread.start()
    outcomes = []
    try:
        for _ in range(10):
            outcomes.append(fix_file(target, Strategy.STUB, force=True, backup=False))
    finally:
        stop.set()
        thread.join()
    text = target.read_text(encoding="utf-8")
    missing = [marker for marker in appended if f'"uuid": "{marker}"' not in text]
    assert missing == []
    assert any(outcome.refused for outcome in outcomes) or any(o.changed for o in outcomes)


def _late_line(marker: str) -> bytes:
    template = json.loads(CODEMIE_TURN_1.read_bytes().split(b"\n")[2])
    record = {**template, "uuid": marker, "message": {"role": "user", "content": marker}}
    return json.dumps(record).encode() + b"\n"


def test_an_append_between_the_rename_and_the_carry_over_is_kept(tmp_path: Path) -> None:
    """Claude Code opened the file before the rename and writes just after it."""
    target = aged_copy(EXAMPLE, tmp_path / "busy.jsonl")
    appender = os.open(target, os.O_WRONLY | os.O_APPEND)
    renamed: list[bool] = []

    class AppendAfterRename(fileops.FileOps):
        def replace(self, source: Path, destination: Path) -> None:
            super().replace(source, destination)
            renamed.append(True)

        def fsync_folder(self, folder: Path) -> None:
            super().fsync_folder(folder)
            if renamed == [True]:
                os.write(appender, _late_line("between-rename-and-carry-over"))
                renamed.append(True)

    try:
        with fileops.using(AppendAfterRename()):
            assert fix_file(target, Strategy.STUB, backup=False).changed
    finally:
        os.close(appender)
    assert target.read_bytes().endswith(_late_line("between-rename-and-carry-over"))


def test_an_append_after_the_first_look_at_the_replaced_file_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window #15 item 14 found under load (`appended-66` lost): a writer that opened the
    file before the rename wrote to the old file after the repair had carried over what it held.
    The old file of a session written in the last seconds is now watched a moment longer."""
    target = aged_copy(EXAMPLE, tmp_path / "busy.jsonl", seconds_ago=0)
    appender = os.open(target, os.O_WRONLY | os.O_APPEND)
    line = _late_line("after-the-first-look")
    written: list[bool] = []
    real_sleep = time.sleep

    def write_while_watched(seconds: float) -> None:
        if not written:
            os.write(appender, line)
            written.append(True)
        real_sleep(seconds)

    monkeypatch.setattr(atomic.time, "sleep", write_while_watched)
    try:
        assert fix_file(target, Strategy.STUB, backup=False, force=True).changed
        if not written:  # the old code did not watch: the writer writes after the repair
            os.write(appender, line)
    finally:
        os.close(appender)
    assert target.read_bytes().endswith(line)


def test_an_old_session_is_not_watched_for_late_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a session written in the last seconds can have a writer: an old one costs no wait."""
    target = aged_copy(EXAMPLE, tmp_path / "old.jsonl")
    monkeypatch.setattr(atomic.time, "sleep", lambda seconds: pytest.fail("waited"))
    assert fix_file(target, Strategy.STUB, backup=False).changed


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


# --- backups are whole, restore checks them (issue 8, item 1) ------------------------------

_KILL_DURING_BACKUP = """
import os, sys
from pathlib import Path
from session_lsp import fileops
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file

original = Path(sys.argv[1]).read_bytes()

class DiesHalfway(fileops.FileOps):
    def write(self, descriptor, data):
        if bytes(data) == original:  # the backup: killed with half of it written
            os.write(descriptor, data[: len(data) // 2])
            os._exit(137)
        return os.write(descriptor, data)

with fileops.using(DiesHalfway()):
    fix_file(Path(sys.argv[1]), Strategy.STUB)
"""


def test_a_fix_killed_while_writing_the_backup_leaves_no_partial_backup(session: Path) -> None:
    original = session.read_bytes()
    subprocess.run([sys.executable, "-c", _KILL_DURING_BACKUP, str(session)], cwd=REPO, check=False)
    assert session.read_bytes() == original
    assert atomic.backups_of(session) == [], "a cut-off backup must never carry a backup's name"
    with pytest.raises(atomic.UnsafeWriteError, match="no backup found"):
        restore_file(session)
    assert session.read_bytes() == original
    later = fix_file(session, Strategy.STUB)
    assert later.changed and not later.refused
    assert sorted(p.name for p in session.parent.iterdir() if ".session-lsp-" in p.name) == []


def test_restore_refuses_a_cut_off_backup_and_names_the_next_intact_one(session: Path) -> None:
    original = session.read_bytes()
    older = atomic.backup_name(session, 1_000_000_000.0)
    older.write_bytes(SUBAGENT.read_bytes())  # named before checksums: checked by content
    assert fix_file(session, Strategy.STUB).changed
    (newest,) = set(atomic.backups_of(session)) - {older}
    newest.write_bytes(original[: len(original) // 3])  # cut off, as in-place writing left it
    repaired = session.read_bytes()
    with pytest.raises(atomic.UnsafeWriteError) as refused:
        restore_file(session)
    message = str(refused.value)
    assert f"the newest backup {newest.name} is damaged" in message
    assert "does not match the checksum in its name" in message
    assert f"The next older intact backup is {older.name}: move {newest.name} aside" in message
    assert session.read_bytes() == repaired and newest.exists()
    newest.unlink()
    assert restore_file(session) == older
    assert session.read_bytes() == SUBAGENT.read_bytes()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "it is empty"),
        (b'{"parentUuid":null,"type":"user","uuid":"u1","mess', "its last line is incomplete"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n", "no line is a session record"),
    ],
)
def test_restore_refuses_an_old_style_backup_that_is_not_a_whole_session(
    session: Path, content: bytes, why: str
) -> None:
    original = session.read_bytes()
    atomic.backup_name(session, 1_000_000_000.0).write_bytes(content)
    with pytest.raises(atomic.UnsafeWriteError, match=why):
        restore_file(session)
    assert session.read_bytes() == original


def test_restore_force_puts_back_even_a_backup_that_looks_damaged(session: Path) -> None:
    backup = atomic.backup_name(session, 1_000_000_000.0)
    backup.write_bytes(b'{"parentUuid":null,"type":"user","uuid":"u1","mess')
    assert restore_file(session, force=True) == backup
    assert session.read_bytes() == b'{"parentUuid":null,"type":"user","uuid":"u1","mess'


def test_a_session_with_a_torn_last_line_has_a_backup_that_restores(session: Path) -> None:
    """The example ends mid-record: its backup does too, and the checksum proves it whole."""
    original = session.read_bytes()
    assert not original.endswith(b"\n")
    fix_file(session, Strategy.TRUNCATE)
    restore_file(session)
    assert session.read_bytes() == original


def _fix_process(target: Path, *arguments: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "fix", *arguments, str(target)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_moments_never_leaves_a_backup_that_restores_wrong(
    tmp_path: Path,
) -> None:
    """20 kills spread over a whole run: every backup left is the exact original."""
    source = tmp_path / "source.jsonl"
    filler = b"".join(
        json.dumps({"type": "queue-operation", "content": "x" * 100_000}).encode() + b"\n"
        for _ in range(10)
    )
    source.write_bytes(filler + EXAMPLE.read_bytes())
    old = source.read_bytes()
    started = time.monotonic()
    probe = _fix_process(aged_copy(source, tmp_path / "probe.jsonl"))
    probe.communicate()
    duration = time.monotonic() - started
    chooser = random.Random(8)
    for trial in range(20):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        target = aged_copy(source, folder / "session.jsonl")
        process = _fix_process(target)
        time.sleep(chooser.uniform(0, duration))
        process.kill()
        process.communicate()
        for backup in atomic.backups_of(target):
            assert backup.read_bytes() == old, f"trial {trial}: {backup.name} is not the original"
        if atomic.backups_of(target):
            restore_file(target)
            assert target.read_bytes() == old, f"trial {trial}"
        else:
            assert target.read_bytes() == old, f"trial {trial}: changed without a backup"


# --- one repair at a time (item 2) ---------------------------------------------------------


def test_a_second_fixer_waits_then_refuses_while_the_first_holds_the_session(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first repair is paused between writing its temp file and renaming it."""
    monkeypatch.setattr(atomic, "LOCK_WAIT_SECONDS", 0.3)
    paused, resume = threading.Event(), threading.Event()
    real_backup = atomic.write_backup

    def slow_backup(*args: object) -> Path:
        paused.set()
        resume.wait(10)
        return real_backup(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic, "write_backup", slow_backup)
    first: list[object] = []
    thread = threading.Thread(target=lambda: first.append(fix_file(session, Strategy.STUB)))
    thread.start()
    try:
        assert paused.wait(10)
        second = fix_file(session, Strategy.STUB, force=True)
    finally:
        resume.set()
        thread.join()
    assert second.refused and "another session-lsp is repairing or restoring it" in second.message
    (outcome,) = first
    assert isinstance(outcome, FixOutcome) and outcome.changed and not outcome.refused
    assert analyse_bytes(session.read_bytes()).error_count == 0


def test_a_waiting_fixer_goes_on_once_the_first_has_finished(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paused = threading.Event()
    real_backup = atomic.write_backup

    def slow_backup(*args: object) -> Path:
        paused.set()
        time.sleep(0.3)
        return real_backup(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic, "write_backup", slow_backup)
    monkeypatch.setattr(atomic, "LOCK_WAIT_SECONDS", 30.0)  # the first's fsyncs, under I/O load
    thread = threading.Thread(target=fix_file, args=(session, Strategy.STUB))
    thread.start()
    assert paused.wait(10)
    second = fix_file(session, Strategy.STUB, force=True)
    thread.join()
    assert not second.refused and second.message == "nothing to repair"
    assert len(atomic.backups_of(session)) == 1


def test_two_fixers_at_once_never_crash_nor_lose_the_repair(tmp_path: Path) -> None:
    """20 trials of two `fix` processes started together on one session."""
    expected = aged_copy(EXAMPLE, tmp_path / "expected.jsonl")
    fix_file(expected, Strategy.STUB, backup=False)
    chooser = random.Random(2)
    for trial in range(20):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        target = aged_copy(EXAMPLE, folder / "session.jsonl")
        first = _fix_process(target, "--force")
        time.sleep(chooser.uniform(0, 0.15))
        second = _fix_process(target, "--force")
        errors = [first.communicate()[1].decode(), second.communicate()[1].decode()]
        assert not any("Traceback" in error for error in errors), f"trial {trial}: {errors}"
        for process, error in zip((first, second), errors, strict=True):
            assert process.returncode == 0 or "another session-lsp is repairing" in error, error
        assert target.read_bytes() == expected.read_bytes(), f"trial {trial}"
        assert [p.name for p in folder.iterdir() if ".session-lsp-" in p.name] == []
        assert len(atomic.backups_of(target)) == 1


def test_only_temp_files_of_finished_processes_are_cleaned_as_stale(session: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        dead = session.with_name(f".session.jsonl{atomic.TEMP_MARK}{finished.stdout.strip()}-1.tmp")
        alive = session.with_name(f".session.jsonl{atomic.TEMP_MARK}{running.pid}-1.tmp")
        dead.write_bytes(b"left by a killed repair")
        alive.write_bytes(b"in flight in another repair")
        assert fix_file(session, Strategy.STUB).changed
        assert not dead.exists()
        assert alive.read_bytes() == b"in flight in another repair"
    finally:
        running.kill()
        running.wait()


# --- owner, group and mode (item 3) --------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_repair_run_as_root_keeps_the_users_owner_group_and_mode(session: Path) -> None:
    os.chown(session, 1234, 2345)
    os.chmod(session, 0o600)
    age(session)
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.changed and outcome.backup is not None
    for written in (session, outcome.backup):
        status = written.stat()
        assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (1234, 2345, 0o600)
    fork = fix_file(session, Strategy.STUB, fork=True, force=True)
    assert fork.fork is None or (fork.fork.stat().st_uid, fork.fork.stat().st_gid) == (1234, 2345)


def test_the_umask_does_not_narrow_the_mode(session: Path) -> None:
    os.chmod(session, 0o664)
    age(session)
    previous = os.umask(0o077)
    try:
        outcome = fix_file(session, Strategy.STUB)
    finally:
        os.umask(previous)
    assert outcome.changed and outcome.backup is not None
    assert stat.S_IMODE(session.stat().st_mode) == 0o664
    assert stat.S_IMODE(outcome.backup.stat().st_mode) == 0o664


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_an_owner_that_cannot_be_kept_refuses_the_repair(
    session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.chown(session, 1234, 2345)
    original = session.read_bytes()

    def refuse_chown(*args: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(atomic.os, "fchown", refuse_chown)
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.refused and "cannot give it the session's owner" in outcome.message
    assert session.read_bytes() == original
    assert [p.name for p in session.parent.iterdir()] == ["session.jsonl"]


def test_a_file_of_no_transcript_with_errors_is_said_to_be_none_before_any_repair_advice(
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not json\nnor this\n", encoding="utf-8")
    outcome = fix_file(notes, Strategy.STUB)
    assert outcome.refused and "not a session transcript" in outcome.message
    assert outcome.next_step is None and notes.read_text(encoding="utf-8") == "not json\nnor this\n"


def test_a_transcript_whose_every_record_is_damaged_is_refused_as_such_not_as_no_transcript(
    tmp_path: Path,
) -> None:
    """`show` draws it as damaged lines; `fix` says it has nothing to repair it from."""
    torn = tmp_path / "torn.jsonl"
    torn.write_bytes(b'{"type":"user","uuid":"u1","mess')
    age(torn)
    outcome = fix_file(torn, Strategy.TRUNCATE)
    assert outcome.refused
    assert "no line of it is a readable Claude Code or Codex record" in outcome.message
    assert torn.read_bytes() == b'{"type":"user","uuid":"u1","mess'


def test_a_read_only_session_is_refused_unless_forced(session: Path) -> None:
    original = session.read_bytes()
    os.chmod(session, 0o444)
    age(session)
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.refused and "is read-only (mode 0444)" in outcome.message
    assert outcome.next_step is NextStep.FORCE_OR_FORK and "--" not in outcome.message
    assert session.read_bytes() == original
    forced = fix_file(session, Strategy.STUB, force=True)
    assert forced.changed
    assert stat.S_IMODE(session.stat().st_mode) == 0o444


# --- forks land beside their session (item 4) ----------------------------------------------


def test_a_fork_through_a_uri_with_dot_dot_segments_is_refused(tmp_path: Path) -> None:
    from pygls.uris import to_fs_path

    inside = tmp_path / "projects" / "p"
    inside.mkdir(parents=True)
    session = aged_copy(EXAMPLE, inside / "session.jsonl")
    (tmp_path / "elsewhere").mkdir()
    aged_copy(EXAMPLE, tmp_path / "elsewhere" / "session.jsonl")
    uri = f"file://{inside}/%2e%2e/%2e%2e/elsewhere/session.jsonl"
    path = Path(to_fs_path(uri) or "")
    analysis = analyse_bytes(session.read_bytes())
    with pytest.raises(atomic.UnsafeWriteError, match="climbs out of its folder"):
        write_fork(path, analysis, list(analysis.lines))
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["session.jsonl"]


def test_a_fork_of_a_path_that_is_no_file_is_refused(tmp_path: Path) -> None:
    analysis = analyse_bytes(EXAMPLE.read_bytes())
    with pytest.raises(atomic.UnsafeWriteError, match="no such file"):
        write_fork(tmp_path / "missing" / "session.jsonl", analysis, list(analysis.lines))
    assert list(tmp_path.iterdir()) == []


def test_a_fork_through_a_symlink_lands_beside_the_real_session(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    session = aged_copy(EXAMPLE, real / "session.jsonl")
    (tmp_path / "link.jsonl").symlink_to(session)
    analysis = analyse_bytes(session.read_bytes())
    target, _ = write_fork(tmp_path / "link.jsonl", analysis, list(analysis.lines))
    assert target.parent == real


# --- never truncate what is not a session (item 6) -----------------------------------------

NOT_SESSIONS = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00",
    "random": bytes(random.Random(6).randrange(256) for _ in range(4096)),
    "utf-16": '{"type":"user","uuid":"u1"}\n{"type":"assistant"}\n'.encode("utf-16"),
    "app-log": b'{"level":"info","msg":"started"}\n{"level":"error","msg":"boom"}\n'
    b"2026-01-01 12:00:00 INFO plain text line\n",
}


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize("kind", sorted(NOT_SESSIONS))
def test_a_file_without_session_records_is_never_rewritten(
    tmp_path: Path, kind: str, strategy: Strategy
) -> None:
    target = tmp_path / f"{kind}.jsonl"
    target.write_bytes(NOT_SESSIONS[kind])
    age(target)
    outcome = fix_file(target, strategy, force=True)
    assert not outcome.changed
    assert target.read_bytes() == NOT_SESSIONS[kind]
    assert atomic.backups_of(target) == []
    if outcome.refused:
        assert "not a session transcript" in outcome.message


def test_a_truncate_that_would_empty_a_session_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "s.jsonl"
    target.write_bytes(
        b'{"parentUuid":null,"type":"assistant","uuid":"a1","sessionId":"s","message":'
        b'{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Bash",'
        b'"input":{}}]},"timestamp":"2026-01-01T00:00:00.000Z"}\n'
    )
    age(target)
    original = target.read_bytes()
    outcome = fix_file(target, Strategy.TRUNCATE)
    assert outcome.refused and "keep no user prompt" in outcome.message
    assert target.read_bytes() == original
