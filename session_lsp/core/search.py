"""Search every text, tool input and result of a session, every segment of its history, uncut.

Case-insensitive plain text (never a pattern), matched in what a person reads: a tool call's
input is its tool's name and its values (`input_text`), not their JSON encoding.

Decoding a 100 MB session costs seconds, so the bytes are searched first: a match inside a JSON
string leaves pieces of the query in the raw line whatever the writer escaped. Only the parts of
the query no writer escapes are looked for (ASCII letters, digits, spaces between words and most
punctuation, lower-cased; each non-ASCII character as its raw UTF-8 or its `\\u` escape, such as
`\\u00e9` for é), split at quotes, backslashes, control characters, the characters some writers
escape (`/ < > & '`), the colon that joins a key to its value in an input's text, and spaces that
may be layout, so a match in an escaped string (`\\n`, `\\"`, a Codex call's arguments escaped
twice) or across an input's keys and values is never missed. Lines that hold every piece are
decoded and their fields searched for the whole query.

Some texts are labels the format composes from a line's fields (`/model opus` from a slash
command's tags, `API error 500: …` from an error's fields, a sub-agent turn's `assistant: [calls
Grep]`, a local command's output without its colour codes): their words need not be in the
line, so the items that show them (`COMPOSED`) are searched whatever the bytes hold, their texts
read once per model.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

import msgspec

from session_lsp.core.line_views import Buffer as Buffer  # what a search reads
from session_lsp.core.line_views import Run, line_views, scannable
from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import ConversationModel, Item, ItemKind, ToolCall
from session_lsp.core.turns.segments import segments
from session_lsp.core.turns.texts import LineReader

MAX_QUERY = 1000
"""Characters of a query at most: longer is no search a person types."""
CONTEXT = 60
"""Characters shown on each side of a match in its snippet."""
_SPLIT = frozenset("\t\r\n\"\\/<>&':")
"""Characters that end a piece: what writers escape, and the colon an input's text puts between
a key and its value where the line has `":"` (spaces that may be layout are dropped before, by
`_spaces_that_may_differ_dropped`)."""
_MIN_ANCHOR = 3
"""A piece shorter than this finds too much to scan a file with alone; longer pieces go first."""


class QueryError(ValueError):
    """A query that cannot be searched for (empty, too long); the message says why."""


class Field(StrEnum):
    TEXT = "text"
    INPUT = "input"
    RESULT = "result"


COMPOSED = frozenset(
    {
        ItemKind.COMMAND,
        ItemKind.API_ERROR,
        ItemKind.MODEL_FALLBACK,
        ItemKind.SUB_AGENT,
        ItemKind.INTERRUPT,
    }
)
"""The kinds of item whose text a format may compose from its line's fields rather than copy
(a slash command's name and arguments, an API error's status and retry, a model switch, a
sub-agent turn's role and calls, a Codex turn abort's reason): searched whatever the line's bytes
hold. Few and short, except sub-agent turns, whose texts are read once per model."""


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

    for character in _spaces_that_may_differ_dropped(text):
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


_LAYOUT_SPACES = re.compile(r" +")
_JSON_LAYOUT_NEIGHBOURS = frozenset('":,{}[]') | _SPLIT
"""A run of spaces beside one of these may be JSON layout: a tool input is shown indented, with a
space after each colon, while the line has none. A space between two words is the writer's own
and is kept in the piece, which makes a phrase a far better filter than its words apart."""


def _spaces_that_may_differ_dropped(text: str) -> str:
    """The query with each run of spaces that may be layout turned into a separator (a tab)."""

    def replace(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() > 0 else "\t"
        after = text[match.end()] if match.end() < len(text) else "\t"
        layout = (
            before in _JSON_LAYOUT_NEIGHBOURS
            or after in _JSON_LAYOUT_NEIGHBOURS
            or ord(before) < 0x20
            or ord(after) < 0x20
        )
        return "\t" if layout else match.group()

    return _LAYOUT_SPACES.sub(replace, text)


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
            # Only the high surrogate: a string escaped twice puts a backslash between the two.
            forms.add(f"u{0xD800 + (code - 0x10000) // 0x400:04x}".encode())
        else:
            forms.add(f"u{code:04x}".encode())
    return tuple(sorted(forms))


CHUNK = 1024 * 1024
"""Bytes lower-cased at a time where the C search was not built (`_ChunkScan`)."""


def candidate_lines(
    buffer: Buffer, query: Query, start: int = 0, stop: int | None = None
) -> list[int]:
    """The numbers of the `\\n`-separated lines of `buffer[start:stop]` that hold every piece of
    the query, counted from its first line.

    Linear in the bytes however often the query occurs: each form of the anchor is searched on
    from where it was last found (a form the rest of the bytes lacks is not looked for again: a
    CJK character's raw UTF-8 on every line and its `\\u` escape on none would otherwise rescan
    after each line, 5.7 s for 105 MB), and once a line is taken, the scan goes on from the next
    line. The bytes are searched in place when they run to the buffer's end (or to the end of
    its last line, `\\n` or `\\r\\n`): the scan would otherwise go on past `stop`, so a part
    is copied.

    Where the C module was built, all of it is done there (`LINES_HOLDING`), with Python's lock
    released: a word on every result of 70,000 calls took 330 ms here, a line at a time."""
    size = len(buffer) if stop is None else stop
    if query.anchor == (b"",):
        return list(range(_newlines(buffer, start, size) + 1))
    others = [piece for piece in query.pieces if piece != query.anchor]
    if LINES_HOLDING is not None:
        taken, _ = LINES_HOLDING(buffer, start, size, (query.anchor, *others))
        return array("q", taken).tolist()
    rest = len(buffer) - size
    if rest and (rest > 2 or buffer[size:] not in _LAST_LINE_ENDS):
        return candidate_lines(buffer[start:size], query)
    scan = _python_scan(buffer, query.anchor)
    found: list[int] = []
    line_number = 0
    line_start = start
    while 0 <= (position := scan.next_match(line_start)) < size:
        begins = buffer.rfind(b"\n", line_start, position) + 1 or line_start
        line_number += _newlines(buffer, line_start, begins)
        end = buffer.find(b"\n", position, size)
        end = size if end < 0 else end
        if not others or _holds_every_piece(scan.lowered(begins, end), others):
            found.append(line_number)
        if end >= size:
            break
        line_number += 1
        line_start = end + 1
    return found


FIRST_STRETCH = 1024 * 1024
"""Bytes `scan_start` looks at first; each stretch after is twice the one before."""


@dataclass(frozen=True, slots=True)
class ScanStart:
    """The start of a scan that found candidate lines: those it found, where it stopped (the
    start of a line), and how many lines come before that."""

    lines: list[int]
    stop: int
    lines_before_stop: int

    def rest(self, buffer: Buffer, query: Query) -> list[int]:
        """Every candidate line of the buffer: those found, then those after where it stopped."""
        after = candidate_lines(buffer, query, self.stop) if self.stop <= len(buffer) else []
        return self.lines + [self.lines_before_stop + line for line in after]


def scan_start(buffer: Buffer, query: Query, first: int = FIRST_STRETCH) -> ScanStart | None:
    """Scans stretches of whole lines, each twice the one before, until one holds a candidate
    line; None when none does (every byte was scanned, as `candidate_lines` would).

    A caller that must analyse the file once a line may match (a search of a session the server
    has no model of) can start that analysis here, and scan the rest (`ScanStart.rest`) beside
    it: the C scan (`LINES_HOLDING`) lets Python's lock go, so a second core does it meanwhile
    (the Python scan, where the C was not built, gains nothing beside the analysis, and loses
    nothing either). A file no line of which can match is never analysed."""
    size, start, lines_before, stretch = len(buffer), 0, 0, first
    while start < size:
        newline = buffer.find(b"\n", min(size, start + stretch) - 1)
        stop = size if newline < 0 else newline  # the stretch's last line, without its newline
        found = candidate_lines(buffer, query, start, stop)
        lines_in_stretch = _newlines(buffer, start, stop) + 1
        if found:
            shifted = [lines_before + line for line in found]
            return ScanStart(shifted, stop + 1, lines_before + lines_in_stretch)
        start, lines_before, stretch = stop + 1, lines_before + lines_in_stretch, stretch * 2
    return None


SMALL_RUN = 64 * 1024
"""Bytes below which a run is searched joined with the small runs beside it (`candidate_lines_of`)."""


def candidate_lines_of(
    runs: Sequence[Run], query: Query, *, joined_below: int = SMALL_RUN
) -> list[int]:
    """`candidate_lines` of lines kept as runs in their buffers (`LineViews.runs`): a document
    that arrived in chunks, or was edited, is searched where it lies, not joined into a copy.

    Runs shorter than `joined_below` bytes, one after another, are joined and searched at once:
    a document whose every line was edited is 140,000 runs of one line, and a search of each
    alone cost 570 ms where one search of them joined costs 70."""
    found: list[int] = []
    small: list[Run] = []
    for run in runs:
        if run.stop - run.start < joined_below:
            small.append(run)
            continue
        found += _candidates_of_joined(small, query)
        small = []
        first = run.first_line
        buffer = scannable(run.buffer)
        found += [first + line for line in candidate_lines(buffer, query, run.start, run.stop)]
    return found + _candidates_of_joined(small, query)


def _candidates_of_joined(runs: list[Run], query: Query) -> list[int]:
    """`candidate_lines` of runs whose lines follow one another, joined into one copy."""
    if not runs:
        return []
    joined = b"\n".join([scannable(run.buffer)[run.start : run.stop] for run in runs])
    first = runs[0].first_line
    return [first + line for line in candidate_lines(joined, query)]


_LAST_LINE_ENDS = (b"\n", b"\r\n")
"""What may follow the bytes searched in place: the end of the last line, nothing after it."""


def _holds_every_piece(line: bytes, pieces: list[tuple[bytes, ...]]) -> bool:
    return all(any(form in line for form in forms) for forms in pieces)


_NONE_LEFT = -1
"""`find`'s answer when a form is not in the rest of the bytes searched."""
_NOT_LOOKED_FOR = -2
"""A form not yet searched for: below any offset, so it is searched for."""


