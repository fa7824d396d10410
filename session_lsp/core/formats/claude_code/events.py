"""What Claude Code itself put in a conversation, told apart from what the user typed.

Claude Code writes notifications as user lines (`<task-notification>`, `<system-reminder>`,
`<ci-monitor-event>`) or as `queued_command` attachments, records API retries as `system/api_error`
lines, and a model switch as a `fallback` assistant block (the API's server-side fallback) or a
`system/model_refusal_fallback` line (no transcript in tests/corpus holds one; the versions it has
been seen written by are in docs/claude-code-format.md, `system` subtypes). The texts here are read
from a line's decoded JSON, only for the items of the page shown; every value is untrusted and
checked for its type.
"""

from __future__ import annotations

from typing import Any

import msgspec

from session_lsp.core.content_text import content_text
from session_lsp.core.formats.claude_code.records import Attachment

NOTIFICATION_TAGS = ("<task-notification>", "<system-reminder>", "<ci-monitor-event>")
HUMAN_ORIGINS = frozenset({"human"})


def is_notification(text: str, origin: object) -> bool:
    """A user line Claude Code wrote: a notification's tags, or an origin other than a human."""
    kind = _field(origin, "kind")
    from_elsewhere = isinstance(kind, str) and kind not in HUMAN_ORIGINS
    return from_elsewhere or text.lstrip().startswith(NOTIFICATION_TAGS)


def queued_is_prompt(attachment: Attachment) -> bool:
    """A queued command the user typed, which Claude Code shows as a prompt: no origin or a human
    one, and not meta (`normalizeAttachmentForAPI` hides the rest: task notifications, messages
    from a coordinator)."""
    if attachment.isMeta is True or attachment.commandMode == "task-notification":
        return False
    origin = attachment.origin
    return origin is None or _field(origin, "kind") in HUMAN_ORIGINS


def _field(value: object, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def queued_text(record: object) -> str:
    """The words of a queued prompt or notification: a string, or the text blocks of a list."""
    prompt = _field(_field(record, "attachment"), "prompt")
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list):
        texts = [content_text(block) for block in prompt if _field(block, "type") == "text"]
        images = sum(1 for block in prompt if _field(block, "type") == "image")
        return "\n".join(texts + ["[image]"] * images)
    return ""


def api_error_text(record: object) -> str:
    """`API error 500: Internal server error (retry 2 of 10 in 2s)`; ECONNRESET and other
    transport failures have no status and name their cause's code instead."""
    error = _field(record, "error")
    status = _field(error, "status")
    message = _field(_field(_field(error, "error"), "error"), "message")
    code = _field(_field(record, "cause"), "code")
    what = "API error"
    if isinstance(status, int) and not isinstance(status, bool):
        what += f" {status}"
    detail = message if isinstance(message, str) else code if isinstance(code, str) else None
    if detail:
        what += f": {detail}"
    attempt, most = _field(record, "retryAttempt"), _field(record, "maxRetries")
    delay = _field(record, "retryInMs")
    if _is_number(attempt):
        retry = f"retry {attempt}" + (f" of {most}" if _is_number(most) else "")
        if _is_number(delay):
            retry += f" in {delay / 1000:g}s"
        what += f" ({retry})"
    return what


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def fallback_text(value: object) -> str:
    """A model switch: the API's `fallback` block (`from`, `to`, `trigger`) or Claude Code's
    `model_refusal_fallback` line (`originalModel`, `fallbackModel`, `content`)."""
    if _field(value, "type") == "fallback":
        source = _field(_field(value, "from"), "model")
        target = _field(_field(value, "to"), "model")
        trigger = _field(_field(value, "trigger"), "type")
        switch = f"model switched from {_name(source)} to {_name(target)}"
        return switch + (f" ({trigger})" if isinstance(trigger, str) else "")
    content = content_text(_field(value, "content"))
    if content:
        return content
    source, target = _field(value, "originalModel"), _field(value, "fallbackModel")
    return f"model switched from {_name(source)} to {_name(target)}"


def _name(model: object) -> str:
    return model if isinstance(model, str) and model else "an unnamed model"


def progress_text(record: object) -> str:
    """One sub-agent message carried by a `progress` line (`data.message`, 2.1.38-2.1.62)."""
    message = _field(_field(record, "data"), "message")
    return _turn_text(_field(message, "type"), _field(_field(message, "message"), "content"))


def sidechain_text(record: object) -> str:
    """One sub-agent message written inline in the main file (an `isSidechain` line, 1.0.x)."""
    return _turn_text(_field(record, "type"), _field(_field(record, "message"), "content"))


def _turn_text(role: object, content: object) -> str:
    """A sub-agent's message as one text: who said it, its texts, its calls by name with their
    input as compact JSON (what it read, ran or searched for: a reader of a sub-agent kept only
    in these lines has nothing else to go by)."""
    parts: list[str] = []
    for block in content if isinstance(content, list) else [content]:
        kind = _field(block, "type")
        if kind == "tool_use":
            given = _field(block, "input")
            shown = f" {msgspec.json.encode(given).decode()}" if given else ""
            parts.append(f"[calls {_name(_field(block, 'name'))}{shown}]")
        elif kind == "tool_result":
            parts.append(f"[result] {content_text(_field(block, 'content'))}")
        else:
            parts.append(content_text(block))
    said = "\n".join(part for part in parts if part)
    return f"{role}: {said}" if isinstance(role, str) else said


def inserted_text(record: object, block: object) -> str | None:
    """The text of a line (or block) Claude Code inserted, or None for an ordinary one."""
    kind = _field(record, "type")
    if kind == "attachment":
        return queued_text(record)
    if kind == "progress":
        return progress_text(record)
    if kind == "system":
        subtype = _field(record, "subtype")
        if subtype == "api_error":
            return api_error_text(record)
        if subtype == "model_refusal_fallback":
            return fallback_text(record)
        if subtype == "model_refusal_no_fallback":
            return content_text(_field(record, "content")) or "the model refused; no fallback"
    if _field(block, "type") == "fallback":
        return fallback_text(block)
    return None
