"""The operations whose crash states are checked, and what a user must find after the reboot.

Each scenario sets up a folder, records one real operation through the file-operations layer,
and checks a materialised crash state: the problems found (empty when the state is fine).
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from session_lsp import atomic, fileops
from session_lsp.atomic import UnsafeWriteError, session_lock
from session_lsp.core.analysis import analyse_bytes
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file, restore_file
from session_lsp.sessions.cache import SessionCache
from session_lsp.sessions.discovery import list_sessions
from tests.crash.model import Counts, CrashState, crash_states, materialise
from tests.crash.recorder import Operation, RecordingOps
from tests.crash.sessions import (
    broken_session,
    clean_session,
    interrupted_session,
    late_answer,
    next_turn,
)

AN_HOUR_AGO = time.time() - 3600


def is_temp(name: str) -> bool:
    return atomic.TEMP_MARK in os.path.basename(name)


def _aged(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if atomic.TEMP_MARK in p.name)


def _listing_problem(root: Path) -> str | None:
    try:
        list_sessions(root, cache=SessionCache(None))
    except Exception as error:  # the check is that nothing escapes
        return f"sessions failed: {type(error).__name__}: {error}"
    return None


@dataclass(slots=True)
class Scenario:
    """One recorded operation: `folders` are watched, `act` runs it, `check` judges a state."""

    name: str
    folders: list[Path]
    act: Callable[[], None]
    check: Callable[[], list[str]]
    operations: list[Operation] = field(default_factory=list)
    recorder: RecordingOps | None = None
    recorder_type: type[RecordingOps] = RecordingOps

    def record(self) -> None:
        self.recorder = self.recorder_type(*self.folders)
        with fileops.using(self.recorder):
            self.act()
        self.operations = self.recorder.operations

    def states(self, counts: Counts, sample: random.Random | None) -> Iterator[CrashState]:
        assert self.recorder is not None
        yield from crash_states(
            self.recorder.start, self.operations, opaque=is_temp, counts=counts, sample=sample
        )

    def failures(
        self, counts: Counts, sample: random.Random | None = None
    ) -> Iterator[tuple[CrashState, list[str]]]:
        """Each state that fails its check, with why; materialised in the scenario's folders."""
        for state in self.states(counts, sample):
            materialise(state, self.folders)
            problems = self.check()
            if problems:
                yield state, problems


def _expected_repair(data: bytes, strategy: Strategy, scratch: Path) -> bytes:
    probe = _aged(scratch / "probe" / "session.jsonl", data)
    assert fix_file(probe, strategy, backup=False).changed
    repaired = probe.read_bytes()
    shutil.rmtree(probe.parent)
    return repaired


def fix_in_place(tmp: Path, strategy: Strategy, *, backup: bool = True) -> Scenario:
    """`fix` under one strategy: the session is the old or the new file, the backup restores the
    original, the next `fix` and `sessions` run clean over what was left."""
    old = broken_session()
    new = _expected_repair(old, strategy, tmp)
    root = tmp / "projects"
    folder = root / "-home-user-project"
    session = _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", old)

    def act() -> None:
        outcome = fix_file(session, strategy, backup=backup)
        assert outcome.changed, outcome.message

    def check() -> list[str]:
        problems = []
        if not session.exists():
            return ["the session is missing"]
        now = session.read_bytes()
        if now not in (old, new):
            problems.append(f"the session is neither the old nor the new file ({len(now)} bytes)")
        for kept in atomic.backups_of(session):
            if kept.read_bytes() != old:
                problems.append(f"backup {kept.name} is not the whole original")
        if problems:
            return problems
        saved = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
        if backup:
            problems += _restore_gives(session, old, repaired=now == new)
            for path, (data, mtime) in saved.items():  # back to the crash state
                path.write_bytes(data)
                os.utime(path, ns=(mtime, mtime))
        later = fix_file(session, strategy)
        if later.refused:
            problems.append(f"the next fix was refused: {later.message}")
        elif session.read_bytes() != new:
            problems.append("the next fix did not give the repaired file")
        if _leftovers(folder):
            problems.append(f"temp files left after the next fix: {_leftovers(folder)}")
        listing = _listing_problem(root)
        return problems + ([listing] if listing else [])

    return Scenario(
        f"fix --strategy {strategy.value}" + ("" if backup else " --no-backup"),
        [folder],
        act,
        check,
    )