class _Scan(ABC):
    """The anchor's next match in a buffer read as lower case, each form resumed where it was."""

    def __init__(self, buffer: Buffer, anchor: tuple[bytes, ...]) -> None:
        self.buffer = buffer
        self.anchor = anchor
        self.spots = [_NOT_LOOKED_FOR] * len(anchor)

    @abstractmethod
    def next_match(self, at: int) -> int:
        """The first offset >= `at` where a form of the anchor starts, or -1."""

    def lowered(self, start: int, end: int) -> bytes:
        """The bytes [start, end) lower-cased."""
        return self.buffer[start:end].lower()

    def _first_spot(self, at: int, find: Callable[[bytes, int], int]) -> int:
        """The nearest spot at or after `at` of the forms, each searched for again with `find`
        only once `at` has passed the spot it was last found at."""
        spots = self.spots
        for number, spot in enumerate(spots):
            if spot != _NONE_LEFT and spot < at:
                spots[number] = find(self.anchor[number], at)
        return min((spot for spot in spots if spot != _NONE_LEFT), default=_NONE_LEFT)


class _ChunkScan(_Scan):
    """A megabyte lower-cased at a time, small enough to stay in the cache while it is searched,
    so a file is read from memory once, never copied whole."""

    def __init__(self, buffer: Buffer, anchor: tuple[bytes, ...]) -> None:
        super().__init__(buffer, anchor)
        self._overlap = max(len(form) for form in anchor) - 1
        self._chunk_start, self._chunk = -CHUNK, b""

    def next_match(self, at: int) -> int:
        while at < len(self.buffer):
            if not self._chunk_start <= at < self._chunk_start + CHUNK:
                # Every match starting before `chunk_start + CHUNK` lies whole in the chunk.
                self._chunk_start = at
                self._chunk = self.buffer[at : at + CHUNK + self._overlap].lower()
                self.spots = [_NOT_LOOKED_FOR] * len(self.anchor)
            spot = self._first_spot(at - self._chunk_start, self._chunk.find)
            if spot != _NONE_LEFT:
                return self._chunk_start + spot
            at = self._chunk_start + CHUNK
        return _NONE_LEFT

    def lowered(self, start: int, end: int) -> bytes:
        chunk_start = self._chunk_start
        if chunk_start <= start and end <= chunk_start + len(self._chunk):
            return self._chunk[start - chunk_start : end - chunk_start]
        return super().lowered(start, end)


