"""Open documents' chunks packed on a thread of their own, in the order their lines were read.

Packing a chunk (`Chunk.pack`) runs without Python's lock, so the loop reads the next chunk's lines
meanwhile: a didOpen is not kept waiting for it, and the diagnostics go out whether the last chunks
are packed yet or not. The thread starts when there is a chunk to pack and ends when there is none
left: none lingers between opens. A chunk whose document was closed first is not packed.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque

from session_lsp.core.packed_chunks import Chunk

_log = logging.getLogger("session_lsp")


class Packing:
    """Chunks waiting to be packed, and the thread packing them while there are any."""

    def __init__(self) -> None:
        self._waiting: deque[weakref.ref[Chunk]] = deque()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running = False

    def later(self, chunk: Chunk) -> None:
        with self._lock:
            self._waiting.append(weakref.ref(chunk))
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._pack_waiting, name="pack", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Until every chunk handed over is packed (or dead); False if `timeout` came first."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._running, timeout)

    def _pack_waiting(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    self._running = False
                    self._idle.notify_all()
                    return
                waiting = self._waiting.popleft()
            chunk = waiting()
            if chunk is None:
                continue
            try:
                chunk.pack()
            except Exception:  # the thread must go on, or no chunk is packed again
                _log.exception(
                    "A chunk of %d bytes stays as it came: packing it failed", len(chunk)
                )
            del chunk


PACKING = Packing()
"""The one packing thread of this process."""
