"""One function over many files on every core, the results handed back in the order given.

Shared by `check` over a tree and the sessions listing: both read and analyse one file at a time,
which is CPU-bound and independent per file. Files go to worker processes in chunks of
consecutive files (a few MB or a few files each), taken by whichever worker is free, so one
100 MB session keeps one worker busy while the others go on; results come back in the order of
the files, streamed as soon as the next one in order is ready.

A file whose processing raises is a `Crash` for that file only, in the worker as in this
process. A file that kills its worker (a crash in a C library, the out-of-memory killer) breaks
the pool; the files that may have been running then are re-run one at a time in a single-worker
pool to find the one that died, and the rest go on in a fresh pool. A pool that cannot be
started (a sandbox without semaphores) falls back to this process.

In the language server the workers are children of its zygote (`zygote.py`), a chunk each: a
child that dies takes only its own chunk, whose files are run again one per child to find the
one that killed it.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # imported when a pool is started: a single file's check does without them
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext

    from session_lsp.zygote import Job, Zygote

Item = TypeVar("Item")
Result = TypeVar("Result")

PARALLEL_FROM_BYTES = 12 * 1024 * 1024
"""Below this much to read, starting workers costs about what a second core saves: measured by
bench/bench_scan.py on 2 cores, a forked pool lost at 10 MB (0.9x) and won at 16 MB (1.3x)."""
CHUNK_BYTES = 4 * 1024 * 1024
CHUNK_FILES = 16
"""A chunk is at most this many files or this many bytes (a larger file goes alone): large
enough that sending it costs little beside its analysis, small enough to balance the workers."""


DIED = "the process checking it died (killed, or out of memory)"


@dataclass(frozen=True, slots=True)
class Crash:
    """A file whose processing failed unexpectedly; the message says how, for the user."""

    message: str


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def worth_a_pool(sizes: Sequence[int], jobs: int) -> bool:
    return jobs > 1 and len(sizes) > 1 and sum(sizes) >= PARALLEL_FROM_BYTES


def map_in_order(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    sizes: Sequence[int],
    *,
    jobs: int,
) -> Iterator[Result | Crash]:
    """`function` of each item, in order: in `jobs` worker processes when there is enough to
    read (`sizes`: bytes per item), else here; forked by this process's zygote when it has one
    (the language server), else from `worker_context`. `function` must be a module-level
    function."""
    if not worth_a_pool(sizes, jobs):
        for item in items:
            yield _call(function, item)
        return
    from session_lsp.zygote import running_zygote

    workers = min(jobs, len(items))
    zygote = running_zygote()
    if zygote is not None:
        yield from _in_order(_Forked(function, items, sizes, workers, zygote).results())
        return
    context = worker_context(function)
    if context is None:
        for item in items:
            yield _call(function, item)
        return
    yield from _in_order(_Run(function, items, sizes, workers, context).results())


def _in_order(results: Iterator[tuple[int, Result]]) -> Iterator[Result]:
    """(index, result) pairs handed on in the order of the indices, each as soon as it is next."""
    ready: dict[int, Result] = {}
    next_index = 0
    for index, result in results:
        ready[index] = result
        while next_index in ready:
            yield ready.pop(next_index)
            next_index += 1


def worker_context(function: Callable[..., object]) -> BaseContext | None:
    """How to start processes that run `function` here (`start_method`), None when none can."""
    import multiprocessing

    method = start_method(
        sys.platform, multiprocessing.get_all_start_methods(), threading.active_count()
    )
    if method is None:
        return None
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([function.__module__])
    return context


def start_method(platform: str, available: Sequence[str], threads: int) -> str | None:
    """How workers start on `platform` (`sys.platform`), given the start methods it has.

    Linux: fork when this process has a single thread (the CLI): workers start in milliseconds
    with everything already imported; forkserver otherwise (a process with threads, which a fork
    would copy mid-state, and no zygote: the language server forks its workers from its own),
    with the function's module imported once, in the fork server.
    macOS and Windows: spawn, their default, since a fork on macOS may crash in system libraries
    and Windows cannot fork; each worker imports the function's module by name, so nothing the
    workers use may depend on state set up in this process. None when no method can run here."""
    if platform.startswith("linux"):
        if threads == 1 and "fork" in available:
            return "fork"
        if "forkserver" in available:
            return "forkserver"
    return "spawn" if "spawn" in available else None


def start_pool(workers: int, context: BaseContext) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=context)


def _call(function: Callable[[Item], Result], item: Item) -> Result | Crash:
    try:
        return function(item)
    except Exception as error:  # one file's failure must not end the run
        return Crash(f"internal error: {type(error).__name__}: {error}")


def _run_chunk(function: Callable[[Item], Result], chunk: list[Item]) -> list[Result | Crash]:
    return [_call(function, item) for item in chunk]


def _send_chunk(sending: Connection, function: Callable[[Item], Result], chunk: list[Item]) -> None:
    """A child of the zygote's whole life: the chunk's results sent back, or what stopped them
    being sent, for each file."""
    results = _run_chunk(function, chunk)
    try:
        sending.send(results)
    except Exception as error:  # e.g. a result that could not be pickled
        sending.send([Crash(f"internal error: {type(error).__name__}: {error}")] * len(chunk))


def _chunks(indices: list[int], sizes: Sequence[int]) -> list[list[int]]:
    chunks: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for index in indices:
        if current and (len(current) >= CHUNK_FILES or current_bytes + sizes[index] > CHUNK_BYTES):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(index)
        current_bytes += sizes[index]
    if current:
        chunks.append(current)
    return chunks


@dataclass
class _Work(Generic[Item, Result]):
    """`function` of each of `items` (`sizes`: their bytes), `jobs` at a time."""

    function: Callable[[Item], Result]
    items: Sequence[Item]
    sizes: Sequence[int]
    jobs: int


@dataclass
class _Run(_Work[Item, Result]):
    """(index, result) pairs, not in order: the caller orders them."""

    context: BaseContext

    def results(self) -> Iterator[tuple[int, Result | Crash]]:
        todo = list(range(len(self.items)))
        while todo:
            chunks = _chunks(todo, self.sizes)
            unfinished = yield from self._round(chunks)
            # Chunks are handed out in submission order, to a queue of jobs + 1 beside the one
            # each worker runs: every chunk that may have been running is among the first
            # 2 * jobs + 1 unfinished ones.
            in_flight = 2 * self.jobs + 1
            suspects = [index for chunk in unfinished[:in_flight] for index in chunk]
            todo = [index for chunk in unfinished[in_flight:] for index in chunk]
            yield from self._isolate(suspects)

    def _round(
        self, chunks: list[list[int]]
    ) -> Generator[tuple[int, Result | Crash], None, list[list[int]]]:
        """Every chunk's results; returns the chunks left unfinished when a worker died."""
        pool: ProcessPoolExecutor | None = None
        try:
            pool = start_pool(self.jobs, self.context)
            futures = self._hand_out(pool, chunks)
        except (OSError, NotImplementedError):  # no semaphores, no processes: read here
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            for chunk in chunks:
                for index in chunk:
                    yield index, _call(self.function, self.items[index])
            return []
        try:
            unfinished: list[list[int]] = []
            for chunk, future in zip(chunks, futures, strict=False):
                outcome = _outcome(future, len(chunk))
                if outcome is None:
                    unfinished.append(chunk)
                else:
                    yield from zip(chunk, outcome, strict=True)
            return unfinished + chunks[len(futures) :]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _hand_out(
        self, pool: ProcessPoolExecutor, chunks: list[list[int]]
    ) -> list[Future[list[Result | Crash]]]:
        """The chunks' futures, as many as the pool took: a pool that broke meanwhile (a worker
        died) takes no more, and the chunks it did not take wait with the unfinished ones."""
        from concurrent.futures.process import BrokenProcessPool

        futures: list[Future[list[Result | Crash]]] = []
        for chunk in chunks:
            try:
                futures.append(
                    pool.submit(_run_chunk, self.function, [self.items[i] for i in chunk])
                )
            except BrokenProcessPool:
                break
        return futures

    def _isolate(self, suspects: list[int]) -> Iterator[tuple[int, Result | Crash]]:
        """With one worker taking one file at a time, each handed out once the one before is
        done, the first unfinished file is the one that was running when the worker died."""
        while suspects:
            pool = start_pool(1, self.context)
            try:
                for position, index in enumerate(suspects):
                    future = pool.submit(_run_chunk, self.function, [self.items[index]])
                    outcome = _outcome(future, 1)
                    if outcome is None:
                        yield index, Crash(DIED)
                        suspects = suspects[position + 1 :]
                        break
                    yield index, outcome[0]
                else:
                    suspects = []
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Forked(_Work[Item, Result]):
    """(index, result) pairs, not in order, each chunk run in a child of the zygote, `jobs` at a
    time. A child that dies takes only its own chunk with it: each of the chunk's files is run
    again alone, and a file whose child dies too is the one that killed it."""

    zygote: Zygote

    def results(self) -> Iterator[tuple[int, Result | Crash]]:
        from multiprocessing.connection import wait

        waiting = deque(_chunks(list(range(len(self.items))), self.sizes))
        running: dict[Connection, tuple[list[int], Job]] = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.jobs:
                    chunk = waiting.popleft()
                    job = self.zygote.run(
                        _send_chunk, (self.function, [self.items[index] for index in chunk])
                    )
                    if job is None:  # no child could start: run here
                        for index in chunk:
                            yield index, _call(self.function, self.items[index])
                    else:
                        running[job.receiving] = (chunk, job)
                ready = wait(list(running)) if running else []
                for end in [end for end in running if end in ready]:
                    chunk, job = running.pop(end)
                    outcome = _answer(job, len(chunk))
                    if outcome is not None:
                        yield from zip(chunk, outcome, strict=True)
                    elif len(chunk) > 1:
                        waiting.extend([index] for index in chunk)
                    else:
                        yield chunk[0], Crash(DIED)
        finally:  # the caller stopped reading (an error, Ctrl-C): no child left at work
            for _, job in running.values():
                job.stop()


def _answer(job: Job, count: int) -> list[Result | Crash] | None:
    """A child's results for its chunk; None when it died before sending them."""
    try:
        answer = job.receiving.recv()
    except (EOFError, OSError):
        answer = None
    finally:
        job.stop()
    if isinstance(answer, list) and len(answer) == count:
        return answer
    return None


def _outcome(future: Future[list[Result | Crash]], count: int) -> list[Result | Crash] | None:
    """The chunk's results; None when its worker died before finishing it."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return None
    except Exception as error:  # e.g. a result that could not be sent back
        return [Crash(f"internal error: {type(error).__name__}: {error}")] * count