def _python_scan(buffer: Buffer, anchor: tuple[bytes, ...]) -> _Scan:
    """The scan where the C search was not built: at rare bytes where a form has one."""
    if any(_rare_non_letter(form) is not None for form in anchor):
        return _PythonScan(buffer, anchor)
    return _ChunkScan(buffer, anchor)


class _PythonScan(_Scan):
    """The scan where the C search was not built (the VS Code extension's bundle, a pip install
    without a compiler). A form whose rarest byte is no letter and rare in a transcript (the UTF-8
    of CJK text or emoji, most punctuation) is found at that byte: `find` of one byte is `memchr`,
    many times faster than Python's search for a short needle, and no byte is lower-cased. The
    other forms, and one whose rare byte turns out common in this file, are searched a megabyte
    lower-cased at a time (`_ChunkScan`)."""

    def __init__(self, buffer: Buffer, anchor: tuple[bytes, ...]) -> None:
        super().__init__(buffer, anchor)
        self._rare_at = {form: at for form in anchor if (at := _rare_non_letter(form)) is not None}
        """Each form found at its rare byte, and where that byte is in it."""
        self._chunks = self._chunk_scan()
        self._chunked = _NOT_LOOKED_FOR
        """The chunk scan's last answer, kept until `at` passes it: asked again from each line
        taken, a form the rest of the bytes lacks would be looked for to the end each time."""

    def _chunk_scan(self) -> _ChunkScan | None:
        folded = tuple(form for form in self.anchor if form not in self._rare_at)
        return _ChunkScan(self.buffer, folded) if folded else None

    def next_match(self, at: int) -> int:
        rare = self._first_spot(at, self._find_at_rare_byte)  # may hand forms to the chunks
        if self._chunked != _NONE_LEFT and self._chunked < at:
            chunks = self._chunks
            self._chunked = chunks.next_match(at) if chunks is not None else _NONE_LEFT
        spots = (rare, self._chunked)
        return min((spot for spot in spots if spot != _NONE_LEFT), default=_NONE_LEFT)

    def _find_at_rare_byte(self, form: bytes, at: int) -> int:
        """Where `form` first occurs at or after `at`, found by its rare byte; `_NONE_LEFT` too
        for a form searched in chunks (the chunk scan answers for it, from `_chunked`)."""
        rare = self._rare_at.get(form)
        if rare is None:
            return _NONE_LEFT
        buffer, length = self.buffer, len(form)
        byte = form[rare : rare + 1]
        letters = form != form.upper()
        start, end = at + rare, len(buffer) - length + rare + 1
        missed = 0
        while (spot := buffer.find(byte, start, end)) >= 0:
            found = buffer[spot - rare : spot - rare + length]
            if (found.lower() if letters else found) == form:
                return spot - rare
            missed += 1
            if missed > _MISSES_ALLOWED and missed > (spot - at) // _BYTES_PER_MISS:
                self._search_in_chunks(form)
                return _NONE_LEFT
            start = spot + 1
        return _NONE_LEFT

    def _search_in_chunks(self, form: bytes) -> None:
        """`form`'s rare byte is common in this file: the chunk scan answers for it from now on."""
        del self._rare_at[form]
        self._chunks = self._chunk_scan()
        self._chunked = _NOT_LOOKED_FOR

    def lowered(self, start: int, end: int) -> bytes:
        if self._chunks is not None:
            return self._chunks.lowered(start, end)
        return super().lowered(start, end)


