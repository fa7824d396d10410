"""The findings read a rollout with fewer fields than the view (`FindingsPayload`): the same lines
must decode, to the same values in the fields both read, or the two would judge different
files."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from session_lsp.core.formats.codex import rollout
from tests.support.corpus import CORPUS

ODD_LINES = [
    b'{"type":"event_msg","payload":{"type":"token_count","info":"not an object"}}',
    b'{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":[1]}}}',
    b'{"type":"event_msg","payload":{"type":"user_message","message":{"nested":[1,2]}}}',
    b'{"type":"session_meta","payload":{"id":7,"source":{"subagent":"x"},"model":null}}',
    b'{"type":"event_msg","payload":{"type":"exec_command_end","exit_code":"x","process_id":[]}}',
    b'{"type":"response_item","payload":{"type":"function_call","call_id":5}}',
    b'{"type":"response_item","payload":"not an object"}',
    b'{"type":7,"payload":{}}',
    b'{"timestamp":{"odd":true},"type":"compacted","payload":{"replacement_history":[]}}',
    b"[1,2]",
    b'{"type":"response_item","payload":{"type":"message","role":"user","content":[',
]


def _shared(line: bytes) -> object:
    """What both readings decode of a line, from each; None where a reading takes no record."""
    full = rollout.read_line(line)
    lean = rollout._read_for_findings(line)
    assert (full is None) == (lean is None), line
    if full is None or lean is None:
        return None
    fields = rollout.FindingsPayload.__struct_fields__
    assert full.type == lean.type, line
    assert (full.payload is None) == (lean.payload is None), line
    if full.payload is not None and lean.payload is not None:
        for name in fields:
            assert getattr(full.payload, name) == getattr(lean.payload, name), (line, name)
    return lean


def test_every_corpus_rollout_line_and_odd_ones_read_alike_by_the_view_and_the_findings() -> None:
    paths = sorted((CORPUS / "codex").rglob("*.jsonl"))
    assert paths
    read = 0
    for path in paths:
        for line in Path(path).read_bytes().splitlines():
            read += _shared(line) is not None
    assert read > 1000
    for line in ODD_LINES:
        _shared(line)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from([*rollout.Payload.__struct_fields__, "output", "arguments", "other"])


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["response_item", "event_msg", "compacted", "session_meta", None, 3]),
    st.dictionaries(keys, json_values | st.text(max_size=8), max_size=6) | json_values,
)
def test_any_payload_reads_alike_by_the_view_and_the_findings(
    kind: object, payload: object
) -> None:
    _shared(json.dumps({"timestamp": "t", "type": kind, "payload": payload}).encode())
    _shared(msgspec.json.encode({"type": kind, "payload": payload}) + b"  ")
