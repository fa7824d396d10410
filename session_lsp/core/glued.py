"""Repairs on a file whose lines hold glued records: planned on the file split apart, then mapped back.

Splitting a glued line is lossless (the records' bytes, one per line), so every repair starts with
it. Planning the other edits on the split file lets them treat each record as the line it should
have been (delete one record, re-parent another) without knowing that lines were ever glued; the
edits are then expressed against the file as it is, which is what editors and `fix` apply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from session_lsp.core.analysis import Analysis, Transcript
from session_lsp.core.edits import EditKind, EditsByLine, LineEdit
from session_lsp.core.findings import Code, Finding, Related, Span
from session_lsp.core.line_views import line_views
from session_lsp.core.reading import column_of, glued_parts


@dataclass(frozen=True, slots=True)
class SplitView:
    """The analysis of the file with every glued line split into its records."""

    analysis: Analysis
    origin: tuple[tuple[int, int], ...]
    """For each split line: the file's line it comes from and the code-point column it starts at."""
    first_split: tuple[int, ...]
    """For each line of the file: its first line in the split file."""
    glued: tuple[Finding, ...]
    glued_lines: tuple[int, ...]
    """The file's lines that hold several records, in order."""

    @classmethod
    def of(cls, analysis: Analysis) -> SplitView | None:
        """None when no line is glued (the common case costs one scan of the readings)."""
        offsets: dict[int, list[int]] = {}
        for line, problems in enumerate(analysis.problems):
            for problem in problems:
                if problem.glued:
                    offsets[line] = [part.offset for part in problem.glued]
        if not offsets:
            return None
        parts: dict[int, list[bytes]] = {}
        origin: list[tuple[int, int]] = []
        first_split: list[int] = []
        for line in range(len(analysis.lines)):
            first_split.append(len(origin))
            if line not in offsets:
                origin.append((line, 0))
                continue
            data = bytes(analysis.lines[line])
            parts[line] = glued_parts(data, offsets[line])
            origin += [(line, column_of(data, offset)) for offset in offsets[line]]
        lines = line_views(analysis.lines).with_lines_split(parts)
        split = Transcript(lines, analysis.ends_with_newline).analyse()
        glued = tuple(f for f in analysis.findings if f.code is Code.GLUED_RECORDS)
        return cls(split, tuple(origin), tuple(first_split), glued, tuple(sorted(offsets)))

    def split_edits(self) -> tuple[LineEdit, ...]:
        """The split alone: each glued line becomes its first record, the others follow it."""
        return self.lift(())

    def lift(self, edits: tuple[LineEdit, ...]) -> tuple[LineEdit, ...]:
        """Edits of the split file as edits of the file: the split itself, then the edits.

        Only the glued lines and the lines the edits name are looked at: every other line stays
        as it is, and a quick fix lifts one finding's edits (a pass over every line for each
        finding in a code action's range took seconds)."""
        split_lines = self.analysis.lines
        by_line = EditsByLine.of(edits)
        lifted = [LineEdit(EditKind.INSERT_AFTER, -1, text) for text in by_line.before_first()]
        bounds = [*self.first_split, len(split_lines)]
        named = {*by_line.deleted, *by_line.replaced, *by_line.inserted} - {-1}
        visited = {*self.glued_lines, *(self.origin[index][0] for index in named)}
        for line in sorted(visited):
            out = [
                bytes(text)
                for index in range(bounds[line], bounds[line + 1])
                for text in by_line.lines_for(index, split_lines[index])
            ]
            glued = bounds[line + 1] - bounds[line] > 1
            original = bytes(split_lines[bounds[line]]) if not glued else None
            if not out:
                lifted.append(LineEdit(EditKind.DELETE, line))
                continue
            if out[0] != original:
                lifted.append(LineEdit(EditKind.REPLACE, line, out[0]))
            lifted.extend(LineEdit(EditKind.INSERT_AFTER, line, text) for text in out[1:])
        return tuple(lifted)

    def lift_span(self, span: Span) -> Span:
        line, shift = self.origin[span.line]
        return Span(line, span.start + shift, span.end + shift)

    def lift_finding(self, finding: Finding) -> Finding:
        return replace(
            finding,
            span=self.lift_span(finding.span),
            related=tuple(
                Related(self.lift_span(related.span), related.message)
                for related in finding.related
            ),
        )

    def lower_finding(self, finding: Finding) -> Finding | None:
        """The split file's finding that is this finding of the file."""
        for candidate in self.analysis.findings:
            if (
                candidate.code is finding.code
                and candidate.tool_use_id == finding.tool_use_id
                and self.lift_span(candidate.span) == finding.span
            ):
                return candidate
        return None

    def resolved(self, original: Analysis, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        """The file's findings that these split-file findings are, and the glued lines split."""
        keys = {
            (finding.code, finding.tool_use_id, self.lift_span(finding.span))
            for finding in findings
        }
        return self.glued + tuple(
            finding
            for finding in original.findings
            if (finding.code, finding.tool_use_id, finding.span) in keys
        )
