"""The Windows decisions of the file layer, the process check and `resume`, run on Linux.

Each test puts Windows' rule in a stand-in (a process whose `os` has only what Windows' has, a
`_winapi`, a replace that fails as Windows' does) and checks what session-lsp does under it.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from session_lsp import atomic, fileops, processes
from session_lsp.atomic import Ownership, UnsafeWriteError, replace_or_refuse
from session_lsp.cli import launch
from session_lsp.cli.launch import Launch
from session_lsp.cli.programs import batch_file_safe
from tests.support.files import aged_copy

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "interrupted-parallel-tools.jsonl"
SESSION_ID = "0b8d6a8e-3c52-4a0e-9a53-6c1f3e2b4d71"


def test_a_repair_and_a_restore_run_where_os_has_only_what_windows_has(tmp_path: Path) -> None:
    """No fcntl, no O_NOFOLLOW/O_NONBLOCK/O_CLOEXEC, no fchmod/fchown, text mode unless
    O_BINARY: the modules import, every open asks for binary, the lock is the byte at 1 TiB taken
    through a descriptor that lets the file be renamed over, and the times are kept."""
    session = aged_copy(EXAMPLE, tmp_path / "session.jsonl")
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "support" / "pretend_windows.py"), str(session)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["fixed"], report["message"]
    assert report["opens_without_binary"] == []
    assert report["read_as_bytes"], "a mapped view would keep the file from being replaced"
    assert set(report["locked_offsets"]) == {1 << 40} and report["still_held"] == 0
    share_all = 0x1 | 0x2 | 0x4
    assert report["shares"] and all(share == share_all for share in report["shares"])
    assert report["mtime_kept"] and not report["crlf_added"]
    assert report["restored"]


class RefusedReplace(fileops.FileOps):
    """`os.replace` as Windows does it while another program holds the target without delete
    sharing: PermissionError with winerror 32, `failures` times."""

    def __init__(self, failures: int, winerror: int = 32) -> None:
        self.failures = failures
        self.winerror = winerror
        self.attempts = 0

    def replace(self, source: Path, target: Path) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            error = PermissionError(errno.EACCES, "The process cannot access the file")
            error.winerror = self.winerror  # type: ignore[attr-defined]
            raise error
        super().replace(source, target)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "new", tmp_path / "session.jsonl"
    source.write_bytes(b"new\n")
    target.write_bytes(b"old\n")
    return source, target


def _owner(target: Path) -> Ownership:
    return Ownership.of(target.stat())


def test_on_windows_a_replace_refused_for_a_moment_is_tried_again(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = pair
    monkeypatch.setattr(sys, "platform", "win32")
    ops = RefusedReplace(failures=2)
    with fileops.using(ops):
        replace_or_refuse(source, target, _owner(target))
    assert ops.attempts == 3 and target.read_bytes() == b"new\n"


def test_on_windows_a_file_held_open_is_refused_after_a_bounded_wait_and_left_as_it_was(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = pair
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(atomic, "WINDOWS_REPLACE_RETRY_SECONDS", 0.2)
    started = time.monotonic()
    with (
        fileops.using(RefusedReplace(failures=10**6, winerror=5)),
        pytest.raises(UnsafeWriteError) as refused,
    ):
        replace_or_refuse(source, target, _owner(target))
    assert time.monotonic() - started < 5.0  # bounded: 10**6 refusals would take hours
    assert "another program has it open" in str(refused.value)
    assert "the session was not changed" in str(refused.value)
    assert target.read_bytes() == b"old\n"


def test_on_windows_a_read_only_session_is_refused_at_once_and_says_why(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = pair
    target.chmod(0o444)
    monkeypatch.setattr(sys, "platform", "win32")
    ops = RefusedReplace(failures=10**6, winerror=5)
    with fileops.using(ops), pytest.raises(UnsafeWriteError) as refused:
        replace_or_refuse(source, target, _owner(target))
    assert ops.attempts == 1
    assert "read-only" in str(refused.value) and "attrib -r" in str(refused.value)


def test_elsewhere_a_permission_error_on_replace_is_not_taken_for_a_busy_file(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = pair
    monkeypatch.setattr(sys, "platform", "linux")
    ops = RefusedReplace(failures=1)
    with fileops.using(ops), pytest.raises(PermissionError):
        replace_or_refuse(source, target, _owner(target))
    assert ops.attempts == 1


def test_a_restore_windows_refuses_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = tmp_path / "s.jsonl"
    session.write_bytes(b"repaired\n")
    backup = tmp_path / "s.jsonl.20260101T000000000000Z.bak"
    backup.write_bytes(b"original\n")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(atomic, "WINDOWS_REPLACE_RETRY_SECONDS", 0.05)
    with fileops.using(RefusedReplace(failures=10**6)), pytest.raises(UnsafeWriteError) as refused:
        atomic.put_back(session, backup)
    assert "another program has it open" in str(refused.value)
    assert session.read_bytes() == b"repaired\n" and backup.exists()


class ProcessApi:
    """`_winapi`'s process calls over a table of processes: pid -> exit code, or an error."""

    def __init__(self, processes: dict[int, int | OSError]) -> None:
        self.processes = processes
        self.open_handles: set[int] = set()
        self.access: list[int] = []

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:  # noqa: N802
        self.access.append(access)
        found = self.processes.get(pid)
        if found is None:
            error = OSError(errno.EINVAL, "The parameter is incorrect")
            error.winerror = 87  # type: ignore[attr-defined]
            raise error
        if isinstance(found, OSError):
            raise found
        self.open_handles.add(pid)
        return pid

    def GetExitCodeProcess(self, handle: int) -> int:  # noqa: N802
        found = self.processes[handle]
        assert isinstance(found, int)
        return found

    def CloseHandle(self, handle: int) -> None:  # noqa: N802
        self.open_handles.remove(handle)


