"""How a tool call ended, told from its result's text: what every format's statuses share (our own
stub, the endings of an aborted command); each format's markers are in its `turns.py`."""

from __future__ import annotations

from collections.abc import Sequence

from session_lsp.core.findings import Code, Finding
from session_lsp.core.writing import STUB_TEXT

STUB_PREFIX = STUB_TEXT[: STUB_TEXT.index(":")]
ABORTED_ENDINGS = (
    "<error>Command was aborted before completion</error>",
    "command aborted by user",
)


def tool_ids(findings: Sequence[Finding], *codes: Code) -> set[str]:
    return {
        finding.tool_use_id
        for finding in findings
        if finding.code in codes and finding.tool_use_id is not None
    }
