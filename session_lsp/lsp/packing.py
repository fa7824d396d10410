"""Open documents' chunks packed on a thread of their own, in the order their lines were read.

Packing a chunk (`Chunk.pack`) runs without Python's lock, so the loop reads the next chunk's lines
meanwhile: a didOpen is not kept waiting for it, and the diagnostics go out whether the last chunks
are packed yet or not. The thread starts when there is a chunk to pack and waits for the next one
until it has had none for `IDLE_SECONDS`: starting a thread for each chunk (a millisecond or two
of the loop's time, waiting for it to start) cost a session of 50 chunks a third of its open.
A chunk whose document was closed first is not packed. The thread runs at the process's
priority: at the lowest, a busy machine left it no time, and a document opened then stayed
unpacked (the tool run's peak 273 MB rather than 194 while the test suite ran beside it).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque

from session_lsp.core.packed_chunks import Chunk

_log = logging.getLogger("session_lsp")

THREAD_NAME = "pack"
"""The packing thread's name: what tells it apart from the others (logs, tests counting threads)."""

IDLE_SECONDS = 1.0
"""How long the thread waits for another chunk before it ends: none lingers between opens."""


class Packing:
    """Chunks waiting to be packed, and the thread packing them while there are any."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._waiting: deque[weakref.ref[Chunk]] = deque()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._running = False
        self._packing = False
        """Whether the thread is packing a chunk it took from `_waiting`."""

    def later(self, chunk: Chunk) -> None:
        with self._lock:
            self._waiting.append(weakref.ref(chunk))
            if self._running:
                self._changed.notify_all()
                return
            self._running = True
        try:
            threading.Thread(target=self._pack_waiting, name=THREAD_NAME, daemon=True).start()
        except RuntimeError:  # no thread to be had (too many, or the interpreter ending)
            _log.warning("Open documents stay unpacked for now: no thread to pack them on")
            with self._changed:
                self._waiting.clear()
                self._running = False
                self._changed.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every chunk handed over is packed (or dead); False if `timeout` came first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._waiting and not self._packing, timeout)

    def _pack_waiting(self) -> None:
        ended = False
        try:
            while self._next_chunk_packed():
                pass
            ended = True
        finally:
            if not ended:  # ended by what packing does not catch: the next chunk starts another
                with self._changed:
                    self._running = self._packing = False
                    self._changed.notify_all()

    def _next_chunk_packed(self) -> bool:
        """Pack the next chunk handed over; False once none came for `_idle_seconds`, when the
        thread is no longer running (under the lock `later` reads that with)."""
        with self._changed:
            self._packing = False
            self._changed.notify_all()
            if not self._changed.wait_for(lambda: self._waiting, self._idle_seconds):
                self._running = False
                return False
            waiting = self._waiting.popleft()
            self._packing = True
        chunk = waiting()
        if chunk is not None:
            try:
                chunk.pack()
            except Exception:  # the thread must go on, or no chunk is packed again
                _log.exception(
                    "A chunk of %d bytes stays as it came: packing it failed", len(chunk)
                )
        return True


PACKING = Packing()
"""The one packing thread of this process."""