def test_on_windows_whether_a_process_runs_is_read_from_its_exit_code() -> None:
    denied = PermissionError(errno.EACCES, "Access is denied")
    denied.winerror = 5  # type: ignore[attr-defined]
    api = ProcessApi({100: processes.STILL_ACTIVE, 104: 0, 108: denied})
    assert processes.windows_process_exists(100, api)
    assert not processes.windows_process_exists(104, api), "exited, its handle still held"
    assert processes.windows_process_exists(108, api), "a protected process exists"
    assert not processes.windows_process_exists(112, api), "no such process"
    assert api.open_handles == set()
    assert set(api.access) == {processes.PROCESS_QUERY_LIMITED_INFORMATION}


def test_on_windows_stale_temp_files_are_judged_without_signalling_anyone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`os.kill(pid, 0)` on Windows sends Ctrl+C to the process group `pid` (CTRL_C_EVENT is 0):
    cleaning up temp files must never do it."""
    session = tmp_path / "s.jsonl"
    alive, gone = 4242, 4246
    for pid in (alive, gone):
        (tmp_path / f".s.jsonl{atomic.TEMP_MARK}{pid}-1.tmp").write_bytes(b"")

    def no_signals(pid: int, sig: int) -> None:
        raise AssertionError(f"os.kill({pid}, {sig}) on Windows")

    monkeypatch.setattr(os, "kill", no_signals)
    monkeypatch.setitem(sys.modules, "_winapi", ProcessApi({alive: processes.STILL_ACTIVE}))
    monkeypatch.setattr(sys, "platform", "win32")
    stale = [temp.name for temp in atomic.stale_temp_files_of(session)]
    assert stale == [f".s.jsonl{atomic.TEMP_MARK}{gone}-1.tmp"]


def test_a_process_id_no_system_can_have_names_no_process() -> None:
    assert not processes.process_exists(2**70)


def test_windows_file_times_count_100_ns_from_1601_and_go_through_the_open_handle() -> None:
    calls: list[tuple[int, int, int]] = []
    fileops.windows_set_times(
        7,
        (0, 1_700_000_000_123_456_789),
        lambda descriptor: descriptor + 1000,
        lambda handle, accessed, modified: calls.append((handle, accessed, modified)),
    )
    assert calls == [
        (1007, 116_444_736_000_000_000, 116_444_736_000_000_000 + 17_000_000_001_234_567)
    ]


def test_a_folder_named_as_a_session_is_reported_as_a_folder_where_opening_it_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from session_lsp import files

    def windows_open(path: Any, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(errno.EACCES, "Access is denied", str(path))

    monkeypatch.setattr(files.os, "open", windows_open)
    with pytest.raises(files.SessionFileError, match="is a folder"):
        files.read_session_file(tmp_path)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory claude would take as the session's project (named by the environment)."""
    monkeypatch.setenv("CLAUDE_CODE_PROJECT_DIR_NAME", "the-project")
    directory = tmp_path / "C drive" / "proj"
    directory.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return directory


