"""Hover on a tool id: the call, its input, its result, its status and timing, the other half.

Everything quoted from the transcript is untrusted and goes inside code fences longer than any
backtick run it contains, so it can never render as a link, a `command:` URI, HTML or an image.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from lsprotocol import types

from session_lsp.core.findings import Code
from session_lsp.lsp.convert import to_range
from session_lsp.lsp.documents import SessionDocument
from session_lsp.lsp.server import SessionServer
from session_lsp.lsp.tools import ToolMention, mention_at, partners

PREVIEW_CHARS = 600
_BACKTICKS = re.compile(r"`+")


def fenced(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def inline_code(text: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}"


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


def hover_text(document: SessionDocument, mention: ToolMention) -> str:
    others = partners(document, mention)
    use, result = (
        (others[0] if others else None, mention)
        if mention.is_result
        else (mention, others[0] if others else None)
    )
    codes = {f.code for f in document.analysis().findings if f.tool_use_id == mention.tool_use_id}
    use_record, use_block = _block(document, use) if use is not None else ({}, {})
    result_record, result_block = _block(document, result) if result is not None else ({}, {})
    name = use_block.get("name") or "unknown tool"
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
    lines = [
        f"**Tool call** {inline_code(str(name))} {inline_code(mention.tool_use_id)}",
        "",
        f"Status: {status}",
    ]
    if use_block:
        lines += ["", "Input:", fenced(_short(use_block.get("input", {})))]
    if result_block:
        lines += ["", "Result:", fenced(_short(_result_text(result_block)))]
    called, answered = _time(use_record.get("timestamp")), _time(result_record.get("timestamp"))
    timing = []
    if called:
        timing.append(f"called {called.isoformat(timespec='milliseconds')}")
    if answered:
        timing.append(f"result {answered.isoformat(timespec='milliseconds')}")
    if called and answered:
        timing.append(f"took {(answered - called).total_seconds():.1f} s")
    if timing:
        lines += ["", " · ".join(timing)]
    other = others[0] if others else None
    if other is not None:
        lines += [
            "",
            f"{'Call' if mention.is_result else 'Result'} at line {other.record.line + 1}",
        ]
    return "\n".join(lines)


def register(server: SessionServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: SessionServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.session_document(params.text_document.uri)
        if document is None:
            return None
        mention = mention_at(document, params.position)
        if mention is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value=hover_text(document, mention)
            ),
            range=to_range(document, mention.span),
        )
