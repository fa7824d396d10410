"""How long a tool call took: the time between the lines that hold the call and its result."""

from __future__ import annotations

from datetime import datetime


def duration_ms(started: object, ended: object) -> int | None:
    """Milliseconds from one ISO 8601 timestamp to another; None when either is missing or not a
    timestamp, or when the result is written before the call (a clock that moved back)."""
    if not isinstance(started, str) or not isinstance(ended, str):
        return None
    try:
        elapsed = datetime.fromisoformat(ended) - datetime.fromisoformat(started)
    except (ValueError, TypeError):
        return None
    milliseconds = round(elapsed.total_seconds() * 1000)
    return milliseconds if milliseconds >= 0 else None
