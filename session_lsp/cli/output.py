"""Terminal output: linter-style lines, colours on a TTY, a progress bar on stderr for trees.

Everything printed here that came from a transcript or a file name goes through `for_terminal`.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from typing import TextIO

from session_lsp.cli.terminal import for_terminal
from session_lsp.core.findings import Finding, Severity

_COLOURS = {
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.INFORMATION: "\033[36m",
    Severity.HINT: "\033[2m",
}
_BOLD, _RESET = "\033[1m", "\033[0m"


def safe_text_output() -> None:
    """Text output never crashes on a name the locale cannot encode (`LC_ALL=C`,
    `PYTHONIOENCODING=ascii:strict`, a non-UTF-8 file name): such characters print as escapes."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def problem(message: str) -> None:
    """One line on stderr about a path or a name that could not be used."""
    print(f"session-lsp: {for_terminal(message)}", file=sys.stderr)


def nothing_found(places: list[str], outcome: str) -> str:
    """What `check`, `fix` and `sessions` say of places that hold no session: one message, so
    that an empty folder reads alike whichever command was pointed at it (and exits 2)."""
    return f"{', '.join(places)}: no session files (*.jsonl): {outcome}"


def write_json(value: object, stream: TextIO) -> None:
    """Always valid UTF-8, whatever the locale: undecodable bytes of a file name (surrogate
    escapes) become `\\udcxx` JSON escapes, so the exact bytes can be recovered. Characters a
    terminal could act on (C1 controls such as the one-byte CSI, bidirectional overrides, line
    separators) are written as JSON escapes too: the same value, inert when the JSON is shown."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    text = _ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


_ESCAPED = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def format_finding(path: str, finding: Finding, *, colour: bool) -> str:
    """`path:line:column: severity code message`; the path and the message (which quotes ids
    and names from the transcript) are made safe for a terminal."""
    span = finding.span
    where = f"{for_terminal(path)}:{span.line + 1}:{span.start + 1}:"
    severity = finding.severity.label
    if colour:
        where = f"{_BOLD}{where}{_RESET}"
        severity = f"{_COLOURS[finding.severity]}{severity}{_RESET}"
    return f"{where} {severity} {finding.code.value} {for_terminal(finding.message)}"


class Progress:
    """A one-line bar on stderr, only when stderr is a terminal and there is more than one file."""

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self._total = total
        self._stream = stream
        self._shown = total > 1 and stream.isatty()

    def update(self, done: int, label: str) -> None:
        if not self._shown:
            return
        width = 30
        filled = width * done // max(1, self._total)
        name = for_terminal(label)[-40:]
        self._stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self._total} {name:<40}"
        )
        self._stream.flush()

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r" + " " * 100 + "\r")
            self._stream.flush()
