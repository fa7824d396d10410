"""The worker pool shared by `check` and the listing: order kept, crashes located, small work
kept in this process."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from session_lsp import parallel
from session_lsp.parallel import Crash, map_in_order
from session_lsp.zygote import Zygote
from tests.support.zygotes import zygote

__all__ = ["zygote"]  # the fixture, used by name

PARENT = os.getpid()


def square_slowly_when_big(number: int) -> int:
    """Big items take longer, so workers finish out of order."""
    time.sleep(number / 10_000)
    return number * number


def fail_on_seven(number: int) -> int:
    if number == 7:
        raise RuntimeError("seven")
    return number


def die_on_seven_in_a_worker(number: int) -> int:
    if number == 7 and os.getpid() != PARENT:
        os._exit(9)
    return number


def test_results_come_back_in_the_order_given_whatever_finishes_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    numbers = [300, 1, 2, 250, 3, 4, 5, 200] * 5
    sizes = [parallel.CHUNK_BYTES if number > 100 else 1 for number in numbers]
    assert list(map_in_order(square_slowly_when_big, numbers, sizes, jobs=2)) == [
        number * number for number in numbers
    ]


def test_big_files_go_alone_and_small_ones_in_chunks() -> None:
    big, small = parallel.CHUNK_BYTES, 1000
    sizes = [small] * 20 + [big, small, big]
    chunks = parallel._chunks(list(range(len(sizes))), sizes)
    assert chunks == [
        list(range(parallel.CHUNK_FILES)),
        list(range(parallel.CHUNK_FILES, 20)),
        [20],
        [21],
        [22],
    ]


def test_little_to_read_stays_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*arguments: Any, **options: Any) -> Any:
        raise AssertionError("a pool was started")

    monkeypatch.setattr(parallel, "start_pool", no_pool)
    small = [parallel.PARALLEL_FROM_BYTES // 4] * 3
    assert list(map_in_order(abs, [-1, -2, -3], small, jobs=2)) == [1, 2, 3]
    big = [parallel.PARALLEL_FROM_BYTES] * 3
    assert list(map_in_order(abs, [-1, -2, -3], big, jobs=1)) == [1, 2, 3]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_item_that_raises_is_a_crash_for_that_item_only(
    monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    results = list(map_in_order(fail_on_seven, list(range(10)), [1] * 10, jobs=jobs))
    assert results[7] == Crash("internal error: RuntimeError: seven")
    assert results[:7] + results[8:] == [0, 1, 2, 3, 4, 5, 6, 8, 9]


def test_an_item_that_kills_its_worker_is_a_crash_and_the_rest_are_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 2)
    numbers = list(range(40))
    results = list(map_in_order(die_on_seven_in_a_worker, numbers, [1] * 40, jobs=2))
    assert results[7] == Crash("the process checking it died (killed, or out of memory)")
    assert results[:7] + results[8:] == [number for number in numbers if number != 7]


def test_a_worker_dead_before_every_file_was_handed_out_leaves_none_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first file kills its worker while the pool is still being given the 1,250 chunks
    after it: a chunk refused by the broken pool waits for the next round like the unfinished
    ones (it raised out of the run before, most times)."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    numbers = list(range(7, 20_007))
    results = list(map_in_order(die_on_seven_in_a_worker, numbers, [1] * len(numbers), jobs=2))
    assert results[0] == Crash("the process checking it died (killed, or out of memory)")
    assert results[1:] == numbers[1:]


def test_a_pool_that_cannot_start_reads_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*arguments: Any, **options: Any) -> Any:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(parallel, "start_pool", no_pool)
    assert list(map_in_order(abs, [-1, -2, -3], [1, 1, 1], jobs=2)) == [1, 2, 3]


def test_a_process_with_threads_starts_its_workers_from_a_fork_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The language server has threads: forking it would copy them mid-state."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert parallel.worker_context(abs).get_start_method() == "forkserver"  # type: ignore[union-attr]
        numbers = list(range(20))
        assert list(map_in_order(square_slowly_when_big, numbers, [1] * 20, jobs=2)) == [
            number * number for number in numbers
        ]
    finally:
        release.set()
        other.join()
    assert parallel.worker_context(abs).get_start_method() == "fork"  # type: ignore[union-attr]


def die_on_seven_in_a_spawned_worker(number: int) -> int:
    """A spawned worker imports this module afresh, so PARENT there is its own pid: ask
    multiprocessing instead."""
    import multiprocessing

    if number == 7 and multiprocessing.parent_process() is not None:
        os._exit(9)
    return number


@pytest.mark.parametrize(
    ("platform", "available", "threads", "method"),
    [
        ("linux", ["fork", "spawn", "forkserver"], 1, "fork"),
        ("linux", ["fork", "spawn", "forkserver"], 3, "forkserver"),
        # macOS offers fork, but a forked child may crash in system frameworks: spawn, always.
        ("darwin", ["spawn", "fork", "forkserver"], 1, "spawn"),
        ("darwin", ["spawn", "fork", "forkserver"], 3, "spawn"),
        ("win32", ["spawn"], 1, "spawn"),
        ("win32", ["spawn"], 4, "spawn"),
        ("emscripten", [], 1, None),
    ],
)
def test_workers_start_by_the_method_the_platform_supports(
    platform: str, available: list[str], threads: int, method: str | None
) -> None:
    assert parallel.start_method(platform, available, threads) == method


def test_spawned_workers_keep_the_order_and_isolate_a_dying_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What macOS and Windows run: workers that import the function by name, nothing forked."""
    monkeypatch.setattr(parallel, "start_method", lambda *arguments: "spawn")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 4)
    assert parallel.worker_context(abs).get_start_method() == "spawn"  # type: ignore[union-attr]
    numbers = list(range(24))
    results = list(map_in_order(die_on_seven_in_a_spawned_worker, numbers, [1] * 24, jobs=2))
    assert results[7] == Crash("the process checking it died (killed, or out of memory)")
    assert results[:7] + results[8:] == [number for number in numbers if number != 7]


