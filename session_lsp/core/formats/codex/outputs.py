"""A Codex tool output as a person reads it: what the command printed first, how it ended after.

Codex hands the model a command's output behind a header of facts (`Chunk ID: …`, `Wall time: …`,
`Process exited with code 1`, `Original token count: …`, then `Output:`), and older releases and
apply_patch a JSON object (`{"output": …, "metadata": {"exit_code": …, "duration_seconds": …}}`).
Read as it is, every result begins with the same three lines of bookkeeping and a patch's result
is escaped JSON. The output is shown first and the facts after it on one line, each as Codex
wrote it (a search still finds them); the exit code says whether the command failed, as Codex's
own interface marks it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from session_lsp.core.content_text import content_text

_FACT = re.compile(
    r"(?:Chunk ID: \S+|Wall time: [\d.]+ seconds|Process exited with code (-?\d+)"
    r"|Process running with session ID \d+|Exit code: (-?\d+)|Original token count: \d+"
    r"|Total output lines: \d+|Duration: [\d.]+ seconds)\Z"
)
"""One line of the header Codex writes before a command's output (`format_exec_output`)."""
_HEADING = "\nOutput:\n"
_ENDINGS = ("Process ", "Exit code", "exit_code")
USER_SHELL_COMMAND = "<user_shell_command>"
"""How Codex records a command the person ran themselves (`!cmd`), as a user message."""
_FACT_BYTES = re.compile(_FACT.pattern.encode())
_PROCESS_EXITED, _EXIT_CODE = b"Process exited with code ", b"Exit code: "
_OUTPUT_KEY = re.compile(rb'"output": ?"')
_RAW_HEADING = b"\\nOutput:\\n"
_WRAPPED_FAILURE = re.compile(rb'exit_code\\?": ?-?[1-9]')
_HINT_REACH = 400
"""The header starts an output and the metadata ends one: only the line's ends are looked at."""


@dataclass(frozen=True, slots=True)
class ReadableOutput:
    text: str
    exit_code: int | None


def readable_output(text: str) -> ReadableOutput:
    """The output first, then its facts as one bracketed line; the text as it is when it has
    neither a header nor the JSON wrapper."""
    wrapped = _unwrapped(text)
    if wrapped is not None:
        return wrapped
    # Only the header is split: an output may be megabytes long.
    heading = text.find(_HEADING)
    if heading < 0 and text.endswith(_HEADING[:-1]):
        heading = len(text) - len(_HEADING) + 1
    if heading < 0:
        return ReadableOutput(text, None)
    header = text[:heading].split("\n")
    facts = [_FACT.match(line) for line in header]
    if not all(facts):
        return ReadableOutput(text, None)
    codes = [int(code) for fact in facts if fact for code in fact.groups() if code is not None]
    body = _content_items(text[heading + len(_HEADING) :].rstrip("\n"))
    return ReadableOutput(_joined(body, header), codes[0] if codes else None)


def _content_items(body: str) -> str:
    """A tool's output given as content items (`[{"type": "text", "text": …}]`, as the code
    mode's `js` tool answers) as their text; any other output as it is."""
    if not body.startswith('[{"type":'):
        return body
    try:
        items = json.loads(body)
    except ValueError:
        return body
    if not all(isinstance(item, Mapping) and isinstance(item.get("type"), str) for item in items):
        return body
    return content_text(items)


def _unwrapped(text: str) -> ReadableOutput | None:
    if not text.startswith('{"output":'):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get("output"), str):
        return None
    metadata = value.get("metadata")
    if set(value) - {"output", "metadata"} or not isinstance(metadata, Mapping):
        return None
    code = metadata.get("exit_code")
    exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
    facts = [f"{key}: {json.dumps(fact)}" for key, fact in metadata.items()]
    return ReadableOutput(_joined(value["output"].rstrip("\n"), facts), exit_code)


def _joined(body: str, facts: list[str]) -> str:
    """How the command ended comes first among the facts: the rest is bookkeeping."""
    ending = sorted(facts, key=lambda fact: not fact.startswith(_ENDINGS))
    said = "[" + " · ".join(ending) + "]"
    return f"{body}\n{said}" if body else said


def user_shell_command_text(text: str) -> str:
    """`! command`, then its output and how it ended, as `readable_output` shows a call's."""
    command = _between(text, "<command>", "</command>", 0)
    if command is None:  # older releases: the command alone between the outer tags
        inner = text.strip().removeprefix(USER_SHELL_COMMAND).removesuffix("</user_shell_command>")
        return f"! {inner.strip()}"
    said = f"! {command[0].strip()}"
    result = _between(text, "<result>", "</result>", command[1], last=True)
    shown = readable_output(result[0].strip("\n")).text if result is not None else ""
    return f"{said}\n{shown}" if shown else said


def _between(
    text: str, opening: str, closing: str, start: int, *, last: bool = False
) -> tuple[str, int] | None:
    """The text between a tag and its closing tag (the last one, for an output that may hold
    the tag itself), and where it ends; found without a pattern, so a long output that repeats
    a tag is read once."""
    begin = text.find(opening, start)
    if begin < 0:
        return None
    begin += len(opening)
    end = text.rfind(closing, begin) if last else text.find(closing, begin)
    return (text[begin:end], end) if end >= 0 else None


class _OutputPayload(msgspec.Struct):
    output: object = None


class _OutputLine(msgspec.Struct):
    payload: _OutputPayload | None = None


_OUTPUT_DECODER = msgspec.json.Decoder(_OutputLine)


def output_of(raw: bytes) -> str:
    """An output line's `output` as text, the rest of the line skipped: read while building,
    for the few outputs whose bytes may say a command failed or was cut short."""
    try:
        record = _OUTPUT_DECODER.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return ""
    return content_text(record.payload.output) if record.payload is not None else ""


def header_says_failed(raw: bytes) -> bool:
    """Whether an output line's header states a non-zero exit code, read from its bytes (the
    header's facts hold nothing JSON escapes): while building, every output is looked at and
    few decoded. Only a line whose first bytes name a code other than 0 has its header read."""
    if not (_names_failure(raw, _PROCESS_EXITED) or _names_failure(raw, _EXIT_CODE)):
        return False
    head = raw[:_HINT_REACH]
    key = _OUTPUT_KEY.search(head)
    end = head.find(_RAW_HEADING, key.end()) if key is not None else -1
    if key is None or end < 0:
        return False
    facts = [_FACT_BYTES.match(fact) for fact in head[key.end() : end].split(b"\\n")]
    if not all(facts):
        return False
    codes = [int(code) for fact in facts if fact for code in fact.groups() if code is not None]
    return bool(codes and codes[0])


def _names_failure(raw: bytes, mark: bytes) -> bool:
    at = raw.find(mark, 0, _HINT_REACH)
    return at >= 0 and raw[at + len(mark) : at + len(mark) + 1] not in (b"0", b"")


def may_be_wrapped_failure(raw: bytes) -> bool:
    """Whether an output line's JSON wrapper may hold a non-zero `exit_code` (at its end)."""
    at = raw.find(b"exit_code", max(0, len(raw) - _HINT_REACH))
    return at >= 0 and _WRAPPED_FAILURE.match(raw, at) is not None
