"""What the rules report: plain data shared by the CLI, the language server and the repairs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered like LSP's DiagnosticSeverity so adapters can convert by value."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Code(enum.StrEnum):
    """Finding codes. Their values are public: they appear in output, docs and editor settings."""

    UNPAIRED_TOOL_USE = "unpaired-tool-use"
    ORPHAN_TOOL_RESULT = "orphan-tool-result"
    DUPLICATE_TOOL_USE_ID = "duplicate-tool-use-id"
    DUPLICATE_TOOL_RESULT = "duplicate-tool-result"
    TOOL_RESULT_AFTER_TEXT = "tool-result-after-text"
    UNPAIRED_SERVER_TOOL_USE = "unpaired-server-tool-use"
    ORPHAN_SERVER_TOOL_RESULT = "orphan-server-tool-result"
    GLUED_RECORDS = "glued-records"
    INVALID_JSON = "invalid-json"
    TRUNCATED_LINE = "truncated-line"
    INVALID_RECORD = "invalid-record"
    INVALID_UTF8 = "invalid-utf8"
    LONE_SURROGATE = "lone-surrogate"
    MISSING_PARENT = "missing-parent"
    PARENT_CYCLE = "parent-cycle"
    LIVE_SESSION = "live-session"


@dataclass(frozen=True, slots=True)
class Span:
    """A range inside one line: 0-based line, code-point columns [start, end)."""

    line: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Related:
    """Another place the finding is about (the other half of a pair, a parent line)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    code: Code
    severity: Severity
    message: str
    span: Span
    tool_use_id: str | None = None
    related: tuple[Related, ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