_MISSES_ALLOWED = 64
_BYTES_PER_MISS = 512
"""A rare byte found where the form is not more often than once in this many bytes (past the
first `_MISSES_ALLOWED`) costs more in Python than lower-casing the bytes."""

_RARE = 40
"""The commonness (`_commonness`) at most of a byte worth finding alone."""


def _rare_non_letter(form: bytes) -> int | None:
    """Where the form's least common byte is, when that byte is no letter and rare enough."""
    if not form:
        return None
    at = min(range(len(form)), key=lambda index: _commonness(form[index]))
    byte = form[at]
    if _commonness(byte) > _RARE or ord("a") <= byte <= ord("z"):
        return None
    return at


_BY_FREQUENCY = b"etaoinsrhldcumfpgwybvkxjqz"


def _commonness(byte: int) -> int:
    """How common a byte is in a transcript, higher more common, as the C search ranks them."""
    if byte in b'" :,':
        return 255
    if ord("0") <= byte <= ord("9"):
        return 200
    if byte in b"{}\\_-./":
        return 190
    if ord("a") <= byte <= ord("z"):
        return 180 - 6 * _BY_FREQUENCY.index(byte)
    if byte >= 0x80:
        return 40
    return 10


LinesHolding = Callable[[Buffer, int, int, tuple[tuple[bytes, ...], ...]], tuple[bytes, int]]
"""`candidate_lines` in C: the lines of `buffer[start:stop]` holding every piece (the anchor
first), as the bytes of an `array('q')`; and the bytes the scan went over (what the tests hold
to the buffer's size)."""


