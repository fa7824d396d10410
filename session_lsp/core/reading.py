"""Reading a transcript line by line: never stops at a bad line, never raises.

Lines are split on `\\n` only: Claude Code's `JSON.stringify` leaves U+2028, U+2029 and U+0085 raw
inside strings, and `str.splitlines` would break records apart on them. Each line keeps its exact
bytes so repairs can leave untouched lines byte-identical.
"""

from __future__ import annotations

import dataclasses
import json
import mmap
import re
from collections.abc import Iterable, Sequence

import msgspec

from session_lsp.core.findings import Code, Severity
from session_lsp.core.formats.claude_code.records import (
    RECORD_DECODER,
    TRANSCRIPT_TYPES,
    is_claude_code_record,
)
from session_lsp.core.formats.claude_code.records import Record as Record  # what lines decode to
from session_lsp.core.formats.claude_code.sharing import RepeatedValues
from session_lsp.core.line_views import Line as Line  # what a line is, for every reader
from session_lsp.core.line_views import LineViews, newline_offsets
from session_lsp.core.nesting import MAX_NESTING, deep_json
from session_lsp.core.wording import counted

BOM = b"\xef\xbb\xbf"
TOOL_ID_PATTERN = re.compile(r"[a-zA-Z0-9_-]+")
_NON_FINITE = re.compile(r"(?<![\w\"])(-?Infinity|NaN)(?![\w\"])")


@dataclasses.dataclass(frozen=True, slots=True)
class LineProblem:
    """A reading finding without its line number, so it survives lines moving under edits."""

    code: Code
    severity: Severity
    message: str
    start: int
    end: int
    glued: tuple[GluedRecord, ...] = ()
    """For `glued-records`: every record the line holds, in order (the first is the line's record)."""


@dataclasses.dataclass(frozen=True, slots=True)
class GluedRecord:
    """One of several complete records written on one line: where its bytes start, and its reading."""

    offset: int
    record: Record | None


NO_PROBLEMS: tuple[LineProblem, ...] = ()
MAX_BLOCKS = 10_000
"""Content blocks read from one line. A reply holds a few dozen at most; a hostile line of a million
tool calls would otherwise cost a finding, and seconds, per call."""


class _NonFiniteNumberError(ValueError):
    pass


def _reject_constant(name: str) -> None:
    raise _NonFiniteNumberError(name)


def skipped_on_resume(line: Line) -> bool:
    """Whether JavaScript's `JSON.parse` fails on the line, as far as Python's parser tells (not
    UTF-8, `NaN` or `Infinity`, not JSON at all), so that Claude Code 2.1.121+ skips it on
    resume. Not a line only too deep or too long for session-lsp to read, which Claude Code
    reads, nor one with a NUL hole, after which the file is unreliable (truncating is its fix)."""
    raw = bytes(line).removesuffix(b"\r")
    if _NUL_RUN.search(raw) is not None:
        return False
    try:
        with deep_json():
            json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        return False
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, a non-finite number
        return True
    return False


def split_lines(data: bytes | mmap.mmap) -> tuple[LineViews, bool]:
    """Split on `\\n` only, without copying: the lines (no `\\n`) and whether data ended with one."""
    start = len(BOM) if data[: len(BOM)] == BOM else 0
    starts, ends, start = newline_offsets(data, start, 0)
    ends_with_newline = start >= len(data)
    if not ends_with_newline:
        starts.append(start)
        ends.append(len(data))
    lines = LineViews()
    lines.add_buffer(data, starts, ends)
    return lines, ends_with_newline


def text_of(raw: Line) -> str:
    """The line as an editor shows it; invalid UTF-8 becomes U+FFFD, one per bad sequence."""
    return str(raw, "utf-8", "replace")


def column_of(raw: Line, byte_offset: int) -> int:
    """Code-point column of a byte offset within a line."""
    return len(str(raw[:byte_offset], "utf-8", "replace"))


