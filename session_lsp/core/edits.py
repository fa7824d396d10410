"""Line-level edits: the only way a repair changes a transcript.

The language server turns them into TextEdits and the CLI applies them to the file, so both write
exactly the same bytes. Lines not named by an edit are never touched.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from session_lsp.core.reading import Line


class EditKind(enum.Enum):
    INSERT_AFTER = "insert-after"
    """Insert `text` as a new line after line `line` (-1: before the first line)."""
    DELETE = "delete"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True)
class LineEdit:
    kind: EditKind
    line: int
    text: bytes = b""


@dataclass(frozen=True, slots=True)
class EditsByLine:
    """Edits looked up by the line they name, for applying them in one pass over the lines."""

    deleted: frozenset[int]
    replaced: dict[int, bytes]
    inserted: dict[int, list[bytes]]

    @classmethod
    def of(cls, edits: Sequence[LineEdit]) -> EditsByLine:
        inserted: dict[int, list[bytes]] = {}
        for edit in edits:
            if edit.kind is EditKind.INSERT_AFTER:
                inserted.setdefault(edit.line, []).append(edit.text)
        return cls(
            frozenset(edit.line for edit in edits if edit.kind is EditKind.DELETE),
            {edit.line: edit.text for edit in edits if edit.kind is EditKind.REPLACE},
            inserted,
        )

    def before_first(self) -> list[bytes]:
        return self.inserted.get(-1, [])

    def lines_for(self, index: int, line: Line) -> list[Line]:
        """What line `index` becomes: itself or its replacement unless deleted, then its inserts."""
        kept: list[Line] = [] if index in self.deleted else [self.replaced.get(index, line)]
        return kept + self.inserted.get(index, [])


def apply_edits(lines: Sequence[Line], edits: Sequence[LineEdit]) -> list[Line]:
    """The lines after the edits; several inserts after one line keep their order."""
    by_line = EditsByLine.of(edits)
    out: list[Line] = list(by_line.before_first())
    for index, line in enumerate(lines):
        out.extend(by_line.lines_for(index, line))
    return out


def join_lines(lines: Sequence[Line]) -> bytes:
    """The file's bytes, always ending with a newline so Claude Code's next append starts clean."""
    if not lines:
        return b""
    return b"\n".join(lines) + b"\n"
