"""Every Claude Code session under a projects root and every Codex rollout under Codex's sessions
folder, with its health, newest first, for the CLI and the server.

Layout (docs/claude-code-format.md §1): main sessions are `<root>/<project>/<sessionId>.jsonl`. Sub-agent
transcripts are `<project>/agent-<id>.jsonl` beside them (2.0.x; they name their session in
`sessionId`) or `<project>/<sessionId>/subagents/**/agent-<id>.jsonl` (2.1.x). A sub-agent file is
never listed as a session, whatever its name: a file whose first chain line is a sidechain line is
an agent transcript too (Claude Code's `/resume` hides those as well).

Codex rollouts are found as Codex's own picker finds them (`rollouts.py`). A rollout belongs to the
project of the working directory its `session_meta` line records: listing one project reads the
head of each rollout not in the cache to learn it, and analyses only the rollouts started there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from session_lsp.core.analysis import LIVE_SECONDS
from session_lsp.files import is_file_entry, is_folder, is_folder_entry
from session_lsp.sessions.cache import CACHE_NAME, CachedFile, SessionCache
from session_lsp.sessions.inspection import Job, inspect_files
from session_lsp.sessions.locations import (
    cache_folder,
    codex_sessions_root,
    project_folder,
    projects_root,
)
from session_lsp.sessions.registry import Liveness
from session_lsp.sessions.rollouts import kept_in_folder, rollout_id, scan_rollouts, started_in
from session_lsp.sessions.summary import Agent, Health, SessionSummary

ProgressCallback = Callable[[int, int, str], None]
"""Called as (files read, files to read, the file just read) while a listing reads files that
are not in the cache."""
ProblemCallback = Callable[[str], None]
"""Called with each folder that could not be read, in one line meant for the user."""

AGENT_PREFIX = "agent-"
HEAD_BYTES = 64 * 1024
"""What reading a rollout's head costs, counted as its size when deciding on worker processes."""


@dataclass(slots=True)
class _ProjectFiles:
    candidates: list[Path] = field(default_factory=list)
    agents_beside: list[Path] = field(default_factory=list)
    agents_below: dict[str, list[Path]] = field(default_factory=dict)


def _scan_project(folder: Path, report: ProblemCallback, *, below: bool = True) -> _ProjectFiles:
    """The folder's session files and sub-agent transcripts; `below` False: not those under each
    session's `subagents/` (a walk of every such folder, which only their readers need)."""
    found = _ProjectFiles()
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        if not isinstance(error, FileNotFoundError):
            report(f"{folder}: cannot read folder: {error.strerror or error}")
        return found
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.name.endswith(".jsonl") and is_file_entry(entry):
            target = (
                found.agents_beside if entry.name.startswith(AGENT_PREFIX) else found.candidates
            )
            target.append(Path(entry.path))
        elif below and entry.is_dir(follow_symlinks=False):
            subagents = Path(entry.path) / "subagents"
            if is_folder(subagents):
                found.agents_below[entry.name] = sorted(subagents.rglob("*.jsonl"))
    return found


def _is_project_folder(project: Path, root: Path) -> bool:
    return project.parent.resolve() == root.resolve() and is_folder(project)


def project_folders(
    root: Path, project: Path | None, report: ProblemCallback = lambda problem: None
) -> list[Path]:
    """The folders to list: `project`'s (a folder under `root`, or a working directory whose
    sessions Claude Code keeps under `root`), else every folder under `root`. A root that
    exists but cannot be read is reported; a missing one simply holds no sessions."""
    if project is not None:
        if _is_project_folder(project, root):
            return [project]
        folder = project_folder(project, root)
        return [folder] if folder is not None else []
    try:
        return sorted(Path(entry.path) for entry in os.scandir(root) if is_folder_entry(entry))
    except FileNotFoundError:
        return []
    except OSError as error:
        report(f"{root}: cannot read the sessions folder: {error.strerror or error}")
        return []


