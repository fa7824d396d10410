"""Searching many sessions at once: `session-lsp search QUERY` and the server's
`sessionLsp.searchSessions` (the editor's "Search Sessions").

Every session is searched in its bytes first (`core.search.candidate_lines`), in worker processes
when there is much to read; only a session whose bytes can hold a match is analysed, to say in
which segment, item and field each match is. So searching a gigabyte of sessions costs about a
read of them, not an analysis of each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from session_lsp.core.search import Hit, candidate_lines, compile_query, search_model
from session_lsp.core.turns import build_model
from session_lsp.core.turns.segments import live_segment
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
    branches: int = 0
    """How many of the segments are abandoned branches, the ones just before the last."""
    error: str | None = None
    agent_of: str | None = None
    """For a sub-agent's transcript: the session it worked for, by id."""
    agents: list[SessionMatches] = field(default_factory=list)
    """The session's sub-agent transcripts that match, in the order they were searched."""

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
            "branches": self.branches,
            "hits": [hit.to_json() for hit in self.hits],
            "more": self.more,
            "agents": [agent.to_json() for agent in self.agents],
        }


def search_file(job: tuple[Path, str, int, bool]) -> SessionMatches:
    """One session searched: bytes first, the model only when they can match (module level, for
    the worker processes). `sub_agent`: the file is one of a session's sub-agent transcripts,
    searched as such; any other file whose lines are all a sub-agent's is left out, as the
    listing leaves it out."""
    path, text, limit, sub_agent = job
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
    if metadata.is_sidechain != sub_agent:
        return found
    model = build_model(analyse_session(session), path)
    found.session_id = metadata.session_id or model.session_id
    found.title = metadata.title or model.title
    found.project = metadata.project
    # One match past the limit says there are more, so that a cut list is never taken as whole.
    hits = search_model(model, query, limit + 1, lines)
    found.hits, found.more = hits[:limit], len(hits) > limit
    found.segments = live_segment(model) + 1
    found.branches = len(model.abandoned_segments)
    if sub_agent:
        found.agent_of = found.session_id
    return found


def search_sessions(
    paths: list[Path],
    text: str,
    limit: int,
    jobs: int,
    sub_agents: Sequence[tuple[Path, str | None]] = (),
) -> tuple[list[SessionMatches], list[str]]:
    """The sessions with a match (at most `limit` each), in the order of `paths`, each with its
    sub-agent transcripts that match (`sub_agents`: those of these sessions, each with its
    session's id where its folder says it, else the one its lines name); a session whose only
    matches are in a sub-agent's transcript is listed for them. And what could not be searched,
    one line each for the user."""
    searched = [*((path, None, False) for path in paths), *((p, o, True) for p, o in sub_agents)]
    sizes = [_size(path) for path, _, _ in searched]
    jobs_list = [(path, text, limit, sub_agent) for path, _, sub_agent in searched]
    results = map_in_order(search_file, jobs_list, sizes, jobs=jobs)
    sessions: list[SessionMatches] = []
    agents: dict[str, list[SessionMatches]] = {}
    problems: list[str] = []
    for (path, owner, sub_agent), result in zip(searched, results, strict=True):
        if isinstance(result, Crash):
            problems.append(f"{path}: {result.message}")
        elif result.error is not None:
            problems.append(result.error)
        elif not sub_agent:
            sessions.append(result)
        elif result.hits and (owner or result.agent_of) is not None:
            result.agent_of = owner or result.agent_of
            agents.setdefault(result.agent_of or "", []).append(result)
    matched: list[SessionMatches] = []
    for session in sessions:
        session.agents = _owned(session, agents)
        if session.agents and not session.hits:
            _describe(session)
        if session.hits or session.agents:
            matched.append(session)
    return matched, problems


def _owned(
    session: SessionMatches, agents: dict[str, list[SessionMatches]]
) -> list[SessionMatches]:
    """The sub-agents' matches that name this session: by its file's name, as Claude Code names
    a session file and its sub-agents' folder, or by the id its lines carry (a session that did
    not match was not read: its name is all there is)."""
    names = [session.path.stem]
    if session.session_id is not None and session.session_id != session.path.stem:
        names.append(session.session_id)
    return [agent for name in names for agent in agents.pop(name, [])]


def _describe(session: SessionMatches) -> None:
    """The id, title and project of a session listed for its sub-agents' matches alone."""
    try:
        data = read_session_file(session.path).data
    except SessionFileError:
        return
    metadata = session_metadata(data, session.path)
    session.session_id = metadata.session_id or session.path.stem
    session.title, session.project = metadata.title, metadata.project


def modified_time(mtime_ns: int) -> str:
    """When the session was last written, in this computer's time zone, as the listing says it."""
    return datetime.fromtimestamp(mtime_ns / 1e9).astimezone().isoformat(timespec="seconds")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
