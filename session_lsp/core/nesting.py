"""Room for deeply nested JSON: a tool's input may nest far deeper than Python's default limit.

Claude Code's `JSON.parse` reads a line nested a thousand levels deep, and msgspec and `json`
count each level against Python's recursion limit (1,000 by default, shared with the caller's own
frames), so such a line raised `RecursionError`. Decoders run with room for `MAX_NESTING` more
levels; a line deeper than that is reported as unreadable rather than risking the C stack.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from session_lsp.core.held_setting import HeldSetting, Restore

MAX_NESTING = 5_000
"""Levels allowed beyond the caller's depth; a few hundred bytes of C stack each, well inside
the 8 MB of a main thread and the default stack of a worker thread."""


def _more_room() -> Restore:
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(saved + MAX_NESTING)
    return lambda: sys.setrecursionlimit(saved)


_ROOM = HeldSetting(_more_room)


def deep_json() -> AbstractContextManager[None]:
    """Raise the recursion limit for the block; safe across threads (restored by the last out)."""
    return _ROOM.held()