def read_line(raw: Line, *, is_last: bool) -> tuple[Record | None, tuple[LineProblem, ...]]:
    """Decode one line. Blank lines give (None, no problems).

    A line nested deeper than Python's default recursion limit is read again with more room;
    one deeper than that is an unreadable line, reported where it is, and reading goes on.
    """
    try:
        return _decode_line(raw, is_last=is_last)
    except RecursionError:
        pass
    try:
        with deep_json():
            return _decode_line(raw, is_last=is_last)
    except RecursionError:
        message = (
            f"JSON nested more than {MAX_NESTING} levels deep: session-lsp cannot read this line,"
            " so its calls and results are not checked"
        )
        return None, (LineProblem(Code.INVALID_JSON, Severity.ERROR, message, *_whole_line(raw)),)


class _Unrecorded(msgspec.Struct):
    """What a line read without its record decodes (`read_lines(records=False)`): the fields a
    Claude Code record is recognised by, as a record decodes them, so that a line that is no JSON
    object, or not UTF-8, has the problems its whole reading would give it."""

    type: str | None = None
    uuid: str | None = None
    timestamp: str | None = None


_UNRECORDED_DECODER = msgspec.json.Decoder(_Unrecorded)


def kept_when_checked(record: Record | None) -> bool:
    """Whether a checked reading keeps this record (`_checked_line`): what tells, from a file
    read whole, whether checking its lines would have read it whole too."""
    return record is not None and is_claude_code_record(record.type, record.uuid)


def _checked_line(raw: Line, *, is_last: bool) -> tuple[Record | None, tuple[LineProblem, ...]]:
    """A line checked, not read: its problems, and its record only when it could be a Claude Code
    record (`is_claude_code_record`, what detection looks for)."""
    try:
        unrecorded = _UNRECORDED_DECODER.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return read_line(raw, is_last=is_last)  # the whole reading says what is wrong
    if is_claude_code_record(unrecorded.type, unrecorded.uuid):
        return read_line(raw, is_last=is_last)
    return None, NO_PROBLEMS


def _decode_line(raw: Line, *, is_last: bool) -> tuple[Record | None, tuple[LineProblem, ...]]:
    """The fast path touches each byte once, inside msgspec. UTF-8 is validated in the strings the
    replay decodes; bad bytes inside skipped content (a tool's output) are replaced by readers
    and cannot break a resume, so they are not hunted for.
    """
    try:
        record = RECORD_DECODER.decode(raw)
    except msgspec.ValidationError as error:
        return _read_invalid_shape(bytes(raw).removesuffix(b"\r"), str(error))
    except msgspec.DecodeError as error:
        body = bytes(raw).removesuffix(b"\r")  # a CRLF line's \r ends it: no column points there
        if not body.strip(b" \t\r"):
            return None, NO_PROBLEMS
        return _read_malformed(body, is_last=is_last, cut_off=_is_cut_off(error))
    except UnicodeDecodeError:
        return _read_malformed(bytes(raw), is_last=is_last, cut_off=False)
    if len(record.blocks) > MAX_BLOCKS:
        message = (
            f"{len(record.blocks):,} content blocks on one line, more than the {MAX_BLOCKS:,}"
            " session-lsp checks (no model writes that many): the line is not read"
        )
        return None, (LineProblem(Code.INVALID_JSON, Severity.ERROR, message, *_whole_line(raw)),)
    return record, _required_fields(record, raw)


def _is_cut_off(error: msgspec.DecodeError) -> bool:
    return str(error) == "Input data was truncated"


def _utf8_problems(raw: bytes) -> tuple[LineProblem, ...]:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        column = column_of(raw, error.start)
        return (
            LineProblem(
                Code.INVALID_UTF8,
                Severity.WARNING,
                f"invalid UTF-8 at byte {error.start} of the line: readers replace it with U+FFFD,"
                " so the text sent to the API differs from what was written",
                column,
                column + 1,
            ),
        )
    return NO_PROBLEMS


def _whole_line(raw: Line) -> tuple[int, int]:
    return 0, max(1, len(text_of(raw)))


def _read_invalid_shape(raw: bytes, detail: str) -> tuple[Record | None, tuple[LineProblem, ...]]:
    """Valid JSON whose shape does not fit: keep what the chain needs, report the rest."""
    start, end = _whole_line(raw)
    if detail.startswith("Expected `object`"):
        kind = detail.removeprefix("Expected `object`, got `").rstrip("`")
        message = f"the line is a JSON {kind}, not an object: Claude Code records are objects"
        return None, (LineProblem(Code.INVALID_RECORD, Severity.ERROR, message, start, end),)
    skeleton = _skeleton(raw)
    message = f"record does not fit the transcript format: {detail}"
    return skeleton, (LineProblem(Code.INVALID_RECORD, Severity.ERROR, message, start, end),)