def test_check_and_the_listing_run_in_spawned_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """`check` and the sessions listing hand their real functions to spawned workers: they must
    be importable by name and their arguments and results must pickle."""
    from session_lsp.cli.check import check_file, check_task
    from session_lsp.sessions.inspection import Job, inspect_files
    from session_lsp.sessions.registry import Liveness

    healthy = '{"type":"user","uuid":"a","parentUuid":null,"sessionId":"s","message":{"role":"user","content":"hi"}}\n'
    paths = []
    for index in range(3):
        path = tmp_path / f"{index}.jsonl"
        path.write_text(healthy + ("{torn" if index == 1 else ""))
        paths.append(path)
    here = [check_file(path) for path in paths]
    monkeypatch.setattr(parallel, "start_method", lambda *arguments: "spawn")
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    assert list(map_in_order(check_file, paths, [1] * 3, jobs=2)) == here
    tasks = [(path, Liveness.read()) for path in paths]
    assert list(map_in_order(check_task, tasks, [1] * 3, jobs=2)) == here
    jobs = [Job(path, True, 1) for path in paths]
    monkeypatch.setattr("session_lsp.sessions.inspection.worker_count", lambda: 2)
    at_rest = Liveness(None, now=0.0)
    listed = [result for _, result in inspect_files(jobs, at_rest, lambda job: None)]
    assert [result is not None and result.errors for result in listed] == [0, 1, 0]


def pid_of(number: int) -> tuple[int, int]:
    return number, os.getpid()


def test_a_zygote_s_children_keep_the_order_and_isolate_a_dying_file(
    monkeypatch: pytest.MonkeyPatch, zygote: Zygote
) -> None:
    """The server forks its workers from its zygote: a chunk per child, a dying child's chunk
    run again a file at a time."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 4)
    numbers = [300, 1, 2, 250, 3, 4, 5, 200] * 5
    sizes = [parallel.CHUNK_BYTES if number > 100 else 1 for number in numbers]
    assert list(map_in_order(square_slowly_when_big, numbers, sizes, jobs=2)) == [
        number * number for number in numbers
    ]
    numbers = list(range(24))
    results = list(map_in_order(die_on_seven_in_a_worker, numbers, [1] * 24, jobs=2))
    assert results[7] == Crash("the process checking it died (killed, or out of memory)")
    assert results[:7] + results[8:] == [number for number in numbers if number != 7]
    results = list(map_in_order(fail_on_seven, numbers, [1] * 24, jobs=2))
    assert results[7] == Crash("internal error: RuntimeError: seven")
    ran_in = {pid for _, pid in map_in_order(pid_of, numbers, [1] * 24, jobs=2)}  # type: ignore[misc]
    assert PARENT not in ran_in and zygote.pid not in ran_in


def test_work_handed_to_a_zygote_that_is_gone_is_done_here(
    monkeypatch: pytest.MonkeyPatch, zygote: Zygote
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    os.kill(zygote.pid, 9)
    time.sleep(0.05)
    numbers = list(range(10))
    assert list(map_in_order(pid_of, numbers, [1] * 10, jobs=2)) == [
        (number, PARENT) for number in numbers
    ]


def test_a_result_a_zygote_s_child_cannot_send_back_is_a_crash_for_its_files(
    monkeypatch: pytest.MonkeyPatch, zygote: Zygote
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    results = list(map_in_order(unpicklable, [1, 2], [1, 1], jobs=2))
    assert all(
        isinstance(result, Crash) and "internal error" in result.message for result in results
    )


def unpicklable(number: int) -> object:
    return lambda: number


def test_a_zygote_killed_while_its_children_work_leaves_every_result_and_no_pipe_open(
    monkeypatch: pytest.MonkeyPatch, zygote: Zygote
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 2)
    before = set(os.listdir("/proc/self/fd"))
    numbers = [200] * 20
    results: list[object] = []
    for result in map_in_order(square_slowly_when_big, numbers, [1] * 20, jobs=2):
        if not results:  # the next chunks are still to be handed out
            os.kill(zygote.pid, 9)
        results.append(result)
    assert results == [number * number for number in numbers]
    assert zygote.gone
    assert set(os.listdir("/proc/self/fd")) == before