def _native_lines_holding() -> LinesHolding | None:
    """The C scan of `candidate_lines` (`_byte_search.c`), or None where it was not built."""
    try:
        from session_lsp._native import lines_holding
    except ImportError:
        return None
    return lines_holding


LINES_HOLDING = _native_lines_holding()


def _newlines(buffer: Buffer, start: int, stop: int) -> int:
    if isinstance(buffer, bytes):
        return buffer.count(b"\n", start, stop)
    return sum(buffer[at : min(stop, at + CHUNK)].count(b"\n") for at in range(start, stop, CHUNK))


def runs_of(lines: Sequence[Line]) -> list[Run]:
    """Where the lines lie (`LineViews.runs`); lines given one by one are runs of one line."""
    return line_views(lines).runs()


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


_FIELDS = (Field.TEXT, Field.INPUT, Field.RESULT)
"""A place's field, by the two low bits of its rank."""
_POSITION_BITS = 40
"""Bits of a rank that say an item's position in its segment (above its field's two).

A rank is where a searchable field comes in the session, as one number: by segment, then item,
then text, input and result. Ranks of 70,000 candidate lines sort in milliseconds, and a line's
rank is a slot of an array, not an object: the index of a session of 70,000 calls held 140,000
of them, and making them was most of its first search."""
_NOWHERE = -1
"""The rank of a line no place is read from."""


_READ_FROM_NO_LINE = -2
"""The line of a `COMPOSED` item's text, which the bytes cannot rule out."""


def _segment_of(rank: int) -> int:
    return rank >> (_POSITION_BITS + 2)


def _item_at(items_of: list[list[Item]], rank: int) -> Item:
    return items_of[_segment_of(rank)][(rank >> 2) & ((1 << _POSITION_BITS) - 1)]


def _segment_items(model: ConversationModel) -> list[list[Item]]:
    return [segment.items for segment in segments(model)]


def _places(items_of: list[list[Item]]) -> Iterator[tuple[int, int]]:
    """Every searchable field of the segments' items in the session's order, as the line it is
    read from (`_READ_FROM_NO_LINE` for a composed text) and its rank: what the index holds, and
    what a first search walks (`_walked_places`). Placed as they come, the index of 70,000 calls
    builds in 37-40 ms, where lists gathered first and placed after took 44-53."""
    for number, items in enumerate(items_of):
        segment_rank = number << (_POSITION_BITS + 2)
        for position, item in enumerate(items):
            item_rank = segment_rank | (position << 2)
            source = item.source
            if source is not None:
                yield (_READ_FROM_NO_LINE if item.kind in COMPOSED else source.line), item_rank
            tool = item.tool
            if tool is not None:
                if (call := tool.call_source) is not None:
                    yield call.line, item_rank | 1
                if (answer := tool.result_source) is not None:
                    yield answer.line, item_rank | 2