def codex_scope(project: Path | None, root: Path) -> Callable[[str | None], bool] | None:
    """Which rollouts belong to `project`, by the working directory each records: for a project
    folder under `root`, those Claude Code would keep in that folder had it been started there;
    for a working directory, those started in it. None: every rollout (no project)."""
    if project is None:
        return None
    if _is_project_folder(project, root):
        return kept_in_folder(project.name)
    return started_in(project)


def _iso(mtime_ns: int) -> str:
    moment = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def continue_order(mtime_ns: int, path: Path) -> tuple[int, str]:
    """The key of Claude Code's own order, for sorting newest first: `claude --continue` and its
    /resume picker take the newest modification time in whole milliseconds (as Node.js reports
    it; `getSessionFilesLite` and `sortLogs` in 2.1.88), so `sessions` lists in that order and
    `--last` takes the same first one. Ties (Claude Code: newest creation time, which Python
    cannot read on Linux) fall to the name, descending, as its SDK's `listSessions` does."""
    return mtime_ns // 1_000_000, path.name


class _Lookup:
    """Every file of a listing with what is known of it: from the cache when the file is
    unchanged, else read (in worker processes when there is much to read). A live session's
    health is not cached: its dangling call counts as damage once Claude Code stops running it."""

    def __init__(self, cache: SessionCache, liveness: Liveness) -> None:
        self.cache = cache
        self.liveness = liveness
        self.known: dict[Path, CachedFile | None] = {}
        self._jobs: list[Job] = []

    def add(self, path: Path, *, analyse: bool, agent: Agent = Agent.CLAUDE_CODE) -> None:
        try:
            status = path.stat()
        except OSError:
            self.known[path] = None
            return
        if not stat.S_ISREG(status.st_mode):
            self.known[path] = None
            return
        cached = self.cache.get(path, status)
        if (
            cached is not None
            and not self.liveness.is_live(path, status.st_mtime_ns, agent.label)
            and (not analyse or cached.errors >= 0 or cached.is_sidechain)
        ):
            self.known[path] = cached
            return
        head_only = agent is Agent.CODEX and not analyse
        cost = min(status.st_size, HEAD_BYTES) if head_only else status.st_size
        self._jobs.append(Job(path, analyse, cost, agent))

    def read_all(self, on_done: Callable[[Job], None] = lambda job: None) -> None:
        jobs, self._jobs = self._jobs, []
        for job, entry in inspect_files(jobs, self.liveness, on_done):
            self.known[job.path] = entry
            live = entry is not None and self.liveness.is_live(
                job.path, entry.mtime_ns, job.agent.label
            )
            if entry is not None and not live:
                self.cache.put(job.path, entry)

    def started_in_scope(
        self, rollouts: list[Path], belongs: Callable[[str | None], bool]
    ) -> list[Path]:
        """The rollouts whose recorded working directory `belongs`, sub-agents' included: their
        heads read where the cache does not know them."""
        for path in rollouts:
            self.add(path, analyse=False, agent=Agent.CODEX)
        self.read_all()
        return [
            path
            for path in rollouts
            if (entry := self.known[path]) is not None and belongs(entry.project)
        ]

    @property
    def to_read(self) -> int:
        return len(self._jobs)


def _summary(path: Path, entry: CachedFile, live: bool, agent: Agent) -> SessionSummary:
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
        agent=agent,
        mtime_ns=entry.mtime_ns,
    )


def _unreadable(path: Path, agent: Agent) -> SessionSummary:
    try:
        size = path.lstat().st_size
    except OSError:
        size = 0
    return SessionSummary(
        session_id=rollout_id(path.name) or path.stem,
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
        agent=agent,
    )


def _attach(sessions: list[SessionSummary], sidechains: list[tuple[Path, str | None]]) -> None:
    """Each sub-agent's file under the session that ran it, when that one is listed."""
    by_id = {session.session_id: session for session in sessions}
    for path, session_id in sidechains:
        owner = by_id.get(session_id) if session_id is not None else None
        if owner is not None:
            owner.subagents.append(path)


