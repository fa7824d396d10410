"""The conversation as a reader sees it: prompts, replies, thinking and tool calls with their fate.

Built from the replayed chain (what a resume sends), so what the view shows is what the findings
judge. The skeleton (kinds, lines, pairing, statuses) comes from the typed records alone; the full
text of the blocks the typed decode skips (thinking, tool input, result content) is read from the
line's bytes only for the items asked for, so paging through a 100 MB session stays cheap.
"""

from session_lsp.core.turns.build import build_model
from session_lsp.core.turns.model import (
    MAX_TEXT,
    ConversationModel,
    Item,
    ItemKind,
    Source,
    ToolCall,
    ToolStatus,
)
from session_lsp.core.turns.texts import page

__all__ = [
    "MAX_TEXT",
    "ConversationModel",
    "Item",
    "ItemKind",
    "Source",
    "ToolCall",
    "ToolStatus",
    "build_model",
    "page",
]
