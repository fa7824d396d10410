"""Inlay hints (the tool's name beside each result's id, in either format) and the first-line
code lens."""

from __future__ import annotations

from lsprotocol import types

from session_lsp.core.repairs import repair_all
from session_lsp.core.wording import counted
from session_lsp.lsp.api import Command
from session_lsp.lsp.convert import to_position
from session_lsp.lsp.server import SessionServer
from session_lsp.lsp.tools import format_of, mentions_on_line


def inlay_hints(ls: SessionServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    document = ls.session_document(params.text_document.uri)
    transcript_format = format_of(document) if document is not None else None
    if document is None or transcript_format is None:
        return []
    analysis = document.analysis()
    hints = []
    last = min(params.range.end.line, document.line_count - 1)
    for line in range(params.range.start.line, last + 1):
        for mention in mentions_on_line(document, line):
            if not mention.is_result:
                continue
            position = to_position(document, line, mention.span.end)
            if not _within(position, params.range):
                continue
            name = transcript_format.call_name(analysis, mention.tool_use_id)
            hints.append(
                types.InlayHint(
                    position=position,
                    label=name or "no call",
                    kind=types.InlayHintKind.Type,
                    padding_left=True,
                )
            )
    return hints


def _within(position: types.Position, asked: types.Range) -> bool:
    """Whether a hint falls in the range asked for, whose end is excluded as an LSP range's is
    (two ranges side by side never both hold it): a client that asks for part of a long line (a
    result of megabytes on one line) gets the hints of that part only."""
    at = (position.line, position.character)
    return (asked.start.line, asked.start.character) <= at < (asked.end.line, asked.end.character)


def code_lens(ls: SessionServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    """What the session's state is, above its first line, and the one-click repair when one
    applies. Only a label while the agent may still be writing the file (a click would race it,
    and its running call is no problem yet) or when the default strategy changes nothing."""
    document = ls.session_document(params.text_document.uri)
    if document is None or not document.line_count:
        return []
    analysis = document.analysis()
    problems = sum(1 for f in analysis.findings if f.severity.value <= 2)
    strategy = ls.settings.fix_strategy
    said = counted(problems, "problem")
    if document.being_written:
        if problems:
            return _label(f"{said} · still being written: repair it when the session stops")
        return _label("Still being written: judged again when the session stops")
    if not problems:
        return _label("No problems: this session resumes cleanly")
    if not repair_all(analysis, strategy).edits:
        return _label(f"{said} · no {strategy.value} repair applies: see each one's quick fixes")
    fix_all = types.Command(
        title=f"{said} · Fix all ({strategy.value})",
        command=Command.FIX_ALL,
        arguments=[document.uri, strategy.value],
    )
    return [types.CodeLens(range=_TOP, command=fix_all)]


_TOP = types.Range(
    start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
)


def _label(title: str) -> list[types.CodeLens]:
    return [types.CodeLens(range=_TOP, command=types.Command(title=title, command=""))]


def register(server: SessionServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT)(inlay_hints)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(code_lens)
