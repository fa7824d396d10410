"""Reading what a listing needs of session files: their metadata and, for sessions, their health.

A cold listing analyses every session, which costs what `check` costs: with much to read, the
files are spread over one worker process per usable core by the same pool as `check`
(`session_lsp.parallel`). Measured on a 2-core machine (bench/bench_sessions.py), a cold listing
of 2,000 sessions took 1.15 s with the pool against 1.90 s read here at a load average of 3;
while other sessions kept both cores busy (load 4) the pool lost, 3.4 s against 2.4 s: Linux's
autogroup then gives each session its share of the CPU whatever its number of processes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Severity
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.parallel import Crash, map_in_order, usable_cores
from session_lsp.sessions.cache import CachedFile
from session_lsp.sessions.metadata import read_metadata
from session_lsp.sessions.registry import Liveness
from session_lsp.sessions.rollouts import read_rollout_metadata
from session_lsp.sessions.summary import Agent

COPIED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Job:
    path: Path
    analyse: bool
    """Whether its health is needed (a main session), or only its metadata (an agent file, or a
    rollout whose working directory decides whether it is listed at all)."""
    size: int
    agent: Agent = Agent.CLAUDE_CODE
    """Where the file was found: which program wrote it, so how to read it and judge it live."""


def inspect_file(
    path: Path, analyse: bool, liveness: Liveness, agent: Agent = Agent.CLAUDE_CODE
) -> CachedFile | None:
    """What the listing needs of one file; None when it cannot be read. Its error count leaves
    out the dangling call of a session its agent runs (`liveness`, read once per listing: Claude
    Code's registry, the clock for a Codex rollout)."""
    try:
        session = read_session_file(path)
    except SessionFileError:
        return None
    # Plain bytes: their searches are much faster than an mmap's, and the analysis decodes every
    # byte anyway; but a copy of a very large file would double what the listing holds.
    data = session.data[:] if session.size <= COPIED_BYTES else session.data
    if agent is Agent.CODEX:
        metadata = read_rollout_metadata(data, path.name)
    else:
        metadata = read_metadata(data, path.stem)
    errors = warnings = -1
    if analyse and not metadata.is_sidechain:
        age = liveness.seconds_ago(path, session.mtime_ns, agent.label)
        analysis = analyse_bytes(data, modified_seconds_ago=age, live_seconds=math.inf)
        errors = sum(1 for finding in analysis.findings if finding.is_error)
        warnings = sum(1 for finding in analysis.findings if finding.severity is Severity.WARNING)
        if agent is Agent.CODEX and analysis.format is not None:
            # The title the conversation view shows: the first prompt the user typed.
            metadata.title = analysis.format.build_model(analysis, path).title
    return CachedFile(
        size=session.size,
        mtime_ns=session.mtime_ns,
        inode=session.inode,
        session_id=metadata.session_id,
        recorded_session_id=metadata.recorded_session_id,
        project=metadata.project,
        title=metadata.title,
        first_activity=metadata.first_activity,
        last_activity=metadata.last_activity,
        version=metadata.version,
        is_sidechain=metadata.is_sidechain,
        errors=errors,
        warnings=warnings,
    )


def _inspect(task: tuple[Job, Liveness]) -> CachedFile | None:
    job, liveness = task
    return inspect_file(job.path, job.analyse, liveness, job.agent)


def worker_count() -> int:
    return usable_cores()


def inspect_files(
    jobs: list[Job], liveness: Liveness, on_done: Callable[[Job], None]
) -> Iterator[tuple[Job, CachedFile | None]]:
    """Each job with its result, in order; `on_done` is called as each is handed back. A file
    whose reading failed unexpectedly is listed as unreadable."""
    tasks = [(job, liveness) for job in jobs]
    results = map_in_order(_inspect, tasks, [job.size for job in jobs], jobs=worker_count())
    for job, result in zip(jobs, results, strict=True):
        on_done(job)
        yield job, None if isinstance(result, Crash) else result
