"""Hover on a tool id: the call, its input, its result, its status and timing, the other half.

Everything quoted from the transcript is untrusted and goes inside code fences longer than any
backtick run it contains, so it can never render as a link, a `command:` URI, HTML or an image.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lsprotocol import types

from session_lsp.core.findings import Code
from session_lsp.lsp.convert import to_range
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer
from session_lsp.lsp.tools import ToolMention, mention_at, partners

PREVIEW_CHARS = 600
INLINE_CHARS = 200
_BACKTICKS = re.compile(r"`+")
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")


def fenced(text: str) -> str:
    """A code block no line of `text` can close: its fence is longer than any backtick run."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def inline_code(text: str) -> str:
    """A code span `text` cannot leave.

    Block structure is parsed before inline spans, so a line ending inside a span could start
    a new paragraph, heading or list item outside it: line endings become spaces first. The
    delimiter is longer than any backtick run inside, so nothing inside can close it.
    """
    flat = _LINE_ENDINGS.sub(" ", text)
    if len(flat) > INLINE_CHARS:
        flat = flat[: INLINE_CHARS - 1] + "…"
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {flat} {ticks}"


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
    other_line: int | None = None
    """0-based line of the other half of the pair."""


def render(view: ToolCallView) -> str:
    """The hover's Markdown: transcript text only inside code spans and fenced blocks."""
    lines = [
        f"**Tool call** {inline_code(view.name)} {inline_code(view.tool_use_id)}",
        "",
        f"Status: {view.status}",
    ]
    if view.input is not None:
        lines += ["", "Input:", fenced(_short(view.input))]
    if view.result is not None:
        lines += ["", "Result:", fenced(_short(view.result))]
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
    if view.other_line is not None:
        lines += ["", f"{'Call' if view.is_result else 'Result'} at line {view.other_line + 1}"]
    return "\n".join(lines)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
    if len(text) > PREVIEW_CHARS:
        return text[:PREVIEW_CHARS] + f"\n… ({len(text) - PREVIEW_CHARS} more characters)"
    return text


def _block(
    document: SessionDocument, mention: ToolMention
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The full JSON of the mention's line and of its block (decoded only now, for this hover)."""
    try:
        record = json.loads(bytes(document.analysis().lines[mention.record.line]))
    except ValueError:
        return {}, {}
    content = record.get("message", {}).get("content", [])
    key = "tool_use_id" if mention.is_result else "id"
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and block.get(key) == mention.tool_use_id:
            return record, block
    return record, {}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _result_text(block: dict[str, Any]) -> str:
    content = block.get("content")
    if isinstance(content, list):
        parts = [
            part.get("text", f"[{part.get('type')}]") for part in content if isinstance(part, dict)
        ]
        return "\n".join(str(part) for part in parts)
    return str(content) if content is not None else ""


def tool_call_view(document: SessionDocument, mention: ToolMention) -> ToolCallView:
    others = partners(document, mention)
    use, result = (
        (others[0] if others else None, mention)
        if mention.is_result
        else (mention, others[0] if others else None)
    )
    codes = {f.code for f in document.analysis().findings if f.tool_use_id == mention.tool_use_id}
    use_record, use_block = _block(document, use) if use is not None else ({}, {})
    result_record, result_block = _block(document, result) if result is not None else ({}, {})
    if Code.UNPAIRED_TOOL_USE in codes:
        status = "unpaired: no result in the next message"
    elif Code.ORPHAN_TOOL_RESULT in codes:
        status = "orphan result: its call is not in the previous message"
    elif Code.LIVE_SESSION in codes:
        status = "running? (no result yet, the file is still being written)"
    elif result is None:
        status = "no result anywhere in the file"
    elif result_block.get("is_error"):
        status = "answered with an error result"
    else:
        status = "answered"
    other = others[0] if others else None
    return ToolCallView(
        name=str(use_block.get("name") or "unknown tool"),
        tool_use_id=mention.tool_use_id,
        status=status,
        input=use_block.get("input", {}) if use_block else None,
        result=_result_text(result_block) if result_block else None,
        called=_time(use_record.get("timestamp")),
        answered=_time(result_record.get("timestamp")),
        is_result=mention.is_result,
        other_line=other.record.line if other is not None else None,
    )


def hover(ls: SessionServer, params: types.HoverParams) -> types.Hover | None:
    document = ls.session_document(params.text_document.uri)
    if document is None:
        return None
    mention = mention_at(document, params.position)
    if mention is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=render(tool_call_view(document, mention))
        ),
        range=to_range(document, mention.span),
    )


def register(server: SessionServer) -> None:
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
