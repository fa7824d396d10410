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


def apply_edits(lines: Sequence[Line], edits: Sequence[LineEdit]) -> list[Line]:
    """The lines after the edits; several inserts after one line keep their order."""
    deleted = {edit.line for edit in edits if edit.kind is EditKind.DELETE}
    replaced = {edit.line: edit.text for edit in edits if edit.kind is EditKind.REPLACE}
    inserted: dict[int, list[bytes]] = {}
    for edit in edits:
        if edit.kind is EditKind.INSERT_AFTER:
            inserted.setdefault(edit.line, []).append(edit.text)
    out: list[Line] = list(inserted.get(-1, ()))
    for index, line in enumerate(lines):
        if index not in deleted:
            out.append(replaced.get(index, line))
        out.extend(inserted.get(index, ()))
    return out


def join_lines(lines: Sequence[Line]) -> bytes:
    """The file's bytes, always ending with a newline so Claude Code's next append starts clean."""
    if not lines:
        return b""
    return b"\n".join(lines) + b"\n"
