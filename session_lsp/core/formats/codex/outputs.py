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

_FACT = re.compile(
    r"(?:Chunk ID: \S+|Wall time: [\d.]+ seconds|Process exited with code (-?\d+)"
    r"|Process running with session ID \d+|Exit code: (-?\d+)|Original token count: \d+"
    r"|Total output lines: \d+|Duration: [\d.]+ seconds)\Z"
)
"""One line of the header Codex writes before a command's output (`format_exec_output`)."""
OUTPUT_HEADING = "Output:"
_ENDINGS = ("Process ", "Exit code", "exit_code")
USER_SHELL_COMMAND = "<user_shell_command>"
"""How Codex records a command the person ran themselves (`!cmd`), as a user message."""
_TAGGED = re.compile(r"<(command|result)>\n?(.*?)\n?</\1>", re.DOTALL)
_FAILED_HINT = re.compile(rb'exited with code -?[1-9]|Exit code: -?[1-9]|exit_code\\?": ?-?[1-9]')
"""Bytes of an output line that may say a command failed: only such lines are decoded."""
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
    lines = text.split("\n")
    try:
        heading = lines.index(OUTPUT_HEADING)
    except ValueError:
        return ReadableOutput(text, None)
    facts = [_FACT.match(line) for line in lines[:heading]]
    if not facts or not all(facts):
        return ReadableOutput(text, None)
    codes = [int(code) for fact in facts if fact for code in fact.groups() if code is not None]
    body = "\n".join(lines[heading + 1 :]).rstrip("\n")
    return ReadableOutput(_joined(body, lines[:heading]), codes[0] if codes else None)


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
    parts = {name: body for name, body in _TAGGED.findall(text)}
    if "command" not in parts:  # older releases: the command alone between the outer tags
        inner = text.strip().removeprefix(USER_SHELL_COMMAND).removesuffix("</user_shell_command>")
        return f"! {inner.strip()}"
    said = f"! {parts['command'].strip()}"
    result = readable_output(parts["result"]).text if "result" in parts else ""
    return f"{said}\n{result}" if result else said


def may_have_failed(raw: bytes) -> bool:
    """Whether an output line can report a failed command, without decoding it."""
    return bool(
        _FAILED_HINT.search(raw, 0, _HINT_REACH)
        or _FAILED_HINT.search(raw, max(0, len(raw) - _HINT_REACH))
    )
