"""A sub-agent's turns kept in the main file are found once for the whole history.

Each segment of a compacted session is built on its own. When each looked for its Task calls'
`agent_progress` lines (2.1.38-2.1.62) or inline sidechain lines (1.0.x) over the whole file, the
model of a session compacted many times grew with segments times lines (100 compactions of 400
lines: 0.8 s, `bench/bench_scaling.py`). The file is now read for them once, whatever the number
of segments, and every segment still shows its own sub-agent's turns under its call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.turns import ItemKind, build_model
from session_lsp.core.turns.segments import segments
from tests.support.claude_records import Builder
from tests.support.corpus import SIDECHAIN_EXCERPT


class _CountedPasses(list[Any]):
    """The records of an analysis, counting the passes made over all of them."""

    passes = 0

    def __iter__(self) -> Iterator[Any]:
        _CountedPasses.passes += 1
        return super().__iter__()


def _compacted_with_progress(segment_count: int) -> bytes:
    """`segment_count` segments, each a prompt, a Task answered without a sub-agent file (its two
    turns in `agent_progress` lines) and a Bash call, joined by compactions."""
    session = Builder()
    tip: str | None = None
    for segment in range(segment_count):
        if tip is not None:
            session.boundary(f"b{segment}", tip)
            session.summary(f"s{segment}", f"b{segment}")
        prompt = session.prompt(f"p{segment}", f"s{segment}" if tip else None, f"part {segment}")
        task = session.call(f"t{segment}", prompt, f"toolu_task{segment}", "Task", prompt="look")
        for turn in range(2):
            message = {"type": "assistant", "message": {"role": "assistant", "content": "…"}}
            session.progress(f"g{segment}_{turn}", task, f"toolu_task{segment}", message)
        answered = session.result(f"r{segment}", task, f"toolu_task{segment}", "found it")
        call = session.call(f"c{segment}", answered, f"toolu_bash{segment}", command="ls")
        tip = session.result(f"q{segment}", call, f"toolu_bash{segment}")
    return session.data()


def _passes_to_build(data: bytes) -> int:
    analysis = analyse_bytes(data)
    counted = dataclasses.replace(analysis, records=_CountedPasses(analysis.records))
    _CountedPasses.passes = 0
    build_model(counted, None)
    return _CountedPasses.passes


def test_the_passes_over_the_file_do_not_grow_with_the_compactions_holding_sub_agents() -> None:
    assert _passes_to_build(_compacted_with_progress(12)) == _passes_to_build(
        _compacted_with_progress(3)
    )


def test_every_segment_shows_its_own_sub_agent_turns_under_its_task() -> None:
    model = build_model(analyse_bytes(_compacted_with_progress(4)), None)
    for number, segment in enumerate(segments(model)):
        turns = [item.parent_tool for item in segment.items if item.kind is ItemKind.SUB_AGENT]
        assert turns == [f"toolu_task{number}"] * 2


def test_inline_sidechain_turns_of_1_0_x_still_follow_their_task() -> None:
    """The 1.0.x shape (the sub-agent's lines written in the main file, descending from a user
    line that says the Task's prompt) is read from the same index."""
    model = build_model(analyse_bytes(SIDECHAIN_EXCERPT.read_bytes()), SIDECHAIN_EXCERPT)
    items = segments(model)[-1].items
    calls = {item.tool.id for item in items if item.tool is not None and item.tool.name == "Task"}
    turns = [item for item in items if item.kind is ItemKind.SUB_AGENT]
    assert turns, "no inline sub-agent turns shown"
    assert {item.parent_tool for item in turns} <= calls
    assert [item.first_line for item in turns] == sorted(item.first_line for item in turns)
