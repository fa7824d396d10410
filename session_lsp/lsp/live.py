"""Is Claude Code still writing this file? Watch the open transcripts' modification times.

A write we did not cause (no didSave came with it) in the last seconds marks the session live:
the tail's dangling call is then a running tool, not damage, and quick fixes say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from session_lsp.lsp import diagnostics
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer

POLL_SECONDS = 1.0


def file_age(document: SessionDocument) -> tuple[float, int] | None:
    """Seconds since the file on disk was written, and its mtime; None for non-file documents."""
    if not document.uri.startswith("file:") or not document.path:
        return None
    try:
        mtime_ns = os.stat(document.path).st_mtime_ns
    except OSError:
        return None
    return max(0.0, time.time() - mtime_ns / 1e9), mtime_ns


def observe(ls: SessionServer, document: SessionDocument) -> bool:
    """Update the document's live state from disk; True when it changed."""
    age = file_age(document)
    live: float | None = None
    if age is not None:
        seconds, mtime_ns = age
        ours = document.saved_mtime_ns == mtime_ns
        if ls.client.is_live(seconds) and not ours:
            live = seconds
    was_live = document.modified_seconds_ago is not None
    document.modified_seconds_ago = live
    return was_live != (live is not None)


def note_saved(document: SessionDocument) -> None:
    """The editor wrote the file: that write is not Claude Code's."""
    age = file_age(document)
    if age is not None:
        document.saved_mtime_ns = age[1]


async def watch(ls: SessionServer) -> None:
    """Poll open transcripts; cheap (one stat each), and works with every client."""
    while True:
        await asyncio.sleep(POLL_SECONDS)
        for document in list(ls.workspace.text_documents.values()):
            if isinstance(document, SessionDocument):
                with contextlib.suppress(Exception):
                    if observe(ls, document):
                        diagnostics.refresh(ls, document)