class _Skeleton(msgspec.Struct):
    type: object = None
    uuid: object = None
    parentUuid: object = None
    timestamp: object = None
    isSidechain: object = None
    agentId: object = None


_SKELETON_DECODER = msgspec.json.Decoder(_Skeleton)


def _skeleton(raw: bytes) -> Record | None:
    """The chain fields of a record whose content is unusable, so its children keep their parent."""
    try:
        parts = _SKELETON_DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None

    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    record_type = text(parts.type)
    if record_type not in TRANSCRIPT_TYPES or text(parts.uuid) is None:
        return None
    # An attachment carries no tool blocks; as one, the line links its children and sends nothing.
    return Record(
        type="attachment",
        uuid=text(parts.uuid),
        parentUuid=text(parts.parentUuid),
        timestamp=text(parts.timestamp),
        isSidechain=parts.isSidechain is True,
        agentId=text(parts.agentId),
    )


def _read_malformed(
    raw: bytes, *, is_last: bool, cut_off: bool
) -> tuple[Record | None, tuple[LineProblem, ...]]:
    """The slow path for lines msgspec rejects: find out why, with the decoder's column.

    `cut_off` is msgspec's verdict that the input ended inside a value: a torn write.
    """
    problems: list[LineProblem] = []
    body = raw.rstrip(b"\x00") if is_last else raw
    if len(body) != len(raw):
        try:
            RECORD_DECODER.decode(body)
        except msgspec.DecodeError as error:
            cut_off = _is_cut_off(error)
        except (msgspec.ValidationError, UnicodeDecodeError):
            pass
    if is_last and not body.strip(b" \t\r"):
        start, end = _whole_line(raw)
        message = "the last line holds only NUL bytes: the file was cut off (power loss or crash)"
        return None, (LineProblem(Code.TRUNCATED_LINE, Severity.ERROR, message, start, end),)
    hole = _NUL_RUN.search(body)
    if hole is not None:
        return None, (_hole_problem(body, hole),)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        problems.extend(_utf8_problems(body))
        text = text_of(body)
    lone_surrogate = _LONE_SURROGATE.search(text)
    if lone_surrogate is not None:
        # As Claude Code >= 2.1.132 does on load: keep the record, with U+FFFD in place.
        problems.append(_lone_surrogate_problem(lone_surrogate))
        text = _LONE_SURROGATE.sub(r"\\ufffd", text)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except _NonFiniteNumberError as error:
        match = _NON_FINITE.search(text)
        start = match.start() if match else 0
        end = match.end() if match else len(text)
        message = f"invalid JSON: {error} is not a JSON number (JavaScript's JSON.parse rejects it)"
        problems.append(LineProblem(Code.INVALID_JSON, Severity.ERROR, message, start, end))
        return None, tuple(problems)
    except json.JSONDecodeError as error:
        glued = _read_glued(body) if error.msg == "Extra data" else None
        if glued is not None:
            return glued  # its records' own problems replace the line's
        problems.append(_decode_problem(text, error, is_last=is_last, cut_off=cut_off))
        return None, tuple(problems)
    except RecursionError:
        message = "invalid JSON: nested too deeply to read"
        problems.append(LineProblem(Code.INVALID_JSON, Severity.ERROR, message, *_whole_line(raw)))
        return None, tuple(problems)
    record: Record | None
    try:
        record = msgspec.convert(value, Record)
    except msgspec.ValidationError as error:
        return _read_invalid_shape(raw, str(error))
    problems.extend(_required_fields(record, raw))
    return record, tuple(problems)


def glued_offsets(raw: bytes) -> list[int] | None:
    """Where each record starts in a line holding two or more complete JSON objects and nothing
    else but whitespace between them (concurrent writers, no newline between their appends);
    None for anything else, such as one record followed by garbage.

    Bytes that are not UTF-8 are decoded one code point each (surrogateescape), so character
    offsets map back to byte offsets exactly.
    """
    text = raw.decode("utf-8", "surrogateescape")
    decoder = _STRICT_DECODER
    starts: list[int] = []
    position = 0
    while True:
        position = _skip_whitespace(text, position)
        if position >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        starts.append(position)
        position = end
    if len(starts) < 2:
        return None
    return [len(text[:start].encode("utf-8", "surrogateescape")) for start in starts]


