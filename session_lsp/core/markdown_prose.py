"""An assistant's Markdown kept as Markdown, made inert: it renders as headings, lists, emphasis,
tables and code, but never as a link, an image or HTML, in any CommonMark renderer (GFM's bare-URL
linkify included).

Every construct that reaches out starts with a character this escapes outside code: `[` (links,
images, reference definitions), `<` (HTML, autolinks). A bare address (`https:`, `www.`, a domain,
an e-mail) is put in a code span, which linkify skips. Code is kept as code: a fenced block is
fenced again with a fence longer than any backtick run inside it (so where it ends is ours to say,
not the text's), and a code span is kept only where its closing backticks are on the same line;
every other backtick and backslash is escaped, so no span can open where this did not see one.
Headings are moved down two levels, below the transcript's own.
"""

from __future__ import annotations

import re

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_BACKTICKS = re.compile(r"`+")
_LINKY = re.compile(
    r"(?i)(?:https?|ftp|mailto|xmpp|file|javascript|command|data|vbscript):|//|www\.|@\w|\.[a-z]{2}"
)
"""Text a linkify pass could make a link of: a scheme, `//`, `www.`, an e-mail, a domain."""
_WORD = re.compile(r"\S+")
_EDGE_OPEN = "([{\"'*_~"
_EDGE_CLOSE = ")]}\"'*_~.,;:!?"
_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)")
_LANGUAGE = re.compile(r"[^\w+#.-]")
HEADING_SHIFT = 2


def prose(text: str) -> str:
    """`text` as inert Markdown (see the module docstring); ends with a newline."""
    out: list[str] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    position = 0
    while position < len(lines):
        opening = _FENCE_OPEN.match(lines[position])
        if opening is not None and not (opening[1][0] == "`" and "`" in opening[2]):
            body, position = _fenced_body(lines, position + 1, opening[1])
            language = _LANGUAGE.sub("", opening[2].strip().split(" ", 1)[0])[:20]
            out.append(fenced_block(body, language or "text").rstrip("\n"))
            continue
        out.append(_line(lines[position]))
        position += 1
    return "\n".join(out).rstrip("\n") + "\n"


def fenced_block(text: str, info: str = "text") -> str:
    """A fenced code block that no backtick run inside `text` can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{info}\n{body}{fence}\n"


def _fenced_body(lines: list[str], start: int, fence: str) -> tuple[str, int]:
    """The lines of a fenced block up to its closing fence (or the end), and where to go on."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for end in range(start, len(lines)):
        if closing.match(lines[end]):
            return "".join(line + "\n" for line in lines[start:end]), end + 1
    return "".join(line + "\n" for line in lines[start:]), len(lines)


def _line(line: str) -> str:
    """One line outside a fence: its block marker kept, headings moved down, the rest inert."""
    heading = _HEADING.match(line)
    if heading is not None:
        level = min(6, len(heading[2]) + HEADING_SHIFT)
        return heading[1] + "#" * level + _inline(line[heading.end() :])
    return _inline(line)


def _inline(text: str) -> str:
    """Code spans kept whole; everything between them escaped."""
    out: list[str] = []
    position = 0
    while position < len(text):
        run = _BACKTICKS.search(text, position)
        if run is None:
            out.append(_plain(text[position:]))
            break
        out.append(_plain(text[position : run.start()]))
        closing = _closing_run(text, run.end(), len(run.group()))
        if closing is None:
            out.append("\\`" * len(run.group()))
            position = run.end()
            continue
        # A table row splits cells at `|` even inside a code span: escaped, it stays in the span.
        out.append(text[run.start() : closing].replace("|", "\\|"))
        position = closing
    return "".join(out)


def _closing_run(text: str, start: int, length: int) -> int | None:
    """The end of the first run of exactly `length` backticks after `start`, as CommonMark pairs."""
    for run in _BACKTICKS.finditer(text, start):
        if len(run.group()) == length:
            return run.end()
    return None


def _plain(text: str) -> str:
    """Text outside code: addresses into code spans, link and HTML openers escaped."""
    out: list[str] = []
    position = 0
    for word in _WORD.finditer(text):
        out.append(_escape(text[position : word.start()]))
        out.append(_word(word.group()))
        position = word.end()
    out.append(_escape(text[position:]))
    return "".join(out)


def _word(word: str) -> str:
    if not _LINKY.search(word):
        return _escape(word)
    start = len(word) - len(word.lstrip(_EDGE_OPEN))
    end = len(word.rstrip(_EDGE_CLOSE))
    if end <= start:
        return _escape(word)
    core = word[start:end]
    return _escape(word[:start]) + _code_span(core) + _escape(word[end:])


def _code_span(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text.replace('|', chr(92) + '|')} {ticks}"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("`", "\\`")
        .replace("<", "\\<")
        .replace("[", "\\[")
        .replace("]", "\\]")
    )
