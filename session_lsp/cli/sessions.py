"""`session-lsp sessions`: the sessions of this directory's project (or all), newest first."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

from session_lsp.cli.output import Progress, nothing_found, problem, write_json
from session_lsp.cli.programs import command_line
from session_lsp.cli.terminal import for_terminal
from session_lsp.files import is_folder
from session_lsp.sessions import SessionNameError, list_sessions, projects_root
from session_lsp.sessions.naming import project_sessions_folder
from session_lsp.sessions.summary import Health, SessionSummary

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
    root = projects_root()
    try:
        if all_projects:
            if not is_folder(root):
                raise SessionNameError(f"no Claude Code sessions folder at {root}")
            scope = None
        elif project is not None:
            scope = _project_scope(Path(project), root)
        else:
            scope = project_sessions_folder(None, root)
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
        problem(nothing_found([str(scope or root)], "nothing was listed"))
    if broken_only:
        sessions = [session for session in sessions if session.health is Health.BROKEN]
    if output_format == "json":
        write_json([session.to_json() for session in sessions], sys.stdout)
    else:
        for session in sessions:
            print(format_session(session, with_project=all_projects))
        if not empty:
            print(_summary(sessions, scope))
    return EXIT_USAGE if unreadable or empty else EXIT_CLEAN


def _project_scope(project: Path, root: Path) -> Path:
    """A project folder under the root as given, else the folder of a working directory."""
    if is_folder(project) and project.resolve().parent == root.resolve():
        return project
    return project_sessions_folder(project, root)


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except (ValueError, OverflowError):  # not a date, or out of range in this time zone
        return for_terminal(iso[:16])
    return moment.strftime("%Y-%m-%d %H:%M")


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


def format_session(session: SessionSummary, *, with_project: bool) -> str:
    """One row; every field read from the file or its name is made safe for a terminal."""
    columns = [
        f"{_health(session):<13}",
        f"{_when(session.last_activity):<16}",
        f"{human_size(session.size_bytes):>8}",
        f"{for_terminal(session.version or '-'):<8}",
        for_terminal(session.session_id),
        for_terminal(session.title or "(untitled)"),
    ]
    if with_project:
        where = home_relative(session.project or str(session.path.parent))
        columns.append(f"[{for_terminal(where)}]")
    return "  ".join(columns)


def _summary(sessions: list[SessionSummary], scope: Path | None, os_name: str = os.name) -> str:
    """The footer; its command is quoted for this system's shells (`command_line`), and left out
    where no form of it is read alike by cmd.exe and PowerShell."""
    broken = [session for session in sessions if session.health is Health.BROKEN]
    where = f" in {for_terminal(str(scope))}" if scope is not None else ""
    text = f"{len(sessions)} session(s){where}, {len(broken)} broken."
    command = (
        command_line(["session-lsp", "resume", broken[0].session_id[:8]], os_name)
        if broken
        else None
    )
    if command is not None:
        text += f" Repair and resume one with: {for_terminal(command)}"
    return text
