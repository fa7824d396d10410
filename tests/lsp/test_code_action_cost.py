"""A code action request over many diagnostics converts each repair to text edits once."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace import Workspace

from session_lsp.lsp import code_actions
from session_lsp.lsp.convert import diagnostics_of
from session_lsp.lsp.documents import SessionWorkspace
from session_lsp.lsp.main import create_server
from tests.support.corpus import TOOL_HEAVY

URI = "file:///tmp/cost/session.jsonl"


def test_the_truncation_offered_for_every_diagnostic_is_converted_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client without edit resolving (eglot, Neovim) gets every action's edit inline: the one
    truncation of the file was converted again for each diagnostic in the range (600: 17 s). It
    is one action now, for all of them, and each action's edits are converted once."""
    text = TOOL_HEAVY.read_text().replace('"tool_use_id":"', '"tool_use_id":"x')
    server = create_server()
    server.protocol._workspace = Workspace(None)
    assert isinstance(server.workspace, SessionWorkspace)
    server.workspace.put_text_document(
        types.TextDocumentItem(uri=URI, language_id="jsonl", version=1, text=text)
    )
    document = server.session_document(URI)
    assert document is not None and not server.can_resolve_edits()
    diagnostics = diagnostics_of(document)
    converted: list[int] = []
    real = code_actions.to_text_edits

    def counting(*arguments: object) -> list[types.TextEdit]:
        converted.append(1)
        return real(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(code_actions, "to_text_edits", counting)
    whole = types.Range(types.Position(0, 0), types.Position(document.line_count, 0))
    context = types.CodeActionContext(diagnostics=diagnostics)
    params = types.CodeActionParams(types.TextDocumentIdentifier(URI), whole, context)
    actions = code_actions.code_actions(server, params)
    with_edits = [a for a in actions if isinstance(a, types.CodeAction) and a.edit is not None]
    (truncation,) = [action for action in with_edits if action.title.startswith("Truncate")]
    assert len(truncation.diagnostics or []) > 3, "one truncation, for every error it clears"
    assert len(converted) == len(with_edits)