@dataclass(slots=True)
class _ModelIndex:
    """Every searchable field of every segment, by the line it is read from."""

    segments: list[list[Item]]
    first_ranks: array[int]
    """Each line's first place (`_NOWHERE` when none): most lines show one field."""
    more_ranks: dict[int, list[int]]
    """The other places of a line that shows more than one."""
    composed: list[int]
    """The ranks of `COMPOSED` items' texts, which the bytes cannot rule out."""
    runs: list[Run] | None = None
    """Where the model's lines lie, searched in place (`runs_of`), found by the first search
    that scans them (a search handed the lines its caller scanned does not)."""
    composed_texts: list[str] | None = None
    """The texts of `composed`, in its order, read by the first search."""

    @classmethod
    def of(cls, model: ConversationModel) -> _ModelIndex:
        """Bare loops: they run over every place of the session."""
        items_of = _segment_items(model)
        first = array("q", [_NOWHERE]) * len(model.lines)
        more: dict[int, list[int]] = {}
        composed: list[int] = []
        count = len(first)
        for at, place in _places(items_of):
            if at == _READ_FROM_NO_LINE:
                composed.append(place)
            elif 0 <= at < count and first[at] == _NOWHERE:
                first[at] = place
            else:
                more.setdefault(at, []).append(place)
        return cls(items_of, first, more, composed)

    def ranks_on(self, lines: Sequence[int]) -> list[int]:
        """The ranks of every place on `lines`."""
        first, count = self.first_ranks, len(self.first_ranks)
        ranks = [rank for line in lines if line < count and (rank := first[line]) != _NOWHERE]
        if self.more_ranks:
            more = self.more_ranks
            ranks += [rank for line in lines if line in more for rank in more[line]]
        return ranks

    def runs_of(self, model: ConversationModel) -> list[Run]:
        if self.runs is None:
            self.runs = runs_of(model.lines)
        return self.runs

    def texts_of_composed(self, model: ConversationModel) -> list[str]:
        if self.composed_texts is None:
            reader = LineReader(model.lines)
            with deep_json():
                self.composed_texts = [
                    _field_text(model, _item_at(self.segments, rank), Field.TEXT, reader)
                    for rank in self.composed
                ]
        return self.composed_texts


class _IndexOfLastModel:
    """What a search needs of the model searched last, made once: the view searches one session
    again and again as the query is typed."""

    def __init__(self) -> None:
        self._last: tuple[ConversationModel, _ModelIndex] | None = None

    def forget(self, model: ConversationModel) -> None:
        if self._last is not None and self._last[0] is model:
            self._last = None

    def __call__(self, model: ConversationModel) -> _ModelIndex:
        last = self._last
        if last is None or last[0] is not model:
            last = self._last = (model, _ModelIndex.of(model))
        return last[1]


_INDEX = _IndexOfLastModel()


def forget_index(model: ConversationModel) -> None:
    """Drop what the last search kept of `model` (its document closed): the index holds the
    model, and through it every line of the session, until the next search."""
    _INDEX.forget(model)


def search_model(
    model: ConversationModel, query: Query, limit: int, lines: Sequence[int] | None = None
) -> list[Hit]:
    """The first `limit` matches in the session, in segment and item order. `lines`: the
    candidate lines when the caller has scanned the bytes already.

    A caller that scanned the bytes has just built the model (a session on disk, searched from
    the command line or by a server that had no model of it): it is walked in order until
    `limit` matches are found, with no index, as most such models are searched once and on
    70,000 calls the index took longer than the rest of the search. A model kept and searched
    again (the view's search box, as the query is typed) is indexed once (`_INDEX`)."""
    if limit <= 0:
        return []
    if lines is not None:
        places = _walked_places(model, lines)
    else:
        places = _indexed_places(model, query, lines)
    reader = LineReader(model.lines)
    hits: list[Hit] = []
    with deep_json():
        for segment, item, field, text in places:
            if text is None:
                text = _field_text(model, item, field, reader)
            for start in _shown_apart(match_starts(text, query)):
                hits.append(_hit(segment, item, field, text, start, query))
                if len(hits) >= limit:
                    return hits
    return hits


_Place = tuple[int, Item, Field, str | None]
"""A field that may hold the query: its segment, item and field, and its text where it was read
already (a composed text)."""


def _indexed_places(
    model: ConversationModel, query: Query, lines: Sequence[int] | None
) -> Iterator[_Place]:
    """The places on the candidate lines, and the composed texts that hold the query, through
    the index of the model."""
    index = _INDEX(model)
    candidates = candidate_lines_of(index.runs_of(model), query) if lines is None else lines
    ranks = index.ranks_on(candidates)
    composed_matches = {
        rank: text
        for rank, text in zip(index.composed, index.texts_of_composed(model), strict=True)
        if query.folded in fold(text)
    }
    ranks += composed_matches
    ranks.sort()
    for rank in ranks:
        item = _item_at(index.segments, rank)
        yield _segment_of(rank), item, _FIELDS[rank & 3], composed_matches.get(rank)


