"""Reading what a listing needs of session files: their metadata and, for sessions, their health.

A cold listing analyses every session, which costs what `check` costs; with many files to read
the work is spread over worker processes (one per core, at most 8, when there are 4 or more). A worker pool that cannot be
started (a sandbox without semaphores, for instance) falls back to reading in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Severity
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.sessions.cache import CachedFile
from session_lsp.sessions.metadata import read_metadata

PARALLEL_FROM_BYTES = 32 * 1024 * 1024
"""Below this much to read, starting worker processes costs more than it saves."""
MIN_WORKERS = 4
"""With fewer cores the pool loses: spawning workers costs about what a second core gains
(bench/bench_sessions.py prints both ways on the machine it runs on)."""
MAX_WORKERS = 8
_BATCH = 16


@dataclass(frozen=True, slots=True)
class Job:
    path: Path
    analyse: bool
    """Whether its health is needed (a main session), or only its metadata (an agent file)."""
    size: int


def inspect_file(path: Path, analyse: bool, now: float) -> CachedFile | None:
    """What the listing needs of one file; None when it cannot be read."""
    try:
        session = read_session_file(path)
    except SessionFileError:
        return None
    # Plain bytes: their searches are much faster than an mmap's, and the analysis decodes every
    # byte anyway.
    data = session.data[:]
    metadata = read_metadata(data, path.stem)
    errors = warnings = -1
    if analyse and not metadata.is_sidechain:
        age = max(0.0, now - session.mtime_ns / 1e9)
        findings = analyse_bytes(data, modified_seconds_ago=age).findings
        errors = sum(1 for finding in findings if finding.is_error)
        warnings = sum(1 for finding in findings if finding.severity is Severity.WARNING)
    return CachedFile(
        size=session.size,
        mtime_ns=session.mtime_ns,
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


def _inspect_batch(jobs: list[Job], now: float) -> list[CachedFile | None]:
    return [inspect_file(job.path, job.analyse, now) for job in jobs]


def worker_count() -> int:
    return min(
        MAX_WORKERS,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
    )


def inspect_files(
    jobs: list[Job], now: float, on_done: Callable[[Job], None]
) -> Iterator[tuple[Job, CachedFile | None]]:
    """Each job with its result, in no particular order; `on_done` is called as each finishes."""
    workers = worker_count()
    if workers < MIN_WORKERS or sum(job.size for job in jobs) < PARALLEL_FROM_BYTES:
        for job in jobs:
            result = inspect_file(job.path, job.analyse, now)
            on_done(job)
            yield job, result
        return
    done: set[Path] = set()
    try:
        # spawn, not fork: the language server calls this from a process with threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for job, result in _in_pool(pool, jobs, now, on_done):
                done.add(job.path)
                yield job, result
    except (OSError, BrokenProcessPool, NotImplementedError):
        for job in jobs:
            if job.path not in done:
                result = inspect_file(job.path, job.analyse, now)
                on_done(job)
                yield job, result


def _in_pool(
    pool: Executor, jobs: list[Job], now: float, on_done: Callable[[Job], None]
) -> Iterator[tuple[Job, CachedFile | None]]:
    batches = [jobs[start : start + _BATCH] for start in range(0, len(jobs), _BATCH)]
    futures = {pool.submit(_inspect_batch, batch, now): batch for batch in batches}
    for future in as_completed(futures):
        batch = futures[future]
        for job, result in zip(batch, future.result(), strict=True):
            on_done(job)
            yield job, result
