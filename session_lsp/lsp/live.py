"""Is Claude Code running this session? Ask its registry; without one, watch modification times.

Claude Code's registry of running sessions (`sessions/registry.py`) says it for certain, however
long a tool runs without a write. Where there is no registry (versions before it), a write we did
not cause (no didSave came with it) in the last seconds marks the session live. Either way the
tail's dangling call is then a running tool, not damage, and quick fixes say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

from session_lsp.files import (
    RECENTLY_WRITTEN_SECONDS,
    SessionFile,
    SessionFileError,
    read_session_file,
)
from session_lsp.lsp import diagnostics
from session_lsp.lsp.api import CommandError
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer
from session_lsp.sessions.registry import REGISTRY_AGENT, Liveness

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


async def read_on_disk(ls: SessionServer, path: Path) -> SessionFile:
    """A session file as the server reads it, off the event loop. One written within the
    live-session window, or the truncation window (`RECENTLY_WRITTEN_SECONDS`) when that is
    longer, is read, not mapped: the view is rebuilt after each save, and an editor that saves in
    place again meanwhile, or Claude Code removing a failed attempt's message, would cut the
    mapped pages from under the build (SIGBUS: the server gone)."""
    quiet = max(ls.settings.live_session_seconds, RECENTLY_WRITTEN_SECONDS)
    try:
        return await asyncio.to_thread(read_session_file, path, quiet_seconds=quiet)
    except SessionFileError as error:
        raise CommandError(str(error)) from None


def read_liveness(ls: SessionServer) -> Liveness:
    """Claude Code's registry read now; without one, a write in the client's liveSessionSeconds
    marks a file live. What the server's commands on files on disk judge by."""
    return Liveness.read(ls.settings.live_session_seconds)


def is_live(
    ls: SessionServer,
    path: str,
    mtime_ns: int,
    *,
    ours: bool,
    liveness: Liveness | None = None,
    agent: str | None = None,
) -> bool:
    """The registry's answer when there is one and the file is Claude Code's (`agent`: its
    format's, when known); else a write in the client's liveSessionSeconds that was not ours
    (`ours`: the editor saved exactly this version)."""
    liveness = liveness if liveness is not None else read_liveness(ls)
    if liveness.has_registry and agent in (None, REGISTRY_AGENT):
        return liveness.is_live(Path(path), mtime_ns)
    return not ours and ls.client.is_live(max(0.0, time.time() - mtime_ns / 1e9))


def observe(ls: SessionServer, document: SessionDocument, liveness: Liveness | None = None) -> bool:
    """Update the document's live state from disk; True when it changed.

    While it stays live the recorded age stays as it was when it became live: the analysis is
    cached on it, and a registry-live session can be live for hours."""
    age = file_age(document)
    live: float | None = None
    if age is not None:
        seconds, mtime_ns = age
        liveness = liveness if liveness is not None else Liveness.read()
        ours = document.saved_mtime_ns == mtime_ns
        agent = document.agent
        if is_live(ls, document.path, mtime_ns, ours=ours, liveness=liveness, agent=agent):
            kept = document.modified_seconds_ago if liveness.has_registry else None
            live = seconds if kept is None else kept
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
        documents = [
            document
            for document in list(ls.workspace.text_documents.values())
            if isinstance(document, SessionDocument)
        ]
        if not documents:
            continue
        try:
            liveness: Liveness | None = Liveness.read()
        except Exception:  # never let the watcher die; each document then reads it itself
            liveness = None
        for document in documents:
            with contextlib.suppress(Exception):
                if observe(ls, document, liveness):
                    diagnostics.refresh(ls, document)
