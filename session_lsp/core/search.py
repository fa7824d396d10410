"""Search every text, tool input and result of a session, every segment of its history, uncut.

Case-insensitive plain text (never a pattern). Decoding a 100 MB session costs seconds, so the
bytes are searched first: a match inside a JSON string leaves pieces of the query in the raw
line whatever the writer escaped. Only the parts of the query no writer escapes are looked for
(ASCII letters, digits and most punctuation, lower-cased; each non-ASCII character as its raw
UTF-8 or its `\\uXXXX` escape), split at whitespace, quotes, backslashes, control characters and
the characters some writers escape (`/ < > & '`), so a match in an escaped string (`\\n`, `\\"`,
a Codex call's arguments escaped twice) or in a tool input shown as indented JSON is never
missed. Lines that hold every piece are decoded and their fields searched for the whole query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import ConversationModel, Item
from session_lsp.core.turns.segments import segments
from session_lsp.core.turns.texts import LineReader

MAX_QUERY = 1000
"""Characters of a query at most: longer is no search a person types."""
CONTEXT = 60
"""Characters shown on each side of a match in its snippet."""
_SPLIT = frozenset(" \t\r\n\"\\/<>&'")
"""Characters that end a piece: whitespace (shown JSON is re-indented) and what writers escape."""
_MIN_ANCHOR = 3
"""A piece shorter than this finds too much to scan a file with alone; longer pieces go first."""


class QueryError(ValueError):
    """A query that cannot be searched for (empty, too long); the message says why."""


class Field(StrEnum):
    TEXT = "text"
    INPUT = "input"
    RESULT = "result"


_FIELD_ORDER = {Field.TEXT: 0, Field.INPUT: 1, Field.RESULT: 2}


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    folded: str
    pieces: tuple[tuple[bytes, ...], ...]
    """Each piece as the byte forms it may take in a lower-cased line: a line that can match
    holds one form of every piece."""

    @property
    def anchor(self) -> tuple[bytes, ...]:
        """The forms to scan a whole file with: of the piece most likely to be rare."""
        return max(self.pieces, key=lambda forms: min(len(form) for form in forms))


def compile_query(text: str) -> Query:
    if not text.strip():
        raise QueryError("the query is empty")
    if len(text) > MAX_QUERY:
        raise QueryError(f"the query is longer than {MAX_QUERY} characters")
    return Query(text, fold(text), _pieces(text))


def fold(text: str) -> str:
    """Case folded by simple lower-casing, one character for one, so positions stay valid."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(ch if len(low := ch.lower()) != 1 else low for ch in text)


def _pieces(text: str) -> tuple[tuple[bytes, ...], ...]:
    pieces: list[tuple[bytes, ...]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            pieces.append((fold("".join(run)).encode("ascii"),))
            run.clear()

    for character in text:
        if character in _SPLIT or ord(character) < 0x20 or ord(character) == 0x7F:
            close_run()
        elif ord(character) < 0x80:
            run.append(character)
        else:
            close_run()
            pieces.append(_non_ascii_forms(character))
    close_run()
    if not pieces:
        # Only separators (`"/"`, a newline): any line may hold them escaped.
        pieces.append((b"",))
    return tuple(dict.fromkeys(pieces))


def _non_ascii_forms(character: str) -> tuple[bytes, ...]:
    """A character in a lower-cased line: its raw UTF-8 or its escape (without the backslash, which
    a string escaped twice doubles), in every case that folds to the same character."""
    variants = {character, character.lower(), character.upper(), character.title()}
    forms: set[bytes] = set()
    for variant in variants:
        if len(variant) != 1 or fold(variant) != fold(character):
            continue
        forms.add(variant.encode("utf-8", "surrogatepass").lower())
        code = ord(variant)
        if code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            forms.add(f"u{0xD800 + high:04x}".encode())
        else:
            forms.add(f"u{code:04x}".encode())
    return tuple(sorted(forms))


def candidate_lines(buffer: bytes, query: Query) -> list[int]:
    """The numbers of the `\\n`-separated lines of `buffer` that hold every piece of the query.

    Linear in the buffer however often the query occurs: once a line is taken, the scan goes on
    from the next line."""
    if query.anchor == (b"",):
        return list(range(buffer.count(b"\n") + 1))
    lowered = buffer.lower()
    others = [piece for piece in query.pieces if piece != query.anchor]
    heads = {form: lowered.find(form) for form in query.anchor}
    found: list[int] = []
    line_number = 0
    line_start = 0
    while True:
        for form, at in heads.items():
            if 0 <= at < line_start:
                heads[form] = lowered.find(form, line_start)
        live = [at for at in heads.values() if at >= 0]
        if not live:
            return found
        position = min(live)
        start = lowered.rfind(b"\n", line_start, position) + 1 or line_start
        line_number += lowered.count(b"\n", line_start, start)
        end = lowered.find(b"\n", position)
        end = len(lowered) if end < 0 else end
        line = lowered[start:end]
        if all(any(form in line for form in forms) for forms in others):
            found.append(line_number)
        if end >= len(lowered):
            return found
        line_number += 1
        line_start = end + 1


def lines_buffer(lines: Sequence[Line]) -> bytes:
    """An analysis's lines as one buffer, line numbers kept."""
    return b"\n".join(lines)


@dataclass(frozen=True, slots=True)
class Hit:
    segment: int
    index: int
    line: int
    field: Field
    snippet: str

    def to_json(self) -> dict[str, object]:
        return {
            "segment": self.segment,
            "index": self.index,
            "line": self.line,
            "field": self.field.value,
            "snippet": self.snippet,
        }


@dataclass(frozen=True, slots=True)
class _Place:
    segment: int
    item: Item
    field: Field
    line: int

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.segment, self.item.index, _FIELD_ORDER[self.field])


