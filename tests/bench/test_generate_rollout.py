"""Tests for bench/generate_rollout.py and bench/corpus_fixtures.py.

The test corpus carries generated rollouts in place of real ones it may not redistribute; the tests
that read them trust their shapes, so these re-check each shape by reading the records directly
(not through session-lsp's own Codex reader), and check that the committed files are exactly what
the generator writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bench.support import bench_module
from tests.support.corpus import CORPUS

rollouts = bench_module("generate_rollout")
fixtures = bench_module("corpus_fixtures")


def _records(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data[:-1].split(b"\n")]


def _calls_and_outputs(records: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    calls: list[str] = []
    outputs: list[str] = []
    for record in records:
        payload = record["payload"]
        if record["type"] != "response_item":
            continue
        if payload["type"] in ("function_call", "custom_tool_call"):
            calls.append(payload["call_id"])
        elif payload["type"] in ("function_call_output", "custom_tool_call_output"):
            outputs.append(payload["call_id"])
    return calls, outputs


def test_a_clean_rollout_answers_every_call_in_issue_order(tmp_path: Path) -> None:
    generated = rollouts.generate_rollout(tmp_path, 6, 11)
    records = _records(generated.path)
    calls, outputs = _calls_and_outputs(records)
    assert len(calls) == generated.calls > 6 and calls == outputs
    assert records[0]["type"] == "session_meta"
    assert records[0]["payload"]["id"] == generated.session_id
    assert generated.session_id in generated.path.name
    stamps = [record["timestamp"] for record in records]
    assert stamps == sorted(stamps)
    started = [r for r in records if r["payload"].get("type") == "task_started"]
    assert len(started) == 6 == len(generated.prompts)


@pytest.mark.parametrize("where", ["mid", "end"])
def test_the_unanswered_call_is_the_only_one_and_where_it_says(tmp_path: Path, where: str) -> None:
    generated = rollouts.generate_rollout(tmp_path, 5, 12, unanswered=where)
    records = _records(generated.path)
    calls, outputs = _calls_and_outputs(records)
    assert set(calls) - set(outputs) == {generated.unanswered_call_id}
    line = generated.unanswered_line
    assert records[line - 1]["payload"]["call_id"] == generated.unanswered_call_id
    before = [r["payload"]["type"] for r in records[: line - 1] if r["type"] == "response_item"]
    # at the end the reasoning also led to a remark, so purging the call must keep it
    assert before[-2:] == (
        ["reasoning", "message"] if where == "end" else [before[-2], "reasoning"]
    )
    later_turns = [r for r in records[line:] if r["payload"].get("type") == "task_started"]
    assert bool(later_turns) == (where == "mid")


def test_a_compaction_carries_the_history_it_replaces(tmp_path: Path) -> None:
    generated = rollouts.generate_rollout(tmp_path, 4, 13, compact_after=2)
    records = _records(generated.path)
    compacted = records[generated.compaction_line - 1]
    assert compacted["type"] == "compacted"
    history = compacted["payload"]["replacement_history"]
    assert history[-1]["type"] == "compaction"
    assert [item["role"] for item in history[:-1]].count("user") >= 2
    assert records[generated.compaction_line]["payload"] == {"type": "context_compacted"}


def test_the_same_arguments_write_the_same_bytes(tmp_path: Path) -> None:
    one = rollouts.generate_rollout(tmp_path / "one", 3, 14, unanswered="mid")
    two = rollouts.generate_rollout(tmp_path / "two", 3, 14, unanswered="mid")
    assert one.path.name == two.path.name
    assert one.path.read_bytes() == two.path.read_bytes()


def test_the_committed_generated_corpus_files_are_what_the_generators_write(tmp_path: Path) -> None:
    written = fixtures.write_fixtures(tmp_path)
    assert len(written) == 5
    for path in written:
        relative = path.relative_to(tmp_path)
        committed = CORPUS / relative
        assert committed.read_bytes() == path.read_bytes(), f"{relative} differs from the generator"
    committed_generated = {
        path.relative_to(CORPUS) for path in CORPUS.glob("*/generated/*") if path.is_file()
    }
    assert committed_generated == {path.relative_to(tmp_path) for path in written}
