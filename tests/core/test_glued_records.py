"""Two complete records on one line: named, replayed as if split, split byte for byte by every fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.repairs import Strategy, repair_all, repairs_for
from tests.support import damage
from tests.support.corpus import COMPACTED_ROLLOUT, TOOL_HEAVY
from tests.support.findings import check, keys
from tests.support.targets import targets

ROLLOUT = COMPACTED_ROLLOUT


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().rstrip(b"\n").split(b"\n")


def _glue(lines: list[bytes], first: int) -> bytes:
    """Line `first` and the next one written with no newline between them."""
    glued = [*lines[:first], lines[first] + lines[first + 1], *lines[first + 2 :]]
    return b"\n".join(glued) + b"\n"


def _repaired(analysis: Analysis, strategy: Strategy) -> bytes:
    return join_lines(apply_edits(analysis.lines, repair_all(analysis, strategy).edits))


def _chain(analysis: Analysis) -> list[str | None]:
    return [record.uuid for record in analysis.conversation.chain]


# tool_heavy.jsonl: a user prompt then a file-history-snapshot (17, 18), and an assistant
# tool_use then a progress line (33, 34); both shapes were seen glued in real files.
@pytest.mark.parametrize(
    ("first", "names"),
    [(17, ("user (uuid ", "file-history-snapshot (messageId ")), (33, ("assistant", "progress"))],
)
def test_glued_real_records_are_one_finding_and_replay_as_if_split(
    first: int, names: tuple[str, str]
) -> None:
    lines = _lines(TOOL_HEAVY)
    intact = analyse_bytes(TOOL_HEAVY.read_bytes())
    glued = analyse_bytes(_glue(lines, first))
    (finding,) = glued.findings
    assert finding.code.value == "glued-records"
    assert finding.span.line == first
    assert finding.span.start == len(lines[first].decode())
    assert names[0] in finding.message and names[1] in finding.message
    assert finding.message.index(names[0]) < finding.message.index(names[1])
    assert _chain(glued) == _chain(intact)
    assert len(glued.conversation.messages) == len(intact.conversation.messages)


@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
def test_every_strategy_splits_the_line_back_byte_for_byte(strategy: Strategy) -> None:
    data = _glue(_lines(TOOL_HEAVY), 17)
    analysis = analyse_bytes(data)
    repair = repair_all(analysis, strategy)
    assert repair.refusal is None
    assert [finding.code.value for finding in repair.findings] == ["glued-records"]
    repaired = _repaired(analysis, strategy)
    assert repaired == TOOL_HEAVY.read_bytes()
    assert not repair_all(analyse_bytes(repaired), strategy).edits


def test_the_quick_fix_for_the_glued_line_is_the_split() -> None:
    analysis = analyse_bytes(_glue(_lines(TOOL_HEAVY), 33))
    (finding,) = analysis.findings
    (split,) = repairs_for(analysis, finding)
    assert split.title == "Split line 34 into its records"
    assert join_lines(apply_edits(analysis.lines, split.edits)) == TOOL_HEAVY.read_bytes()


@pytest.mark.parametrize("strategy", list(Strategy), ids=str)
def test_a_glued_dangling_call_is_repaired_as_if_it_had_its_own_line(strategy: Strategy) -> None:
    """Killed after a tool call that was glued to the line before it: the split comes first,
    then the same repair the unglued file gets, on the same records."""
    session = damage.Session(_lines(TOOL_HEAVY))
    line = targets(TOOL_HEAVY).last_chain_tool_use_line
    assert line is not None
    damage.kill_after(session, line, torn=False)
    unglued = analyse_bytes(session.data())
    glued = analyse_bytes(_glue(session.lines, line - 1))
    assert {(code, tool) for code, tool, _ in keys(glued)} == {
        ("glued-records", None),
        *((code, tool) for code, tool, _ in keys(unglued)),
    }
    assert _repaired(glued, strategy) == _repaired(unglued, strategy)
    for finding in glued.findings:
        if finding.code.value == "unpaired-tool-use":
            for repair in repairs_for(glued, finding):
                fixed = join_lines(apply_edits(glued.lines, repair.edits))
                assert ("glued-records", None, line) not in check(fixed), repair.title


def test_a_glued_codex_token_count_and_task_started_are_split_in_place() -> None:
    lines = _lines(ROLLOUT)
    kinds = [json.loads(line)["payload"].get("type") for line in lines]
    count = kinds.index("token_count")
    started = kinds.index("task_started", count)
    moved = [*lines[:started], *lines[started + 1 :]]
    moved[count] = lines[count] + lines[started]
    analysis = analyse_bytes(b"\n".join(moved) + b"\n")
    (finding,) = analysis.findings
    assert finding.code.value == "glued-records"
    assert "event_msg token_count (timestamp " in finding.message
    assert "event_msg task_started (timestamp " in finding.message
    expected = [
        *lines[: count + 1],
        lines[started],
        *lines[count + 1 : started],
        *lines[started + 1 :],
    ]
    for strategy in Strategy:
        assert _repaired(analysis, strategy) == b"\n".join(expected) + b"\n"


def test_glued_records_keep_the_bytes_between_them() -> None:
    lines = _lines(TOOL_HEAVY)
    data = b"\n".join([*lines[:17], lines[17] + b"  " + lines[18], *lines[19:]]) + b"\n"
    analysis = analyse_bytes(data)
    assert [f.code.value for f in analysis.findings] == ["glued-records"]
    repaired = _repaired(analysis, Strategy.STUB)
    assert repaired.split(b"\n")[17] == lines[17] + b"  "
    assert repaired.replace(lines[17] + b"  \n", lines[17] + b"\n") == TOOL_HEAVY.read_bytes()