def _restore_gives(session: Path, old: bytes, *, repaired: bool) -> list[str]:
    try:
        restore_file(session)
    except UnsafeWriteError as error:
        if repaired or "no backup found" not in str(error):
            return [f"restore failed: {error}"]
        return []
    if session.read_bytes() != old:
        return ["restore did not give the original bytes"]
    return []


def fork(tmp: Path) -> Scenario:
    """`fix --fork`: the original untouched, the fork whole or absent (never a newest session
    that is empty or cut for `--last` to pick), the next `fix` cleans what was left."""
    old = broken_session()
    root = tmp / "projects"
    folder = root / "-home-user-project"
    session = _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", old)
    forked: dict[str, bytes] = {}

    def act() -> None:
        outcome = fix_file(session, Strategy.STUB, fork=True)
        assert outcome.fork is not None, outcome.message
        forked[outcome.fork.name] = outcome.fork.read_bytes()

    def check() -> list[str]:
        problems = []
        if not session.exists() or session.read_bytes() != old:
            problems.append("the original session changed")
        for path in folder.glob("*.jsonl"):
            if path != session and forked.get(path.name) != path.read_bytes():
                problems.append(f"{path.name} is a session that is not the whole fork")
        if problems:
            return problems
        if fix_file(session, Strategy.STUB).refused:
            problems.append("the next fix was refused")
        if _leftovers(folder):
            problems.append(f"temp files left after the next fix: {_leftovers(folder)}")
        listing = _listing_problem(root)
        return problems + ([listing] if listing else [])

    return Scenario("fix --fork", [folder], act, check)


def restore(tmp: Path) -> Scenario:
    """`restore`: the session is the repaired file (its backup still whole) or the original."""
    old = broken_session()
    folder = tmp / "projects" / "-home-user-project"
    session = _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", old)
    assert fix_file(session, Strategy.STUB).changed
    repaired = session.read_bytes()
    for path in folder.iterdir():
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))

    def act() -> None:
        restore_file(session)

    def check() -> list[str]:
        if not session.exists():
            return ["the session is missing"]
        now = session.read_bytes()
        if now == old:
            return []
        if now != repaired:
            return [f"the session is neither the repaired nor the original file ({len(now)} bytes)"]
        return _restore_gives(session, old, repaired=True)

    return Scenario("restore", [folder], act, check)


def lock(tmp: Path) -> Scenario:
    """The lock lives in memory: it leaves nothing on disk whatever the moment of the crash."""
    old = broken_session()
    folder = tmp / "projects" / "-home-user-project"
    session = _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", old)

    def act() -> None:
        with session_lock(session):
            pass

    def check() -> list[str]:
        names = sorted(p.name for p in folder.iterdir())
        if names != [session.name] or session.read_bytes() != old:
            return [f"the lock left {names}"]
        return []

    return Scenario("lock", [folder], act, check)


def health_cache(tmp: Path) -> Scenario:
    """The health cache write (not fsynced: it only saves time): after any crash the listing is
    exactly what it is without a cache."""
    root = tmp / "projects"
    folder = root / "-home-user-project"
    cache_folder = tmp / "cache"
    cache_folder.mkdir()
    cache_file = cache_folder / "sessions.json"
    _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", clean_session())
    list_sessions(root, cache=SessionCache(cache_file))  # an older cache, of one session
    _aged(folder / "0b9e0b5c-7f43-4a8e-9d61-3c2f1a0e5d77.jsonl", broken_session())

    def act() -> None:
        list_sessions(root, cache=SessionCache(cache_file))

    def check() -> list[str]:
        try:
            cached = [s.to_json() for s in list_sessions(root, cache=SessionCache(cache_file))]
        except Exception as error:
            return [f"sessions failed over the cache: {type(error).__name__}: {error}"]
        fresh = [s.to_json() for s in list_sessions(root, cache=SessionCache(None))]
        if cached != fresh:
            return ["the listing over the crashed cache differs from one without a cache"]
        return []

    return Scenario("health cache write", [cache_folder], act, check)


def claude_code_appends(tmp: Path) -> Scenario:
    """The writer we do not control: Claude Code appends a turn (never fsynced) when the power
    goes. `check` must report any damage with a location, and `fix` must repair it without losing
    a line that reached the disk whole before the damage."""
    old = clean_session()
    root = tmp / "projects"
    folder = root / "-home-user-project"
    session = _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", old)
    appended = next_turn()

    def act() -> None:
        ops = fileops.current()
        for line in appended:  # as Claude Code flushes: open for append, write, close; no fsync
            descriptor = ops.open(session, os.O_WRONLY | os.O_APPEND)
            fileops.write_all(descriptor, line)
            ops.close(descriptor)

    return Scenario(
        "Claude Code appending", [folder], act, lambda: check_after_append(session, old)
    )


