"""An assistant's Markdown kept as Markdown, made inert: it renders as headings, lists, emphasis,
tables and code, but never as a link, an image or HTML, in any CommonMark renderer (GFM's bare-URL
linkify included).

Every construct that reaches out starts with a character this escapes outside code: `[` (links,
images, reference definitions), `<` (HTML, autolinks). A bare address (`https:`, `www.`, a domain
in any script, an e-mail) is put in a code span, which linkify skips. Code is kept as code: the
reply is read block by block as CommonMark reads it (block quotes and list items around it), and a
fenced or indented block is fenced again, under the same quotes and list items, with a fence longer
than any backtick run inside it (so where it ends is ours to say, not the text's); a code span is
kept only where its closing backticks are on the same line; every other backtick and backslash is
escaped, so no span can open where this did not see one (and runs of tildes, so no fence can). Headings, `#` or underlined, are moved
down two levels, below the transcript's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"(`{3,}|~{3,})(.*)")
_BACKTICKS = re.compile(r"`+")
_DOTS = ".\u3002\uff0e\uff61"
"""A full stop and the ideographic, fullwidth and halfwidth ones, which hostnames read as dots."""
_LINKY = re.compile(
    r"(?i)(?:https?|ftp|mailto|xmpp|file|javascript|command|data|vbscript):|//"
    rf"|www[{_DOTS}]|[@\uff20]\w|[{_DOTS}][^\W\d_][^\s!-/:-@\[-`{{-~]"
)
"""Text a linkify pass could make a link of: a scheme, `//`, `www.`, an e-mail, or a domain: a dot
then a letter and one more character, as a top-level domain starts in any script (`.com`, `.рф`,
`.中国`, `.xn--p1ai`); `e.g.` and `3.14` stay text."""
_WORD = re.compile(r"\S+")
_EDGE_OPEN = "([{\"'*_~"
_EDGE_CLOSE = ")]}\"'*_~.,;:!?"
_ATX = re.compile(r"#{1,6}(?=[ \t]|$)")
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*")
_THEMATIC = re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*")
_MARKER = re.compile(r"[-+*]|([0-9]{1,9})[.)]")
_QUOTES = re.compile(r"(?: {0,3}>)+")
"""Quote markers alone, none indented 4 columns: a line of them is a blank line in any reading."""
_DELIMITER_ROW = re.compile(r"[ \t>|:-]*")
_UNDERLINE = re.compile(r"[ \t>]*-+[ \t]*")
_LANGUAGE = re.compile(r"[^\w+#.-]")
_TILDES = re.compile(r"~{3,}")
HEADING_SHIFT = 2
_MAX_DEPTH = 20
"""Block quotes and list items read inside one another (as deep as markdown-it's CommonMark preset
nests): markers past it are text, so a line of thousands costs no more than one of twenty."""


def prose(text: str) -> str:
    """`text` as inert Markdown (see the module docstring); ends with a newline."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # the last line's end, not a line of its own
    rows = _table_rows(lines)
    reader = _Reader()
    for number, line in enumerate(lines):
        reader.read(line, number in rows)
    return reader.finish()


