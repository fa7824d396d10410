"""Typed views of the records Claude Code writes, holding only the fields the replay and rules use.

Decoding into these with msgspec skips every other field without building it, which is what lets a
full check run faster than a plain JSON parse of the same lines (see bench/). All fields are optional
and unknown fields are ignored, so every Claude Code version from 1.0.x to 2.1.x decodes; which
fields a record *needs* is checked afterwards, per type, in `reading.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from session_lsp.core.nesting import deep_json

if TYPE_CHECKING:
    from session_lsp.core.reading import Line

TRANSCRIPT_TYPES = frozenset({"user", "assistant", "system", "attachment", "progress"})
"""Line types that take part in the parentUuid chain (`isTranscriptMessage` plus legacy progress)."""

METADATA_TYPES = frozenset(
    {
        "summary",
        "custom-title",
        "ai-title",
        "last-prompt",
        "task-summary",
        "tag",
        "agent-name",
        "agent-color",
        "agent-setting",
        "pr-link",
        "frame-link",
        "mode",
        "permission-mode",
        "worktree-state",
        "file-history-snapshot",
        "attribution-snapshot",
        "queue-operation",
        "speculation-accept",
        "content-replacement",
        "marble-origami-commit",
        "marble-origami-snapshot",
    }
)
"""Known line types that never join the chain. Unknown types are accepted the same way."""


def is_claude_code_record(kind: object, uuid: object) -> bool:
    """Whether a line of this `type` and `uuid` is one Claude Code wrote: a record of the chain
    (it has a uuid) or a metadata line. What detection looks for, in records or in lines read
    without them."""
    return kind in METADATA_TYPES or (kind in TRANSCRIPT_TYPES and uuid is not None)


OTHER_JSON = str | int | float | bool | list[object] | None
"""Any other JSON value where an object is expected: read as "not this shape", never an error."""


class Block(msgspec.Struct, omit_defaults=True, gc=False):
    """One content block; `input` and result `content` are deliberately not decoded."""

    type: str = ""
    id: str | None = None
    name: str | None = None
    tool_use_id: str | None = None
    text: str | None = None
    is_error: bool | None = None


class Usage(msgspec.Struct, omit_defaults=True, gc=False):
    """An assistant message's token counts; any JSON so an odd value is no error."""

    input_tokens: object = None
    output_tokens: object = None
    cache_read_input_tokens: object = None
    cache_creation_input_tokens: object = None


class Message(msgspec.Struct, omit_defaults=True, gc=False):
    id: str | None = None
    role: str | None = None
    model: str | None = None
    content: str | tuple[Block, ...] | None = None
    """Blocks as a tuple: 40 bytes less a line than a list, and never walked by the collector
    (a tuple of untracked structs is made untracked)."""
    usage: Usage | OTHER_JSON = None
    stop_reason: object = None
    """Null on a line written while the message was still streaming: its usage then counts the
    output so far, not the message's whole."""


class CompactMetadata(msgspec.Struct, omit_defaults=True, gc=False):
    """A compact boundary's metadata: only the partial compaction's preserved segment is read
    (`{headUuid, anchorUuid, tailUuid}`, 2.1.205+), as any JSON so an odd value is no error."""

    preservedSegment: object = None


class ProgressData(msgspec.Struct, omit_defaults=True, gc=False):
    """A `progress` line's payload kind (`agent_progress`, `hook_progress`, ...)."""

    type: object = None


class Attachment(msgspec.Struct, omit_defaults=True, gc=False):
    """An `attachment` line's payload; the prompt and other contents are read from the raw line."""

    type: object = None
    commandMode: object = None
    origin: object = None
    isMeta: object = None


