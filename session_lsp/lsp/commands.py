"""workspace/executeCommand: fix all, fork, and the on-disk check/fix/restore for big files.

VS Code never hands documents over 50 MB to a language server, and real sessions get that big, so
the disk commands take a path and do the work the CLI does, with work-done progress.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from session_lsp import __version__
from session_lsp.atomic import UnsafeWriteError
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits
from session_lsp.core.repairs import Strategy, repair_all
from session_lsp.disk import fix_file, restore_file, write_fork
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.lsp.convert import to_text_edits
from session_lsp.lsp.server import SessionServer
from session_lsp.report import finding_to_json


def _strategy(value: str | None, ls: SessionServer) -> Strategy:
    try:
        return Strategy(value) if value else ls.settings.fix_strategy
    except ValueError:
        raise ValueError(f"unknown strategy {value!r}: use stub, purge or truncate") from None


class _Progress:
    """Work-done progress when the client supports it; nothing otherwise."""

    def __init__(self, ls: SessionServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token: str | None = None

    async def __aenter__(self) -> _Progress:
        if self.ls.supports_progress():
            self.token = str(uuid.uuid4())
            await self.ls.work_done_progress.create_async(self.token)
            self.ls.work_done_progress.begin(
                self.token, types.WorkDoneProgressBegin(title=self.title)
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd())


def register(server: SessionServer) -> None:
    @server.command("sessionLsp.fixAll")
    async def fix_all(ls: SessionServer, uri: str, strategy: str | None = None) -> dict[str, Any]:
        chosen = _strategy(strategy, ls)
        document = ls.session_document(uri)
        if document is None:
            return {"applied": False, "message": f"{uri} is not open"}
        repair = repair_all(document.analysis(), chosen)
        if not repair.edits:
            return {"applied": False, "message": "nothing to repair"}
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=ls.workspace_edit(document, to_text_edits(document, repair.edits)),
                label=repair.title,
            )
        )
        return {"applied": bool(result.applied), "message": repair.title}

    @server.command("sessionLsp.forkSession")
    async def fork_session(
        ls: SessionServer, uri: str, strategy: str | None = None
    ) -> dict[str, Any]:
        chosen = _strategy(strategy, ls)
        document = ls.session_document(uri)
        path = to_fs_path(uri)
        if document is None or path is None:
            return {"path": None, "message": f"{uri} is not an open file"}
        analysis = document.analysis()
        repair = repair_all(analysis, chosen)
        try:
            target, session_id = write_fork(
                Path(path), analysis, apply_edits(analysis.lines, repair.edits)
            )
        except UnsafeWriteError as error:
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=str(error))
            )
            return {"path": None, "message": str(error)}
        resume = f"claude --resume {session_id}"
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info, message=f"Forked to {target.name}: {resume}"
            )
        )
        window = ls.client_capabilities.window
        if window is not None and window.show_document is not None and window.show_document.support:
            await ls.window_show_document_async(
                types.ShowDocumentParams(uri=from_fs_path(str(target)) or "")
            )
        return {"path": str(target), "sessionId": session_id, "resumeCommand": resume}

    @server.command("sessionLsp.checkFile")
    async def check_file(ls: SessionServer, path: str) -> dict[str, Any]:
        async with _Progress(ls, f"Checking {Path(path).name}"):
            try:
                session = read_session_file(Path(path))
            except SessionFileError as error:
                return {"path": path, "findings": [], "errors": 0, "message": str(error)}
            analysis = analyse_bytes(
                session.data, modified_seconds_ago=session.modified_seconds_ago
            )
        return {
            "path": path,
            "findings": [finding_to_json(path, finding) for finding in analysis.findings],
            "errors": analysis.error_count,
        }

    @server.command("sessionLsp.fixFile")
    async def fix_file_on_disk(
        ls: SessionServer, path: str, strategy: str | None = None
    ) -> dict[str, Any]:
        async with _Progress(ls, f"Repairing {Path(path).name}"):
            outcome = fix_file(Path(path), _strategy(strategy, ls))
        return {
            "path": path,
            "changed": outcome.changed,
            "backup": str(outcome.backup) if outcome.backup else None,
            "remainingErrors": outcome.remaining_errors,
            "message": outcome.message,
        }

    @server.command("sessionLsp.restoreBackup")
    def restore_backup(ls: SessionServer, path: str) -> dict[str, Any]:
        try:
            backup = restore_file(Path(path))
        except UnsafeWriteError as error:
            return {"restored": None, "message": str(error)}
        return {"restored": str(backup), "message": f"restored from {backup.name}"}

    @server.command("sessionLsp.debugInformation")
    def debug_information(ls: SessionServer) -> dict[str, Any]:
        return {
            "version": __version__,
            "positionEncoding": str(ls.workspace.position_encoding),
            "diagnostics": "pull" if ls.pull_diagnostics else "push",
            "resolveEdits": ls.can_resolve_edits(),
            "settings": ls.settings.model_dump(by_alias=True, mode="json"),
            "openDocuments": sorted(ls.workspace.text_documents),
            "time": time.time(),
        }

    @server.command("sessionLsp.documentText")
    def document_text(ls: SessionServer, uri: str) -> str | None:
        """The server's copy of a document: lets tests and users verify that edits stay in sync."""
        document = ls.session_document(uri)
        return document.source if document is not None else None
