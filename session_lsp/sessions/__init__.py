"""Claude Code sessions and Codex rollouts on disk: where they live, what each is, and how a user
names one.

Shared by the CLI (`sessions`, `resume`, names in `check`/`fix`/`restore`/`show`) and the
language server (`sessionLsp.listSessions`). No LSP imports here.
"""

from session_lsp.sessions.discovery import list_sessions
from session_lsp.sessions.locations import project_folder_name, projects_root
from session_lsp.sessions.naming import SessionNameError, resolve_session
from session_lsp.sessions.summary import Health, SessionSummary

__all__ = [
    "Health",
    "SessionNameError",
    "SessionSummary",
    "list_sessions",
    "project_folder_name",
    "projects_root",
    "resolve_session",
]
