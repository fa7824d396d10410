"""`session-lsp sessions`: the sessions of this directory's project (or all), newest first."""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

from session_lsp.cli.output import Progress, write_json
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
            if not root.is_dir():
                raise SessionNameError(f"no Claude Code sessions folder at {root}")
            scope = None
        elif project is not None:
            scope = _project_scope(Path(project), root)
        else:
            scope = project_sessions_folder(None, root)
    except SessionNameError as error:
        print(f"session-lsp: {error}", file=sys.stderr)
        return EXIT_USAGE
    progress = _LateProgress()
    try:
        sessions = list_sessions(root, project=scope, on_progress=progress)
    finally:
        progress.close()
    if broken_only:
        sessions = [session for session in sessions if session.health is Health.BROKEN]
    if output_format == "json":
        write_json([session.to_json() for session in sessions], sys.stdout)
        return EXIT_CLEAN
    for session in sessions:
        print(format_session(session, with_project=all_projects))
    print(_summary(sessions, scope))
    return EXIT_CLEAN


def _project_scope(project: Path, root: Path) -> Path:
    """A project folder under the root as given, else the folder of a working directory."""
    if project.is_dir() and project.resolve().parent == root.resolve():
        return project
    return project_sessions_folder(project, root)


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso[:16]
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


def _home_relative(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home) :] if path == home or path.startswith(home + os.sep) else path


def format_session(session: SessionSummary, *, with_project: bool) -> str:
    columns = [
        f"{_health(session):<13}",
        f"{_when(session.last_activity):<16}",
        f"{human_size(session.size_bytes):>8}",
        f"{session.version or '-':<8}",
        session.session_id,
        session.title or "(untitled)",
    ]
    if with_project:
        columns.append(f"[{_home_relative(session.project or str(session.path.parent))}]")
    return "  ".join(columns)


def _summary(sessions: list[SessionSummary], scope: Path | None) -> str:
    broken = [session for session in sessions if session.health is Health.BROKEN]
    where = f" in {scope}" if scope is not None else ""
    text = f"{len(sessions)} session(s){where}, {len(broken)} broken."
    if broken:
        text += f" Repair and resume one with: session-lsp resume {broken[0].session_id[:8]}"
    return text
