"""Stretches of real sessions, damaged line by line and value by value, read through the whole
reader (the model, its JSON pages, the Markdown, `show`, the search) without raising, and each
one-call repair removing what it says it removes.

The line-level properties beside the analysis (`test_properties.py`) mix lines of three Claude
Code files; the reader's paths (a patch's recorded diff, a poll's process, a sub-agent's calls)
depend on lines that follow each other, so these keep a file's order and take Codex rollouts too.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_lsp.cli.show import Shown, write_text
from session_lsp.cli.show_reader import write_reader
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.markdown import render_markdown
from session_lsp.core.repairs import PAIRING_CODES, Strategy, repairs_for
from session_lsp.core.search import compile_query, search_model
from session_lsp.core.turns import build_model
from session_lsp.core.turns.segments import segment_items
from session_lsp.view_json import conversation_to_json, item_to_json
from tests.support.corpus import CODEMIE_ROLLOUT, COMPACTED_ROLLOUT, SUBAGENT, TOOL_HEAVY

EXAMPLES = int(os.environ.get("SESSION_LSP_FUZZ_EXAMPLES", "100"))
SOURCES = [TOOL_HEAVY, SUBAGENT, CODEMIE_ROLLOUT, COMPACTED_ROLLOUT]
LINES = {path: [line for line in path.read_bytes().split(b"\n") if line] for path in SOURCES}
ODD_VALUES: list[Any] = [None, True, 0, -1, 2**70, 1.5, "", "x", [], {}, [1, "a"], {"a": 1}]
NOT_OBJECTS = [b'"a string"', b"12", b"null", b"[]", b"{", b'{"type":"event_msg"']


def _changed_value(value: Any, draw: st.DrawFn) -> Any:
    """`value` with one value somewhere inside it replaced or removed."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        if draw(st.integers(0, 5)) == 0:
            del value[key]
        else:
            value[key] = _changed_value(value[key], draw)
        return value
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        value[index] = _changed_value(value[index], draw)
        return value
    return draw(st.sampled_from(ODD_VALUES))


@st.composite
def damaged_stretches(draw: st.DrawFn) -> tuple[Path, bytes]:
    source = draw(st.sampled_from(SOURCES))
    every = LINES[source]
    start = draw(st.integers(0, len(every) - 1))
    lines = every[start : start + draw(st.integers(1, 40))]
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["value", "value", "not-object", "delete", "copy", "cut"]))
        if action == "value":
            try:
                record = json.loads(lines[index])
            except ValueError:
                continue
            lines[index] = json.dumps(_changed_value(record, draw)).encode()
        elif action == "not-object":
            lines[index] = draw(st.sampled_from(NOT_OBJECTS))
        elif action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "copy":
            lines.insert(index, lines[index])
        elif action == "cut":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
    return source, b"\n".join(lines) + b"\n"


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_stretches())
def test_a_damaged_stretch_of_a_session_reads_through_every_view(
    tmp_path_factory: pytest.TempPathFactory, stretch: tuple[Path, bytes]
) -> None:
    source, data = stretch
    path = tmp_path_factory.mktemp("read") / source.name
    model = build_model(analyse_bytes(data, modified_seconds_ago=3600), path)
    for segment in [None, *range(len(model.earlier_segments))]:
        items = segment_items(model, segment)
        conversation_to_json(model, str(path), path.as_uri(), 0, len(items), segment)
        for item in items:
            item_to_json(item, str(path))
    render_markdown(model, path=str(path), load_agent=lambda _: None, whole=True)
    write_reader(model, Shown(0, None), io.StringIO(), colour=True, width=80, path=str(path))
    write_text(model, str(path), Shown(0, None), io.StringIO(), colour=False)
    search_model(model, compile_query("e"), 50)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_stretches())
def test_a_fix_that_removes_a_call_or_result_leaves_one_finding_fewer_of_it(
    stretch: tuple[Path, bytes],
) -> None:
    """A quick fix applied alone: the error it names is gone (another finding of the same call
    elsewhere in the file may remain, with its own fix)."""
    _, data = stretch
    before = analyse_bytes(data, modified_seconds_ago=3600)
    for finding in before.findings:
        if finding.code not in PAIRING_CODES or finding.tool_use_id is None:
            continue
        same = [(f.code, f.tool_use_id) for f in before.findings].count(
            (finding.code, finding.tool_use_id)
        )
        for fix in repairs_for(before, finding):
            if fix.strategy is not Strategy.PURGE or fix.refusal is not None:
                continue
            after = analyse_bytes(
                join_lines(apply_edits(before.lines, fix.edits)), modified_seconds_ago=3600
            )
            left = [(f.code, f.tool_use_id) for f in after.findings].count(
                (finding.code, finding.tool_use_id)
            )
            assert left < same, (fix.title, finding)
