"""Core values to LSP values: spans to ranges, findings to diagnostics, line edits to text edits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from session_lsp.core.edits import EditKind, LineEdit
from session_lsp.core.findings import Finding, Span
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.positions import without_terminator

SOURCE = "session-lsp"
DOCS_URL = "https://github.com/session-lsp/session-lsp/blob/main/docs/findings.md#"
"""Each finding code has a heading of the same name in docs/findings.md (tests/test_docs.py)."""


def to_position(document: SessionDocument, line: int, column: int) -> types.Position:
    text = document.line_text(line)
    return types.Position(line=line, character=document.columns.to_client(text, column))


def to_range(document: SessionDocument, span: Span) -> types.Range:
    return types.Range(
        start=to_position(document, span.line, span.start),
        end=to_position(document, span.line, span.end),
    )


def to_diagnostic(document: SessionDocument, finding: Finding) -> types.Diagnostic:
    data: dict[str, Any] = {"code": finding.code.value, "line": finding.span.line}
    if finding.tool_use_id is not None:
        data["toolUseId"] = finding.tool_use_id
    return types.Diagnostic(
        range=to_range(document, finding.span),
        message=finding.message,
        severity=types.DiagnosticSeverity(int(finding.severity)),
        code=finding.code.value,
        code_description=types.CodeDescription(href=DOCS_URL + finding.code.value),
        source=SOURCE,
        related_information=[
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=document.uri, range=to_range(document, item.span)),
                message=item.message,
            )
            for item in finding.related
        ]
        or None,
        data=data,
    )


def diagnostics_of(document: SessionDocument) -> list[types.Diagnostic]:
    return [to_diagnostic(document, finding) for finding in document.analysis().findings]


def to_text_edits(document: SessionDocument, edits: Sequence[LineEdit]) -> list[types.TextEdit]:
    """The same change as `apply_edits` + `join_lines`, expressed on the open document."""
    count = document.line_count
    eol = document.eol
    out: list[types.TextEdit] = []
    deleted = {edit.line for edit in edits if edit.kind is EditKind.DELETE}
    for first, last_deleted in _runs(sorted(deleted)):
        out.append(_delete_lines(document, first, last_deleted))
    for edit in edits:
        line = edit.line
        if edit.kind is EditKind.DELETE:
            continue
        if edit.kind is EditKind.REPLACE:
            out.append(_replace_line(document, line, edit.text.decode("utf-8", "surrogatepass")))
        else:
            new = edit.text.decode("utf-8", "surrogatepass")
            out.append(_insert_after(document, line, new, eol))
    last = count - 1
    if count and not document.terminator(last) and last not in deleted:
        end = _line_end(document, last)
        if not any(edit.kind is EditKind.INSERT_AFTER and edit.line == last for edit in edits):
            out.append(types.TextEdit(range=types.Range(start=end, end=end), new_text=eol))
    return out


def _line_end(document: SessionDocument, line: int) -> types.Position:
    return to_position(document, line, len(document.line_text(line)))


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    """Consecutive line numbers as (first, last) runs: a truncation is one edit, not thousands."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and runs[-1][1] == line - 1:
            runs[-1] = (runs[-1][0], line)
        else:
            runs.append((line, line))
    return runs


def _delete_lines(document: SessionDocument, first: int, last: int) -> types.TextEdit:
    start = types.Position(line=first, character=0)
    if last + 1 < document.line_count or document.terminator(last):
        end = types.Position(line=last + 1, character=0)
    else:
        end = _line_end(document, last)
    return types.TextEdit(range=types.Range(start=start, end=end), new_text="")


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix by bisection on slices: C-speed on multi-MB lines."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _replace_line(document: SessionDocument, line: int, new: str) -> types.TextEdit:
    """Only the characters that differ, so the edit is as small as the change it makes."""
    old = document.line_text(line)
    new = without_terminator(new)
    prefix = _common_prefix(old, new)
    limit = min(len(old), len(new)) - prefix
    suffix = min(_common_prefix(old[::-1], new[::-1]), limit)
    return types.TextEdit(
        range=types.Range(
            start=to_position(document, line, prefix),
            end=to_position(document, line, len(old) - suffix),
        ),
        new_text=new[prefix : len(new) - suffix],
    )


def _insert_after(document: SessionDocument, line: int, new: str, eol: str) -> types.TextEdit:
    if line + 1 < document.line_count or document.terminator(line):
        at = types.Position(line=line + 1, character=0)
        return types.TextEdit(range=types.Range(start=at, end=at), new_text=new + eol)
    if line < 0:
        at = types.Position(line=0, character=0)
        return types.TextEdit(range=types.Range(start=at, end=at), new_text=new + eol)
    at = _line_end(document, line)
    return types.TextEdit(range=types.Range(start=at, end=at), new_text=eol + new + eol)
