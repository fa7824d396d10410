"""`session-lsp search QUERY`: the sessions that mention something, newest first, with the matches:
Claude Code's sessions and Codex's rollouts, in the same scopes as `sessions` (the search itself:
`sessions/search.py`, which the server's `sessionLsp.searchSessions` runs too).
"""

from __future__ import annotations

import sys
from datetime import datetime

from session_lsp.cli.output import problem, wants_colour, write_json
from session_lsp.cli.sessions import (
    SIZE_WIDTH,
    home_relative,
    human_size,
    listing_scope,
    nothing_in,
)
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.search import Query, QueryError, compile_query, match_starts
from session_lsp.core.wording import counted
from session_lsp.sessions import SessionNameError, projects_root
from session_lsp.sessions.discovery import session_files, sub_agent_files
from session_lsp.sessions.search import SessionMatches, search_sessions

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
DEFAULT_LIMIT = 10
"""Matches shown per session: enough to tell where it was, few enough to scan the list."""


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
        query = compile_query(text)
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
    agents = sub_agent_files(root, scope)
    matched, failed = search_sessions(paths, text, limit, jobs, agents)
    for message in [*unreadable, *failed]:
        problem(message)
    if output_format == "json":
        write_json([result.to_json() for result in matched], sys.stdout)
    else:
        colour = wants_colour(sys.stdout)
        for result in matched:
            _print_session(result, query if colour else None, with_project=all_projects)
        found = [*matched, *(agent for result in matched for agent in result.agents)]
        total = sum(len(result.hits) for result in found)
        results = counted(total, "result")
        cut = sum(result.more for result in found)
        more = f" ({counted(cut, 'transcript')} with more: raise --limit)" if cut else ""
        print(f"{results} in {len(matched)} of {counted(len(paths), 'session')}{more}.")
    return EXIT_FOUND if matched else EXIT_NOT_FOUND


_MATCH, _RESET = "\033[1;31m", "\033[0m"


def _print_session(result: SessionMatches, query: Query | None, *, with_project: bool) -> None:
    """The session's row, then its hits; `query`: marked where each snippet shows it (on a
    terminal that takes colours)."""
    columns = [
        f"{_when(result.mtime_ns):<16}",
        f"{human_size(result.size):>{SIZE_WIDTH}}",
        for_terminal(result.session_id or result.path.stem),
        for_terminal(result.title or "(untitled)"),
    ]
    if with_project:
        columns.append(
            f"[{for_terminal(home_relative(result.project or str(result.path.parent)))}]"
        )
    print("  ".join(columns))
    _print_hits(result, query, "    ")
    for agent in result.agents:
        # `show PATH` reads the sub-agent's transcript: the path is what to give it.
        title = f" ({for_terminal(agent.title)})" if agent.title else ""
        print(f"    sub-agent {for_terminal(home_relative(str(agent.path)))}{title}:")
        _print_hits(agent, query, "      ")


def _print_hits(result: SessionMatches, query: Query | None, indent: str) -> None:
    for hit in result.hits:
        # Counted from 1, as `show` numbers items; the segment only when there are several.
        where = f"item {hit.index + 1}"
        if result.segments > 1:
            where = f"segment {hit.segment + 1}/{result.segments} {where}"
        shown = for_terminal(hit.snippet)
        print(f"{indent}{where} {hit.field.value} (line {hit.line + 1}): {_marked(shown, query)}")
    if result.more:
        print(f"{indent}… more past the first {counted(len(result.hits), 'match', 'matches')}")


def _marked(shown: str, query: Query | None) -> str:
    """Each place the snippet (already made safe for a terminal) shows the query, found as the
    search finds it (`match_starts`), in bold red, as grep and ripgrep mark a match. A query the
    snippet shows otherwise (a line break as ⏎, a control character escaped) is left unmarked."""
    if query is None:
        return shown
    pieces: list[str] = []
    at = 0
    for start in match_starts(shown, query):
        end = start + len(query.folded)
        pieces += [shown[at:start], _MATCH, shown[start:end], _RESET]
        at = end
    return "".join([*pieces, shown[at:]])


def _when(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")
