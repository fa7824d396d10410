"""Hover on a tool id: the call, its input, its output, its status and timing, the other half.

What each half holds is read through the file's format (core/formats/), so a Claude Code
`tool_use`/`tool_result` and a Codex call/output show alike. Everything quoted from the transcript
is untrusted and goes through core/markdown's code spans and fences, which no text can leave, so
it can never render as a link, a `command:` URI, HTML or an image.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lsprotocol import types

from session_lsp.core.findings import Code
from session_lsp.core.formats import Format
from session_lsp.core.markdown import fenced, inline
from session_lsp.core.nesting import deep_json
from session_lsp.core.tools import ToolHalf
from session_lsp.core.turns.model import ToolStatus
from session_lsp.core.wording import counted
from session_lsp.lsp.convert import to_range
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer
from session_lsp.lsp.tools import ToolMention, format_of, mention_under, partners

PREVIEW_CHARS = 600
INLINE_CHARS = 200
TOO_DEEP = "(nested too deeply to show)"
_NOTHING = ToolHalf(None, None, None, False, None)
_log = logging.getLogger("session_lsp")


@dataclass(frozen=True, slots=True)
class ToolCallView:
    """What a hover shows. Every string field except `status` is transcript text (untrusted)."""

    name: str
    tool_use_id: str
    status: str
    input: Any = None
    """The call's input (any JSON value), or None when the call is not in the file."""
    result: str | None = None
    called: datetime | None = None
    answered: datetime | None = None
    is_result: bool = False
    other_lines: tuple[int, ...] = ()
    """0-based lines of the other half of the pair (a call answered twice has two)."""


def render(view: ToolCallView) -> str:
    """The hover's Markdown: transcript text only inside code spans and fenced blocks."""
    lines = [
        f"**Tool call** {inline(view.name, INLINE_CHARS)} {inline(view.tool_use_id, INLINE_CHARS)}",
        "",
        f"Status: {view.status}",
    ]
    if view.input is not None:
        lines += ["", "Input:", fenced(_short(view.input)).rstrip("\n")]
    if view.result is not None:
        lines += ["", "Result:", fenced(_short(view.result)).rstrip("\n")]
    timing = []
    if view.called:
        timing.append(f"called {view.called.isoformat(timespec='milliseconds')}")
    if view.answered:
        timing.append(f"result {view.answered.isoformat(timespec='milliseconds')}")
    if view.called and view.answered:
        with contextlib.suppress(TypeError):  # one has a timezone, the other not
            timing.append(f"took {(view.answered - view.called).total_seconds():.1f} s")
    if timing:
        lines += ["", " · ".join(timing)]
    if view.other_lines:
        half = "Call" if view.is_result else "Result"
        numbers = ", ".join(str(line + 1) for line in view.other_lines)
        said = f"{half}s at lines" if len(view.other_lines) > 1 else f"{half} at line"
        lines += ["", f"{said} {numbers}"]
    return "\n".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = value
    else:
        try:
            with deep_json():
                text = json.dumps(value, ensure_ascii=False, indent=1)
        except RecursionError:
            return TOO_DEEP
    if len(text) > PREVIEW_CHARS:
        return (
            text[:PREVIEW_CHARS] + f"\n… ({counted(len(text) - PREVIEW_CHARS, 'more character')})"
        )
    return text


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _half(document: SessionDocument, transcript_format: Format, mention: ToolMention) -> ToolHalf:
    """One half of the pair as its format reads it; only a note where its line nests too deeply
    even for the room `deep_json` gives."""
    try:
        with deep_json():
            return transcript_format.half(
                document.analysis(), mention.line, mention.tool_use_id, mention.is_result
            )
    except RecursionError:
        _log.info("hover: line %d is nested too deeply to show", mention.line + 1)
        return ToolHalf(None, TOO_DEEP, TOO_DEEP if mention.is_result else None, False, None)


