"""`session-lsp search QUERY`: the sessions that mention something, newest first, with the matches:
Claude Code's sessions and Codex's rollouts, in the same scopes as `sessions`.

Every session is searched in its bytes first (`core.search.candidate_lines`), in worker processes
when there is much to read; only a session whose bytes can hold a match is analysed, to say in
which segment, item and field each match is. So searching a gigabyte of sessions costs about a
read of them, not an analysis of each.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from session_lsp.cli.output import problem, write_json
from session_lsp.cli.sessions import home_relative, human_size, listing_scope, nothing_in
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.search import (
    Hit,
    QueryError,
    candidate_lines,
    compile_query,
    search_model,
)
from session_lsp.core.turns import build_model
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.parallel import Crash, map_in_order
from session_lsp.sessions import SessionNameError, projects_root
from session_lsp.sessions.discovery import session_files
from session_lsp.sessions.registry import analyse_session
from session_lsp.sessions.rollouts import session_metadata

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
DEFAULT_LIMIT = 10
"""Matches shown per session: enough to tell where it was, few enough to scan the list."""


@dataclass(slots=True)
class SessionMatches:
    """What one session's search found (picklable: it comes back from a worker)."""

    path: Path
    mtime_ns: int = 0
    size: int = 0
    session_id: str | None = None
    title: str | None = None
    project: str | None = None
    hits: list[Hit] = field(default_factory=list)
    segments: int = 1
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "sessionId": self.session_id or self.path.stem,
            "title": self.title,
            "project": self.project,
            "modified": _iso(self.mtime_ns),
            "sizeBytes": self.size,
            "hits": [hit.to_json() for hit in self.hits],
        }


def search_file(job: tuple[Path, str, int]) -> SessionMatches:
    """One session searched: bytes first, the model only when they can match (module level, for
    the worker processes)."""
    path, text, limit = job
    query = compile_query(text)
    try:
        session = read_session_file(path)
    except SessionFileError as error:
        return SessionMatches(path, error=str(error))
    found = SessionMatches(path, session.mtime_ns, session.size)
    raw = session.data
    lines = candidate_lines(raw, query)
    if not lines:
        return found
    metadata = session_metadata(raw, path)
    if metadata.is_sidechain:
        return found  # a sub-agent's transcript, as the listing leaves it out
    model = build_model(analyse_session(session), path)
    found.session_id = metadata.session_id or model.session_id
    found.title = metadata.title or model.title
    found.project = metadata.project
    found.hits = search_model(model, query, limit, lines)
    found.segments = len(model.earlier_segments) + 1
    return found


def search_sessions(
    paths: list[Path], text: str, limit: int, jobs: int
) -> list[SessionMatches | Crash]:
    sizes = [_size(path) for path in paths]
    jobs_list = [(path, text, limit) for path in paths]
    return list(map_in_order(search_file, jobs_list, sizes, jobs=jobs))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def run_search(
    text: str,
    *,
    all_projects: bool,
    project: str | None,
    output_format: str,
    limit: int,
    jobs: int,
) -> int:
    try:
        compile_query(text)
    except QueryError as error:
        problem(f"search: {error}")
        return EXIT_USAGE
    root = projects_root()
    unreadable: list[str] = []
    try:
        scope = listing_scope(root, all_projects=all_projects, project=project)
    except SessionNameError as error:
        problem(str(error))
        return EXIT_USAGE
    paths = session_files(root, scope, unreadable.append)
    if not paths and not unreadable:
        problem(nothing_in(root, scope, "nothing was searched"))
        return EXIT_USAGE
    results = search_sessions(paths, text, limit, jobs)
    matched: list[SessionMatches] = []
    for path, result in zip(paths, results, strict=True):
        if isinstance(result, Crash):
            unreadable.append(f"{path}: {result.message}")
        elif result.error is not None:
            unreadable.append(result.error)
        elif result.hits:
            matched.append(result)
    for message in unreadable:
        problem(message)
    if output_format == "json":
        write_json([result.to_json() for result in matched], sys.stdout)
    else:
        for result in matched:
            _print_session(result, with_project=all_projects)
        total = sum(len(result.hits) for result in matched)
        print(f"{total} match(es) in {len(matched)} of {len(paths)} session(s).")
    return EXIT_FOUND if matched else EXIT_NOT_FOUND


def _print_session(result: SessionMatches, *, with_project: bool) -> None:
    columns = [
        f"{_when(result.mtime_ns):<16}",
        f"{human_size(result.size):>8}",
        for_terminal(result.session_id or result.path.stem),
        for_terminal(result.title or "(untitled)"),
    ]
    if with_project:
        columns.append(
            f"[{for_terminal(home_relative(result.project or str(result.path.parent)))}]"
        )
    print("  ".join(columns))
    for hit in result.hits:
        # Counted from 1, as `show` numbers items; the segment only when there are several.
        where = f"item {hit.index + 1}"
        if result.segments > 1:
            where = f"segment {hit.segment + 1}/{result.segments} {where}"
        print(f"    {where} {hit.field.value} (line {hit.line + 1}): {for_terminal(hit.snippet)}")


def _when(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")


def _iso(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9).astimezone().isoformat(timespec="seconds")
