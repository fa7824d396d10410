"""The collector is paused while lines, records, the replay and the conversation model are built:
they hold no cycles, and collections while they grow only walked them again (most of the time of
building the model of 70,000 tool calls: 2.8 s against 0.5 s paused)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.collector import collector_paused
from session_lsp.core.turns import build_model
from tests.support.claude_records import Builder


@contextmanager
def collections_noted() -> Iterator[list[int]]:
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        yield started
    finally:
        gc.callbacks.remove(note)


def _many_turns() -> bytes:
    """One prompt, then 3,000 tool calls and their results: enough items that building the model
    would start many collections."""
    session = Builder()
    parent = session.prompt("u0", None, "run the tests")
    for turn in range(3000):
        call = session.call(f"a{turn}", parent, f"toolu_{turn}", command=f"pytest -k t{turn}")
        parent = session.result(f"r{turn}", call, f"toolu_{turn}", f"{turn} passed")
    return session.data()


def test_building_a_conversation_model_runs_no_collection_and_leaves_the_collector_on() -> None:
    analysis = analyse_bytes(_many_turns())
    with collections_noted() as started:
        model = build_model(analysis)
    assert len(model.items) > 3000
    assert len(started) <= 1, "only the young collection the first allocation after it starts"
    assert gc.isenabled()


def test_a_model_kept_frozen_is_out_of_the_collectors_sight() -> None:
    analysis = analyse_bytes(_many_turns())
    gc.unfreeze()
    try:
        with collections_noted() as started:
            model = build_model(analysis, freeze=True)
            frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert started == []
    assert frozen >= len(model.items)
    assert gc.isenabled()


def test_the_collector_stays_off_until_the_last_of_overlapping_pauses_ends() -> None:
    """Two threads' pauses overlap (a view's build in a worker, a keystroke's analysis on the
    loop): the first one out must not turn the collector on under the other's build."""
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_pauses_in_many_threads_at_once_leave_the_collector_on() -> None:
    """A pause that read the collector as off (another thread's pause) and then disabled it
    after that other one ended would have left it off for the server's life."""
    start = threading.Barrier(4)

    def pause_again_and_again() -> None:
        start.wait()
        for _ in range(500):
            with collector_paused():
                pass

    workers = [threading.Thread(target=pause_again_and_again) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert gc.isenabled()
