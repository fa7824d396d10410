"""Text laid out by the columns a terminal gives it, not by its characters.

A Chinese, Japanese or Korean character, and most emoji, take two columns; a combining accent
or a joiner takes none. Counted as one each, a reply in Japanese printed twice the terminal's
width, and since such text has no spaces, `textwrap` never broke it at all. Here a line may
break between two wide characters (never before the closing punctuation that follows one), and
a run of narrow characters without spaces (a path, a URL) is still kept whole, to be copied.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CLOSING = frozenset(
    "\u3001\u3002\uff0c\uff0e\uff01\uff1f\uff1a\uff1b\u300d\u300f\uff09\u3015\u3011\u3009\u300b\u3019"
    "\u3017\u301f\u2019\u201d\u30fc\u3005\u309d\u309e\u2026\u2025"
)
"""Characters a line never starts with (Japanese and Chinese line-breaking rules: the ideographic
comma and full stop, full-width punctuation, closing brackets and quotes, the prolonged sound
and iteration marks, ellipses): they stay with what comes before them."""
_SPACES = re.compile(r"([ \t\n\x0b\x0c\r]+)")
"""Where `textwrap` breaks: ASCII spaces only, never a no-break space."""
_AS_SPACE = str.maketrans("\t\n\x0b\x0c\r", "     ")


_ASCII_CLOSING = frozenset(".,;:!?)]}'\"")
"""ASCII punctuation that stays with the wide character before it, as mixed text writes it."""
_JOINER = "\u200d"
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\ufe0e\ufe0f") | {
    chr(code) for code in range(0x1F3FB, 0x1F400)
}
"""Spaces and joiners of no width, variation selectors, and the skin tones that modify the emoji
before them."""


@lru_cache(maxsize=4096)
def _char_columns(character: str) -> int:
    if unicodedata.combining(character) or character in _ZERO_WIDTH:
        return 0
    return 2 if unicodedata.east_asian_width(character) in "WF" else 1


def columns(text: str) -> int:
    """The columns `text` takes in a terminal."""
    if text.isascii():
        return len(text)
    return sum(map(_char_columns, text))


def cut(text: str, width: int) -> str:
    """`text` in at most `width` columns (one at least), ending in `…` when cut."""
    if columns(text) <= width:
        return text
    return _first_columns(text, width - 1) + "…"


def cut_start(text: str, width: int) -> str:
    """`text` cut at its start rather than its end: a path keeps its file's name."""
    if columns(text) <= width:
        return text
    tail = _first_columns(text[::-1], width - 1)[::-1]
    start = 0
    while start < len(tail) and _char_columns(tail[start]) == 0:
        start += 1  # a mark of the character cut off goes with it
    return "…" + tail[start:]


def _first_columns(text: str, width: int) -> str:
    """The longest start of `text` in at most `width` columns."""
    if text.isascii():
        return text[: max(0, width)]
    taken = 0
    for end, character in enumerate(text):
        taken += _char_columns(character)
        if taken > width:
            return text[:end]
    return text


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """`text` filled into lines of at most `width` columns, the indents included, as
    `textwrap.wrap` fills it with `break_long_words=False, break_on_hyphens=False`: spaces at
    the ends of lines dropped, tabs expanded to 8, a narrow word longer than the line on a line
    of its own."""
    chunks = _chunks(text.expandtabs(8).translate(_AS_SPACE))
    chunks.reverse()
    lines: list[str] = []
    while chunks:
        indent = subsequent_indent if lines else initial_indent
        room = width - columns(indent)
        if lines and not chunks[-1].strip():
            chunks.pop()  # the space a break fell on
            if not chunks:
                break
        line: list[str] = []
        used = 0
        while chunks and used + (size := columns(chunks[-1])) <= room:
            line.append(chunks.pop())
            used += size
        if not line and chunks:
            line.append(chunks.pop())  # longer than the line: whole, on its own
        if line and not line[-1].strip():
            line.pop()
        if line:
            lines.append(indent + "".join(line))
    return lines


def _chunks(text: str) -> list[str]:
    """Spaces, runs of narrow characters, and each wide character with what must stay with it
    (closing punctuation after it, a combining mark, an emoji's modifier or what a zero-width
    joiner joins to it): the pieces a line may break between."""
    if text.isascii():
        return [chunk for chunk in _SPACES.split(text) if chunk]
    chunks: list[str] = []
    for piece in _SPACES.split(text):
        if not piece:
            continue
        if _SPACES.fullmatch(piece):
            chunks.append(piece)
            continue
        current, wide, joined = "", False, False
        for character in piece:
            size = _char_columns(character)
            if current and (joined or size == 0 or character in _CLOSING):
                current += character  # stays with what it follows
            elif current and wide and character in _ASCII_CLOSING:
                current += character
            elif size == 2 or wide:
                if current:
                    chunks.append(current)
                current, wide = character, size == 2
            else:
                current += character
            joined = character == _JOINER
        if current:
            chunks.append(current)
    return chunks
