"""Searching many sessions at once: `session-lsp search QUERY` and the server's
`sessionLsp.searchSessions` (the editor's "Search Sessions").

Every session is searched in its bytes first (`core.search.candidate_lines`), in worker processes
when there is much to read; only a session whose bytes can hold a match is analysed, to say in
which segment, item and field each match is. So searching a gigabyte of sessions costs about a
read of them, not an analysis of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from session_lsp.core.search import Hit, candidate_lines, compile_query, search_model
from session_lsp.core.turns import build_model
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.parallel import Crash, map_in_order
from session_lsp.sessions.registry import analyse_session
from session_lsp.sessions.rollouts import rollout_id, session_metadata


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
    more: bool = False
    """Matches past the first `limit` were found and left out."""
    segments: int = 1
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "sessionId": self.session_id or self.path.stem,
            "title": self.title,
            "project": self.project,
            "modified": modified_time(self.mtime_ns),
            "sizeBytes": self.size,
            "agent": "codex" if rollout_id(self.path.name) is not None else "claude-code",
            "segments": self.segments,
            "hits": [hit.to_json() for hit in self.hits],
            "more": self.more,
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
    # One match past the limit says there are more, so that a cut list is never taken as whole.
    hits = search_model(model, query, limit + 1, lines)
    found.hits, found.more = hits[:limit], len(hits) > limit
    found.segments = len(model.earlier_segments) + 1
    return found


def search_sessions(
    paths: list[Path], text: str, limit: int, jobs: int
) -> tuple[list[SessionMatches], list[str]]:
    """The sessions with a match (at most `limit` each), in the order of `paths`, and what could
    not be searched, one line each for the user."""
    sizes = [_size(path) for path in paths]
    jobs_list = [(path, text, limit) for path in paths]
    matched: list[SessionMatches] = []
    problems: list[str] = []
    results = map_in_order(search_file, jobs_list, sizes, jobs=jobs)
    for path, result in zip(paths, results, strict=True):
        if isinstance(result, Crash):
            problems.append(f"{path}: {result.message}")
        elif result.error is not None:
            problems.append(result.error)
        elif result.hits:
            matched.append(result)
    return matched, problems


def modified_time(mtime_ns: int) -> str:
    """When the session was last written, in this computer's time zone, as the listing says it."""
    return datetime.fromtimestamp(mtime_ns / 1e9).astimezone().isoformat(timespec="seconds")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