_STRICT_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_WHITESPACE = re.compile(r"[ \t\r\n]*")


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match is not None else position


def glued_parts(raw: bytes, offsets: Sequence[int]) -> list[bytes]:
    """The line cut at each record's start: joined again they are the line, byte for byte."""
    bounds = [0, *offsets[1:], len(raw)]
    return [raw[bounds[index] : bounds[index + 1]] for index in range(len(offsets))]


def _read_glued(raw: bytes) -> tuple[Record | None, tuple[LineProblem, ...]] | None:
    """A glued line: its records read one by one, and one finding naming them."""
    offsets = glued_offsets(raw)
    if offsets is None:
        return None
    parts = glued_parts(raw, offsets)
    records: list[GluedRecord] = []
    problems: list[LineProblem] = []
    for offset, part in zip(offsets, parts, strict=True):
        record, part_problems = read_line(part, is_last=False)
        records.append(GluedRecord(offset, record))
        shift = column_of(raw, offset)
        problems.extend(
            dataclasses.replace(problem, start=problem.start + shift, end=problem.end + shift)
            for problem in part_problems
        )
    names = " and ".join(_name_of(part) for part in parts)
    start = column_of(raw, offsets[1])
    message = (
        f"{len(parts)} records glued on one line with no newline between them: {names}."
        " JSON.parse fails on the whole line: Claude Code 2.1.121 and later skip it (losing every"
        " record on it), older versions cannot load it. Each record is complete: split the line"
    )
    glued = LineProblem(
        Code.GLUED_RECORDS,
        Severity.ERROR,
        message,
        start,
        max(start + 1, len(text_of(raw))),
        tuple(records),
    )
    first = records[0].record
    return first, (glued, *problems)


def _name_of(part: bytes) -> str:
    """A record named the way a reader can find it: its type and its uuid, else its timestamp."""
    try:
        value = json.loads(part.decode("utf-8", "replace"))
    except ValueError:
        return "a record"
    kind = value.get("type") if isinstance(value, dict) else None
    payload = value.get("payload")
    subtype = payload.get("type") if isinstance(payload, dict) else value.get("subtype")
    name = " ".join(str(item) for item in (kind, subtype) if isinstance(item, str)) or "record"
    for key in ("uuid", "messageId", "timestamp"):
        if isinstance(value.get(key), str):
            return f"{name} ({key} {value[key]})"
    return name


def replayed_records(
    records: Sequence[Record | None], problems: Sequence[tuple[LineProblem, ...]]
) -> Sequence[Record | None]:
    """The records in file order, a glued line's later records right after its first.

    Each is a copy carrying the glued line's number, so the replay judges them as if they had
    been written on lines of their own, while every finding still points into the file as it is.
    """
    extra: dict[int, list[Record]] = {}
    for line, line_problems in enumerate(problems):
        for problem in line_problems:
            if problem.glued:
                extra[line] = [
                    msgspec.structs.replace(part.record, line=line)
                    for part in problem.glued[1:]
                    if part.record is not None
                ]
    if not extra:
        return records
    out: list[Record | None] = []
    for line, record in enumerate(records):
        out.append(record)
        out.extend(extra.get(line, ()))
    return out


_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<![0-9a-fA-F]{4})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _lone_surrogate_problem(match: re.Match[str]) -> LineProblem:
    start, end = match.start(), match.end()
    message = (
        "lone UTF-16 surrogate escape: the API rejects it (`no low surrogate in string`);"
        " Claude Code >= 2.1.132 sanitizes it on load, older versions fail"
    )
    return LineProblem(Code.LONE_SURROGATE, Severity.WARNING, message, start, end)


_NUL_RUN = re.compile(rb"\x00+")


def _hole_problem(body: bytes, hole: re.Match[bytes]) -> LineProblem:
    """NUL bytes inside a line: a file system saved the file's new size before the data written
    there (a power loss while Claude Code appended); the line is not the record that was written."""
    start = len(body[: hole.start()].decode("utf-8", "replace"))
    count = hole.end() - hole.start()
    message = (
        f"{counted(count, 'NUL byte')} where the record's text should be: this part of the line never"
        " reached the disk (the file's size was saved before its data, as a power loss leaves"
        " it); everything from here on is unreliable: repair with --strategy truncate"
    )
    return LineProblem(Code.INVALID_JSON, Severity.ERROR, message, start, start + count)