def check_after_append(session: Path, old: bytes) -> list[str]:
    """What `check` and `fix` must make of a session Claude Code was appending to."""
    data = session.read_bytes()
    if not data.startswith(old):
        return ["the lines before the append were damaged: the model is wrong"]
    analysis = analyse_bytes(data)
    whole_lines = data.endswith(b"\n") and b"\0" not in data
    if not analysis.findings:
        if whole_lines:
            return []
        return [f"check reports nothing on a damaged file ({len(data)} bytes)"]
    for finding in analysis.findings:
        if not 0 <= finding.span.line < len(analysis.lines):
            return [f"{finding.code.value} is not located on a line of the file"]
    if not analysis.error_count:
        return []
    outcome = fix_file(session, Strategy.STUB)  # the default; what is left, truncate repairs
    if outcome.refused or outcome.remaining_errors:
        outcome = fix_file(session, Strategy.TRUNCATE, force=True)  # just written by us
    repaired = session.read_bytes()
    problems = []
    if analyse_bytes(repaired).error_count:
        problems.append(f"fix left errors: {outcome.message}")
    if not repaired.startswith(old):
        problems.append("fix lost a line that was whole before the damage")
    return problems


def fix_while_claude_code_appends(tmp: Path) -> Scenario:
    """`fix` while Claude Code appends a line to the old file right after the rename: the line is
    carried over to the new file, and no crash state mixes the two files or loses a line that
    reached the disk whole."""
    old = interrupted_session()
    late = late_answer()
    new = _expected_repair(old, Strategy.STUB, tmp)
    folder = tmp / "projects" / "-home-user-project"
    session = _aged(folder / "5d0c8f5e-2b4a-4c37-9a57-0e6f3a1c2b10.jsonl", old)
    appender: list[int] = []

    class AppendsAtTheRename(RecordingOps):
        def replace(self, source: Path, target: Path) -> None:
            super().replace(source, target)
            if target == session and appender:  # Claude Code, on the file it opened before
                fileops.write_all(appender.pop(), late)

    def act() -> None:
        ops = fileops.current()
        descriptor = ops.open(session, os.O_WRONLY | os.O_APPEND)
        appender.append(descriptor)
        try:
            assert fix_file(session, Strategy.STUB).changed
        finally:
            ops.close(descriptor)
        assert session.read_bytes() == new + late, "the late line was not carried over"

    def check() -> list[str]:
        if not session.exists():
            return ["the session is missing"]
        now = session.read_bytes()
        base = new if now.startswith(new) else old if now.startswith(old) else None
        if base is None or len(now) > len(base) + len(late):
            return [f"the session is neither the old nor the new file ({len(now)} bytes)"]
        problems = [
            f"backup {kept.name} is not the whole original"
            for kept in atomic.backups_of(session)
            if kept.read_bytes() != old
        ]
        outcome = fix_file(session, Strategy.STUB)
        if outcome.refused or outcome.remaining_errors:
            outcome = fix_file(session, Strategy.TRUNCATE, force=True)  # just written by us
        repaired = session.read_bytes()
        if analyse_bytes(repaired).error_count:
            problems.append(f"the next fix left errors: {outcome.message}")
        if now == base + late and late not in repaired:
            problems.append("the next fix lost the line Claude Code appended")
        if _leftovers(folder):
            problems.append(f"temp files left after the next fix: {_leftovers(folder)}")
        return problems

    return Scenario(
        "fix while Claude Code appends", [folder], act, check, recorder_type=AppendsAtTheRename
    )


def all_scenarios(tmp: Path) -> Iterator[Scenario]:
    """Each in its own folder under `tmp`."""
    makers: list[tuple[str, Callable[[Path], Scenario]]] = [
        *((f"fix-{s.value}", lambda t, s=s: fix_in_place(t, s)) for s in Strategy),
        ("fix-no-backup", lambda t: fix_in_place(t, Strategy.STUB, backup=False)),
        ("fork", fork),
        ("restore", restore),
        ("lock", lock),
        ("cache", health_cache),
        ("append", claude_code_appends),
        ("fix-append", fix_while_claude_code_appends),
    ]
    for label, make in makers:
        folder = tmp / label
        folder.mkdir()
        yield make(folder)
