"""The outline of the replayed conversation, and workspace symbols over open transcripts."""

from __future__ import annotations

from lsprotocol import types

from session_lsp.core.conversation import ApiMessage
from session_lsp.core.findings import Code, Span
from session_lsp.lsp.convert import to_range
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer

PREVIEW = 60


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _range(document: SessionDocument, first: int, last: int) -> types.Range:
    start = to_range(document, Span(first, 0, 0)).start
    end = to_range(
        document, Span(last, len(document.line_text(last)), len(document.line_text(last)))
    ).end
    return types.Range(start=start, end=end)


def _message_symbol(
    document: SessionDocument, message: ApiMessage, broken: dict[str, str]
) -> types.DocumentSymbol:
    lines = [part.record.line for part in message.parts]
    first, last = min(lines), max(lines)
    children: list[types.DocumentSymbol] = []
    if message.role == "assistant":
        for part in message.tool_use_parts():
            tool_id = part.block.id or ""
            status = broken.get(tool_id, "answered")
            line = part.record.line
            children.append(
                types.DocumentSymbol(
                    name=f"{part.block.name or 'tool'} {tool_id}",
                    detail=status,
                    kind=types.SymbolKind.Function,
                    range=_range(document, line, line),
                    selection_range=_range(document, line, line),
                )
            )
        texts = [
            p.block.text or ""
            for p in message.parts
            if p.block.type == "text" and (p.block.text or "").strip()
        ]
        name = f"Assistant: {_preview(texts[0])}" if texts else "Assistant"
        kind = types.SymbolKind.Class
    else:
        results = sum(1 for p in message.parts if p.block.type == "tool_result")
        texts = [p.block.text or "" for p in message.parts if p.block.type == "text"]
        if texts and not results:
            name = f"User: {_preview(texts[0])}"
        else:
            name = f"Tool results ({results})" + (f" + {_preview(texts[0])}" if texts else "")
        kind = types.SymbolKind.Event
    return types.DocumentSymbol(
        name=name,
        kind=kind,
        range=_range(document, first, last),
        selection_range=_range(document, first, first),
        children=children or None,
    )


def document_symbols(document: SessionDocument) -> list[types.DocumentSymbol]:
    analysis = document.analysis()
    conversation = analysis.conversation
    broken = {
        finding.tool_use_id: finding.code.value
        for finding in analysis.findings
        if finding.tool_use_id is not None
        and finding.code in (Code.UNPAIRED_TOOL_USE, Code.LIVE_SESSION)
    }
    symbols = []
    first = conversation.walked[0] if conversation.walked else None
    if first is not None and first.type == "system" and first.subtype == "compact_boundary":
        symbols.append(
            types.DocumentSymbol(
                name="Compaction boundary: the resume starts here",
                kind=types.SymbolKind.Namespace,
                range=_range(document, first.line, first.line),
                selection_range=_range(document, first.line, first.line),
            )
        )
    # A message with empty content has no line to point at: it has nothing to outline.
    symbols.extend(
        _message_symbol(document, message, broken)
        for message in conversation.messages
        if message.parts
    )
    return symbols


def outline(ls: SessionServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    document = ls.session_document(params.text_document.uri)
    return document_symbols(document) if document is not None else []


def workspace_symbols(
    ls: SessionServer, params: types.WorkspaceSymbolParams
) -> list[types.WorkspaceSymbol]:
    query = params.query.lower()
    found: list[types.WorkspaceSymbol] = []
    for document in list(ls.workspace.text_documents.values()):
        if not isinstance(document, SessionDocument):
            continue
        stack = list(document_symbols(document))
        while stack:
            symbol = stack.pop()
            stack.extend(symbol.children or ())
            if query in symbol.name.lower():
                found.append(
                    types.WorkspaceSymbol(
                        name=symbol.name,
                        kind=symbol.kind,
                        location=types.Location(uri=document.uri, range=symbol.selection_range),
                        container_name=document.filename,
                    )
                )
    return found


def register(server: SessionServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(outline)
    server.feature(types.WORKSPACE_SYMBOL)(workspace_symbols)
