"""Repairing session files on disk: one function the CLI and the language server both call."""

from __future__ import annotations

import difflib
import time
import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path

from session_lsp.atomic import (
    UnsafeWriteError,
    read_for_update,
    replace_atomically,
    restore_newest_backup,
    write_new,
)
from session_lsp.core.analysis import LIVE_SECONDS, Analysis, analyse_bytes
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.findings import Finding
from session_lsp.core.reading import Line, text_of
from session_lsp.core.repairs import Strategy, remaining_pairing_errors, repair_all
from session_lsp.core.writing import with_session_id


@dataclass(slots=True)
class FixOutcome:
    path: Path
    changed: bool = False
    refused: bool = False
    backup: Path | None = None
    fork: Path | None = None
    fork_session_id: str | None = None
    diff: str = ""
    message: str = ""
    remaining: list[Finding] = field(default_factory=list)

    @property
    def remaining_errors(self) -> int:
        return sum(1 for finding in self.remaining if finding.is_error)


def fix_file(
    path: Path,
    strategy: Strategy,
    *,
    dry_run: bool = False,
    backup: bool = True,
    fork: bool = False,
    force: bool = False,
) -> FixOutcome:
    """Repair one session file in place (or as a fork), refusing anything unsafe."""
    outcome = FixOutcome(path)
    try:
        original, snapshot = read_for_update(path)
    except UnsafeWriteError as error:
        return _refuse(outcome, str(error))
    age = max(0.0, time.time() - snapshot.mtime_ns / 1e9)
    if age < LIVE_SECONDS and not force and not dry_run:
        return _refuse(
            outcome,
            f"{path}: written {age:.1f}s ago: Claude Code may still be running this session."
            " Repair it when the session has stopped, or pass --force",
        )
    analysis = analyse_bytes(original)
    repair = repair_all(analysis, strategy)
    if repair.refusal is not None:
        outcome.remaining = analysis.findings
        return _refuse(outcome, f"{path}: not repaired: {strategy.value}: {repair.refusal}")
    if not repair.edits and not fork:
        outcome.remaining = analysis.findings
        outcome.message = (
            f"no {strategy.value} repair applies to its {analysis.error_count} error(s);"
            " try --strategy truncate"
            if analysis.error_count
            else "nothing to repair"
        )
        return outcome
    leftover = remaining_pairing_errors(analysis, repair)
    if leftover:
        outcome.remaining = leftover
        return _refuse(
            outcome,
            f"{path}: not repaired: the {strategy.value} repair would still leave"
            f" {len(leftover)} pairing error(s), first at line {leftover[0].span.line + 1}:"
            f" {leftover[0].code.value}. Try --strategy truncate",
            refused=False,
        )
    repaired_lines = apply_edits(analysis.lines, repair.edits)
    repaired = join_lines(repaired_lines)
    outcome.remaining = analyse_bytes(repaired).findings
    if dry_run:
        outcome.diff = unified_diff(path, analysis, repaired_lines)
        outcome.message = f"would apply: {repair.title}"
        return outcome
    if fork:
        return _write_fork(outcome, analysis, repaired_lines, path)
    try:
        outcome.backup = replace_atomically(path, repaired, original, snapshot, backup=backup)
    except UnsafeWriteError as error:
        return _refuse(outcome, str(error))
    outcome.changed = True
    outcome.message = repair.title
    return outcome


def _refuse(outcome: FixOutcome, message: str, *, refused: bool = True) -> FixOutcome:
    outcome.refused = refused
    outcome.message = message
    return outcome


def _write_fork(
    outcome: FixOutcome, analysis: Analysis, lines: list[Line], path: Path
) -> FixOutcome:
    try:
        target, session_id = write_fork(path, analysis, lines)
    except UnsafeWriteError as error:
        return _refuse(outcome, str(error))
    outcome.fork = target
    outcome.fork_session_id = session_id
    outcome.changed = True
    outcome.message = f"forked to {target.name}; resume it with: claude --resume {session_id}"
    return outcome


def write_fork(path: Path, analysis: Analysis, lines: list[Line]) -> tuple[Path, str]:
    """`lines` as a new session beside `path`, with a new sessionId on every line."""
    old_session = _session_id(analysis)
    if old_session is None:
        raise UnsafeWriteError(f"{path}: no sessionId in the file: cannot fork it")
    new_session = str(uuid_module.uuid4())
    target = path.with_name(f"{new_session}.jsonl")
    data = join_lines([with_session_id(line, old_session, new_session) for line in lines])
    try:
        write_new(target, data, 0o600)
    except OSError as error:
        raise UnsafeWriteError(f"{target}: cannot write the fork: {error.strerror}") from None
    return target, new_session


def _session_id(analysis: Analysis) -> str | None:
    for record in analysis.records:
        if record is not None and record.sessionId:
            return record.sessionId
    return None


def unified_diff(path: Path, analysis: Analysis, repaired: list[Line]) -> str:
    before = [text_of(line) + "\n" for line in analysis.lines]
    after = [text_of(line) + "\n" for line in repaired]
    return "".join(difflib.unified_diff(before, after, f"a/{path.name}", f"b/{path.name}", n=1))


def restore_file(path: Path) -> Path:
    """The backup that was put back; raises UnsafeWriteError with a message when there is none."""
    return restore_newest_backup(path)