def _launch(directory: Path, *extra: str) -> Launch:
    return Launch(
        ["claude", "--resume", SESSION_ID, *extra], str(directory), "because", "the-project"
    )


def test_on_windows_the_printed_command_changes_directory_with_pushd_on_its_own_line(
    project: Path,
) -> None:
    assert _launch(project).command_on("nt") == (
        f'pushd "{project}"\n  claude --resume {SESSION_ID}'
    )
    assert _launch(project).command_on("posix") == (
        f"cd '{project}' && claude --resume {SESSION_ID}"
    )


def test_on_windows_a_command_no_shell_form_fits_is_not_printed_and_says_why(
    project: Path,
) -> None:
    shown = _launch(project, "--model", "100%").command_on("nt")
    assert "100%" not in shown and shown.startswith("(not printed")


def test_on_windows_claude_is_run_and_waited_for_and_its_status_is_the_exit_status(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[list[str], str, Any]] = []

    def run(argv: list[str], check: bool) -> subprocess.CompletedProcess[bytes]:
        ran.append((argv, os.getcwd(), signal.getsignal(signal.SIGINT)))
        return subprocess.CompletedProcess(argv, 3)

    monkeypatch.setattr(launch.subprocess, "run", run)
    monkeypatch.setattr(launch.os, "execv", lambda *_: pytest.fail("no exec on Windows"))
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(SystemExit) as exited:
        _launch(project).start(r"C:\Users\me\.local\bin\claude.exe", "nt")
    assert exited.value.code == 3
    assert ran == [
        (
            [r"C:\Users\me\.local\bin\claude.exe", "--resume", SESSION_ID],
            str(project),
            signal.SIG_IGN,  # Ctrl+C is claude's; it must not end this process and claude with it
        )
    ]
    assert signal.getsignal(signal.SIGINT) == before


def test_on_windows_a_batch_file_is_not_given_an_argument_cmd_would_act_on(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launch.subprocess, "run", lambda *_, **__: pytest.fail("started"))
    npm_shim = r"C:\Users\me\AppData\Roaming\npm\claude.cmd"
    reason = _launch(project, "--model", "a&calc").start(npm_shim, "nt")
    assert isinstance(reason, str) and "batch file" in reason
    assert os.getcwd() != str(project), "refused before changing directory"


@pytest.mark.parametrize(
    ("arguments", "safe"),
    [
        (["--resume", SESSION_ID], True),
        (["--model", "claude-opus-4"], True),
        (["--add-dir", r"C:\work\proj"], True),
        (["a&calc"], False),
        (["%PATH%"], False),
        (["a b"], False),
        (["^"], False),
        ([""], False),
    ],
)
def test_only_words_cmd_does_not_act_on_go_to_a_batch_file(
    arguments: list[str], safe: bool
) -> None:
    assert batch_file_safe(arguments) is safe


class NoHardLinks(fileops.FileOps):
    """CreateHardLink on a FAT or exFAT drive: ERROR_INVALID_FUNCTION, which Python gives as
    EINVAL."""

    def link(self, source: Path, target: Path) -> None:
        error = OSError(errno.EINVAL, "Incorrect function")
        error.winerror = 1  # type: ignore[attr-defined]
        raise error


def test_on_a_windows_drive_without_hard_links_the_backup_is_still_written(
    tmp_path: Path,
) -> None:
    session = aged_copy(EXAMPLE, tmp_path / "session.jsonl")
    original = session.read_bytes()
    with fileops.using(NoHardLinks()):
        backup = atomic.write_backup(session, original, Ownership.of(session.stat()))
    assert backup.read_bytes() == original
    assert [path.name for path in tmp_path.iterdir() if atomic.TEMP_MARK in path.name] == []
