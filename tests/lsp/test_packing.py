"""Open documents' chunks packed on a thread that runs only while there are chunks to pack."""

from __future__ import annotations

import gc
import logging
import threading
import weakref

import pytest

from session_lsp.core.packed_chunks import Chunk
from session_lsp.lsp.packing import THREAD_NAME, Packing

TEXT = b'{"type":"user","text":"hello"}\n' * 1000


def _packing_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == THREAD_NAME]


def test_chunks_handed_over_are_packed_and_the_thread_ends_after() -> None:
    packing = Packing()
    chunks = [Chunk(TEXT) for _ in range(5)]
    for chunk in chunks:
        packing.later(chunk)
    assert packing.wait(timeout=10)
    assert all(chunk.is_packed for chunk in chunks)
    for thread in _packing_threads():
        thread.join(timeout=10)
    assert not _packing_threads()
    late = Chunk(TEXT)
    packing.later(late)  # a thread starts again
    assert packing.wait(timeout=10) and late.is_packed


def test_a_chunk_closed_before_its_turn_is_not_kept_alive_by_the_queue() -> None:
    packing = Packing()
    gate = threading.Event()

    class Held(Chunk):
        __slots__ = ()

        def pack(self) -> None:
            gate.wait(timeout=10)
            super().pack()

    first = Held(TEXT)
    packing.later(first)
    closed = Chunk(TEXT)
    packing.later(closed)
    alive = weakref.ref(closed)
    del closed
    gc.collect()
    assert alive() is None  # while the thread is still on the first
    gate.set()
    assert packing.wait(timeout=10) and first.is_packed


def test_a_chunk_that_fails_to_pack_is_logged_and_the_next_is_packed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    packing = Packing()

    class Failing(Chunk):
        __slots__ = ()

        def pack(self) -> None:
            raise ValueError("no")

    failing, fine = Failing(TEXT), Chunk(TEXT)
    with caplog.at_level(logging.ERROR, logger="session_lsp"):
        packing.later(failing)
        packing.later(fine)
        assert packing.wait(timeout=10)
    assert fine.is_packed and not failing.is_packed
    assert "stays as it came: packing it failed" in caplog.text


def test_no_thread_to_be_had_leaves_chunks_unpacked_and_the_next_one_starts_a_thread(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    packing = Packing()
    start = threading.Thread.start

    def refused(thread: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refused)
    first = Chunk(TEXT)
    with caplog.at_level(logging.WARNING, logger="session_lsp"):
        packing.later(first)
    assert "no thread to pack them on" in caplog.text
    assert packing.wait(timeout=1) and not first.is_packed
    monkeypatch.setattr(threading.Thread, "start", start)
    second = Chunk(TEXT)
    packing.later(second)
    assert packing.wait(timeout=10) and second.is_packed


def test_a_thread_ended_by_what_packing_does_not_catch_lets_the_next_chunk_start_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ended: list[type[BaseException]] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: ended.append(args.exc_type))
    packing = Packing()

    class Ending(Chunk):
        __slots__ = ()

        def pack(self) -> None:
            raise SystemExit

    packing.later(Ending(TEXT))
    assert packing.wait(timeout=10)
    for thread in _packing_threads():
        thread.join(timeout=10)
    assert ended == [SystemExit]
    late = Chunk(TEXT)
    packing.later(late)
    assert packing.wait(timeout=10) and late.is_packed
