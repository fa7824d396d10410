"""`session-lsp sessions`: the sessions of this directory's project (or all), newest first: Claude
Code's sessions and Codex's rollouts together."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

from session_lsp.cli.output import Progress, nothing_found, problem, write_json
from session_lsp.cli.programs import command_line
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.wording import counted
from session_lsp.files import is_folder
from session_lsp.sessions import SessionNameError, list_sessions, projects_root
from session_lsp.sessions.discovery import project_folders
from session_lsp.sessions.locations import (
    canonical_cwd,
    codex_sessions_root,
    project_folder,
    project_folder_name,
)
from session_lsp.sessions.summary import Agent, Health, SessionSummary

EXIT_CLEAN, EXIT_USAGE = 0, 2
PROGRESS_AFTER_SECONDS = 0.3
"""A warm listing is done before this; only a slow (cold) one shows a bar."""


class _LateProgress:
    """The progress bar, shown only once a listing has taken longer than a glance."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._bar: Progress | None = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if self._bar is None:
            if time.monotonic() - self._start < PROGRESS_AFTER_SECONDS:
                return
            self._bar = Progress(total, sys.stderr)
        self._bar.update(done, label)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run_sessions(
    *, all_projects: bool, project: str | None, broken_only: bool, output_format: str
) -> int:
    root, codex_root = projects_root(), codex_sessions_root()
    try:
        scope = listing_scope(root, all_projects=all_projects, project=project)
    except SessionNameError as error:
        problem(str(error))
        return EXIT_USAGE
    progress = _LateProgress()
    unreadable: list[str] = []
    try:
        sessions = list_sessions(
            root, project=scope, on_progress=progress, on_problem=unreadable.append
        )
    finally:
        progress.close()
    for message in unreadable:
        problem(message)
    empty = not sessions and not unreadable
    if empty:
        # A project folder (or projects root) that holds no session is no different to the user
        # from one that does not exist, which is exit 2 too.
        problem(nothing_in(root, scope, "nothing was listed"))
        if nothing_started_in(root, scope):
            return EXIT_USAGE
    if broken_only:
        sessions = [session for session in sessions if session.health is Health.BROKEN]
    if output_format == "json":
        write_json([session.to_json() for session in sessions], sys.stdout)
    else:
        width = max((len(_version(session)) for session in sessions), default=0)
        for session in sessions:
            print(format_session(session, with_project=all_projects, version_width=width))
        if not empty:
            print(_summary(sessions, _places(root, codex_root, scope, sessions)))
    return EXIT_USAGE if unreadable or empty else EXIT_CLEAN


def listing_scope(root: Path, *, all_projects: bool, project: str | None) -> Path | None:
    """What `sessions` and `search` cover: None for every project (refused when neither agent
    has a sessions folder), a Claude Code project folder named as such, else a working
    directory, whose sessions are those of its project folder and the Codex rollouts started in
    it (`discovery.codex_scope`)."""
    if all_projects:
        codex_root = codex_sessions_root()
        if not is_folder(root) and not is_folder(codex_root):
            raise SessionNameError(
                f"no Claude Code sessions folder at {root} and no Codex sessions folder at"
                f" {codex_root}"
            )
        return None
    given = Path(project) if project is not None else None
    if given is not None and is_folder(given) and given.resolve().parent == root.resolve():
        return given
    try:
        return Path(canonical_cwd(given))
    except FileNotFoundError:
        raise SessionNameError(
            "the current directory no longer exists, so it has no sessions:"
            " change to an existing one, or name the session by its id"
        ) from None


def nothing_started_in(root: Path, scope: Path | None) -> bool:
    """`scope` is a working directory in which neither agent was ever started."""
    return (
        scope is not None
        and scope.parent.resolve() != root.resolve()
        and (project_folder(scope, root) is None)
    )


def nothing_in(root: Path, scope: Path | None, outcome: str) -> str:
    """What is said when a listing or a search found no session file in `scope`."""
    codex_root = codex_sessions_root()
    if scope is None:
        places = [str(place) for place in (root, codex_root) if is_folder(place)]
        return nothing_found(places or [str(root)], outcome)
    if scope.parent.resolve() == root.resolve():
        return nothing_found([str(scope)], outcome)
    folder = project_folder(scope, root)
    if folder is not None:
        return nothing_found([str(folder)], outcome)
    return (
        f"no Claude Code or Codex sessions for {scope} (looked for"
        f" {root / project_folder_name(str(scope))} and for rollouts started there under"
        f" {codex_root})"
    )


def _places(
    root: Path, codex_root: Path, scope: Path | None, sessions: list[SessionSummary]
) -> list[str]:
    """Where a project's listed sessions were found, for the footer."""
    if scope is None:
        return []
    folders = project_folders(root, scope)
    codex = any(session.agent is Agent.CODEX for session in sessions)
    return [str(folder) for folder in folders] + ([str(codex_root)] if codex else [])


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except (ValueError, OverflowError):  # not a date, or out of range in this time zone
        return for_terminal(iso[:16])
    return moment.strftime("%Y-%m-%d %H:%M")


SIZE_WIDTH = len("1023.9 KB")
"""The widest size `human_size` writes: the listings' size column is this wide."""


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _health(session: SessionSummary) -> str:
    counts = ""
    if session.errors:
        counts += f" {session.errors}E"
    if session.warnings:
        counts += f" {session.warnings}W"
    return f"{session.health.value}{counts}"


def home_relative(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home) :] if path == home or path.startswith(home + os.sep) else path


def _version(session: SessionSummary) -> str:
    """The version column, which names the agent of a Codex rollout ("codex 0.125.0")."""
    version = for_terminal(session.version or "-")
    return f"codex {version}" if session.agent is Agent.CODEX else version


def format_session(session: SessionSummary, *, with_project: bool, version_width: int = 8) -> str:
    """One row; every field read from the file or its name is made safe for a terminal."""
    columns = [
        f"{_health(session):<13}",
        f"{_when(session.last_activity):<16}",
        f"{human_size(session.size_bytes):>{SIZE_WIDTH}}",
        f"{_version(session):<{max(8, version_width)}}",
        for_terminal(session.session_id),
        for_terminal(session.title or "(untitled)"),
    ]
    if with_project:
        where = home_relative(session.project or str(session.path.parent))
        columns.append(f"[{for_terminal(where)}]")
    return "  ".join(columns)


def _summary(sessions: list[SessionSummary], places: list[str], os_name: str = os.name) -> str:
    """The footer; its command is quoted for this system's shells (`command_line`), and left out
    where no form of it is read alike by cmd.exe and PowerShell."""
    broken = [session for session in sessions if session.health is Health.BROKEN]
    where = f" in {' and '.join(for_terminal(place) for place in places)}" if places else ""
    text = f"{counted(len(sessions), 'session')}{where}, {len(broken)} broken."
    command = (
        command_line(["session-lsp", "resume", broken[0].session_id[:8]], os_name)
        if broken
        else None
    )
    if command is not None:
        text += f" Repair and resume one with: {for_terminal(command)}"
    return text
