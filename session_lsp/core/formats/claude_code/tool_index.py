"""Every tool call and result in the file, on the replayed chain or not, by tool id.

Used for what the replay alone cannot say: where the other half of a broken pair lives (before a
compaction boundary, on an abandoned branch), and for hover and navigation in the editor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from session_lsp.core.formats.claude_code.records import Record


@dataclass(slots=True)
class ToolIndex:
    uses: dict[str, list[Record]] = field(default_factory=dict)
    results: dict[str, list[Record]] = field(default_factory=dict)

    @classmethod
    def build(cls, records: Sequence[Record | None]) -> ToolIndex:
        index = cls()
        uses, results = index.uses, index.results
        for record in records:
            if record is None or record.message is None:
                continue
            content = record.message.content
            if not isinstance(content, tuple):
                continue
            for block in content:
                block_type = block.type
                if block_type == "tool_use" and block.id is not None:
                    uses.setdefault(block.id, []).append(record)
                elif block_type == "tool_result" and block.tool_use_id is not None:
                    results.setdefault(block.tool_use_id, []).append(record)
        return index
