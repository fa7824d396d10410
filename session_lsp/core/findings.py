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


@dataclass(frozen=True, slots=True)
class Versions:
    """Which Claude Code versions a finding breaks, from the changelog
    (docs/claude-code-format.md §7).

    Newer versions repair some shapes in memory on every request; that hides the 400 but drops
    the call or result, so the finding stays an error: older versions, the Agent SDK and other
    readers still fail, and the newer ones lose work.
    """

    fail: str
    """Who sends the shape as it is and gets the API's 400."""
    newer: str
    """What the versions that repair it in memory do instead."""

    def say(self, api: str) -> str:
        return f"{self.fail} send it and the API answers 400: {api} {self.newer}"


_SDK = "the Agent SDK and other readers"
CURRENT_RELEASE = "2.1.332"
"""Claude Code's newest release when these facts were last checked against its changelog
(npm, 2026-11-24); the source they follow is 2.1.88's."""
_REPAIRING = f"2.1.88 to the current {CURRENT_RELEASE}"
VERSIONS: dict[Code, Versions] = {
    Code.UNPAIRED_TOOL_USE: Versions(
        f"Claude Code before 2.1.21, {_SDK}",
        f"Claude Code 2.1.21 and later (to the current {CURRENT_RELEASE}) drop the call in memory"
        " (or answer it with `[Tool result missing due to internal error]`), silently losing its"
        " work.",
    ),
    Code.ORPHAN_TOOL_RESULT: Versions(
        f"Claude Code before 2.1.0 (before 2.1.69 when the conversation starts with it), {_SDK}",
        "Later versions drop the result in memory, losing what it held.",
    ),
    Code.DUPLICATE_TOOL_USE_ID: Versions(
        f"Claude Code without the in-memory pairing repair (1.0.x, 2.0.x, 2.1.19), {_SDK}",
        f"Versions with it ({_REPAIRING}) silently drop the later call, losing its work.",
    ),
    Code.DUPLICATE_TOOL_RESULT: Versions(
        f"Claude Code without the in-memory pairing repair (1.0.x, 2.0.x), {_SDK}",
        f"Versions with it ({_REPAIRING}) silently drop the second result.",
    ),
    Code.TOOL_RESULT_AFTER_TEXT: Versions(
        f"Claude Code without the in-memory pairing repair (1.0.x, 2.0.x), {_SDK}",
        f"Versions with it ({_REPAIRING}) take the result as missing and drop it, losing the"
        " tool's output.",
    ),
    Code.ORPHAN_SERVER_TOOL_RESULT: Versions(
        f"Every Claude Code version (reported against 2.1.x), {_SDK}",
        "No version repairs it.",
    ),
}
"""The version sentence of each pairing error; docs/findings.md says the same."""