def fenced_block(text: str, info: str = "text") -> str:
    """A fenced code block that no backtick run inside `text` can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{info}\n{body}{fence}\n"


@dataclass
class _Container:
    """An open block quote, or a list item whose content is indented `width` columns."""

    quote: bool
    width: int = 0
    filled: bool = False
    """Whether it holds a block yet: a list item opened on an empty line ends at a blank one."""


@dataclass
class _Code:
    """A code block being read: its opening fence (empty for indented code), the columns taken off
    each of its lines, and the quotes and list markers written before it."""

    fence: str
    indent: int
    info: str
    opener: str
    start: int
    """Where in the output a blank line may go before it: above the marker line of the list item
    it is the first block of, if that item was opened on an empty line."""
    lines: list[str] = field(default_factory=list)


@dataclass
class _Paragraph:
    """Where the open paragraph starts in the output, for an underline to make it a heading."""

    start: int
    prefix: str
    words: list[str] = field(default_factory=list)


class _Reader:
    """Reads a reply a line at a time as CommonMark reads blocks, writing each line inert.

    Only code is written verbatim, and so that it is code however another parser reads the lines
    around it (see `_write_code`); all else is escaped, which is inert wherever it ends up.
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.containers: list[_Container] = []
        self.code: _Code | None = None
        self.paragraph: _Paragraph | None = None

    def read(self, line: str, table: bool) -> None:
        """One line: the containers it continues, those it opens, then the block it is or goes on
        (`table`: a line a GFM parser could read as a table row)."""
        rest, column, layout, matched = self._continued(line)
        if self.code is not None:
            if matched == len(self.containers) and self._code_line(rest, column):
                return
            self._write_code()
        rest, column, layout, opened = self._opened(rest, column, layout, matched)
        indent, head = _spaces(rest, column), rest.lstrip(" \t")
        if matched < len(self.containers) and not opened and self._lazy(indent, head):
            self._text(layout, indent, head, table)
            return
        continued = self.containers if matched == len(self.containers) else []
        first = bool(continued) and not continued[-1].filled  # the first block of a list item
        if matched < len(self.containers) or opened:
            del self.containers[matched:]
            self.containers += opened
            self.paragraph = None
        if opened or head:
            for container in self.containers:
                container.filled = True
            if not head and not self.containers[-1].quote:  # a list item opened on an empty line
                self.containers[-1].filled = False
        self._leaf(rest, column, layout, table, first)

    def finish(self) -> str:
        if self.code is not None:
            self._write_code()
        return "\n".join(self.out).rstrip("\n") + "\n"

    def _continued(self, line: str) -> tuple[str, int, str, int]:
        """The line past the quote markers and indentation of the open containers it continues,
        its column there, those written as spaces and `>`, and how many containers it continues."""
        rest, column, layout = line, 0, ""
        for matched, container in enumerate(self.containers):
            indent = _spaces(rest, column)
            if container.quote:
                if indent >= 4 or not rest.lstrip(" \t").startswith(">"):
                    return rest, column, layout, matched
                rest, column, layout = _quote(rest, column, layout, indent)
            elif indent >= container.width or (container.filled and _blank(rest)):
                width = min(indent, container.width)
                rest, column = _skip(rest, column, width)
                layout += " " * width
            else:
                return rest, column, layout, matched
        return rest, column, layout, len(self.containers)

    def _opened(
        self, rest: str, column: int, layout: str, matched: int
    ) -> tuple[str, int, str, list[_Container]]:
        """The block quotes and list items the line opens inside the `matched` containers it
        continues, and the line past their markers."""
        interrupting = matched == len(self.containers) and self.paragraph is not None
        opened: list[_Container] = []
        while matched + len(opened) < _MAX_DEPTH and (indent := _spaces(rest, column)) < 4:
            head = rest.lstrip(" \t")
            if head.startswith(">"):
                rest, column, layout = _quote(rest, column, layout, indent)
                opened.append(_Container(quote=True))
                continue
            underlined = interrupting and not opened
            if _leaf_start(head, underlined) or (marker := _marker(head, underlined)) is None:
                break
            rest, column = _skip(rest, column, indent)
            rest, column = rest[len(marker) :], column + len(marker)
            layout += " " * indent + marker
            after = _spaces(rest, column)
            padding = 1 if _blank(rest) or after >= 5 else after
            if not _blank(rest):
                rest, column = _skip(rest, column, padding)
                layout += " " * padding
            opened.append(_Container(quote=False, width=indent + len(marker) + padding))
        return rest, column, layout, opened

    def _lazy(self, indent: int, head: str) -> bool:
        """Whether a line that leaves containers open goes on their paragraph, as CommonMark lets
        paragraph text do (and only text: a blank line, a heading, fence or rule closes them)."""
        if self.paragraph is None or not head:
            return False
        return indent >= 4 or not _leaf_start(head, False)

    def _leaf(self, rest: str, column: int, layout: str, table: bool, first: bool) -> None:
        """The block the line (past its containers) is or goes on; `first`: the first in a list
        item opened on an empty line. Its indentation is written as spaces, which sit at the
        same columns behind `layout` as the source's tabs did behind the source's markers."""
        indent, head = _spaces(rest, column), rest.lstrip(" \t")
        start = len(self.out)
        if first and self.out and self.out[-1].strip(" \t>"):
            start -= 1  # the item's marker line: a blank line goes above it, not inside the item
        if indent >= 4 and self.paragraph is None and head:
            self.code = _Code("", 4, "text", layout, start, [_skip(rest, column, 4)[0]])
        elif indent >= 4 or not (head and _leaf_start(head, self.paragraph is not None)):
            if head:
                self._text(layout, indent, head, table)
                return
            self.out.append(layout + " " * indent)
        elif (opening := _fence(head)) is not None:
            language = _LANGUAGE.sub("", opening[2].strip().split(" ", 1)[0])[:20]
            self.code = _Code(opening[1], indent, language or "text", layout, start)
        elif (hashes := _ATX.match(head)) is not None:
            level = min(6, len(hashes.group()) + HEADING_SHIFT)
            shown = _inline(head[hashes.end() :], table)
            self.out.append(layout + " " * indent + "#" * level + shown)
        elif self.paragraph is not None and _SETEXT.fullmatch(head):
            self._underline(1 if head[0] == "=" else 2)
        else:
            self.out.append(layout + " " * indent + _inline(head, table))
        self.paragraph = None

    def _text(self, layout: str, indent: int, head: str, table: bool) -> None:
        """A line of paragraph text, kept (escaped) for a heading too if an underline follows."""
        if self.paragraph is None:
            self.paragraph = _Paragraph(len(self.out), layout)
        shown = _inline(head, table)
        self.paragraph.words.append(shown.rstrip(" \t"))
        self.out.append(layout + " " * indent + shown)

    def _underline(self, level: int) -> None:
        """The paragraph above a setext underline made a `#` heading, moved down as `#` ones are."""
        assert self.paragraph is not None
        heading = "#" * min(6, level + HEADING_SHIFT) + " " + " ".join(self.paragraph.words)
        self.out[self.paragraph.start :] = [self.paragraph.prefix + heading]

    def _code_line(self, rest: str, column: int) -> bool:
        """Whether the line (past its containers) is a line of the open code block, taken in if
        so; a closing fence ends the block."""
        assert self.code is not None
        indent = _spaces(rest, column)
        head = rest.lstrip(" \t").rstrip(" \t")
        fence = self.code.fence
        if fence and indent < 4 and head.startswith(fence) and not head.strip(fence[0]):
            self._write_code()
        elif fence or indent >= 4 or not head:
            self.code.lines.append(_skip(rest, column, self.code.indent)[0])
        else:
            return False
        return True

    def _write_code(self) -> None:
        """The code block, fenced again under its quotes and list items: the fence line keeps their
        markers, every other line has them as spaces (and `>`), so each line sits at the same
        columns and a parser that reads the fence line as code reads every line after it as the
        same code. Unless already so, a blank line goes first, so that no parser can take the
        fence line as more of a paragraph: an empty one, or the quote markers alone when only
        quotes come before the list items (`>` then cannot be read as text)."""
        assert self.code is not None
        code, self.code = self.code, None
        kept = len(code.lines)
        while not code.fence and kept and _blank(code.lines[kept - 1]):
            kept -= 1
        block = fenced_block("".join(line + "\n" for line in code.lines[:kept]), code.info)
        inner = "".join(">" if char == ">" else " " for char in code.opener)
        quotes = _QUOTES.match(code.opener)
        blank = quotes.group() if quotes else ""
        above = self.out[code.start - 1].rstrip(" \t") if code.start else None
        if code.opener and above not in ("", blank):
            self.out.insert(code.start, blank)
        first, *others = block.rstrip("\n").split("\n")
        self.out.append(code.opener + first)
        self.out += [inner + line if line else inner.rstrip() for line in others]
        self.out += [inner.rstrip()] * (len(code.lines) - kept)


