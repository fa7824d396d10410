"""The outline of the conversation, and workspace symbols over open transcripts.

Built from the conversation model (core/turns), the one the conversation view shows, so a Claude
Code session and a Codex rollout are outlined alike and say the same as the view: user prompts,
each assistant turn with its tool calls and how each call ended, compactions, interruptions,
commands, and lines too damaged to be part of the conversation.
"""

from __future__ import annotations

from lsprotocol import types

from session_lsp.core.content_text import one_line
from session_lsp.core.findings import Span
from session_lsp.core.markdown import ITEM_TITLES, STATUS_LABELS
from session_lsp.core.turns import ConversationModel, Item, ItemKind
from session_lsp.core.turns.segments import Segment, SegmentKind, segments
from session_lsp.core.turns.texts import LineReader, load_texts
from session_lsp.lsp.convert import to_range
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer

PREVIEW = 60
TURN_KINDS = frozenset(
    {
        ItemKind.ASSISTANT,
        ItemKind.THINKING,
        ItemKind.TOOL,
        ItemKind.ORPHAN_RESULT,
        ItemKind.SUB_AGENT,
        ItemKind.API_ERROR,
        ItemKind.MODEL_FALLBACK,
    }
)
"""Items that belong to the assistant's turn between two prompts (its retries and model switches
included)."""
PREVIEWED = frozenset(
    {ItemKind.PROMPT, ItemKind.ASSISTANT, ItemKind.COMMAND, ItemKind.NOTIFICATION, ItemKind.RECAP}
)
"""Items whose text names their symbol (read from the line if the model left it for later)."""
KINDS = {
    ItemKind.PROMPT: types.SymbolKind.Event,
    ItemKind.COMPACTION: types.SymbolKind.Namespace,
    ItemKind.INTERRUPT: types.SymbolKind.Event,
    ItemKind.COMMAND: types.SymbolKind.Event,
    ItemKind.NOTIFICATION: types.SymbolKind.Event,
    ItemKind.RECAP: types.SymbolKind.Event,
    ItemKind.DAMAGED: types.SymbolKind.Null,
}


def _range(document: SessionDocument, first: int, last: int) -> types.Range:
    start = to_range(document, Span(first, 0, 0)).start
    width = len(document.line_text(last))
    return types.Range(start=start, end=to_range(document, Span(last, width, width)).end)


def _symbol(
    document: SessionDocument,
    name: str,
    kind: types.SymbolKind,
    items: list[Item],
    *,
    detail: str | None = None,
    children: list[types.DocumentSymbol] | None = None,
) -> types.DocumentSymbol:
    first = min(item.first_line for item in items)
    last = max(item.last_line for item in items)
    return types.DocumentSymbol(
        name=name,
        detail=detail,
        kind=kind,
        range=_range(document, first, last),
        selection_range=_range(document, items[0].first_line, items[0].first_line),
        children=children or None,
    )


def _named(title: str, item: Item | None, reader: LineReader, model: ConversationModel) -> str:
    if item is None:
        return title
    if item.text is None and not item.loaded:
        load_texts(item, reader, model.texts)
    preview = one_line(item.text or "", PREVIEW)
    return f"{title}: {preview}" if preview else title


def _tool_symbol(document: SessionDocument, item: Item) -> types.DocumentSymbol:
    tool = item.tool
    assert tool is not None
    name = (
        f"Result for {tool.id}" if item.kind is ItemKind.ORPHAN_RESULT else f"{tool.name} {tool.id}"
    )
    return _symbol(
        document, name, types.SymbolKind.Function, [item], detail=STATUS_LABELS[tool.status]
    )


def _turn_symbol(
    document: SessionDocument, turn: list[Item], reader: LineReader, model: ConversationModel
) -> types.DocumentSymbol:
    said = next((item for item in turn if item.kind is ItemKind.ASSISTANT), None)
    return _symbol(
        document,
        _named(ITEM_TITLES[ItemKind.ASSISTANT], said, reader, model),
        types.SymbolKind.Class,
        turn,
        children=[_tool_symbol(document, item) for item in turn if item.tool is not None],
    )


def _item_symbol(
    document: SessionDocument, item: Item, reader: LineReader, model: ConversationModel
) -> types.DocumentSymbol:
    title = ITEM_TITLES.get(item.kind, item.kind.value)
    name = _named(title, item if item.kind in PREVIEWED else None, reader, model)
    detail = item.findings[0].code.value if item.findings else None
    return _symbol(
        document, name, KINDS.get(item.kind, types.SymbolKind.Null), [item], detail=detail
    )


def _outlined_segments(model: ConversationModel) -> list[tuple[Segment, list[Item]]]:
    """Every segment with its items, the history before a compaction and the abandoned branches
    included: the outline maps the whole file. An item a partial compaction kept stands in two
    segments; it is listed once, where it first appears."""
    seen: set[tuple[int, int, str]] = set()
    outlined: list[tuple[Segment, list[Item]]] = []
    for segment in segments(model):
        items: list[Item] = []
        for item in segment.items:
            key = (item.first_line, item.last_line, item.kind)
            if key not in seen:
                seen.add(key)
                items.append(item)
        outlined.append((segment, items))
    return outlined


def _segment_symbols(
    document: SessionDocument, items: list[Item], reader: LineReader, model: ConversationModel
) -> list[types.DocumentSymbol]:
    """One segment's symbols: each assistant turn gathers the items between two prompts, never
    across a segment's end."""
    symbols: list[types.DocumentSymbol] = []
    turn: list[Item] = []
    for item in items:
        if item.kind in TURN_KINDS:
            turn.append(item)
            continue
        if turn:
            symbols.append(_turn_symbol(document, turn, reader, model))
            turn = []
        symbols.append(_item_symbol(document, item, reader, model))
    if turn:
        symbols.append(_turn_symbol(document, turn, reader, model))
    return symbols


def document_symbols(ls: SessionServer, document: SessionDocument) -> list[types.DocumentSymbol]:
    """The outline: an abandoned branch is one symbol holding its own, so its lines, which sit
    among the conversation's in the file, read as what a resume leaves out."""
    model = ls.state.outline(document.uri, document.analysis())
    reader = LineReader(model.lines)
    symbols: list[types.DocumentSymbol] = []
    for segment, items in _outlined_segments(model):
        listed = _segment_symbols(document, items, reader, model)
        if segment.kind is not SegmentKind.ABANDONED:
            symbols.extend(listed)
        elif items:
            name = "Abandoned branch" + (f": {segment.summary}" if segment.summary else "")
            kind = types.SymbolKind.Namespace
            symbols.append(_symbol(document, one_line(name, PREVIEW), kind, items, children=listed))
    return symbols


def outline(ls: SessionServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    document = ls.session_document(params.text_document.uri)
    return document_symbols(ls, document) if document is not None else []


def workspace_symbols(
    ls: SessionServer, params: types.WorkspaceSymbolParams
) -> list[types.WorkspaceSymbol]:
    query = params.query.lower()
    found: list[types.WorkspaceSymbol] = []
    for document in list(ls.workspace.text_documents.values()):
        if not isinstance(document, SessionDocument):
            continue
        stack = list(document_symbols(ls, document))
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
