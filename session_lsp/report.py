"""The public JSON shape of a finding, shared by `check --format json` and the server's commands."""

from __future__ import annotations

from typing import Any

from session_lsp.core.findings import Finding


def finding_to_json(path: str, finding: Finding) -> dict[str, Any]:
    """1-based lines and code-point columns, as linters print them."""
    span = finding.span
    entry: dict[str, Any] = {
        "path": path,
        "line": span.line + 1,
        "column": span.start + 1,
        "endLine": span.line + 1,
        "endColumn": span.end + 1,
        "severity": finding.severity.label,
        "code": finding.code.value,
        "message": finding.message,
    }
    if finding.tool_use_id is not None:
        entry["toolUseId"] = finding.tool_use_id
    if finding.related:
        entry["related"] = [
            {"line": item.span.line + 1, "column": item.span.start + 1, "message": item.message}
            for item in finding.related
        ]
    return entry
