"""workspace/executeCommand: fix all, fork, and the on-disk check/fix/restore for big files.

VS Code never hands documents over 50 MB to a language server, and real sessions get that big, so
the disk commands take a path and do the work the CLI does, with work-done progress. Names,
arguments and results are the contract in `api`; each handler takes the parsed arguments and
returns its result struct or raises `CommandError`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.uris import from_fs_path, to_fs_path

from session_lsp import __version__
from session_lsp.atomic import UnsafeWriteError
from session_lsp.core.edits import apply_edits
from session_lsp.core.formats import not_a_transcript
from session_lsp.core.repairs import (
    leaves_pairing_errors,
    remaining_pairing_errors,
    repair_all,
)
from session_lsp.core.search import LINES_HOLDING
from session_lsp.disk import FixOutcome, NextStep, fix_file, restore_file, write_fork
from session_lsp.lsp import api
from session_lsp.lsp.api import Command, CommandError
from session_lsp.lsp.convert import to_text_edits
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.live import read_liveness, read_on_disk
from session_lsp.lsp.opening import NATIVE_UNESCAPE
from session_lsp.lsp.server import SessionServer
from session_lsp.report import finding_to_json
from session_lsp.sessions.registry import analyse_session

Handler = Callable[[SessionServer, Any], Any]


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


def _open_document(ls: SessionServer, uri: str) -> SessionDocument:
    document = ls.session_document(uri)
    if document is None:
        raise CommandError(f"{uri} is not open in the language server")
    return document


async def fix_all(ls: SessionServer, arguments: api.FixAllArguments) -> api.FixAllResult:
    document = _open_document(ls, arguments.uri)
    repair = repair_all(document.analysis(), arguments.strategy or ls.settings.fix_strategy)
    if not repair.edits:
        return api.FixAllResult(applied=False, message="nothing to repair")
    if not ls.client.apply_edit:
        # It would never answer: the request would wait forever (ruff checks this too).
        message = "this editor does not apply edits sent by a server; use the quick fixes instead"
        return api.FixAllResult(applied=False, message=message)
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(
            edit=ls.workspace_edit(document, to_text_edits(document, repair.edits)),
            label=repair.title,
        )
    )
    return api.FixAllResult(applied=bool(result.applied), message=repair.title)


async def fork_session(
    ls: SessionServer, arguments: api.ForkSessionArguments
) -> api.ForkSessionResult:
    document = _open_document(ls, arguments.uri)
    path = to_fs_path(arguments.uri)
    if path is None:
        raise CommandError(f"{arguments.uri} is not a file: only files can be forked")
    analysis = document.analysis()
    strategy = arguments.strategy or ls.settings.fix_strategy
    repair = repair_all(analysis, strategy)
    if analysis.error_count and not repair.edits:
        raise CommandError(
            f"not forked: the {strategy.value} repair changes nothing in this session, so the"
            " fork would be as broken as it is; see the quick fixes of its errors"
        )
    # Off the event loop: the repaired session is analysed again, as `session-lsp fix` does.
    leftover = await asyncio.to_thread(remaining_pairing_errors, analysis, repair)
    if leftover:
        raise CommandError(f"not forked: {leaves_pairing_errors(strategy, leftover)}")
    try:
        # Off the event loop: the whole session is written and synced to disk.
        target, session_id = await asyncio.to_thread(
            write_fork, Path(path), analysis, apply_edits(analysis.lines, repair.edits)
        )
    except UnsafeWriteError as error:
        raise CommandError(str(error)) from None
    assert analysis.format is not None  # write_fork forks only a format that can be forked
    resume = analysis.format.resume_command(session_id)
    ls.window_show_message(
        types.ShowMessageParams(
            type=types.MessageType.Info, message=f"Forked to {target.name}: {resume}"
        )
    )
    if ls.client.show_document:
        await ls.window_show_document_async(
            types.ShowDocumentParams(uri=from_fs_path(str(target)) or "")
        )
    return api.ForkSessionResult(path=str(target), session_id=session_id, resume_command=resume)


async def check_file(ls: SessionServer, arguments: api.PathArguments) -> api.CheckFileResult:
    path = arguments.path
    async with _Progress(ls, f"Checking {Path(path).name}"):
        # Off the event loop: a 100 MB session takes seconds to read and analyse.
        session = await read_on_disk(ls, Path(path))
        analysis = await asyncio.to_thread(analyse_session, session, read_liveness(ls))
    not_ours = not_a_transcript(analysis.format is not None, analysis.lines, analysis.findings)
    if not_ours is not None:
        # As `session-lsp check` says of a file named: an error, never "no problems".
        raise CommandError(f"{path}: {not_ours}")
    return api.CheckFileResult(
        path=path,
        findings=msgspec.convert(
            [finding_to_json(path, finding) for finding in analysis.findings],
            list[api.DiskFinding],
        ),
        errors=analysis.error_count,
    )


async def fix_file_on_disk(ls: SessionServer, arguments: api.FixFileArguments) -> api.FixFileResult:
    path = Path(arguments.path)
    async with _Progress(ls, f"Repairing {path.name}"):
        # Off the event loop: a 100 MB session takes seconds to read, repair and write.
        outcome = await asyncio.to_thread(
            fix_file,
            path,
            arguments.strategy or ls.settings.fix_strategy,
            liveness=read_liveness(ls),
        )
    if outcome.refused:
        raise CommandError(_told(outcome))
    return api.FixFileResult(
        path=arguments.path,
        changed=outcome.changed,
        backup=str(outcome.backup) if outcome.backup else None,
        remaining_errors=outcome.remaining_errors,
        message=_told(outcome),
    )


EDITOR_NEXT_STEPS = {
    NextStep.FORCE: "",
    NextStep.TRUNCATE: "; the truncate repair may apply",
    NextStep.FORCE_OR_FORK: "; a repaired fork of it can be written instead",
}
"""What gets past a refusal, said in the editor's terms: it has no way to force a repair of a
live or protected file (the command line's `fix --force` has), and names its own repairs."""


def _told(outcome: FixOutcome) -> str:
    return outcome.message + (EDITOR_NEXT_STEPS[outcome.next_step] if outcome.next_step else "")


async def restore_backup(
    ls: SessionServer, arguments: api.PathArguments
) -> api.RestoreBackupResult:
    try:
        # Off the event loop: the backup is read whole to check it before it is moved back.
        backup = await asyncio.to_thread(restore_file, Path(arguments.path))
    except UnsafeWriteError as error:
        raise CommandError(str(error)) from None
    return api.RestoreBackupResult(
        restored=str(backup),
        message=f"restored from {backup.name}, which is moved into place, so that backup is gone",
    )


def debug_information(ls: SessionServer, arguments: api.NoArguments) -> api.DebugInformationResult:
    return api.DebugInformationResult(
        version=__version__,
        position_encoding=str(ls.workspace.position_encoding),
        diagnostics="pull" if ls.pull_diagnostics else "push",
        resolve_edits=ls.can_resolve_edits(),
        settings=ls.settings.to_json(),
        open_documents=sorted(ls.workspace.text_documents),
        time=time.time(),
        native_unescaping=NATIVE_UNESCAPE is not None,
        native_byte_search=LINES_HOLDING is not None,
        held_texts=[
            _held_text(uri, document)
            for uri, document in sorted(ls.workspace.text_documents.items())
            if isinstance(document, SessionDocument)
        ],
    )


def _held_text(uri: str, document: SessionDocument) -> api.HeldText:
    text = document.transcript.lines
    return api.HeldText(uri, text.unpacked_bytes(), text.packed_bytes())


def document_text(ls: SessionServer, arguments: api.DocumentTextArguments) -> str:
    """The server's copy of a document: lets tests and users verify that edits stay in sync."""
    return _open_document(ls, arguments.uri).source


HANDLERS: dict[Command, Handler] = {
    Command.FIX_ALL: fix_all,
    Command.FORK_SESSION: fork_session,
    Command.CHECK_FILE: check_file,
    Command.FIX_FILE: fix_file_on_disk,
    Command.RESTORE_BACKUP: restore_backup,
    Command.DEBUG_INFORMATION: debug_information,
    Command.DOCUMENT_TEXT: document_text,
}


_ANSWER_ENCODER = msgspec.json.Encoder()


async def execute(
    ls: SessionServer, command: Command, handler: Handler, raw_arguments: list[Any]
) -> Any:
    """Parse, run, encode: -32602 for arguments that do not fit, -32603 for a failed command,
    each with a one-line message and no traceback.

    The answer is JSON already (`msgspec.Raw`), which the protocol sends as it is: pygls would
    walk it with cattrs and stdlib json, 10-20 ms of a 350 KB conversation page against 1 ms.
    A text JSON escapes but UTF-8 cannot hold (a lone surrogate: a file name that is not
    UTF-8, as listings give it) leaves the answer to pygls."""
    try:
        arguments = api.parse_arguments(command, raw_arguments)
    except ValueError as error:
        raise JsonRpcInvalidParams(str(error)) from None
    try:
        result = handler(ls, arguments)
        if inspect.isawaitable(result):
            result = await result
    except CommandError as error:
        raise JsonRpcInternalError(str(error)) from None
    try:
        return msgspec.Raw(_ANSWER_ENCODER.encode(result))
    except UnicodeEncodeError:
        return msgspec.to_builtins(result)


def register_command(server: SessionServer, command: Command, handler: Handler) -> None:
    """Register `handler` (module level, taking the server and `api` arguments) for `command`."""

    async def run(ls: SessionServer, *arguments: Any) -> Any:
        return await execute(ls, command, handler, list(arguments))

    server.command(command.value)(run)


def register(server: SessionServer) -> None:
    for command, handler in HANDLERS.items():
        register_command(server, command, handler)
