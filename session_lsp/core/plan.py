"""Edits being collected against one analysed document, by whichever format's repairs apply."""

from __future__ import annotations

from collections.abc import Iterable

from session_lsp.core.document import Analysis
from session_lsp.core.edits import EditKind, LineEdit
from session_lsp.core.findings import Code, Finding


def findings_of(analysis: Analysis, codes: Iterable[Code]) -> list[Finding]:
    wanted = set(codes)
    return [finding for finding in analysis.findings if finding.code in wanted]


class Plan:
    """Edits being collected against one analysed document."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.lines = analysis.lines
        self.records = analysis.records
        self.deleted: set[int] = set()
        self.inserted: dict[int, list[bytes]] = {}
        self.parents: dict[int, str | None] = {}
        """Lines a format re-links to another parent (Claude Code's `parentUuid`)."""
        self.replaced: dict[int, bytes] = {}
        self.resolved: list[Finding] = []

    def delete(self, line: int) -> None:
        self.deleted.add(line)

    def edits(self) -> tuple[LineEdit, ...]:
        """Final edits, with the lines the format says the others force to change."""
        transcript_format = self.analysis.format
        replaced = dict(self.replaced)
        if transcript_format is not None:
            replaced.update(transcript_format.settle(self))
        edits: list[LineEdit] = [LineEdit(EditKind.DELETE, line) for line in sorted(self.deleted)]
        edits.extend(
            LineEdit(EditKind.REPLACE, line, text)
            for line, text in sorted(replaced.items())
            if line not in self.deleted
        )
        for line, texts in sorted(self.inserted.items()):
            edits.extend(LineEdit(EditKind.INSERT_AFTER, line, text) for text in texts)
        return tuple(sorted(edits, key=lambda edit: (edit.line, edit.kind.value)))
