"""Values a session's records repeat are one object each once read (`claude_code/sharing.py`)."""

from __future__ import annotations

import json

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.formats.claude_code import sharing
from session_lsp.core.reading import Record, read_lines
from session_lsp.core.turns import build_model


def _read(lines: list[dict[str, object]]) -> list[Record]:
    raw = [json.dumps(line).encode() for line in lines]
    records = [record for record, _ in read_lines(raw, ends_with_newline=True)]
    assert all(record is not None for record in records)
    return [record for record in records if record is not None]


def _assistant(uuid: str, parent: str, *blocks: dict[str, object]) -> dict[str, object]:
    return {
        "type": "assistant",
        "uuid": uuid,
        "parentUuid": parent,
        "requestId": "req_1",
        "message": {
            "id": "msg_1",
            "role": "assistant",
            "model": "claude-x",
            "content": list(blocks),
        },
    }


def _user(uuid: str, parent: str, *blocks: dict[str, object]) -> dict[str, object]:
    return {
        "type": "user",
        "uuid": uuid,
        "parentUuid": parent,
        "message": {"role": "user", "content": list(blocks)},
    }


def test_kinds_ids_and_links_read_again_are_the_objects_read_first() -> None:
    first, second, result, answer = _read(
        [
            _assistant(
                "u1", "u0", {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}
            ),
            _assistant(
                "u2", "u1", {"type": "tool_use", "id": "toolu_2", "name": "Bash", "input": {}}
            ),
            _user(
                "u3",
                "u2",
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "ok"},
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"},
            ),
            _user("u4", "u3", {"type": "text", "text": "thanks"}),
        ]
    )
    assert first.message is not None and second.message is not None and result.message is not None
    assert answer.message is not None
    assert second.type is first.type
    assert second.message.role is first.message.role
    assert second.message.model is first.message.model
    assert second.message.id is first.message.id
    assert second.message.usage is first.message.usage
    assert first.requestId is None and second.requestId is None  # the message id tells it apart
    assert second.parentUuid is first.uuid
    assert result.parentUuid is second.uuid
    assert answer.type is result.type
    calls = [block for record in (first, second) for block in record.blocks]
    results = result.blocks
    assert calls[1].name is calls[0].name
    assert calls[1].type is calls[0].type
    assert results[0].tool_use_id is calls[1].id
    assert results[1].tool_use_id is calls[0].id
    assert results[1].type is results[0].type


def test_values_stay_what_they_were_only_shared() -> None:
    lines = [
        _assistant("u1", "u0", {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}}),
        _user("u2", "u9", {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}),
    ]
    call, result = _read(lines)
    assert result.parentUuid == "u9"
    assert result.blocks[0].tool_use_id == "toolu_1"
    assert call.blocks[0].name == "Bash"


def test_a_file_of_made_up_names_stops_growing_the_table() -> None:
    names = [
        _assistant(
            f"u{n}", f"u{n - 1}", {"type": "tool_use", "id": f"toolu_{n}", "name": f"tool_{n}"}
        )
        for n in range(sharing.MOST_KINDS + 50)
    ]
    repeated = sharing.RepeatedValues()
    for record in _read(names):
        repeated.share(record)
    assert len(repeated._kinds) <= sharing.MOST_KINDS
    assert len(repeated._calls) <= sharing.MOST_KINDS


def test_a_stop_reason_read_again_is_the_one_read_first_and_a_null_one_stays_null() -> None:
    def stopped(uuid: str, parent: str, reason: object) -> dict[str, object]:
        line = _assistant(uuid, parent, {"type": "text", "text": "done"})
        message = line["message"]
        assert isinstance(message, dict)
        message.update(id=f"msg_{uuid}", stop_reason=reason)
        return line

    first, second, streaming = _read(
        [
            stopped("u1", "u0", "tool_use"),
            stopped("u2", "u1", "tool_use"),
            stopped("u3", "u2", None),
        ]
    )
    assert first.message is not None and second.message is not None
    assert second.message.stop_reason is first.message.stop_reason == "tool_use"
    assert streaming.message is not None and streaming.message.stop_reason is None


def test_a_message_without_an_id_keeps_its_request_id_shared_and_counted_once() -> None:
    """`requestId` tells apart the API messages whose lines carry no (or an empty) message id:
    kept for them, one object on each of a message's lines, its usage counted once."""
    lines = []
    for number, message_id in enumerate([None, None, "", ""]):
        line = _assistant(f"a{number}", f"a{number - 1}", {"type": "text", "text": "hi"})
        message = line["message"]
        assert isinstance(message, dict)
        message.pop("id")
        if message_id is not None:
            message["id"] = message_id
        message["usage"] = {"input_tokens": 10, "output_tokens": 5}
        line["requestId"] = f"req_{number // 2}"
        lines.append(line)
    records = _read(lines)
    assert [record.requestId for record in records] == ["req_0", "req_0", "req_1", "req_1"]
    assert records[1].requestId is records[0].requestId
    text = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    usage = build_model(analyse_bytes(text)).usage
    assert usage is not None and (usage.input, usage.output) == (20, 10)
