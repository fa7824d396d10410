"""A process-wide setting changed while any thread needs it changed.

The recursion limit (`nesting.deep_json`) and the garbage collector (`collector.collector_paused`)
belong to the process, and the server needs them changed on its event loop and in worker threads
at once. Saving and restoring per block breaks when blocks overlap across threads: one that saved
the value another had set restores that for good. So the first holder in changes it and the last
one out restores what was there before the first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Restore = Callable[[], None]


class HeldSetting:
    def __init__(self, change: Callable[[], Restore]) -> None:
        """`change` applies the setting and returns how to put back what it replaced."""
        self._change = change
        self._lock = threading.Lock()
        self._holders = 0
        self._restore: Restore | None = None

    @contextmanager
    def held(self, on_exit: Callable[[], None] | None = None) -> Iterator[None]:
        """The setting in force inside; `on_exit` runs as the block ends, before any restore."""
        with self._lock:
            if self._holders == 0:
                self._restore = self._change()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if on_exit is not None:
                    on_exit()
                if self._holders == 0 and self._restore is not None:
                    self._restore()
                    self._restore = None
