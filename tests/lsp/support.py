"""What a real client does, written independently of the server: positions, edits, waiting."""

from __future__ import annotations

import asyncio
import itertools
import re
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

_uris = itertools.count()
_EOL = re.compile(r"\r\n|\r|\n")


def fresh_uri(client: LanguageClient, name: str = "session.jsonl") -> str:
    """A URI no other test in this module's shared server has used."""
    return f"file:///tmp/session-lsp-tests/{client.preset}/{next(_uris)}/{name}"  # type: ignore[attr-defined]


def encoding_of(client: LanguageClient) -> str:
    encoding = client.init.capabilities.position_encoding  # type: ignore[attr-defined]
    return str(getattr(encoding, "value", encoding) or "utf-16")


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def lines_of(text: str) -> list[str]:
    """Lines without terminators, split the way LSP and VS Code split (not str.splitlines)."""
    return _EOL.split(text)


def offset(text: str, position: types.Position, encoding: str) -> int:
    starts = [0] + [match.end() for match in _EOL.finditer(text)]
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    line = lines_of(text)[position.line]
    count = 0
    for index, char in enumerate(line):
        if count >= position.character:
            return start + index
        count += units(char, encoding)
    return start + len(line)


def span_text(text: str, range_: types.Range, encoding: str) -> str:
    return text[offset(text, range_.start, encoding) : offset(text, range_.end, encoding)]


def apply_text_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """Apply non-overlapping edits, last first, as every client does."""
    ordered = sorted(
        enumerate(edits),
        key=lambda item: (item[1].range.start.line, item[1].range.start.character, item[0]),
        reverse=True,
    )
    for _, edit in ordered:
        start = offset(text, edit.range.start, encoding)
        end = offset(text, edit.range.end, encoding)
        text = text[:start] + edit.new_text + text[end:]
    return text


def edits_in(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    if edit.document_changes:
        return [
            text_edit
            for change in edit.document_changes
            if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
            for text_edit in change.edits
            if isinstance(text_edit, types.TextEdit)
        ]
    return list((edit.changes or {}).get(uri, []))


class OpenDocument:
    """A document the test client has open, mirrored locally the way an editor keeps it."""

    def __init__(self, client: LanguageClient, uri: str, text: str) -> None:
        self.client = client
        self.uri = uri
        self.text = text
        self.version = 1
        self.encoding = encoding_of(client)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="jsonl", version=1, text=text
                )
            )
        )

    @property
    def identifier(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    def change(self, edits: list[types.TextEdit]) -> None:
        """Apply edits locally and send them as incremental changes, bottom first."""
        ordered = sorted(
            edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
        )
        changes: list[types.TextDocumentContentChangeEvent] = []
        for edit in ordered:
            self.text = apply_text_edits(self.text, [edit], self.encoding)
            changes.append(
                types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)
            )
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=changes,
            )
        )

    async def diagnostics(self) -> list[types.Diagnostic]:
        """Current diagnostics, pulled or waited for (push), for the current version."""
        client = self.client
        if client.init.capabilities.diagnostic_provider is not None:  # type: ignore[attr-defined]
            report = await client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=self.identifier)
            )
            assert report.kind == "full", report
            return list(report.items)
        for _ in range(200):
            published = client.diagnostics.get(self.uri)
            if published is not None and client.diagnostic_versions.get(self.uri) == self.version:  # type: ignore[attr-defined]
                return list(published)
            await asyncio.sleep(0.02)
        raise AssertionError(f"no diagnostics for version {self.version} of {self.uri}")

    async def codes_becoming(self, expected: list[str], tries: int = 60) -> list[object]:
        """The diagnostic codes once they equal `expected`, or the last seen after `tries` tenths
        of a second: a change the server notices by itself (a session going live) comes with no
        new document version, so it is polled, pulled or as last published."""
        pulls = self.client.init.capabilities.diagnostic_provider is not None  # type: ignore[attr-defined]
        codes: list[object] = []
        for _ in range(tries):
            await asyncio.sleep(0.1)
            if pulls:
                codes = [d.code for d in await self.diagnostics()]
            else:
                codes = [d.code for d in self.client.diagnostics.get(self.uri, [])]
            if codes == expected:
                break
        return codes

    async def server_text(self) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="sessionLsp.documentText", arguments=[self.uri])
        )

    async def actions(
        self, diagnostic: types.Diagnostic | None = None, only: list[str] | None = None
    ) -> list[types.CodeAction | types.Command]:
        range_ = (
            diagnostic.range
            if diagnostic
            else types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            )
        )
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=self.identifier,
                range=range_,
                context=types.CodeActionContext(
                    diagnostics=[diagnostic] if diagnostic else [], only=only
                ),
            )
        )
        return list(result or [])

    async def resolved_edits(self, action: types.CodeAction) -> list[types.TextEdit]:
        if action.edit is None:
            action = await self.client.code_action_resolve_async(action)
        assert action.edit is not None, action.title
        return edits_in(action.edit, self.uri)
