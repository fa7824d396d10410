"""What this client can do and what it asked for, resolved once at `initialize`.

Features read one frozen object instead of walking `ClientCapabilities` (mostly optional
fields) on every request, and every feature sees the same answer (after ruff's
`session/capabilities.rs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types

from session_lsp.lsp.settings import ServerSettings


@dataclass(frozen=True, slots=True)
class ResolvedClient:
    settings: ServerSettings = field(default_factory=ServerSettings)
    pull_diagnostics: bool = False
    """Pull for clients that declare it, push for the others; never both."""
    diagnostic_refresh: bool = False
    code_lens_refresh: bool = False
    """Whether the client asks for code lenses again when told (`workspace/codeLens/refresh`)."""
    resolve_edits: bool = False
    """Lazy edits only for clients that echo `data` and resolve `edit` (not eglot)."""
    document_changes: bool = False
    apply_edit: bool = False
    """Whether the client applies edits the server sends (`workspace/applyEdit`)."""
    work_done_progress: bool = False
    show_document: bool = False

    @classmethod
    def resolve(
        cls, capabilities: types.ClientCapabilities, settings: ServerSettings
    ) -> ResolvedClient:
        text, workspace, window = (
            capabilities.text_document,
            capabilities.workspace,
            capabilities.window,
        )
        action = text.code_action if text is not None else None
        edit = workspace.workspace_edit if workspace is not None else None
        diagnostics = workspace.diagnostics if workspace is not None else None
        lenses = workspace.code_lens if workspace is not None else None
        return cls(
            settings=settings,
            pull_diagnostics=text is not None and text.diagnostic is not None,
            diagnostic_refresh=bool(diagnostics is not None and diagnostics.refresh_support),
            code_lens_refresh=bool(lenses is not None and lenses.refresh_support),
            resolve_edits=bool(
                action is not None
                and action.data_support
                and action.resolve_support is not None
                and "edit" in action.resolve_support.properties
            ),
            document_changes=bool(edit is not None and edit.document_changes),
            apply_edit=bool(workspace is not None and workspace.apply_edit),
            work_done_progress=bool(window is not None and window.work_done_progress),
            show_document=bool(
                window is not None
                and window.show_document is not None
                and window.show_document.support
            ),
        )

    def is_live(self, seconds_since_written: float) -> bool:
        """The one place that decides whether a file is a session Claude Code is writing."""
        return seconds_since_written < self.settings.live_session_seconds
