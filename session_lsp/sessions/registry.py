"""Is Claude Code running a session right now? Ask its registry of running sessions, not the clock.

Claude Code (since 2.1.x, `src/utils/concurrentSessions.ts`) writes `<pid>.json` into
`$CLAUDE_CONFIG_DIR/sessions/` (`~/.claude/sessions/`) when it starts: `pid`, `sessionId`, `cwd`,
`startedAt` (epoch milliseconds) and, in newer versions, `procStart`, `status` and `updatedAt`. A
graceful exit removes the file; a crash leaves it behind, and its PID may later belong to another
process. So an entry counts only when its process is alive, is the very process that wrote it
(`procStart`: the start time in clock ticks of `/proc/PID/stat` on Linux, or `ps -o lstart` text
read with `LC_ALL=C TZ=UTC`; without it, a process that started after `startedAt` is another
one) and runs Claude Code.

An entry's `sessionId` is known to go stale when the running session switches to another one
(`/clear`; anthropics/claude-code#36213, #53037), so a running Claude Code also holds every session
of its own project folder written since it started. Where there is no registry at all (versions
before it), the old rule stays: a file written in the last `LIVE_SECONDS` is live. A repair
refuses, and `check`, `show`, `sessions` and the server's views call the tail's dangling call a
running tool, by this one answer (`Liveness`, read once per command or listing).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from session_lsp.core.analysis import LIVE_SECONDS, Analysis, analyse_bytes
from session_lsp.fileops import O_NOFOLLOW, READ_ANY, read_small_file
from session_lsp.files import SessionFile
from session_lsp.processes import process_exists
from session_lsp.sessions.locations import claude_config_folder, names_project_folder

_ENTRY_NAME = re.compile(r"[0-9]{1,10}\.json")
_MAX_ENTRY_BYTES = 65536
_START_SLACK_SECONDS = 2.0
"""How far two readings of one process's start time may differ (clock ticks, whole-second text,
a boot time the clock moved): far less than the time a process takes to die and its PID to be
reused by a process that then writes the same entry."""
REGISTRY_AGENT = "Claude Code"
"""The agent whose registry this is, as formats name their agent."""
_CLAUDE_PATH_PARTS = ("/@anthropic-ai/claude-code/", "/@anthropic-ai/claude-agent-sdk/")


def registry_folder() -> Path:
    """`$CLAUDE_CONFIG_DIR/sessions`, else `~/.claude/sessions`."""
    return claude_config_folder() / "sessions"


@dataclass(frozen=True, slots=True)
class RunningClaude:
    """A registry entry whose process is alive and is the Claude Code that wrote it."""

    pid: int
    session_id: str | None
    cwd: str | None
    started_at: float | None
    """Seconds since the epoch (the entry's `startedAt`), when it has one."""
    entry: Path

    def describe(self) -> str:
        when = ""
        if self.started_at is not None:
            moment = datetime.fromtimestamp(self.started_at, UTC)
            when = f", started {moment:%Y-%m-%d %H:%M:%S} UTC"
        return f"Claude Code process {self.pid}{when} (registry entry {self.entry})"


@dataclass(frozen=True, slots=True)
class _Entry:
    pid: int
    session_id: str | None
    cwd: str | None
    started_at: float | None
    proc_start: str | None
    path: Path


def _read_entry(path: Path) -> _Entry | None:
    """One `<pid>.json`, or None when it is not a small regular file of the expected shape."""
    pid = int(path.name[:-5])
    raw = read_small_file(path, _MAX_ENTRY_BYTES, READ_ANY | O_NOFOLLOW)
    if raw is None:
        return None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    recorded_pid = body.get("pid")
    if recorded_pid is not None and recorded_pid != pid:
        return None
    started = body.get("startedAt")
    return _Entry(
        pid=pid,
        session_id=_text(body.get("sessionId")),
        cwd=_text(body.get("cwd")),
        started_at=started / 1000
        if isinstance(started, int | float) and not isinstance(started, bool)
        else None,
        proc_start=_text(body.get("procStart")),
        path=path,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def running_sessions(folder: Path | None = None) -> list[RunningClaude] | None:
    """Every registry entry whose Claude Code is running; None when there is no registry that can
    be read (then the modification-time rule decides)."""
    folder = folder if folder is not None else registry_folder()
    try:
        names = os.listdir(folder)
    except OSError:
        return None  # none, or one we may not read: nothing can be known from it
    running: list[RunningClaude] = []
    for name in sorted(names):
        if _ENTRY_NAME.fullmatch(name) is None:
            continue
        entry = _read_entry(folder / name)
        if entry is not None and _is_the_claude_that_wrote(entry):
            running.append(
                RunningClaude(entry.pid, entry.session_id, entry.cwd, entry.started_at, entry.path)
            )
    return running


def _is_the_claude_that_wrote(entry: _Entry) -> bool:
    if entry.pid <= 1 or not process_exists(entry.pid):
        return False
    return _same_process(entry) and _runs_claude(entry.pid)


def _same_process(entry: _Entry) -> bool:
    """The live process with the entry's PID is the one that wrote the entry, not a later one
    that was given the same PID. What cannot be checked counts as the same process."""
    if entry.proc_start is not None and entry.proc_start.isdigit():
        ticks = _start_ticks(entry.pid)
        if ticks is not None:
            return ticks == int(entry.proc_start)
    started = process_start(entry.pid)
    if started is None:
        return True
    recorded = _parse_lstart(entry.proc_start or "")
    if recorded is not None:
        return abs(recorded - started) <= _START_SLACK_SECONDS
    if entry.started_at is not None:
        return started <= entry.started_at + _START_SLACK_SECONDS
    return True


def _proc_stat_fields(pid: int) -> list[str] | None:
    """The fields of `/proc/PID/stat` after the command name (which may hold spaces and `)`)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except OSError:
        return None
    closing = text.rfind(")")
    return text[closing + 2 :].split() if closing >= 0 else None


def _start_ticks(pid: int) -> int | None:
    fields = _proc_stat_fields(pid)
    if fields is None or len(fields) < 20 or not fields[19].isdigit():
        return None
    return int(fields[19])  # field 22 of the line: start time, in clock ticks after boot


def _boot_time() -> float | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    return None


def process_start(pid: int) -> float | None:
    """When process `pid` started, in seconds since the epoch: from /proc, else from `ps`."""
    ticks = _start_ticks(pid)
    boot = _boot_time()
    if ticks is not None and boot is not None and sys.platform != "win32":  # /proc: not Windows
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    return _parse_lstart(_ps_lstart(pid) or "")


def _ps_lstart(pid: int) -> str | None:
    try:
        done = subprocess.run(
            ["ps", "-o", "lstart=", "-p", str(pid)],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            env={**os.environ, "LC_ALL": "C", "TZ": "UTC"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _parse_lstart(text: str) -> float | None:
    """`ps -o lstart` text under `LC_ALL=C TZ=UTC` ("Mon Aug 17 05:43:19 2026") as epoch seconds."""
    try:
        moment = datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def _runs_claude(pid: int) -> bool:
    """The process's command line is Claude Code's: the native `claude` binary, or Node.js running
    the npm package or the Agent SDK's copy. A command line we may not read counts as Claude's:
    calling a session live wrongly only asks the user to confirm."""
    raw: bytes | None
    if Path("/proc/self/cmdline").exists():
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            return False  # it has just exited (ESRCH: between the open and the read)
        except OSError:
            return True
    else:
        raw = _ps_command(pid)
    if raw is None:
        return True
    arguments = [part.decode(errors="replace") for part in raw.split(b"\0") if part][:2]
    for argument in arguments:
        if os.path.basename(argument.split(" ")[0]) == "claude":
            return True
        if any(part in argument for part in _CLAUDE_PATH_PARTS):
            return True
    return False


def _ps_command(pid: int) -> bytes | None:
    try:
        done = subprocess.run(
            ["ps", "-o", "command=", "-p", str(pid)],
            capture_output=True,
            timeout=5,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip().replace(b" ", b"\0") if done.returncode == 0 else None


class Liveness:
    """Which session files Claude Code is running now, read once and asked per file.

    Every command that judges a session live asks this, one instance per command or listing:
    `fix`, `resume`, `check`, `show`, `sessions`, and the server's disk commands and views."""

    def __init__(
        self,
        running: list[RunningClaude] | None,
        now: float | None = None,
        live_seconds: float = LIVE_SECONDS,
    ) -> None:
        """`live_seconds`: the modification-time rule's window, used only without a registry
        (the server takes its client's `liveSessionSeconds`)."""
        self.running = running
        self.now = time.time() if now is None else now
        self.live_seconds = live_seconds

    @classmethod
    def read(cls, live_seconds: float = LIVE_SECONDS) -> Liveness:
        return cls(running_sessions(), live_seconds=live_seconds)

    @property
    def has_registry(self) -> bool:
        return self.running is not None

    def why_live(self, path: Path, mtime_ns: int, agent: str | None = None) -> str | None:
        """Why the session in `path` must be taken as running, in words; None when it is not.

        `agent`: the program that writes the file (its format's), when known. The registry is
        Claude Code's: another agent's file (a Codex rollout) is judged by the modification-time
        rule, in that agent's name."""
        if self.running is None or (agent is not None and agent != REGISTRY_AGENT):
            if self.recently_written(mtime_ns):
                return (
                    f"written {self._age(mtime_ns):.1f}s ago: {agent or REGISTRY_AGENT} may still"
                    " be running this session"
                )
            return None
        for claude in self.running:
            if claude.session_id is not None and claude.session_id == path.stem:
                return f"{claude.describe()} is running this session"
        for claude in self.running:
            since = claude.started_at
            if (
                claude.cwd is not None
                and names_project_folder(claude.cwd, path.parent.name)
                and (since is None or mtime_ns / 1e9 >= since - _START_SLACK_SECONDS)
            ):
                return (
                    f"{claude.describe()} runs in this project and the file was written since it"
                    " started (Claude Code may have switched to this session)"
                )
        return None

    def is_live(self, path: Path, mtime_ns: int, agent: str | None = None) -> bool:
        return self.why_live(path, mtime_ns, agent) is not None

    def seconds_ago(self, path: Path, mtime_ns: int, agent: str | None = None) -> float | None:
        """Seconds since `path` was written when it is live, else None: what its analysis takes
        as `modified_seconds_ago`, with `live_seconds=math.inf` since the decision is made here,
        to call the tail's dangling call a running tool rather than damage."""
        live = self.why_live(path, mtime_ns, agent) is not None
        return self._age(mtime_ns) if live else None

    def recently_written(self, mtime_ns: int) -> bool:
        """The clock's rule, which decides without a registry and for other agents' files."""
        return self._age(mtime_ns) < self.live_seconds

    def _age(self, mtime_ns: int) -> float:
        return max(0.0, self.now - mtime_ns / 1e9)


def analyse_session(session: SessionFile, liveness: Liveness | None = None) -> Analysis:
    """A session file's analysis, its tail live when Claude Code runs it (`liveness`: the
    registry as read once for the command, else read now), or for another agent's file when the
    clock says so: how `check`, `show` and the server's views judge a file on disk."""
    liveness = liveness if liveness is not None else Liveness.read()
    age = liveness.seconds_ago(session.path, session.mtime_ns)
    analysis = analyse_bytes(session.data, modified_seconds_ago=age, live_seconds=math.inf)
    agent = analysis.format.agent if analysis.format is not None else None
    if agent is not None and agent != REGISTRY_AGENT:
        # Another agent's file (a Codex rollout): the registry says nothing of it, the clock does.
        own_age = liveness.seconds_ago(session.path, session.mtime_ns, agent)
        if own_age != age:
            analysis = analyse_bytes(
                session.data, modified_seconds_ago=own_age, live_seconds=math.inf
            )
    return analysis
