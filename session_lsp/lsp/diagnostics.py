"""Diagnostics: pushed (debounced, versioned) to clients that cannot pull, pulled by the others.

Never both: a pull-capable client that is also pushed to shows every problem twice.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types

from session_lsp.lsp.convert import SOURCE, diagnostics_of
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer


def publish(ls: SessionServer, document: SessionDocument) -> None:
    if ls.pull_diagnostics:
        return
    ls.state.cancel_publish(document.uri)
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=document.uri, version=document.version, diagnostics=diagnostics_of(document)
        )
    )


def schedule(ls: SessionServer, document: SessionDocument) -> None:
    """Publish after a pause in typing (`debounceMs`)."""
    if ls.pull_diagnostics:
        return
    ls.state.cancel_publish(document.uri)
    delay = ls.settings.debounce_ms / 1000
    loop = asyncio.get_running_loop()
    uri, version = document.uri, document.version

    def fire() -> None:
        ls.state.publish_timers.pop(uri, None)
        current = ls.session_document(uri)
        if current is not None and current.version == version:
            publish(ls, current)

    ls.state.publish_timers[uri] = loop.call_later(delay, fire)


def clear(ls: SessionServer, uri: str) -> None:
    ls.state.forget(uri)
    if not ls.pull_diagnostics:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


def refresh(ls: SessionServer, document: SessionDocument) -> None:
    """Something outside the text changed (the file on disk, the session starting or ending to
    be written): show it, in the diagnostics and in the code lens that says whether the session
    is still being written."""
    if ls.client.code_lens_refresh:
        ls.workspace_code_lens_refresh(None)
    if not ls.pull_diagnostics:
        publish(ls, document)
        return
    if ls.client.diagnostic_refresh:
        ls.workspace_diagnostic_refresh(None)


def _result_id(document: SessionDocument) -> str:
    return f"{document.version}:{document.modified_seconds_ago is not None}"


def pull(
    ls: SessionServer, params: types.DocumentDiagnosticParams
) -> types.FullDocumentDiagnosticReport | types.UnchangedDocumentDiagnosticReport:
    document = ls.session_document(params.text_document.uri)
    if document is None:
        return types.FullDocumentDiagnosticReport(items=[])
    result_id = _result_id(document)
    if params.previous_result_id == result_id:
        return types.UnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.FullDocumentDiagnosticReport(items=diagnostics_of(document), result_id=result_id)


def register_pull(ls: SessionServer) -> None:
    """Called from `initialize`, for clients that pull."""
    ls.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )(pull)
