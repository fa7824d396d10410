"""Keys a call typed into a running command, as a person reads them.

What an agent types into a terminal is mostly control characters (`\\u0003`: Ctrl+C) that print
as nothing, or move the cursor, when shown as they are. Each is shown in the caret notation a
terminal user knows (`^C`, `^D`, `^[` for Escape, `^?` for Delete) and Enter as `⏎`; any other
character that prints invisibly or reorders text (C1 controls, bidirectional overrides, line
separators) as its code (`\\u202e`). Nothing raw reaches the reader.
"""

from __future__ import annotations

import re

_ENTER = re.compile(r"\r\n|[\r\n]")
_CARET = re.compile(r"[\x00-\x1f\x7f]")
_INVISIBLE = re.compile(
    "[\x80-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff\ud800-\udfff]"
)


def typed_keys(text: str) -> str:
    """The keys, every one visible; quoted when they hold a space, which would otherwise read as
    the end of what was typed."""
    shown = _ENTER.sub("⏎", text)
    shown = _CARET.sub(lambda key: "^" + chr(ord(key.group()) ^ 0x40), shown)
    shown = _INVISIBLE.sub(lambda key: f"\\u{ord(key.group()):04x}", shown)
    return f'"{shown}"' if " " in shown else shown


def process_verb(typed: str) -> str:
    """What a call did to a running command: `waits on` it (typed nothing: a poll), or `types
    <keys> into` it."""
    return f"types {typed_keys(typed)} into" if typed else "waits on"