class Record(msgspec.Struct, omit_defaults=True, gc=False):
    """A decoded line. `line` (0-based) is set by the reader under a name no JSON key can clash with."""

    type: str | None = None
    uuid: str | None = None
    parentUuid: str | None = None
    logicalParentUuid: str | None = None
    timestamp: str | None = None
    isSidechain: bool | None = None
    agentId: str | None = None
    subtype: str | None = None
    isMeta: bool | None = None
    isCompactSummary: bool | None = None
    isVisibleInTranscriptOnly: bool | None = None
    isApiErrorMessage: bool | None = None
    compactMetadata: CompactMetadata | OTHER_JSON = None
    attachment: Attachment | OTHER_JSON = None
    data: ProgressData | OTHER_JSON = None
    parentToolUseID: object = None
    requestId: object = None
    """The API request an assistant line came from: with `message.id`, one API message."""
    origin: object = None
    """Who a user line is from (`{kind: human | channel | task-notification | coordinator}`)."""
    message: Message | None = None
    line: int = msgspec.field(default=-1, name="~session_lsp.line")

    @property
    def blocks(self) -> tuple[Block, ...]:
        """Content as blocks; a plain-string prompt is one text block."""
        message = self.message
        if message is None:
            return ()
        content = message.content
        if isinstance(content, tuple):
            return content
        if isinstance(content, str):
            return (Block(type="text", text=content),)
        return ()

    @property
    def message_id(self) -> str | None:
        return self.message.id if self.message is not None else None

    @property
    def sub_agent_call(self) -> str | None:
        """The Task call an `agent_progress` line carries a sub-agent message of."""
        data, call = self.data, self.parentToolUseID
        if isinstance(data, ProgressData) and data.type == "agent_progress":
            return call if isinstance(call, str) else None
        return None

    @property
    def attachment_type(self) -> str | None:
        attachment = self.attachment
        if isinstance(attachment, Attachment) and isinstance(attachment.type, str):
            return attachment.type
        return None


RECORD_DECODER = msgspec.json.Decoder(Record)


class _SessionIdOf(msgspec.Struct):
    sessionId: str | None = None


_SESSION_ID_DECODER = msgspec.json.Decoder(_SessionIdOf)


def first_session_id(records: Sequence[Record | None], lines: Sequence[Line]) -> str | None:
    """The first `sessionId` written, read from its line: records leave the field out, since the
    replay never reads it and a copy of it on every record costs 85 bytes a line."""
    with deep_json():
        for record in records:
            if record is None:
                continue
            session_id = session_id_of(lines[record.line])
            if session_id:
                return session_id
    return None


def session_id_of(line: Line) -> str | None:
    """The `sessionId` a line names; None where it names none or is no JSON object."""
    try:
        return _SESSION_ID_DECODER.decode(line).sessionId
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return None
    except RecursionError:
        return None  # nested deeper than even `deep_json` allows: no id to read there


_RECORD_FIELDS = tuple(name for name in Record.__struct_fields__ if name not in ("message", "line"))
_MESSAGE_FIELDS = tuple(name for name in Message.__struct_fields__ if name != "content")
_BLOCK_FIELDS = tuple(name for name in Block.__struct_fields__ if name != "text")


def replay_fields(record: Record | None) -> object:
    """Everything of a line the replay and the rules read: equal values replay alike.

    Texts count only as blank or not (a whitespace-only assistant text is dropped), so a prompt's
    wording or a tool's output can change without replaying the conversation. Every other decoded
    field counts, including fields added later.
    """
    if record is None:
        return None
    fields: list[object] = [getattr(record, name) for name in _RECORD_FIELDS]
    message = record.message
    if message is not None:
        fields.extend(getattr(message, name) for name in _MESSAGE_FIELDS)
        content = message.content
        if isinstance(content, str):
            fields.append(not content.strip())
        elif isinstance(content, tuple):
            for block in content:
                fields.extend(getattr(block, name) for name in _BLOCK_FIELDS)
                fields.append(None if block.text is None else not block.text.strip())
        else:
            fields.append(content)
    fields.append(type(message.content).__name__ if message is not None else None)
    return tuple(fields)