_FOUND = {
    Code.DUPLICATE_TOOL_RESULT: "answered twice: a resume sends a second {result} the API refuses",
    Code.DUPLICATE_TOOL_USE_ID: "its id is another call's too: the API refuses the second",
    Code.TOOL_RESULT_AFTER_TEXT: "its {result} comes after text in its message: the API sees none",
    Code.UNPAIRED_TOOL_USE: "unpaired: a resume sends it with no {result}",
    Code.UNPAIRED_SERVER_TOOL_USE: "unpaired: a resume sends it with no {result}",
    Code.ORPHAN_TOOL_RESULT: "orphan {result}: it answers no call a resume sends",
    Code.ORPHAN_SERVER_TOOL_RESULT: "orphan {result}: it answers no call a resume sends",
    Code.LIVE_SESSION: "running? (no {result} yet, the file is still being written)",
}
"""What a finding on the id says of the pair, most telling first: it outranks how the call
ended."""
_ENDED = {
    ToolStatus.ERROR: "answered with an error {result}",
    ToolStatus.INTERRUPTED: "interrupted: the turn stopped before it finished",
    ToolStatus.REJECTED: "rejected: the user said no, so it did nothing",
    ToolStatus.STUBBED: "answered by a stub (a repair made it)",
}
"""How a call the findings leave alone ended, as the conversation model reads its result."""


def _status(
    codes: set[Code],
    result: ToolMention | None,
    ended: ToolStatus | None,
    *,
    noun: str,
    not_sent: str | None,
) -> str:
    if not_sent is not None:
        return not_sent
    found = next((said for code, said in _FOUND.items() if code in codes), None)
    if found is not None:
        return found.format(result=noun)
    if result is None:
        return f"no {noun} anywhere in the file"
    said = _ENDED.get(ended, "answered") if ended is not None else "answered"
    return said.format(result=noun)


def tool_call_view(
    document: SessionDocument,
    transcript_format: Format,
    mention: ToolMention,
    ended: ToolStatus | None = None,
) -> ToolCallView:
    """`ended`: the call's status in the conversation model (a failed command, a rejection),
    which its result's line alone does not always tell."""
    others = partners(document, mention)
    other = others[0] if others else None
    use, result = (other, mention) if mention.is_result else (mention, other)
    call = _half(document, transcript_format, use) if use is not None else _NOTHING
    answer = _half(document, transcript_format, result) if result is not None else _NOTHING
    # Only what a resume fails on (and the running call): a duplicate that comes only through
    # sibling recovery is information, and no version refuses it.
    codes = {
        finding.code
        for finding in document.analysis().findings
        if finding.tool_use_id == mention.tool_use_id
        and (finding.is_error or finding.code is Code.LIVE_SESSION)
    }
    if ended is None and answer.is_error:
        ended = ToolStatus.ERROR
    return ToolCallView(
        name=call.name or "unknown tool",
        tool_use_id=mention.tool_use_id,
        status=_status(
            codes, result, ended, noun=transcript_format.result_noun, not_sent=call.not_sent
        ),
        input=call.input if use is not None else None,
        result=answer.output if result is not None else None,
        called=_time(call.timestamp),
        answered=_time(answer.timestamp),
        is_result=mention.is_result,
        other_lines=tuple(partner.line for partner in others),
    )


def hover(ls: SessionServer, params: types.HoverParams) -> types.Hover | None:
    found = mention_under(ls, params)
    transcript_format = format_of(found[0]) if found is not None else None
    if found is None or transcript_format is None:
        return None
    document, mention = found
    # How the call ended, as the model the outline shows reads it (a failed command, a rejection).
    ended = ls.state.call_status(document.uri, document.analysis(), mention.tool_use_id)
    view = tool_call_view(document, transcript_format, mention, ended)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=render(view)),
        range=to_range(document, mention.span),
    )


def register(server: SessionServer) -> None:
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
