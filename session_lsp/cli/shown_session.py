"""The session `show` and `show --item` read: named or a path, and the model they print."""

from __future__ import annotations

from pathlib import Path

from session_lsp.core.collector import BIG_BYTES
from session_lsp.core.turns import ConversationModel, build_model
from session_lsp.files import SessionFile, exists, read_session_file
from session_lsp.sessions import resolve_session
from session_lsp.sessions.registry import analyse_session


def read_named_session(name: str | None) -> tuple[Path, SessionFile]:
    """An existing path as it is, else a session name (None: the one `claude --continue` would
    resume here). Raises SessionNameError or SessionFileError with a message to print."""
    path = Path(name) if name and exists(Path(name)) else resolve_session(name)
    return path, read_session_file(path)


def shown_model(path: Path, session: SessionFile) -> ConversationModel:
    """Its model, built once and printed before the process ends: a big one is frozen
    (`collector_paused`), so no collection walks it while it is printed."""
    return build_model(analyse_session(session), path, freeze=session.size > BIG_BYTES)
