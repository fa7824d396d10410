"""Whether Claude Code runs a session, from its registry of running sessions (issue #15 item 8).

Real processes stand in for Claude Code: `sleep` run through a symbolic link named `claude`, so
its command line is Claude Code's. Each is killed by its own process id when the test ends.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from session_lsp.sessions.registry import Liveness, _runs_claude, running_sessions
from tests.sessions.tree import DAMAGED, ProjectsTree, build_tree

SLEEP = shutil.which("sleep") or "/bin/sleep"
OTHER = "0a0a0a0a-0000-4000-8000-00000000000b"


class Processes:
    """Processes a test starts; each is ended by its own id."""

    def __init__(self, base: Path) -> None:
        self.claude = base / "running" / "claude"
        self.claude.parent.mkdir()
        self.claude.symlink_to(SLEEP)
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, *, as_claude: bool = True) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([str(self.claude) if as_claude else SLEEP, "60"])
        self.started.append(process)
        for _ in range(100):  # until exec has replaced the forked child's command line
            if Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(b"/") or not as_claude:
                break
            time.sleep(0.01)
        return process

    def dead_pid(self) -> int:
        process = subprocess.Popen([SLEEP, "0"])
        process.wait()
        return process.pid

    def stop(self) -> None:
        for process in self.started:
            process.kill()
            process.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    yield started
    started.stop()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectsTree:
    built = build_tree(tmp_path)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(built.home / ".claude"))
    return built


def _ticks(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rfind(")") + 2 :].split()[19]


def _lstart(pid: int) -> str:
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    return subprocess.run(
        ["ps", "-o", "lstart=", "-p", str(pid)], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


def _register(tree: ProjectsTree, pid: int, **fields: object) -> Path:
    folder = tree.home / ".claude" / "sessions"
    folder.mkdir(exist_ok=True)
    body = {"pid": pid, "sessionId": DAMAGED, "cwd": str(tree.work), **fields}
    entry = folder / f"{pid}.json"
    entry.write_text(json.dumps(body))
    return entry


def _now_ms() -> int:
    return int(time.time() * 1000)


def _live(tree: ProjectsTree, session_id: str = DAMAGED) -> bool:
    path = tree.session(session_id)
    return Liveness.read().is_live(path, path.stat().st_mtime_ns)


def test_a_registered_claude_with_matching_start_ticks_runs_its_session(
    tree: ProjectsTree, processes: Processes
) -> None:
    claude = processes.start()
    _register(tree, claude.pid, startedAt=_now_ms(), procStart=_ticks(claude.pid))
    assert _live(tree)  # its file was written ten minutes ago: the clock alone says dead
    assert "is running this session" in (Liveness.read().why_live(tree.session(DAMAGED), 0) or "")


def test_procstart_as_ps_lstart_text_identifies_the_process(
    tree: ProjectsTree, processes: Processes
) -> None:
    claude = processes.start()
    _register(tree, claude.pid, startedAt=_now_ms(), procStart=_lstart(claude.pid))
    assert _live(tree)


def test_without_procstart_a_process_started_no_later_than_startedat_counts(
    tree: ProjectsTree, processes: Processes
) -> None:
    claude = processes.start()
    _register(tree, claude.pid, startedAt=_now_ms())
    assert _live(tree)


def test_an_entry_left_by_a_crash_whose_process_is_gone_is_not_live(
    tree: ProjectsTree, processes: Processes
) -> None:
    _register(tree, processes.dead_pid(), startedAt=_now_ms())
    assert not _live(tree)
    assert running_sessions() == []


@pytest.mark.parametrize("proof", ["ticks", "lstart", "startedAt"])
def test_a_reused_pid_is_another_process(
    tree: ProjectsTree, processes: Processes, proof: str
) -> None:
    claude = processes.start()
    hour_ago = _now_ms() - 3_600_000
    fields: dict[str, object] = {
        "ticks": {"startedAt": hour_ago, "procStart": str(int(_ticks(claude.pid)) - 360_000)},
        "lstart": {"startedAt": hour_ago, "procStart": "Mon Jan  5 10:00:00 2026"},
        "startedAt": {"startedAt": hour_ago},
    }[proof]
    _register(tree, claude.pid, **fields)
    assert not _live(tree)


def test_a_live_process_that_is_not_claude_code_does_not_make_a_session_live(
    tree: ProjectsTree, processes: Processes
) -> None:
    other = processes.start(as_claude=False)
    _register(tree, other.pid, startedAt=_now_ms(), procStart=_ticks(other.pid))
    assert not _live(tree)


def test_with_a_registry_a_file_written_a_moment_ago_by_no_running_claude_is_not_live(
    tree: ProjectsTree,
) -> None:
    (tree.home / ".claude" / "sessions").mkdir()
    os.utime(tree.session(DAMAGED))
    assert not _live(tree)


@pytest.mark.parametrize("registry", ["missing", "a file"])
def test_without_a_readable_registry_the_modification_time_rule_stays(
    tree: ProjectsTree, registry: str
) -> None:
    if registry == "a file":
        (tree.home / ".claude" / "sessions").write_text("{}")
    os.utime(tree.session(DAMAGED))
    assert not Liveness.read().has_registry
    assert _live(tree)


def test_a_running_claude_holds_its_project_s_sessions_written_since_it_started(
    tree: ProjectsTree, processes: Processes
) -> None:
    """Its registered sessionId goes stale when it switches sessions (/clear)."""
    claude = processes.start()
    started = _now_ms() - 60_000
    _register(tree, claude.pid, sessionId=OTHER, startedAt=started, procStart=_ticks(claude.pid))
    assert not _live(tree)  # written ten minutes ago, before that Claude Code started
    os.utime(tree.session(DAMAGED))
    assert _live(tree)


def test_malformed_entries_are_ignored_without_blocking(
    tree: ProjectsTree, processes: Processes
) -> None:
    claude = processes.start()
    folder = tree.home / ".claude" / "sessions"
    folder.mkdir()
    (folder / "1.json").write_text("[1, 2]")
    (folder / "2.json").write_text("{not json")
    (folder / "3.json").write_bytes(b"\xff" * 100)
    (folder / "abc.json").write_text(json.dumps({"pid": claude.pid, "sessionId": DAMAGED}))
    os.mkfifo(folder / f"{claude.pid}.json")
    mismatch = folder / "4.json"
    mismatch.write_text(json.dumps({"pid": claude.pid, "sessionId": DAMAGED}))
    (folder / "5.json").symlink_to(mismatch)
    assert running_sessions() == []
    assert not _live(tree)


def test_a_process_that_exits_while_its_command_line_is_read_is_not_claude_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Linux answers ESRCH, not ENOENT, to a read of a `/proc/PID` file opened just before the
    process was reaped: that process is gone, not one whose command line is hidden."""

    def reaped(self: Path) -> bytes:
        raise ProcessLookupError(3, "No such process")

    monkeypatch.setattr(Path, "read_bytes", reaped)
    assert _runs_claude(os.getpid()) is False