def _places(model: ConversationModel) -> dict[int, list[_Place]]:
    """Every searchable field of every segment, by the line it is read from."""
    by_line: dict[int, list[_Place]] = {}
    for number, segment in enumerate(segments(model)):
        for item in segment.items:
            for field, source in _sources(item):
                by_line.setdefault(source, []).append(_Place(number, item, field, source))
    return by_line


def _sources(item: Item) -> Iterator[tuple[Field, int]]:
    if item.source is not None:
        yield Field.TEXT, item.source.line
    tool = item.tool
    if tool is not None:
        if tool.call_source is not None:
            yield Field.INPUT, tool.call_source.line
        if tool.result_source is not None:
            yield Field.RESULT, tool.result_source.line


class _PlacesOfLastModel:
    """The fields by line of the model searched last: the view searches one session again and
    again as the query is typed."""

    def __init__(self) -> None:
        self._last: tuple[ConversationModel, dict[int, list[_Place]]] | None = None

    def __call__(self, model: ConversationModel) -> dict[int, list[_Place]]:
        last = self._last
        if last is None or last[0] is not model:
            last = self._last = (model, _places(model))
        return last[1]


_PLACES = _PlacesOfLastModel()


def search_model(
    model: ConversationModel, query: Query, limit: int, lines: Sequence[int] | None = None
) -> list[Hit]:
    """The first `limit` matches in the session, in segment and item order. `lines`: the
    candidate lines when the caller has scanned the bytes already."""
    if limit <= 0:
        return []
    candidates = candidate_lines(lines_buffer(model.lines), query) if lines is None else lines
    by_line = _PLACES(model)
    places = sorted(
        (place for line in candidates for place in by_line.get(line, ())),
        key=lambda place: place.order,
    )
    reader = LineReader(model.lines)
    hits: list[Hit] = []
    with deep_json():
        for place in places:
            text = _field_text(model, place, reader)
            for start in _matches(text, query):
                hits.append(_hit(place, text, start, len(query.text)))
                if len(hits) >= limit:
                    return hits
    return hits


def _field_text(model: ConversationModel, place: _Place, reader: LineReader) -> str:
    texts, item = model.texts, place.item
    try:
        if place.field is Field.TEXT:
            return texts.item_text(item, reader) or ""
        tool = item.tool
        assert tool is not None
        if place.field is Field.INPUT:
            assert tool.call_source is not None
            return texts.call_input(tool.call_source, reader) or ""
        assert tool.result_source is not None
        return texts.result_text(tool.result_source, reader)
    except RecursionError:
        return ""


def _matches(text: str, query: Query) -> Iterator[int]:
    folded = fold(text)
    start = folded.find(query.folded)
    while start >= 0:
        yield start
        start = folded.find(query.folded, start + max(1, len(query.folded)))


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def _hit(place: _Place, text: str, start: int, length: int) -> Hit:
    return Hit(place.segment, place.item.index, place.line, place.field, snippet(text, start, length))


def snippet(text: str, start: int, length: int, context: int = CONTEXT) -> str:
    """The match with some context on one line; control characters as visible escapes."""
    begin = max(0, start - context)
    end = min(len(text), start + length + context)
    shown = _UNSAFE.sub(_visible, text[begin:end])
    return ("\u2026" if begin > 0 else "") + shown + ("\u2026" if end < len(text) else "")


def _visible(match: re.Match[str]) -> str:
    character = match.group()
    special = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(character)
    if special is not None:
        return special
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
