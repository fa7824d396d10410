"""Short forms of findings for exact comparisons in tests."""

from __future__ import annotations

from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.findings import Severity

Key = tuple[str, str | None, int]


def keys(analysis: Analysis, *, worst: Severity = Severity.WARNING) -> set[Key]:
    """(code, tool id, 1-based line) of every finding at least as severe as `worst`."""
    return {
        (finding.code.value, finding.tool_use_id, finding.span.line + 1)
        for finding in analysis.findings
        if finding.severity <= worst
    }


def check(data: bytes) -> set[Key]:
    return keys(analyse_bytes(data))
