"""The language server with a gate on the file reads of its commands (sub-agent files, a session
checked or repaired, a backup) and on building the view's model of a session, for tests that
must catch it in the middle.

A sub-agent file `agent-X.jsonl` (or a session `X.jsonl` read from disk: checked, viewed by its
path or repaired, or its backup) beside which a FIFO
`X.gate` exists is read only once a test opens that FIFO for writing and closes it; meanwhile
`X.waiting` says the read has begun. So a test knows, without timing anything, that the server is inside that read, and can ask
whether it still answers. Every other file is read as the real server reads it.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from session_lsp import beside, disk
from session_lsp.atomic import Snapshot, read_for_update
from session_lsp.core.analysis import Analysis
from session_lsp.core.turns import ConversationModel, agents, build_model
from session_lsp.files import SessionFile, read_session_file
from session_lsp.lsp import live, views
from session_lsp.lsp.main import serve


def _wait_at_gate(path: Path) -> None:
    gate = path.with_suffix(".gate")
    try:
        is_gated = stat.S_ISFIFO(gate.stat().st_mode)
    except OSError:
        is_gated = False
    if is_gated:
        path.with_suffix(".waiting").touch()
        with gate.open("rb") as held:  # blocks until the test opens the other end
            held.read()


def gated_read(path: Path, *, quiet_seconds: float = 0.0) -> SessionFile:
    _wait_at_gate(path)
    return read_session_file(path, quiet_seconds=quiet_seconds)


def gated_read_for_update(path: Path) -> tuple[bytes, Snapshot]:
    _wait_at_gate(path)
    return read_for_update(path)


def gated_build_model(
    analysis: Analysis, path: Path | None = None, *, freeze: bool = False
) -> ConversationModel:
    """Each build of a gated session's model also adds a line to `X.builds`."""
    if path is not None:
        if path.with_suffix(".gate").exists():
            with path.with_suffix(".builds").open("a") as builds:
                builds.write("built\n")
        _wait_at_gate(path)
    return build_model(analysis, path, freeze=freeze)


if __name__ == "__main__":
    agents.read_session_file = gated_read
    live.read_session_file = gated_read  # the server's reads of sessions on disk
    views.build_model = gated_build_model  # an open document's model
    beside.build_model = gated_build_model  # a file's on disk (`model_of_file`)
    disk.read_for_update = gated_read_for_update
    sys.exit(serve())