def _walked_places(model: ConversationModel, lines: Sequence[int]) -> Iterator[_Place]:
    """The places on the candidate lines, and every composed text, in the session's order,
    found by walking the model's items as far as the caller reads."""
    wanted = set(lines)
    items_of = _segment_items(model)
    for at, rank in _places(items_of):
        if at in wanted or at == _READ_FROM_NO_LINE:
            yield _segment_of(rank), _item_at(items_of, rank), _FIELDS[rank & 3], None


def _shown_apart(starts: Iterator[int]) -> Iterator[int]:
    """The matches of one field that the snippet of the match kept before it does not show: a
    word repeated through a result is a hit per stretch of text, not a list of snippets that
    each repeat the one before (nine hits of one prompt, for a word it says nine times)."""
    shown_until = -1
    for start in starts:
        if start > shown_until:
            shown_until = start + CONTEXT
            yield start


def _field_text(model: ConversationModel, item: Item, field: Field, reader: LineReader) -> str:
    texts = model.texts
    try:
        if field is Field.TEXT:
            return texts.item_text(item, reader) or ""
        tool = item.tool
        assert tool is not None
        if field is Field.INPUT:
            assert tool.call_source is not None
            return input_text(tool, texts.call_input(tool.call_source, reader))
        assert tool.result_source is not None
        return texts.result_text(tool.result_source, reader)
    except RecursionError:
        return ""


def input_text(tool: ToolCall, shown: str | None) -> str:
    """A call as a person reads it: its tool's name, then each value of its input on a line of
    its own after its key (`command: git commit -m "fix"`), strings as they are, not escaped;
    numbers, true, false and null as JSON writes them. `shown` is the input as the format shows
    it (`texts.json_text`: a string as it is, a structure as indented JSON, which is read back
    here, so a string that holds a JSON structure is shown by its values too)."""
    if shown is None:
        return tool.name
    value: object = shown
    if shown.startswith(("{", "[")):
        try:
            value = msgspec.json.decode(shown)
        except msgspec.DecodeError:
            value = shown
    lines = [tool.name]
    _value_lines(value, None, lines)
    return "\n".join(lines)


def _value_lines(value: object, key: str | None, lines: list[str]) -> None:
    if isinstance(value, dict | list):
        if key is not None:
            lines.append(f"{key}:")
        if isinstance(value, dict):
            for inner_key, inner in value.items():
                _value_lines(inner, str(inner_key), lines)
        else:
            for inner in value:
                _value_lines(inner, None, lines)
        return
    text = value if isinstance(value, str) else json.dumps(value)
    lines.append(text if key is None else f"{key}: {text}")


def match_starts(text: str, query: Query) -> Iterator[int]:
    """Where the query starts in `text`, ignoring case, each match after the one before it: what
    a search calls a match, and what a reader of its snippets marks."""
    folded = fold(text)
    start = folded.find(query.folded)
    while start >= 0:
        yield start
        start = folded.find(query.folded, start + max(1, len(query.folded)))


_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def _hit(segment: int, item: Item, field: Field, text: str, start: int, query: Query) -> Hit:
    return Hit(
        segment, item.index, _line_of(item, field), field, snippet(text, start, len(query.text))
    )


def _line_of(item: Item, field: Field) -> int:
    """The line a field of an item is read from (an item has the fields it is ranked for)."""
    if field is Field.TEXT:
        source = item.source
    else:
        assert item.tool is not None
        source = item.tool.call_source if field is Field.INPUT else item.tool.result_source
    assert source is not None
    return source.line


LINE_BREAK = "\u23ce"
"""A line break in a snippet, which is one line: a return symbol, as one-line previews show it;
a run of them stands apart from the words around it."""
_BREAKS = re.compile(LINE_BREAK + "+")


def snippet(text: str, start: int, length: int, context: int = CONTEXT) -> str:
    """The match with some context on one line: its line breaks as a return symbol, a tab as a
    space, every other control character as a visible escape."""
    begin = max(0, start - context)
    end = min(len(text), start + length + context)
    shown = _UNSAFE.sub(_visible, text[begin:end].replace("\r\n", "\n"))
    shown = _BREAKS.sub(r" \g<0> ", shown)
    return ("\u2026" if begin > 0 else "") + shown + ("\u2026" if end < len(text) else "")


def _visible(match: re.Match[str]) -> str:
    character = match.group()
    special = {"\n": LINE_BREAK, "\t": " ", "\r": "\\r"}.get(character)
    if special is not None:
        return special
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
