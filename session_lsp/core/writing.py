"""Writing new lines as the agents write theirs, and the text every stub of ours carries.

New lines are serialised like `JSON.stringify` (no spaces, non-ASCII kept), the form both Claude
Code and Codex write; each format's own lines are shaped in its package (`writing.py`).
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line, text_of

STUB_TEXT = (
    "[session-lsp] No result was recorded for this tool call: the session was interrupted"
    " (killed, crashed or cut off) before the tool finished. This placeholder was added by"
    " session-lsp so the conversation can resume; the tool may or may not have run."
)
"""Our stub's text: distinct from every marker Claude Code writes, so the two can be told apart."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any) -> bytes:
    """`JSON.stringify` output for the values transcripts hold: like it, a lone surrogate (a `\\ud83d`
    escape without its pair, which UTF-8 cannot hold) is written as its escape again."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _LONE_SURROGATE.sub(lambda lone: f"\\u{ord(lone.group()):04x}", text).encode("utf-8")


def loads_line(line: Line) -> Any:
    """A line read as its reader reads it: invalid UTF-8 becomes U+FFFD (a stub copies only a
    few short fields from it), deep nesting is allowed as far as the reading allowed it."""
    with deep_json():
        return json.loads(text_of(line))


def later_timestamp(timestamp: object, milliseconds: int = 1) -> str:
    """An ISO timestamp just after `timestamp`, in JavaScript's `toISOString` form; one that is
    no timestamp (a damaged line's number or `true`) counts as the epoch."""
    moment = _parse_time(timestamp) or datetime(1970, 1, 1, tzinfo=UTC)
    with contextlib.suppress(OverflowError):  # the end of year 9999: no moment is later
        moment += timedelta(milliseconds=milliseconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_time(timestamp: object) -> datetime | None:
    if not isinstance(timestamp, str) or not timestamp:
        return None
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