def _table_rows(lines: list[str]) -> set[int]:
    """The lines a GFM parser could read as a table's: from the header above anything that could
    be a delimiter row (`|---|:-:`, even `-:` alone) down to the next blank line. Generous: in a
    table row a `|` splits cells even inside a code span, so a row missed would let one break."""
    rows: set[int] = set()
    number = 0
    while number < len(lines):
        line = lines[number]
        above = lines[number - 1] if number else ""
        if not (_DELIMITER_ROW.fullmatch(line) and "-" in line) or (
            _UNDERLINE.fullmatch(line) and "|" not in above
        ):
            number += 1
            continue
        if not _blank(above):
            rows.add(number - 1)
        while number < len(lines) and not _blank(lines[number]):
            rows.add(number)
            number += 1
    return rows


def _blank(text: str) -> bool:
    """Blank as CommonMark reads it: spaces and tabs only (a no-break space is text)."""
    return not text.strip(" \t")


def _spaces(text: str, column: int) -> int:
    """The columns of indentation `text` starts with, at `column` (a tab runs to a stop of 4)."""
    start = column
    for char in text:
        if char == " ":
            column += 1
        elif char == "\t":
            column += 4 - column % 4
        else:
            break
    return column - start


def _skip(text: str, column: int, columns: int) -> tuple[str, int]:
    """`text` at `column` less up to `columns` columns of indentation, and its column then; a tab
    only partly skipped leaves its other columns as spaces, as CommonMark counts them."""
    end = column + columns
    for index, char in enumerate(text):
        if column >= end or char not in " \t":
            return text[index:], column
        width = 1 if char == " " else 4 - column % 4
        if column + width > end:
            return " " * (column + width - end) + text[index + 1 :], end
        column += width
    return "", column


