"""One string object for the values a session's records repeat line after line.

msgspec makes a new str for every value it decodes: a session of 31,600 lines held `user`,
`assistant`, `text`, a model name, a stop reason and the tool names tens of thousands of times, each line's
`parentUuid` beside the same uuid on the line before, each result's `tool_use_id` beside its
call's id, a message's usage on each of its lines: 11 MB of its 42 MB of records; on 70,000 tool calls, 50 of 154 MB. Sharing them as the
lines are read costs about 10% of reading them (4% of `check`). A line's `requestId` is let go
where its message has an id, which tells its API message apart on its own: 5 MB on 70,000 calls.
"""

from __future__ import annotations

from session_lsp.core.formats.claude_code.records import Record

MOST_KINDS = 1000
"""Distinct kind values (types, roles, models, tool names) and calls awaiting their result kept
to share: past that, a file of made-up names or unanswered calls would only grow the tables."""


class RepeatedValues:
    """Shares values with the record read before (ids that go on across lines) and, for the few
    kinds of value a session has (types, roles, models, tool names), with their first sighting."""

    def __init__(self) -> None:
        self._kinds: dict[str, str] = {}
        self._previous: Record | None = None
        self._calls: dict[str, str] = {}
        """Tool call ids not yet answered: a result's `tool_use_id` shares its call's id."""

    def share(self, record: Record) -> None:
        message = record.message
        if message is not None and message.id:
            record.requestId = None  # it tells apart only messages without an id (`requests`)
        previous, self._previous = self._previous, record
        if previous is not None:
            if record.parentUuid == previous.uuid:
                record.parentUuid = previous.uuid
            if record.requestId == previous.requestId:
                record.requestId = previous.requestId
        kinds = self._kinds
        if len(kinds) >= MOST_KINDS:
            return
        kind = kinds.setdefault
        value = record.type
        if value is not None:
            record.type = kind(value, value)
        if message is None:
            return
        before = previous.message if previous is not None else None
        if before is not None and message.id == before.id:
            message.id = before.id
            if message.usage == before.usage:  # a message's lines repeat its usage
                message.usage = before.usage
        value = message.role
        if value is not None:
            message.role = kind(value, value)
        value = message.model
        if value is not None:
            message.model = kind(value, value)
        reason = message.stop_reason
        if type(reason) is str:
            message.stop_reason = kind(reason, reason)
        content = message.content
        if type(content) is not tuple:
            return
        calls = self._calls
        for block in content:
            value = block.type
            block.type = kind(value, value)
            value = block.name
            if value is not None:
                block.name = kind(value, value)
                call = block.id
                if call is not None and len(calls) < MOST_KINDS:
                    calls[call] = call
            elif (answered := block.tool_use_id) is not None:
                call = calls.pop(answered, None)
                if call is not None:
                    block.tool_use_id = call