def _list_project(
    files: _ProjectFiles, lookup: _Lookup, liveness: Liveness
) -> list[SessionSummary]:
    sessions: list[SessionSummary] = []
    sidechains: list[tuple[Path, str | None]] = []
    for path in files.candidates:
        entry = lookup.known[path]
        if entry is None:
            sessions.append(_unreadable(path, Agent.CLAUDE_CODE))
        elif entry.is_sidechain:
            sidechains.append((path, entry.recorded_session_id))
        else:
            live = liveness.is_live(path, entry.mtime_ns)
            sessions.append(_summary(path, entry, live, Agent.CLAUDE_CODE))
    for path in files.agents_beside:
        entry = lookup.known[path]
        sidechains.append((path, entry.recorded_session_id if entry is not None else None))
    _attach(sessions, sidechains)
    by_id = {session.session_id: session for session in sessions}
    for session_id, agents in files.agents_below.items():
        owner = by_id.get(session_id)
        if owner is not None:
            owner.subagents.extend(agents)
    for session in sessions:
        session.subagents.sort()
    return sessions


def _list_rollouts(
    rollouts: list[Path], lookup: _Lookup, liveness: Liveness
) -> list[SessionSummary]:
    """The rollouts as sessions; a sub-agent's rollout is listed under the thread that spawned
    it (its `session_meta` source names it), never on its own."""
    sessions: list[SessionSummary] = []
    sidechains: list[tuple[Path, str | None]] = []
    for path in rollouts:
        entry = lookup.known[path]
        if entry is None:
            sessions.append(_unreadable(path, Agent.CODEX))
        elif entry.is_sidechain:
            sidechains.append((path, entry.recorded_session_id))
        else:
            live = liveness.is_live(path, entry.mtime_ns, Agent.CODEX.label)
            sessions.append(_summary(path, entry, live, Agent.CODEX))
    _attach(sessions, sidechains)
    for session in sessions:
        session.subagents.sort()
    return sessions


def session_files(
    root: Path,
    project: Path | None = None,
    on_problem: ProblemCallback | None = None,
    *,
    codex_root: Path | None = None,
    cache: SessionCache | None = None,
) -> list[Path]:
    """The session files a listing would show, newest first (`continue_order`), without
    analysing them: for a search that must not analyse every file to find the few that match.
    Sub-agent transcripts named `agent-*` are left out; a listing also leaves out the rare other
    file whose lines are all a sub-agent's, which only reading it tells. For one project, the
    rollouts' heads are read (or taken from the listing cache) to learn where each was started."""
    report = on_problem if on_problem is not None else lambda problem: None
    codex_root = codex_root if codex_root is not None else codex_sessions_root()
    paths = [
        path
        for folder in project_folders(root, project, report)
        for path in _scan_project(folder, report, below=False).candidates
    ]
    rollouts = _rollouts_in_scope(
        scan_rollouts(codex_root, report), codex_scope(project, root), cache
    )
    dated: list[tuple[tuple[int, str], Path]] = []
    for path in [*paths, *rollouts]:
        try:
            dated.append((continue_order(path.stat().st_mtime_ns, path), path))
        except OSError:
            continue
    dated.sort(key=lambda pair: pair[0], reverse=True)
    return [path for _, path in dated]


def sub_agent_files(
    root: Path, project: Path | None = None, on_problem: ProblemCallback | None = None
) -> list[tuple[Path, str | None]]:
    """The sub-agent transcripts of the Claude Code sessions `session_files` gives for the same
    scope, each with the id of its session where its folder says it (2.1.x's
    `<session>/subagents/`, as the listing attaches them); 2.0.x's `agent-*.jsonl` beside them
    name theirs in their lines. A search reads them too: what a sub-agent read, ran or wrote is
    the session's work as much."""
    report = on_problem if on_problem is not None else lambda problem: None
    found: list[tuple[Path, str | None]] = []
    for folder in project_folders(root, project, report):
        files = _scan_project(folder, report)
        found += [(path, None) for path in files.agents_beside]
        for session_id, below in files.agents_below.items():
            # A walk finds whatever is named *.jsonl: a pipe or a folder is no transcript.
            found += [(path, session_id) for path in below if path.is_file()]
    return found