def _decode_problem(
    text: str, error: json.JSONDecodeError, *, is_last: bool, cut_off: bool
) -> LineProblem:
    at_end = cut_off or error.pos >= len(text.rstrip())
    if at_end and is_last:
        message = (
            "the last line is cut off mid-record (Claude Code was killed while writing it);"
            " Claude Code's next append would glue onto it and corrupt both"
        )
        return LineProblem(Code.TRUNCATED_LINE, Severity.ERROR, message, 0, max(1, len(text)))
    if error.msg == "Extra data":
        message = (
            "invalid JSON: more data after the record ends (two records glued on one line,"
            " or a torn line that later writes continued)"
        )
    elif at_end:
        message = f"invalid JSON: the record is cut off ({error.msg}); later lines were appended"
    else:
        message = f"invalid JSON: {error.msg}"
    start = min(error.pos, max(0, len(text) - 1))
    return LineProblem(Code.INVALID_JSON, Severity.ERROR, message, start, max(start + 1, len(text)))


def _required_fields(record: Record, raw: Line) -> tuple[LineProblem, ...]:
    """What each chain type needs for replay; the common valid case returns quickly."""
    record_type = record.type
    if record_type not in TRANSCRIPT_TYPES:
        return NO_PROBLEMS
    missing: list[str] = []
    if record.uuid is None:
        missing.append("`uuid`")
    if record_type in ("user", "assistant"):
        message = record.message
        if message is None:
            missing.append("`message`")
        elif message.content is None:
            missing.append("`message.content`")
        elif isinstance(message.content, tuple):
            return _block_problems(record, raw, missing)
    if not missing:
        return NO_PROBLEMS
    start, end = _whole_line(raw)
    text = f"{record_type} record without {' and '.join(missing)}: Claude Code cannot replay it"
    return (LineProblem(Code.INVALID_RECORD, Severity.ERROR, text, start, end),)


def _block_problems(record: Record, raw: Line, missing: list[str]) -> tuple[LineProblem, ...]:
    problems: list[str] = []
    if missing:
        problems.append(f"{record.type} record without {' and '.join(missing)}")
    for block in record.blocks:
        if block.type == "tool_use" or block.type == "server_tool_use":
            if block.id is None or block.name is None:
                problems.append(f"{block.type} block without `id` or `name` (a partial tool call)")
            elif TOOL_ID_PATTERN.fullmatch(block.id) is None:
                problems.append(
                    f"tool_use id {block.id!r} does not match ^[a-zA-Z0-9_-]+$, which the API requires"
                )
        elif block.type == "tool_result" and block.tool_use_id is None:
            problems.append("tool_result block without `tool_use_id`")
    if not problems:
        return NO_PROBLEMS
    start, end = _whole_line(raw)
    text = "; ".join(problems) + ": the API rejects it"
    return (LineProblem(Code.INVALID_RECORD, Severity.ERROR, text, start, end),)


def read_lines(
    lines: Sequence[Line],
    first: int = 0,
    stop: int | None = None,
    *,
    ends_with_newline: bool,
    records: bool = True,
) -> Iterable[tuple[Record | None, tuple[LineProblem, ...]]]:
    """Read lines[first:stop]. Only an unterminated last line can be a torn tail: a line whose
    newline was written was written whole, so if it is broken it is corrupt, not cut off.

    `records` False: the lines of a file of another format (a Codex rollout) are only checked,
    not decoded into records they would never use (86 MB for a 91 MB rollout); a line that could
    be a Claude Code record is still read whole, so a file that holds one is seen to."""
    count = len(lines)
    torn_candidate = count - 1 if not ends_with_newline else -1
    repeated = RepeatedValues()
    stop = count if stop is None else stop
    read = lines.between(first, stop) if isinstance(lines, LineViews) else lines[first:stop]
    reader = read_line if records else _checked_line
    for index, raw in enumerate(read, first):
        record, problems = reader(raw, is_last=index == torn_candidate)
        if record is not None:
            record.line = index
            repeated.share(record)
        yield record, problems
