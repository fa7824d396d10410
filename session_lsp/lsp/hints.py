"""Inlay hints (the tool's name beside each result's id, in either format) and the first-line
code lens."""

from __future__ import annotations

from lsprotocol import types

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
            name = transcript_format.call_name(analysis, mention.tool_use_id)
            hints.append(
                types.InlayHint(
                    position=to_position(document, line, mention.span.end),
                    label=name or "no call",
                    kind=types.InlayHintKind.Type,
                    padding_left=True,
                )
            )
    return hints


def code_lens(ls: SessionServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    document = ls.session_document(params.text_document.uri)
    if document is None or not document.line_count:
        return []
    analysis = document.analysis()
    problems = sum(1 for f in analysis.findings if f.severity.value <= 2)
    top = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    if not problems:
        title = "No problems: this session resumes cleanly"
        return [types.CodeLens(range=top, command=types.Command(title=title, command=""))]
    strategy = ls.settings.fix_strategy.value
    noun = "problem" if problems == 1 else "problems"
    return [
        types.CodeLens(
            range=top,
            command=types.Command(
                title=f"{problems} {noun} · Fix all ({strategy})",
                command=Command.FIX_ALL,
                arguments=[document.uri, strategy],
            ),
        )
    ]


def register(server: SessionServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT)(inlay_hints)
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(code_lens)