def _rollouts_in_scope(
    rollouts: list[Path], belongs: Callable[[str | None], bool] | None, cache: SessionCache | None
) -> list[Path]:
    """The rollouts `belongs` takes (all of them for None), their heads read where the listing
    cache does not know them."""
    if belongs is None or not rollouts:
        return rollouts
    cache = cache if cache is not None else default_cache()
    kept = _Lookup(cache, Liveness(None)).started_in_scope(rollouts, belongs)
    cache.save()
    return kept


def rollouts_started_in(
    directory: Path,
    codex_root: Path | None = None,
    on_problem: ProblemCallback | None = None,
    cache: SessionCache | None = None,
) -> list[Path]:
    """The Codex rollouts started in `directory`, in file order: what `check` with no PATH
    checks beside the directory's Claude Code project folder."""
    report = on_problem if on_problem is not None else lambda problem: None
    codex_root = codex_root if codex_root is not None else codex_sessions_root()
    return _rollouts_in_scope(scan_rollouts(codex_root, report), started_in(directory), cache)


def default_cache() -> SessionCache:
    return SessionCache(cache_folder() / CACHE_NAME)


def list_sessions(
    root: Path | None = None,
    *,
    project: Path | None = None,
    on_progress: ProgressCallback | None = None,
    cache: SessionCache | None = None,
    on_problem: ProblemCallback | None = None,
    live_seconds: float = LIVE_SECONDS,
    codex_root: Path | None = None,
) -> list[SessionSummary]:
    """The sessions under `root` (default: Claude Code's projects folder) and the Codex rollouts
    under `codex_root` (default: `$CODEX_HOME/sessions`), in the order `claude --continue` sees
    them: newest modification time first (`continue_order`), both agents' together.

    `project` limits the listing to one project: a folder under `root`, or the working directory
    the sessions were started in (`codex_scope` says which rollouts that takes). `lastActivity`
    is the newest timestamp written in the file, or its modification time when the file holds
    none. Folders that cannot be read are passed to `on_problem`; the rest is listed.
    `live_seconds`: where the agent keeps no registry, how recent a write makes a session live
    (the server takes its client's `liveSessionSeconds`)."""
    root = root if root is not None else projects_root()
    codex_root = codex_root if codex_root is not None else codex_sessions_root()
    cache = cache if cache is not None else default_cache()
    report = on_problem if on_problem is not None else lambda problem: None
    folders = project_folders(root, project, report)
    scanned = [_scan_project(folder, report) for folder in folders]
    rollouts = scan_rollouts(codex_root, report)
    liveness = Liveness.read(live_seconds)
    lookup = _Lookup(cache, liveness)
    belongs = codex_scope(project, root)
    if belongs is not None:
        rollouts = lookup.started_in_scope(rollouts, belongs)
    for files in scanned:
        for path in files.candidates:
            lookup.add(path, analyse=True)
        for path in files.agents_beside:
            lookup.add(path, analyse=False)
    for path in rollouts:
        lookup.add(path, analyse=True, agent=Agent.CODEX)
    done = 0
    total = lookup.to_read

    def tick(job: Job) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total, str(job.path))

    lookup.read_all(tick)
    sessions = [session for files in scanned for session in _list_project(files, lookup, liveness)]
    sessions.extend(_list_rollouts(rollouts, lookup, liveness))
    cache.keep_only([root, codex_root], [*folders, codex_root], {str(p) for p in lookup.known})
    cache.save()
    sessions.sort(key=lambda session: continue_order(session.mtime_ns, session.path), reverse=True)
    return sessions
