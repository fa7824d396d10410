"""The session commands against a hostile tree, run as a user runs them (#15 items 10 and 12):
no traceback, every problem reported in one line, an exit code that says what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from session_lsp.cli.main import main
from session_lsp.sessions.locations import project_folder_name
from tests.support.cli import EXAMPLE, REPO
from tests.support.files import aged_copy

SESSION = "11111111-1111-4111-8111-111111111111"


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "NO_COLOR": "1",
        "PYTHONPATH": str(REPO),
        **extra,
    }


def _run(
    home: Path, *arguments: str, cwd: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "session_lsp", *arguments],
        capture_output=True,
        text=True,
        errors="surrogateescape",
        check=False,
        cwd=cwd or home / "work",
        env=_env(home, **extra),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _tiny_session(session_id: str, prompt: str, *stamps: str) -> str:
    """A prompt and an unanswered call, timestamped `stamps` (the first and the last)."""
    first, last = stamps or ("2026-01-01T00:00:00.000Z",) * 2
    common = {"isSidechain": False, "sessionId": session_id, "cwd": "/w", "version": "2.1.0"}
    lines = [
        {
            **common,
            "type": "user",
            "uuid": "u1",
            "parentUuid": None,
            "timestamp": first,
            "message": {"role": "user", "content": prompt},
        },
        {
            **common,
            "type": "assistant",
            "uuid": "a1",
            "parentUuid": "u1",
            "timestamp": last,
            "message": {
                "id": "m1",
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_01X", "name": "Bash", "input": {}}],
            },
        },
    ]
    return "".join(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "work").mkdir()
    return tmp_path


def _folder(home: Path) -> Path:
    folder = home / ".claude" / "projects" / project_folder_name(os.path.realpath(home / "work"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    moment = time.time() - 3600
    os.utime(path, (moment, moment))
    return path


# --- item 10 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Kiritimati", "UTC"])
def test_timestamps_of_year_1_and_9999_with_offsets_list_in_any_time_zone(
    home: Path, zone: str
) -> None:
    folder = _folder(home)
    stamps = [
        ("0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00-05:00"),
        ("9999-12-31T23:59:59+05:00", "9999-12-31T23:59:59-05:00"),
    ]
    for number, pair in enumerate(stamps):
        session_id = f"{number}1111111-1111-4111-8111-111111111111"
        _write(folder / f"{session_id}.jsonl", _tiny_session(session_id, "hi", *pair))
    result = _run(home, "sessions", TZ=zone)
    assert result.returncode == 0, result.stderr
    assert "2 sessions" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_deleted_working_directory_is_a_clear_error(home: Path) -> None:
    gone = home / "gone"
    gone.mkdir()
    command = " ".join(["cd", str(gone), "&&", "rmdir", str(gone), "&&", "exec", sys.executable])
    for arguments in (["sessions"], ["check"], ["show", "--last"]):
        result = subprocess.run(
            ["sh", "-c", f"{command} -m session_lsp {' '.join(arguments)}"],
            capture_output=True,
            text=True,
            check=False,
            env=_env(home),
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("session-lsp: the current directory no longer exists")
        gone.mkdir()


@pytest.mark.parametrize(
    "arguments",
    [
        ("check", "NAME"),
        ("fix", "NAME"),
        ("restore", "NAME"),
        ("show", "NAME"),
        ("check", "abcdef01NAME"),
        ("sessions", "--project", "/tmp/NAME"),
    ],
)
def test_a_name_over_255_bytes_is_a_clear_error(home: Path, arguments: tuple[str, ...]) -> None:
    _folder(home)
    result = _run(home, *(argument.replace("NAME", "a" * 300) for argument in arguments))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("session-lsp: ") and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_an_unreadable_projects_root_or_project_folder_is_reported_with_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(home)
    _write(folder / f"{SESSION}.jsonl", _tiny_session(SESSION, "hi"))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.chdir(home / "work")
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        if str(path) in {str(folder), str(folder.parent)}:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["sessions"]) == 2
    captured = capsys.readouterr()
    assert f"{folder}: cannot read folder: Permission denied" in captured.err
    assert main(["sessions", "--all", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert f"{folder.parent}: cannot read the sessions folder: Permission denied" in captured.err
    assert json.loads(captured.out) == []


def test_show_json_of_a_non_utf8_name_is_valid_utf8_and_keeps_the_bytes(home: Path) -> None:
    name = os.fsdecode(b"caf\xe9-\xff.jsonl")
    session = aged_copy(EXAMPLE, home / name)
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", "show", "--format", "json", str(session)],
        capture_output=True,
        check=False,
        cwd=home,
        env=_env(home, LC_ALL="C"),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.decode("utf-8"))
    assert os.fsencode(answer["path"]) == os.fsencode(session)
    assert answer["uri"].endswith("/caf%E9-%FF.jsonl")


def test_a_relative_xdg_cache_home_writes_nothing_in_the_working_directory(home: Path) -> None:
    folder = _folder(home)
    _write(folder / f"{SESSION}.jsonl", _tiny_session(SESSION, "a secret title"))
    result = _run(home, "sessions", XDG_CACHE_HOME="relative-cache")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (home / "work").iterdir()) == []
    assert (home / ".cache" / "session-lsp").is_dir()


# --- item 12 ------------------------------------------------------------------------------------


def _reader_stops_early(home: Path, *arguments: str) -> tuple[int, str]:
    """The command with its stdout read for 10 bytes, then closed, as `| head -1` does."""
    shown = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=home / "work",
        env=_env(home),
    )
    assert shown.stdout is not None and shown.stderr is not None
    shown.stdout.read(10)
    shown.stdout.close()
    status = shown.wait(timeout=120)
    return status, shown.stderr.read().decode()


def test_a_reader_that_stops_early_gets_no_traceback_from_check_or_sessions(home: Path) -> None:
    folder = _folder(home)
    for number in range(800):
        session_id = f"{number:08d}-1111-4111-8111-111111111111"
        _write(folder / f"{session_id}.jsonl", _tiny_session(session_id, "x" * 100))
    for arguments in (("check", str(folder)), ("sessions", "--all")):
        status, stderr = _reader_stops_early(home, *arguments)
        assert status == 0, stderr
        assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_check_of_an_empty_folder_or_a_missing_path_never_says_all_resumable(
    home: Path,
) -> None:
    empty = home / "empty"
    empty.mkdir()
    for target, message in ((empty, "no session files"), (home / "missing", "no such file")):
        result = _run(home, "check", str(target))
        assert result.returncode == 2
        assert message in result.stderr
        assert "resumable" not in result.stdout + result.stderr
        assert "Checked" not in result.stdout


# --- item 9 -------------------------------------------------------------------------------------


def test_a_link_to_a_fifo_as_the_newest_session_is_refused_not_read(home: Path) -> None:
    folder = _folder(home)
    _write(folder / f"{SESSION}.jsonl", _tiny_session(SESSION, "hi"))
    os.mkfifo(home / "pipe")
    (folder / "22222222-2222-4222-8222-222222222222.jsonl").symlink_to(home / "pipe")
    for arguments in (("check", "--last"), ("show", "--last")):
        result = _run(home, *arguments)
        assert "Traceback" not in result.stderr
        refused = result.returncode == 2 and "not a regular file (a FIFO)" in result.stderr
        skipped = SESSION in result.stdout  # `claude --continue` skips links; so may `--last`
        assert refused or skipped, result.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_cache_file_that_is_a_fifo_or_dev_zero_does_not_stop_the_listing(
    home: Path, kind: str
) -> None:
    folder = _folder(home)
    _write(folder / f"{SESSION}.jsonl", _tiny_session(SESSION, "hi"))
    cache = home / ".cache" / "session-lsp" / "sessions.json"
    cache.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(cache)
    else:
        cache.symlink_to("/dev/zero")
    result = _run(home, "sessions")
    assert result.returncode == 0, result.stderr
    assert "1 session" in result.stdout


@pytest.mark.parametrize(
    "stamps",
    [
        ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
        ("0001-01-01T00:00:00-05:00", "0001-01-01T00:00:00+05:00"),
    ],
)
def test_a_session_stamped_at_the_ends_of_time_is_repaired(
    home: Path, stamps: tuple[str, str]
) -> None:
    session = _write(home / "edge.jsonl", _tiny_session(SESSION, "hi", *stamps))
    result = _run(home, "fix", str(session), TZ="America/Los_Angeles")
    assert result.returncode == 0, result.stderr
    assert _run(home, "check", str(session)).returncode == 0
