"""Power cuts, not only kills: every crash state of each recorded operation (a seeded sample where
a file has more variants than `per_file_limit`) is materialised and checked as a user would find
it after the reboot. bench/bench_crash.py runs every state and prints the counts."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from session_lsp import atomic, fileops
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.findings import Code
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file
from tests.crash.model import Counts, crash_states, materialise
from tests.crash.recorder import Create, Link, Rename, Sync, SyncFolder, Write
from tests.crash.scenarios import (
    Scenario,
    all_scenarios,
    check_after_append,
    claude_code_appends,
    fork,
    is_temp,
)
from tests.crash.sessions import broken_session, clean_session, next_turn

SEED = 20


def _scenario(tmp_path: Path, name: str) -> Scenario:
    for scenario in all_scenarios(tmp_path):
        if scenario.name == name:
            return scenario
    raise LookupError(name)


NAMES = [
    "fix --strategy stub",
    "fix --strategy purge",
    "fix --strategy truncate",
    "fix --strategy stub --no-backup",
    "fix --fork",
    "restore",
    "lock",
    "health cache write",
    "Claude Code appending",
    "fix while Claude Code appends",
]


@pytest.mark.parametrize("name", NAMES)
def test_every_crash_state_leaves_what_a_user_can_rely_on(tmp_path: Path, name: str) -> None:
    scenario = _scenario(tmp_path, name)
    scenario.record()
    counts = Counts()
    failures = [
        (state.after, problems)
        for state, problems in scenario.failures(counts, random.Random(SEED))
    ]
    print(f"{name}: {counts.states} states, {counts.checked} checked", file=sys.stderr)
    assert failures == []
    assert counts.checked >= 1 and counts.states >= counts.checked


def test_a_repair_is_recorded_on_the_real_code_path(tmp_path: Path) -> None:
    """If the disk code stopped going through fileops, every state would pass vacuously."""
    scenario = _scenario(tmp_path, "fix --strategy stub")
    scenario.record()
    kinds = [type(operation) for operation in scenario.operations]
    created = [op for op in scenario.operations if isinstance(op, Create)]
    assert len(created) == 2 and all(is_temp(op.name) for op in created)  # repair and backup
    assert kinds.count(Sync) == 2 and kinds.count(SyncFolder) == 2
    (link,) = [op for op in scenario.operations if isinstance(op, Link)]
    (rename,) = [op for op in scenario.operations if isinstance(op, Rename)]
    assert link.target.endswith(".bak") and rename.target.endswith(".jsonl")
    order = scenario.operations.index
    assert order(link) < scenario.operations.index(rename)
    assert any(
        isinstance(op, SyncFolder) for op in scenario.operations[order(link) : order(rename)]
    )


def test_a_fork_gets_its_name_only_after_its_data_and_that_name_is_made_durable(
    tmp_path: Path,
) -> None:
    """Regression (the states of `fix --fork` failed): it was created under its final name and
    written there, with no folder fsync: a power cut left an empty, cut or zero-filled newest
    session beside the original, which `--last` then picks."""
    scenario = fork(tmp_path)
    scenario.record()
    names = [op for op in scenario.operations if isinstance(op, (Create, Link, Rename))]
    assert all(is_temp(op.name) for op in names if isinstance(op, Create))
    (published,) = [op for op in names if not isinstance(op, Create)]
    write = max(i for i, op in enumerate(scenario.operations) if isinstance(op, Write))
    sync = max(i for i, op in enumerate(scenario.operations) if isinstance(op, Sync))
    at = scenario.operations.index(published)
    assert write < sync < at
    assert any(isinstance(op, SyncFolder) for op in scenario.operations[at:])


def test_a_fork_name_never_exists_while_its_data_is_not_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, watched without the recorder: when the fork's data is flushed, no session file
    but the original exists yet (the old code had created and filled `<uuid>.jsonl` by then)."""
    folder = tmp_path / "project"
    folder.mkdir()
    session = folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl"
    session.write_bytes(broken_session())
    os.utime(session, (time.time() - 3600,) * 2)
    seen: list[list[str]] = []
    real_fsync = os.fsync

    def watching_fsync(descriptor: int) -> None:
        seen.append(sorted(p.name for p in folder.glob("*.jsonl")))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    outcome = fix_file(session, Strategy.STUB, fork=True)
    assert outcome.fork is not None
    assert seen and seen[0] == [session.name], seen


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_a_backup_temp_file_left_by_a_crash_is_removed_when_nothing_is_left_to_repair(
    tmp_path: Path,
) -> None:
    """Regression: the power went after the rename, before the unlink of the backup's temp file
    was durable. The next fix finds nothing to repair; it used to leave the temp file forever."""
    session = tmp_path / "session.jsonl"
    session.write_bytes(clean_session())
    os.utime(session, (time.time() - 3600,) * 2)
    left = tmp_path / f".session.jsonl{atomic.TEMP_MARK}{_dead_pid()}-1.tmp"
    left.write_bytes(broken_session())
    outcome = fix_file(session, Strategy.STUB)
    assert outcome.message == "nothing to repair"
    assert not left.exists()


