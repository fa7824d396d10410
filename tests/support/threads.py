"""The threads a test may count: every live one but the packing thread, which outlives its last
chunk by `packing.IDLE_SECONDS` whichever earlier test handed it one, and so may end mid-test."""

from __future__ import annotations

import threading

from session_lsp.lsp.packing import THREAD_NAME


def counted_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name != THREAD_NAME]