def _quote(text: str, column: int, layout: str, indent: int) -> tuple[str, int, str]:
    """`text` past the `>` it starts with (after `indent` columns) and the one space it may take.
    The marker is written `> ` either way: a line under it written with spaces for list markers
    (`>1.` as `>  `) would otherwise lose a column of its indentation to that one space."""
    text, column = _skip(text, column, indent)
    text, column = text[1:], column + 1
    if text[:1] in (" ", "\t"):
        text, column = _skip(text, column, 1)
    return text, column, layout + " " * indent + "> "


def _leaf_start(head: str, underlined: bool) -> bool:
    """Whether a line (past its indentation) opens a heading, a fence or a rule, or (`underlined`,
    under a paragraph) makes the paragraph a heading: what is read before a list item."""
    return bool(
        _ATX.match(head)
        or _fence(head)
        or (underlined and _SETEXT.fullmatch(head))
        or _THEMATIC.fullmatch(head)
    )


def _fence(head: str) -> re.Match[str] | None:
    """The opening fence a line starts with; a backtick one cannot have a backtick after it."""
    opening = _FENCE.match(head)
    if opening is None or (opening[1][0] == "`" and "`" in opening[2]):
        return None
    return opening


def _marker(head: str, interrupting: bool) -> str | None:
    """The list marker a line starts with, if it opens a list item; under a paragraph only a
    non-empty item, numbered 1 if ordered, does."""
    marker = _MARKER.match(head)
    if marker is None:
        return None
    after = head[marker.end() :]
    if after[:1] not in ("", " ", "\t"):
        return None
    if interrupting and (_blank(after) or (marker[1] is not None and int(marker[1]) != 1)):
        return None
    return marker.group()


def _inline(text: str, table: bool) -> str:
    """Code spans kept whole; everything between them escaped."""
    out: list[str] = []
    position = 0
    while position < len(text):
        run = _BACKTICKS.search(text, position)
        if run is None:
            _append(out, _plain(text[position:], table))
            break
        _append(out, _plain(text[position : run.start()], table))
        closing = _closing_run(text, run.end(), len(run.group()))
        if closing is None:
            out.append("\\`" * len(run.group()))
            position = run.end()
            continue
        _append(out, _cells(text[run.start() : closing], table))
        position = closing
    return "".join(out)


def _append(out: list[str], piece: str) -> None:
    """`piece` after `out`, a space between them where a code span would end on one's backticks
    and another start on the other's: run together, the runs would pair otherwise."""
    if out and out[-1].endswith("`") and piece.startswith("`"):
        out.append(" ")
    out.append(piece)


def _cells(code: str, table: bool) -> str:
    """A code span as written; in a table row, where `|` splits cells even inside a code span,
    its `|` escaped to stay in the span (outside a table the backslash would show)."""
    return code.replace("|", "\\|") if table else code


def _closing_run(text: str, start: int, length: int) -> int | None:
    """The end of the first run of exactly `length` backticks after `start`, as CommonMark pairs."""
    for run in _BACKTICKS.finditer(text, start):
        if len(run.group()) == length:
            return run.end()
    return None


def _plain(text: str, table: bool) -> str:
    """Text outside code: addresses into code spans, link and HTML openers escaped. Text with no
    word that looks like an address (most of it) is escaped whole, not word by word."""
    if not _LINKY.search(text):
        return _escape(text)
    out: list[str] = []
    position = 0
    for word in _WORD.finditer(text):
        out.append(_escape(text[position : word.start()]))
        out.append(_word(word.group(), table))
        position = word.end()
    out.append(_escape(text[position:]))
    return "".join(out)


def _word(word: str, table: bool) -> str:
    if not _LINKY.search(word):
        return _escape(word)
    start = len(word) - len(word.lstrip(_EDGE_OPEN))
    end = len(word.rstrip(_EDGE_CLOSE))
    if end <= start:
        return _escape(word)
    core = word[start:end]
    return _escape(word[:start]) + _code_span(core, table) + _escape(word[end:])


def _code_span(text: str, table: bool) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    return _cells(f"{ticks} {text} {ticks}", table)


def _escape(text: str) -> str:
    """Text with every character that could open a link, HTML or code escaped; a run of three
    tildes too, which could open a fence for a parser that reads the line's indentation otherwise
    (and then let verbatim lines further on out of it)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace("`", "\\`")
        .replace("<", "\\<")
        .replace("[", "\\[")
        .replace("]", "\\]")
    )
    return _TILDES.sub(lambda run: "\\~" * len(run.group()), escaped)