def test_a_temp_file_written_before_this_boot_is_stale_even_if_its_pid_is_alive_again(
    tmp_path: Path,
) -> None:
    """After a power cut the process id in a temp file's name may belong to a new process (here:
    this one); the file was last written before the machine started, so it is stale."""
    session = tmp_path / "session.jsonl"
    session.write_bytes(clean_session())
    os.utime(session, (time.time() - 3600,) * 2)
    before_boot = tmp_path / f".session.jsonl{atomic.TEMP_MARK}{os.getpid()}-1.tmp"
    in_flight = tmp_path / f".session.jsonl{atomic.TEMP_MARK}{os.getpid()}-2.tmp"
    for temp in (before_boot, in_flight):
        temp.write_bytes(b"{}")
    os.utime(before_boot, (946_684_800, 946_684_800))
    fix_file(session, Strategy.STUB)
    assert not before_boot.exists()
    assert in_flight.exists(), "a temp file of a live process written since the boot is kept"


def test_fsync_is_f_fullfsync_where_fcntl_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(fileops, "_FULL_FSYNC", 51)
    monkeypatch.setattr(fileops.fcntl, "fcntl", lambda fd, op: calls.append((fd, op)))
    monkeypatch.setattr(os, "fsync", lambda fd: pytest.fail("fsync instead of F_FULLFSYNC"))
    fileops.flush_to_disk(7)
    assert calls == [(7, 51)]


def test_fsync_is_used_where_f_fullfsync_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(fd: int, op: int) -> None:
        raise OSError(45, "Operation not supported")

    synced: list[int] = []
    monkeypatch.setattr(fileops, "_FULL_FSYNC", 51)
    monkeypatch.setattr(fileops.fcntl, "fcntl", refuse)
    monkeypatch.setattr(os, "fsync", synced.append)
    fileops.flush_to_disk(7)
    assert synced == [7]


# --- the writer we do not control: Claude Code appending when the power goes (item 5) ------


def _appended(tmp_path: Path, tail: bytes) -> Path:
    session = tmp_path / "session.jsonl"
    session.write_bytes(clean_session() + tail)
    os.utime(session, (946_684_800, 946_684_800))
    return session


