"""A repair's line edits as a unified diff, built from the edits rather than found by comparing.

`fix --dry-run` (and `resume`'s trial of a repair) print what would change. Comparing the whole
file before and after with `difflib` costs about the findings times the lines (2,400 stubs in a
session of 24,000 lines: 8 s); the edits already say which lines change, so the hunks are
built around them, each with one line of context, in one pass over the edited places.
"""

from __future__ import annotations

from collections.abc import Sequence

from session_lsp.core.edits import EditsByLine, LineEdit
from session_lsp.core.reading import Line, text_of

CONTEXT = 1
"""Unchanged lines shown around each change."""


def edits_diff(lines: Sequence[Line], edits: Sequence[LineEdit], name: str) -> str:
    """`lines` and `lines` after `edits`, as `diff -u` prints them ('' when nothing changes)."""
    by_line = EditsByLine.of(edits)
    unchanged = [
        index
        for index, text in by_line.replaced.items()
        if 0 <= index < len(lines) and lines[index] == text
    ]
    for index in unchanged:
        del by_line.replaced[index]  # replaced by its own text: no change, as comparing has it
    windows = _windows(by_line, len(lines))
    if not windows:
        return ""
    out = [f"--- a/{name}\n", f"+++ b/{name}\n"]
    shift = 0
    for start, stop in windows:
        hunk = _Hunk()
        hunk.add(by_line.inserted.get(start - 1, []))
        for index in range(start, stop):
            line = lines[index]
            if index in by_line.deleted:
                hunk.remove(line)
            elif index in by_line.replaced:
                hunk.remove(line)
                hunk.add([by_line.replaced[index]])
            else:
                hunk.keep(line)
            hunk.add(by_line.inserted.get(index, []))
        hunk.flush()
        added = hunk.new_length
        out.append(f"@@ -{_range(start, stop - start)} +{_range(start + shift, added)} @@\n")
        out += hunk.lines
        shift += added - (stop - start)
    return "".join(out)


class _Hunk:
    """A hunk's lines, each run of changes written as `diff -u` does: its removed lines, then
    its added ones."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.new_length = 0
        self._removed: list[str] = []
        self._added: list[str] = []

    def keep(self, line: Line) -> None:
        self.flush()
        self.lines.append(f" {text_of(line)}\n")
        self.new_length += 1

    def remove(self, line: Line) -> None:
        self._removed.append(f"-{text_of(line)}\n")

    def add(self, lines: Sequence[Line]) -> None:
        self._added += [f"+{text_of(line)}\n" for line in lines]
        self.new_length += len(lines)

    def flush(self) -> None:
        self.lines += self._removed + self._added
        self._removed, self._added = [], []


def _windows(by_line: EditsByLine, count: int) -> list[tuple[int, int]]:
    """The original lines each hunk shows, [start, stop): a change and its context, merged
    where they touch. An insertion after line i changes nothing of line i itself."""
    changed: list[tuple[int, int]] = []
    for index in sorted({*by_line.deleted, *by_line.replaced, *by_line.inserted}):
        edited = index in by_line.deleted or index in by_line.replaced
        first, end = (index, index + 1) if edited else (index + 1, index + 1)
        changed.append((max(0, first - CONTEXT), min(count, end + CONTEXT)))
    windows: list[tuple[int, int]] = []
    for start, stop in changed:
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], stop))
        else:
            windows.append((start, stop))
    return windows


def _range(start: int, length: int) -> str:
    """A hunk's range as `diff -u` writes it: 1-based, the length left out when it is 1, and the
    line before it when it is empty."""
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"
