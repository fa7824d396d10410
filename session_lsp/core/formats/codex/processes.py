"""Codex's unified exec: which running command a `write_stdin` call writes to or waits on.

`exec_command` runs a command; one still running after its yield time is left running, and the
call's output says so in its header (`Process running with session ID 48230`). The model then
calls `write_stdin` with that id (`{"session_id": 48230, "chars": ""}`) to wait for more output
(no characters: a poll) or to type into it (`"\\u0003"`: Ctrl+C). When the command ends, Codex
records `exec_command_end` with the starting call's `call_id` and the `process_id`. A poll names
only the number: read alone it says nothing of what it waits on. Codex hands the ids out again
once a process ends, so a poll writes to the latest call before it that named its id.

A call Codex refused is answered with its own text instead of the command's output
(`write_stdin failed: stdin is closed for this session; …`, `exec_command failed for …`;
codex-rs/core/src/tools/handlers/unified_exec): such a call failed, as a command that exited
non-zero did.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TypeVar

import msgspec

from session_lsp.core.content_text import shell_command
from session_lsp.core.formats.codex.rollout import call_arguments
from session_lsp.core.reading import Line
from session_lsp.core.turns.model import Item, ProcessInput, ToolCall
from session_lsp.core.turns.segments import placed_calls

POLL_TOOL = "write_stdin"
EXEC_TOOL = "exec_command"
_RUNNING = b"Process running with session ID "
_DIGITS = re.compile(rb"\d{1,20}")
_HEADER_REACH = 400
"""The header starts an output: only the line's first bytes are looked at."""
REFUSALS = {
    POLL_TOOL: (
        "write_stdin failed: ",
        "write_stdin approval failed: ",
        "failed to parse write_stdin arguments: ",
        "failed to parse function arguments: ",
        "write_stdin handler received unsupported payload",
    ),
    EXEC_TOOL: (
        "exec_command failed: ",
        "exec_command failed for `",
        "failed to parse exec_command arguments: ",
        "failed to parse function arguments: ",
        "approval policy is ",
        "unified exec is unavailable in this session",
        "exec_command handler received unsupported payload",
    ),
}
"""What Codex answers a unified exec call it refused or could not run, instead of an output
(`FunctionCallError::RespondToModel` in the handlers: the text is the whole output)."""
_REFUSAL_MARKS = {
    tool: tuple(prefix.encode() for prefix in prefixes) for tool, prefixes in REFUSALS.items()
}
_OUTPUT_KEY = b'"output":'


def may_be_refused(tool: str, raw: bytes) -> bool:
    """Whether an output line of `tool` may hold Codex's refusal rather than the command's output:
    the texts hold nothing JSON escapes and open the output, which Codex writes near the line's
    start; `is_refusal` then tells from the decoded output."""
    marks = _REFUSAL_MARKS.get(tool)
    if marks is None:
        return False
    at = raw.find(_OUTPUT_KEY, 0, _HEADER_REACH)
    if at < 0:
        return False
    at += len(_OUTPUT_KEY)
    at += raw.startswith(b" ", at)  # as JSON writers other than Codex's space it
    return raw.startswith(b'"', at) and raw.startswith(marks, at + 1)


def is_refusal(tool: str, output: str) -> bool:
    return output.startswith(REFUSALS.get(tool, ()))


def announced_process(raw: bytes) -> str | None:
    """The id a call's output says its command is still running under (its header), else None."""
    at = raw.find(_RUNNING, 0, _HEADER_REACH)
    found = _DIGITS.match(raw, at + len(_RUNNING)) if at >= 0 else None
    return found.group().decode() if found is not None else None


class _PollArguments(msgspec.Struct):
    session_id: int | str | None = None
    chars: str = ""


_POLL_DECODER = msgspec.json.Decoder(_PollArguments)
Decoded = TypeVar("Decoded")
_ARGUMENTS_DECODER = msgspec.json.Decoder(dict[str, object])


def _arguments_as(decoder: msgspec.json.Decoder[Decoded], raw: bytes) -> Decoded | None:
    """A function call line's arguments decoded; None when it has none, or none of that shape."""
    arguments = call_arguments(raw)
    if arguments is None:
        return None
    try:
        return decoder.decode(arguments)
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return None


def poll_arguments(raw: bytes) -> tuple[str, str] | None:
    """A `write_stdin` call's process id and the characters it sends; None when its line does
    not say which process."""
    poll = _arguments_as(_POLL_DECODER, raw)
    if poll is None or isinstance(poll.session_id, bool) or poll.session_id in (None, ""):
        return None
    return str(poll.session_id), poll.chars


def started_command(raw: bytes) -> str | None:
    """The command an exec call ran: `command` or `cmd`, a string or an argument vector."""
    fields = _arguments_as(_ARGUMENTS_DECODER, raw)
    if fields is None:
        return None
    command = shell_command(fields)
    return command if command is not None and command.strip() else None


@dataclass(slots=True)
class _Poll:
    call: ToolCall
    process: str
    typed: str


@dataclass(slots=True)
class ProcessCalls:
    """The calls that named each process and the polls of them, gathered while building; linked
    once the whole file is read, since a command's `exec_command_end` may follow its polls."""

    started: dict[str, list[tuple[int, ToolCall]]] = field(default_factory=dict)
    """Each process id's starting calls, by their call line."""
    polls: list[_Poll] = field(default_factory=list)

    def named(self, process: object, call: ToolCall | None) -> None:
        """`call` says its command runs (or ran) as `process`."""
        if call is None or call.call_line is None or call.name == POLL_TOOL:
            return
        if not isinstance(process, str) or not process:
            return
        self.started.setdefault(process, []).append((call.call_line, call))

    def answered(self, call: ToolCall, raw: bytes) -> None:
        """`call`'s output line, whose header may say its command still runs; a poll's names
        the process it polled, which another call started (and is not read)."""
        if call.name != POLL_TOOL:
            self.named(announced_process(raw), call)

    def poll(self, call: ToolCall, raw: bytes) -> None:
        arguments = poll_arguments(raw)
        if arguments is not None:
            self.polls.append(_Poll(call, *arguments))

    def link(self, segments: Sequence[Sequence[Item]], lines: Sequence[Line]) -> None:
        """Each poll's `process`: the latest call before it that named its process, with that
        call's command; a poll of a process no earlier call named keeps none. `segments`: the
        conversation's, oldest first, the last the model's own items."""
        if not self.polls:
            return
        lines_of: dict[str, list[int]] = {}
        for process, calls in self.started.items():
            calls.sort(key=itemgetter(0))
            lines_of[process] = [line for line, _ in calls]
        chosen: list[tuple[_Poll, ToolCall]] = []
        for poll in self.polls:
            call_lines = lines_of.get(poll.process)
            if call_lines is None:
                continue
            before = bisect.bisect_left(call_lines, poll.call.call_line or 0)
            if before:
                chosen.append((poll, self.started[poll.process][before - 1][1]))
        placed = placed_calls(segments, {id(call) for _, call in chosen})
        commands: dict[int, str | None] = {}
        for poll, call in chosen:
            if id(call) not in commands and call.call_line is not None:
                commands[id(call)] = started_command(bytes(lines[call.call_line]))
            command = commands.get(id(call))
            if command is not None and id(call) in placed:
                item, segment = placed[id(call)]
                poll.call.process = ProcessInput(command, poll.typed, item, segment)