def test_a_torn_last_line_is_reported_and_repaired(tmp_path: Path) -> None:
    line = next_turn()[0]
    session = _appended(tmp_path, line[: len(line) // 2])
    (finding,) = analyse_bytes(session.read_bytes()).findings
    assert finding.code is Code.TRUNCATED_LINE and finding.span.line == 4
    assert check_after_append(session, clean_session()) == []
    assert session.read_bytes() == clean_session()


def test_a_nul_tail_where_the_size_reached_the_disk_before_the_data_is_reported_and_repaired(
    tmp_path: Path,
) -> None:
    session = _appended(tmp_path, b"\0" * len(next_turn()[0]))
    (finding,) = analyse_bytes(session.read_bytes()).findings
    assert finding.code is Code.TRUNCATED_LINE and "NUL bytes" in finding.message
    assert check_after_append(session, clean_session()) == []
    assert session.read_bytes() == clean_session()


def test_nul_bytes_inside_a_line_are_a_clear_located_finding_that_truncate_repairs(
    tmp_path: Path,
) -> None:
    """A sector of an append that never arrived, with a later one that did: NUL bytes, then the
    rest of the line. It was reported as `invalid JSON: Expecting value`."""
    first, second = next_turn()[:2]
    holed = b"\0" * 512 + first[512:] if len(first) > 512 else b"\0" * 40 + first[40:]
    session = _appended(tmp_path, holed + second)
    findings = analyse_bytes(session.read_bytes()).findings
    hole = next(f for f in findings if f.code is Code.INVALID_JSON)
    assert hole.span.line == 4 and hole.span.start == 0
    assert "NUL bytes where the record's text should be" in hole.message
    assert "--strategy truncate" in hole.message
    assert check_after_append(session, clean_session()) == []
    assert analyse_bytes(session.read_bytes()).error_count == 0


def test_lines_lost_so_a_call_survives_without_its_result_are_reported_and_repaired(
    tmp_path: Path,
) -> None:
    call_without_result = b"".join(next_turn()[:2])
    session = _appended(tmp_path, call_without_result)
    (finding,) = analyse_bytes(session.read_bytes()).findings
    assert finding.code is Code.UNPAIRED_TOOL_USE and finding.span.line == 5
    assert check_after_append(session, clean_session()) == []
    repaired = session.read_bytes()
    assert repaired.startswith(clean_session() + call_without_result)
    assert b"toolu_C" in repaired.split(b"\n")[6]


def test_the_append_states_include_each_kind_of_damage(tmp_path: Path) -> None:
    """The model does produce a torn line, a NUL tail, a hole and a lost result among its
    states (otherwise the scenario above would prove little)."""
    scenario = claude_code_appends(tmp_path)
    scenario.record()
    assert scenario.recorder is not None
    kinds: set[str] = set()
    for state in crash_states(
        scenario.recorder.start, scenario.operations, opaque=is_temp, counts=Counts()
    ):
        (file,) = state.names.values()
        materialise(state, scenario.folders)
        data = file.data
        tail = data[len(clean_session()) :]
        if tail.endswith(b"\0"):
            kinds.add("NUL tail")
        if b"\0" in tail.rstrip(b"\0"):
            kinds.add("hole")
        if tail and not tail.endswith((b"\n", b"\0")):
            kinds.add("torn line")
        codes = {f.code for f in analyse_bytes(data).findings}
        if b"\0" not in tail and Code.UNPAIRED_TOOL_USE in codes:
            kinds.add("result lost")
    assert kinds == {"NUL tail", "hole", "torn line", "result lost"}


def test_a_cache_temp_file_left_by_a_crash_is_removed_by_the_next_cache_write(
    tmp_path: Path,
) -> None:
    from session_lsp.sessions.cache import SessionCache
    from session_lsp.sessions.discovery import list_sessions

    root = tmp_path / "projects"
    (root / "p").mkdir(parents=True)
    _appended(root / "p", b"")  # not live: a live session is not cached
    cache = tmp_path / "cache" / "sessions.json"
    cache.parent.mkdir()
    left = cache.with_name(f".sessions.json{atomic.TEMP_MARK}{_dead_pid()}-1.tmp")
    left.write_bytes(b'{"format":2,"fi')
    list_sessions(root, cache=SessionCache(cache))
    assert cache.exists() and not left.exists()
