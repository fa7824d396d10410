"""Making transcript- and file-derived text safe to print to a terminal.

A transcript is written by whoever wrote the file: a shared or downloaded session can carry ESC
sequences that set the window title (OSC 0), hide a link (OSC 8), write the clipboard (OSC 52) or
move the cursor (CSI, also as the one-byte C1 form U+009B). Every text the CLI prints that came
from a transcript or a file name goes through `for_terminal`, so none of it reaches the terminal
as a control: each is shown as a visible escape instead, and the reader still sees it was there.
"""

from __future__ import annotations

import re

_ALWAYS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but tab and newline, DEL, C1 (U+009B is a one-byte CSI)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional overrides and isolates
    "\u2028\u2029"  # line and paragraph separators: a terminal may break the line there
    "\ud800-\udfff"  # lone surrogates (undecodable bytes of a file name)
)
_UNSAFE_IN_LINE = re.compile(f"[\t\n{_ALWAYS}]")
_UNSAFE_IN_LAYOUT = re.compile(f"[{_ALWAYS}]")


def for_terminal(text: str, *, layout: bool = False) -> str:
    """`text` with every control character shown as a visible escape (`\\x1b`, `\\u202e`).

    With `layout`, tab and newline are kept, for outputs that lay text out over several lines
    (a carriage return before a newline is part of that line break, as a Windows tool or file
    writes it, not a control to show on every line); without it they are escaped too, so a name
    or a one-line summary stays one line.
    """
    if layout:
        return _UNSAFE_IN_LAYOUT.sub(_visible, text.replace("\r\n", "\n"))
    return _UNSAFE_IN_LINE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    if character == "\t":
        return "\\t"
    if character == "\n":
        return "\\n"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
