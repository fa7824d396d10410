"""What a Codex compaction kept, said when it wrote no summary of its own.

A `compacted` record's `message` is a summary only when Codex compacted locally; a compaction the
server ran leaves it empty and keeps, in `replacement_history`, the person's prompts, the
assistant's messages and an encrypted summary of the rest (a `compaction` item). That history is
what a resume continues from, so the reader is told what it holds rather than shown nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from session_lsp.core.content_text import content_text, one_line
from session_lsp.core.formats.codex.rollout import CONTEXTUAL_PREFIXES
from session_lsp.core.wording import counted

KEPT_PROMPT_LIMIT = 120


def compaction_text(payload: Mapping[str, object]) -> str:
    """The summary Codex wrote, else what the replacement history keeps."""
    message = content_text(payload.get("message"))
    if message.strip():
        return message
    history = payload.get("replacement_history")
    if not isinstance(history, list):
        return "History compacted; Codex wrote no summary, and a resume keeps only the prompts."
    prompts: list[str] = []
    replies = 0
    encrypted = False
    for entry in history:
        if not isinstance(entry, Mapping):
            continue
        encrypted = encrypted or entry.get("type") == "compaction"
        if entry.get("type") != "message":
            continue
        if entry.get("role") == "assistant":
            replies += 1
        elif entry.get("role") == "user":
            text = content_text(entry.get("content")).strip()
            if text and not text.startswith(CONTEXTUAL_PREFIXES):
                prompts.append(text)
    rest = ", and Codex's encrypted summary of the rest" if encrypted else ""
    said = [
        f"History compacted: a resume continues from the {counted(len(prompts), 'prompt')} and"
        f" {counted(replies, 'reply', 'replies')} kept{rest}."
    ]
    said += [f"- {one_line(prompt, KEPT_PROMPT_LIMIT)}" for prompt in prompts]
    return "\n".join(said)
