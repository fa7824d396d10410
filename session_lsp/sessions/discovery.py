"""Every Claude Code session under a projects root, with its health, for the CLI and the server.

Layout (format doc §1): main sessions are `<root>/<project>/<sessionId>.jsonl`. Sub-agent
transcripts are `<project>/agent-<id>.jsonl` beside them (2.0.x; they name their session in
`sessionId`) or `<project>/<sessionId>/subagents/**/agent-<id>.jsonl` (2.1.x). A sub-agent file is
never listed as a session, whatever its name: a file whose first chain line is a sidechain line is
an agent transcript too (Claude Code's `/resume` hides those as well).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from session_lsp.core.analysis import LIVE_SECONDS, analyse_bytes
from session_lsp.core.findings import Severity
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.sessions.cache import CACHE_NAME, CachedFile, SessionCache
from session_lsp.sessions.locations import cache_folder, project_folder, projects_root
from session_lsp.sessions.metadata import read_metadata
from session_lsp.sessions.summary import Health, SessionSummary

ProgressCallback = Callable[[int, int, str], None]
"""Called as (files done, files in all, current file) while a listing reads files."""

AGENT_PREFIX = "agent-"


@dataclass(slots=True)
class _ProjectFiles:
    candidates: list[Path] = field(default_factory=list)
    agents_beside: list[Path] = field(default_factory=list)
    agents_below: dict[str, list[Path]] = field(default_factory=dict)


def _scan_project(folder: Path) -> _ProjectFiles:
    found = _ProjectFiles()
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return found
    for entry in entries:
        if entry.name.endswith(".jsonl") and not entry.is_dir():
            target = (
                found.agents_beside if entry.name.startswith(AGENT_PREFIX) else found.candidates
            )
            target.append(Path(entry.path))
        elif entry.is_dir(follow_symlinks=False):
            subagents = Path(entry.path) / "subagents"
            if subagents.is_dir():
                found.agents_below[entry.name] = sorted(subagents.rglob("*.jsonl"))
    return found


def project_folders(root: Path, project: Path | None) -> list[Path]:
    """The folders to list: `project`'s (a folder under `root`, or a working directory whose
    sessions Claude Code keeps under `root`), else every folder under `root`."""
    if project is not None:
        if project.parent.resolve() == root.resolve() and project.is_dir():
            return [project]
        folder = project_folder(project, root)
        return [folder] if folder is not None else []
    try:
        return sorted(Path(entry.path) for entry in os.scandir(root) if entry.is_dir())
    except OSError:
        return []


def _iso(mtime_ns: int) -> str:
    moment = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sort_key(summary: SessionSummary) -> float:
    if summary.last_activity:
        try:
            return datetime.fromisoformat(summary.last_activity).timestamp()
        except ValueError:
            pass
    return summary.mtime_ns / 1e9


class _Reader:
    """Reads (or recalls from the cache) what the listing needs of each file."""

    def __init__(self, cache: SessionCache, now: float) -> None:
        self.cache = cache
        self.now = now
        self.present: set[str] = set()

    def entry(self, path: Path, *, analyse: bool) -> tuple[CachedFile | None, bool, str | None]:
        """(what is known of the file, whether it is live, why it could not be read)."""
        self.present.add(str(path))
        try:
            status = path.stat()
        except OSError as error:
            return None, False, f"cannot read: {error.strerror}"
        live = self.now - status.st_mtime < LIVE_SECONDS
        cached = self.cache.get(path, status.st_size, status.st_mtime_ns)
        if (
            cached is not None
            and not live
            and (not analyse or cached.is_sidechain or cached.errors >= 0)
        ):
            return cached, False, None
        try:
            session = read_session_file(path)
        except SessionFileError as error:
            return None, False, str(error)
        metadata = read_metadata(session.data, path.stem)
        errors = warnings = -1
        if analyse and not metadata.is_sidechain:
            age = max(0.0, self.now - session.mtime_ns / 1e9)
            analysis = analyse_bytes(session.data, modified_seconds_ago=age)
            errors = sum(1 for finding in analysis.findings if finding.is_error)
            warnings = sum(1 for f in analysis.findings if f.severity is Severity.WARNING)
        entry = CachedFile(
            size=session.size,
            mtime_ns=session.mtime_ns,
            session_id=metadata.session_id,
            project=metadata.project,
            title=metadata.title,
            first_activity=metadata.first_activity,
            last_activity=metadata.last_activity,
            version=metadata.version,
            is_sidechain=metadata.is_sidechain,
            errors=errors,
            warnings=warnings,
        )
        live = self.now - session.mtime_ns / 1e9 < LIVE_SECONDS
        if not live:
            self.cache.put(path, entry)
        return entry, live, None


def _summary(path: Path, entry: CachedFile, live: bool) -> SessionSummary:
    health = Health.LIVE if live else Health.BROKEN if entry.errors > 0 else Health.OK
    return SessionSummary(
        session_id=entry.session_id or path.stem,
        path=path,
        project=entry.project,
        title=entry.title,
        first_activity=entry.first_activity,
        last_activity=entry.last_activity or _iso(entry.mtime_ns),
        size_bytes=entry.size,
        version=entry.version,
        health=health,
        errors=max(0, entry.errors),
        warnings=max(0, entry.warnings),
        mtime_ns=entry.mtime_ns,
    )


def _unreadable(path: Path) -> SessionSummary:
    try:
        size = path.lstat().st_size
    except OSError:
        size = 0
    return SessionSummary(
        session_id=path.stem,
        path=path,
        project=None,
        title=None,
        first_activity=None,
        last_activity=None,
        size_bytes=size,
        version=None,
        health=Health.UNREADABLE,
        errors=0,
        warnings=0,
    )


def _list_project(
    files: _ProjectFiles, reader: _Reader, tick: Callable[[Path], None]
) -> list[SessionSummary]:
    sessions: list[SessionSummary] = []
    sidechains: list[tuple[Path, str | None]] = []
    for path in files.candidates:
        tick(path)
        entry, live, _problem = reader.entry(path, analyse=True)
        if entry is None:
            sessions.append(_unreadable(path))
        elif entry.is_sidechain:
            sidechains.append((path, entry.session_id))
        else:
            sessions.append(_summary(path, entry, live))
    for path in files.agents_beside:
        tick(path)
        entry, _live, _problem = reader.entry(path, analyse=False)
        sidechains.append((path, entry.session_id if entry is not None else None))
    by_id = {session.session_id: session for session in sessions}
    for path, session_id in sidechains:
        owner = by_id.get(session_id) if session_id is not None else None
        if owner is not None:
            owner.subagents.append(path)
    for session_id, agents in files.agents_below.items():
        owner = by_id.get(session_id)
        if owner is not None:
            owner.subagents.extend(agents)
    for session in sessions:
        session.subagents.sort()
    return sessions


def default_cache() -> SessionCache:
    return SessionCache(cache_folder() / CACHE_NAME)


def list_sessions(
    root: Path | None = None,
    *,
    project: Path | None = None,
    on_progress: ProgressCallback | None = None,
    cache: SessionCache | None = None,
) -> list[SessionSummary]:
    """The sessions under `root` (default: Claude Code's projects folder), newest activity first.

    `project` limits the listing to one project: a folder under `root`, or the working directory
    the sessions were started in. `lastActivity` is the newest timestamp written in the file, or
    its modification time when the file holds none."""
    root = root if root is not None else projects_root()
    cache = cache if cache is not None else default_cache()
    folders = project_folders(root, project)
    scanned = [(folder, _scan_project(folder)) for folder in folders]
    total = sum(len(files.candidates) + len(files.agents_beside) for _, files in scanned)
    done = 0

    def tick(path: Path) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total, str(path))

    reader = _Reader(cache, time.time())
    sessions: list[SessionSummary] = []
    for _folder, files in scanned:
        sessions.extend(_list_project(files, reader, tick))
    cache.forget_missing(folders, reader.present)
    cache.save()
    sessions.sort(key=_sort_key, reverse=True)
    return sessions
