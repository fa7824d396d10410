"""Edits being collected against one analysed document, by whichever format's repairs apply."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from session_lsp.core.edits import EditKind, LineEdit
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.reading import Line
from session_lsp.core.writing import with_parent

if TYPE_CHECKING:
    from session_lsp.core.analysis import Analysis


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
        self.replaced: dict[int, bytes] = {}
        self.resolved: list[Finding] = []
        self.by_uuid: dict[str, Record] = {
            record.uuid: record
            for record in self.records
            if record is not None and record.uuid is not None
        }

    def delete(self, line: int) -> None:
        self.deleted.add(line)

    def edits(self) -> tuple[LineEdit, ...]:
        """Final edits: children of deleted lines re-pointed to their nearest kept ancestor."""
        deleted_uuids = {
            record.uuid
            for line in self.deleted
            if (record := self.records[line]) is not None and record.uuid is not None
        }
        parents = dict(self.parents)
        if deleted_uuids:
            for record in self.records:
                if record is None or record.line in self.deleted or record.line in parents:
                    continue
                if record.parentUuid in deleted_uuids:
                    parents[record.line] = self._kept_ancestor(record.parentUuid, deleted_uuids)
        edits: list[LineEdit] = [LineEdit(EditKind.DELETE, line) for line in sorted(self.deleted)]
        for line in sorted(set(parents) | set(self.replaced)):
            if line in self.deleted:
                continue
            text: Line = self.replaced.get(line, self.lines[line])
            if line in parents:
                text = with_parent(text, parents[line])
            edits.append(LineEdit(EditKind.REPLACE, line, bytes(text)))
        for line, texts in sorted(self.inserted.items()):
            edits.extend(LineEdit(EditKind.INSERT_AFTER, line, text) for text in texts)
        return tuple(sorted(edits, key=lambda edit: (edit.line, edit.kind.value)))

    def _kept_ancestor(self, uuid: str | None, deleted: set[str]) -> str | None:
        seen: set[str] = set()
        while uuid is not None and uuid in deleted and uuid not in seen:
            seen.add(uuid)
            record = self.by_uuid.get(uuid)
            uuid = record.parentUuid if record is not None else None
        return uuid
