"""Room for deeply nested JSON: a tool's input may nest far deeper than Python's default limit.

Claude Code's `JSON.parse` reads a line nested a thousand levels deep, and msgspec and `json`
count each level against Python's recursion limit (1,000 by default, shared with the caller's own
frames), so such a line raised `RecursionError`. Decoders run with room for `MAX_NESTING` more
levels; a line deeper than that is reported as unreadable rather than risking the C stack.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_NESTING = 5_000
"""Levels allowed beyond the caller's depth; a few hundred bytes of C stack each, well inside
the 8 MB of a main thread and the default stack of a worker thread."""

_lock = threading.Lock()
_holders = 0
_saved_limit = 0


@contextmanager
def deep_json() -> Iterator[None]:
    """Raise the recursion limit for the block; safe across threads (restored by the last out)."""
    global _holders, _saved_limit
    with _lock:
        if _holders == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(_saved_limit + MAX_NESTING)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                sys.setrecursionlimit(_saved_limit)
