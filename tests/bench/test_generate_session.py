"""Tests for bench/generate_session.py.

The benchmarks trust the generator blindly (a clean file must be clean, a damaged one must miss
exactly the reported results), so these tests re-check its output independently of its code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.bench.support import bench_module

SIZE = 1_200_000


gen = bench_module("generate_session")


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")  # never splitlines(): raw U+2028 is legal inside strings


def _parse(path: Path) -> list[dict[str, Any]]:
    out = []
    for raw in _lines(path):
        obj = json.loads(raw, parse_constant=lambda c: pytest.fail(f"constant {c}"))
        assert isinstance(obj, dict)
        out.append(obj)
    return out


def _blocks(o: dict[str, Any]) -> list[dict[str, Any]]:
    m = o.get("message")
    if isinstance(m, dict) and isinstance(m.get("content"), list):
        return m["content"]
    return []


def _uses_and_results(objs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    uses, results = [], []
    for o in objs:
        for b in _blocks(o):
            if b.get("type") == "tool_use":
                uses.append(b["id"])
            elif b.get("type") == "tool_result":
                results.append(b["tool_use_id"])
    return uses, results


def _projection_pairing(objs: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """Tool ids used/answered on the resume projection: newest leaf → last boundary, plus the
    2.1.x sibling recovery (same message.id off-chain, results parented on any group member)."""
    by_uuid = {o["uuid"]: o for o in objs if "uuid" in o}
    order = {o["uuid"]: i for i, o in enumerate(objs) if "uuid" in o}
    children = {o.get("parentUuid") for o in objs if "uuid" in o}
    leaves = [o for o in objs if "uuid" in o and o["uuid"] not in children]
    leaf = max(leaves, key=lambda o: (o["timestamp"], -order[o["uuid"]]))
    chain = []
    cur: dict[str, Any] | None = leaf
    while cur is not None:
        chain.append(cur)
        p = cur.get("parentUuid")
        cur = by_uuid.get(p) if p else None
    assert chain[-1].get("subtype") == "compact_boundary" or order[chain[-1]["uuid"]] < 3
    start = order[chain[-1]["uuid"]]
    seg = [o for o in objs[start:] if "uuid" in o]
    on_chain = {o["uuid"] for o in chain}
    mids = {o["message"]["id"] for o in chain if o.get("type") == "assistant"}
    group = {o["uuid"] for o in seg if o.get("type") == "assistant" and o["message"]["id"] in mids}
    members = [o for o in seg if o["uuid"] in on_chain or o["uuid"] in group]
    members += [
        o
        for o in seg
        if o["uuid"] not in on_chain
        and o.get("parentUuid") in group
        and any(b.get("type") == "tool_result" for b in _blocks(o))
    ]
    return set(_uses_and_results(members)[0]), set(_uses_and_results(members)[1])


@pytest.fixture(scope="module", params=["2.1.x", "2.1.38", "2.0.x"])
def clean(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("gen") / "clean.jsonl"
    g = gen.generate_session(path, SIZE, seed=7, version=request.param, compactions=2)
    return g, _parse(path)


def test_deterministic(tmp_path: Path) -> None:
    a = gen.generate_session(tmp_path / "a.jsonl", 600_000, seed=3, damage=2)
    b = gen.generate_session(tmp_path / "b.jsonl", 600_000, seed=3, damage=2)
    c = gen.generate_session(tmp_path / "c.jsonl", 600_000, seed=4, damage=2)
    digest = [hashlib.sha256(g.path.read_bytes()).hexdigest() for g in (a, b, c)]
    assert digest[0] == digest[1] != digest[2]
    assert a.damaged_tool_ids == b.damaged_tool_ids


def test_size_and_counts(clean: Any) -> None:
    g, objs = clean
    assert g.bytes >= SIZE
    assert g.path.stat().st_size == g.bytes
    assert g.lines == len(objs)
    assert g.tool_calls == len(_uses_and_results(objs)[0])


def test_lines_are_json_stringify_output(clean: Any) -> None:
    g, objs = clean
    raw = _lines(g.path)
    for line, o in zip(raw, objs, strict=True):
        assert json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode() == line
        if "uuid" in o:
            assert next(iter(o)) == "parentUuid"
        else:
            assert "parentUuid" not in o
    data = g.path.read_bytes()
    assert "\u2028".encode() in data  # raw, as JSON.stringify leaves it
    assert "中".encode() in data or "日".encode() in data


def test_one_block_per_line_and_version(clean: Any) -> None:
    g, objs = clean
    for o in objs:
        if o.get("type") in ("user", "assistant", "system", "attachment", "progress"):
            assert o["version"] == g.version
            assert o["sessionId"] == g.session_id
        if o.get("type") == "assistant":
            assert len(o["message"]["content"]) == 1
        if o.get("type") == "user":
            kinds = [b.get("type") for b in _blocks(o)]
            assert kinds.count("tool_result") <= 1


def test_parents_resolve(clean: Any) -> None:
    g, objs = clean
    seen: set[str] = set()
    nulls = []
    for i, o in enumerate(objs):
        if "uuid" not in o:
            continue
        p = o["parentUuid"]
        if p is None:
            nulls.append(i)
            assert i < 5 or o.get("subtype") == "compact_boundary"
        else:
            assert p in seen, f"line {i + 1}: parent {p} not written before"
        if o.get("subtype") == "compact_boundary":
            assert p is None and o["logicalParentUuid"] in seen
        assert o["uuid"] not in seen
        seen.add(o["uuid"])
    assert len(nulls) == 1 + len(g.compaction_boundaries)


def test_timestamps_non_decreasing(clean: Any) -> None:
    _, objs = clean
    stamps = [o["timestamp"] for o in objs if "timestamp" in o]
    assert stamps == sorted(stamps)
    assert all(s.endswith("Z") and len(s) == 24 for s in stamps)


def test_clean_pairs_one_to_one(clean: Any) -> None:
    g, objs = clean
    uses, results = _uses_and_results(objs)
    assert len(uses) == len(set(uses)) and len(results) == len(set(results))
    assert set(uses) == set(results)
    assert g.damaged_tool_ids == []
    pu, pr = _projection_pairing(objs)
    assert pu and pu == pr


def test_dag_shape(clean: Any) -> None:
    g, objs = clean
    line_of = {}
    for o in objs:
        for b in _blocks(o):
            if b.get("type") == "tool_use":
                line_of[b["id"]] = o["uuid"]
    for o in objs:
        for b in _blocks(o):
            if b.get("type") != "tool_result":
                continue
            if g.version.startswith("2.1."):
                assert o["parentUuid"] == o["sourceToolAssistantUUID"] == line_of[b["tool_use_id"]]
            else:
                assert "sourceToolAssistantUUID" not in o
    ids = [o["message"]["id"] for o in objs if o.get("type") == "assistant"]
    multi = len(ids) - len(set(ids))
    assert multi > 0  # responses split over several lines


@pytest.mark.parametrize("version", ["2.1.x", "2.0.x"])
def test_damage_reports_exactly_the_missing(tmp_path: Path, version: str) -> None:
    g = gen.generate_session(
        tmp_path / "d.jsonl", 1_500_000, seed=11, damage=4, version=version, compactions=1
    )
    objs = _parse(g.path)
    uses, results = _uses_and_results(objs)
    assert len(g.damaged_tool_ids) == 4
    assert sorted(set(uses) - set(results)) == sorted(g.damaged_tool_ids)
    assert not set(results) - set(uses)
    seen: set[str] = set()
    for o in objs:  # chain still intact after the relinks
        if "uuid" in o:
            assert o["parentUuid"] is None or o["parentUuid"] in seen
            seen.add(o["uuid"])
    pu, pr = _projection_pairing(objs)
    expected = set(g.damaged_tool_ids) - set(g.damaged_before_last_compaction)
    assert expected and pu - pr == expected
    # spread over the file, not bunched at the start
    pos = sorted(uses.index(t) / len(uses) for t in g.damaged_tool_ids)
    assert pos[0] < 0.4 and pos[-1] > 0.6


def test_big_results_present(tmp_path: Path) -> None:
    g = gen.generate_session(tmp_path / "big.jsonl", 4_000_000, seed=2)
    sizes = [len(x) for x in _lines(g.path)]
    assert max(sizes) > 200_000
    assert sorted(sizes)[len(sizes) // 2] < 2_000


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.jsonl"
    assert gen.main(["--size-mb", "0.3", "--seed", "5", "--out", str(out), "--damage", "1"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["bytes"] == out.stat().st_size >= 0.3 * 1024 * 1024
    assert len(rep["damaged_tool_ids"]) == 1
