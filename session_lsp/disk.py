"""Repairing session files on disk: one function the CLI and the language server both call."""

from __future__ import annotations

import enum
import uuid as uuid_module
from dataclasses import dataclass, field
from pathlib import Path

from session_lsp.atomic import (
    BACKUP_SUFFIX,
    Ownership,
    UnsafeWriteError,
    backup_checksum,
    backups_of,
    checksum_in_name,
    publish_new,
    put_back,
    read_for_update,
    remove_stale_temp_files,
    replace_atomically,
    session_lock,
)
from session_lsp.compressed import refusal_to_rewrite
from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.edit_diff import edits_diff
from session_lsp.core.edits import apply_edits, join_lines
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats import known_agents, not_a_transcript
from session_lsp.core.nesting import deep_json
from session_lsp.core.reading import Line
from session_lsp.core.repairs import (
    Strategy,
    leaves_pairing_errors,
    remaining_pairing_errors,
    repair_all,
)
from session_lsp.core.wording import counted
from session_lsp.files import SessionFileError, as_text
from session_lsp.sessions.registry import Liveness


class NextStep(enum.Enum):
    """What may get past a refusal, named apart from its message: each adapter says it in its
    own terms (the CLI's flags, the editor's commands), and never offers what it cannot do."""

    FORCE = "force"
    """Repair it all the same (the session may be live)."""
    TRUNCATE = "truncate"
    """The truncate repair, which cuts the conversation back to where it was whole."""
    FORCE_OR_FORK = "force-or-fork"
    """Repair it all the same (it stays read-only), or write a repaired copy beside it."""


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
    next_step: NextStep | None = None
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
    liveness: Liveness | None = None,
) -> FixOutcome:
    """Repair one session file in place (or as a fork), refusing anything unsafe.

    An in-place repair holds the session's lock from reading to renaming: a second repair of the
    same file (the CLI or the server) waits briefly, then refuses. `liveness`: what decides that
    the session is still being written (the server's, with its client's liveSessionSeconds);
    Claude Code's registry read now when not given.
    """
    outcome = FixOutcome(path)
    if dry_run or fork:
        return _fix(
            outcome,
            strategy,
            dry_run=dry_run,
            backup=backup,
            fork=fork,
            force=force,
            liveness=liveness,
        )
    try:
        with session_lock(path):
            return _fix(
                outcome,
                strategy,
                dry_run=False,
                backup=backup,
                fork=False,
                force=force,
                liveness=liveness,
            )
    except UnsafeWriteError as error:
        return _refuse(outcome, str(error))


def _fix(
    outcome: FixOutcome,
    strategy: Strategy,
    *,
    dry_run: bool,
    backup: bool,
    fork: bool,
    force: bool,
    liveness: Liveness | None,
) -> FixOutcome:
    """The repair itself; an in-place one runs under the session's lock."""
    path = outcome.path
    try:
        original, snapshot = read_for_update(path)
    except UnsafeWriteError as error:
        return _refuse(outcome, str(error))
    if not dry_run:
        # Left by a repair that was killed or cut off by a power loss, even when nothing is
        # left to repair now (the crash may have come after the rename).
        remove_stale_temp_files(path)
    try:
        text, compression = as_text(path, original)
    except SessionFileError as error:
        return _refuse(outcome, str(error))
    with deep_json():
        analysis = analyse_bytes(text)
        repair = repair_all(analysis, strategy)
    refusal = _not_ours(analysis, would_act=bool(repair.edits) or repair.refusal is not None)
    if refusal is not None:
        return _refuse(outcome, f"{path}: {refusal}; nothing was changed")
    agent = analysis.format.agent if analysis.format is not None else None
    why_live = (
        None
        if force or dry_run
        else (liveness or Liveness.read()).why_live(path, snapshot.mtime_ns, agent)
    )
    if why_live is not None:
        message = f"{path}: {why_live}. Repair it when the session has stopped"
        return _refuse(outcome, message, next_step=NextStep.FORCE)
    if repair.refusal is not None:
        outcome.remaining = analysis.findings
        return _refuse(outcome, f"{path}: not repaired: {strategy.value}: {repair.refusal}")
    if not repair.edits and (not fork or analysis.error_count):
        # A fork of a session no repair changes would be as broken as the session itself.
        outcome.remaining = analysis.findings
        if analysis.error_count:
            outcome.message = f"no {strategy.value} repair applies to its {counted(analysis.error_count, 'error')}"
            outcome.next_step = None if strategy is Strategy.TRUNCATE else NextStep.TRUNCATE
        else:
            outcome.message = "nothing to repair"
        return outcome
    if compression is not None:
        outcome.remaining = analysis.findings
        return _refuse(outcome, refusal_to_rewrite(path, compression))
    leftover = remaining_pairing_errors(analysis, repair)
    if leftover:
        outcome.remaining = leftover
        return _refuse(
            outcome,
            f"{path}: not repaired: {leaves_pairing_errors(strategy, leftover)}",
            refused=False,
            next_step=NextStep.TRUNCATE,
        )
    repaired_lines = apply_edits(analysis.lines, repair.edits)
    if not any(bytes(line).strip() for line in repaired_lines):
        return _refuse(
            outcome,
            f"{path}: not repaired: the {strategy.value} repair would remove every line,"
            " leaving an empty session; nothing was changed",
        )
    repaired = join_lines(repaired_lines)
    outcome.remaining = analyse_bytes(repaired).findings
    if dry_run:
        outcome.diff = edits_diff(analysis.lines, repair.edits, path.name)
        outcome.message = f"would apply: {repair.title}"
        return outcome
    if fork:
        return _write_fork(outcome, analysis, repaired_lines, path)
    if snapshot.owner.read_only and not force:
        return _refuse(
            outcome,
            f"{path}: is read-only (mode {snapshot.owner.mode:04o}): someone protected it;"
            " nothing was changed",
            next_step=NextStep.FORCE_OR_FORK,
        )
    try:
        outcome.backup = replace_atomically(path, repaired, original, snapshot, backup=backup)
    except UnsafeWriteError as error:
        return _refuse(outcome, str(error))
    outcome.changed = True
    outcome.message = repair.title
    return outcome


def _not_ours(analysis: Analysis, *, would_act: bool) -> str | None:
    """Why a file no format claims is not repaired, as `show` tells such files apart: no
    transcript at all (a README, a log) is said so before any advice; a transcript every record
    of which is damaged is refused only a change (its findings say where it is broken)."""
    if is_session(analysis):
        return None
    agents = known_agents()
    reason = not_a_transcript(False, analysis.lines, analysis.findings)
    if reason is not None:
        return reason if would_act or analysis.error_count else None
    if would_act:
        return f"no line of it is a readable {agents} record, so nothing to repair it from"
    return None


def is_session(analysis: Analysis) -> bool:
    """Holds a record of a known format: anything else is not ours to rewrite."""
    return analysis.format is not None


def _refuse(
    outcome: FixOutcome,
    message: str,
    *,
    refused: bool = True,
    next_step: NextStep | None = None,
) -> FixOutcome:
    outcome.refused = refused
    outcome.message = message
    outcome.next_step = next_step
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
    assert analysis.format is not None  # write_fork forks only a format that can be forked
    resume = analysis.format.resume_command(session_id)
    outcome.message = f"forked to {target.name}; resume it with: {resume}"
    return outcome


def write_fork(path: Path, analysis: Analysis, lines: list[Line]) -> tuple[Path, str]:
    """`lines` as a new session beside `path`, with a new sessionId on every line.

    `path` may come from a URI: it must name an existing session file, without `..` segments,
    and the fork lands in that file's own folder (with its owner and mode), nowhere else. It gets
    its name only once whole and durable: a power cut never leaves an empty or cut-off newest
    session for `--last` to pick.
    """
    transcript_format = analysis.format
    if transcript_format is None or not transcript_format.can_fork:
        agent = transcript_format.agent if transcript_format is not None else "no known agent's"
        raise UnsafeWriteError(f"{path}: a {agent} session cannot be forked")
    session = _existing_session(path)
    new_session = str(uuid_module.uuid4())
    try:
        data = join_lines(transcript_format.forked(analysis, lines, new_session))
    except ValueError as error:
        raise UnsafeWriteError(f"{path}: {error}: cannot fork it") from None
    target = session.parent / f"{new_session}.jsonl"
    try:
        written = publish_new(session, data, Ownership.of(session.stat()), [target])
    except OSError as error:
        raise UnsafeWriteError(f"{target}: cannot write the fork: {error.strerror}") from None
    if written is None:
        raise UnsafeWriteError(f"{target}: already exists; nothing was written")
    return target, new_session


def _existing_session(path: Path) -> Path:
    if ".." in path.parts:
        raise UnsafeWriteError(
            f"{path}: the path climbs out of its folder ('..'): a fork is written only beside"
            " the session it copies; give the session's own path"
        )
    try:
        session = path.resolve(strict=True)
    except OSError:
        raise UnsafeWriteError(
            f"{path}: no such file: a fork is written beside the session file it copies"
        ) from None
    if not session.is_file():
        raise UnsafeWriteError(f"{path}: not a regular file: cannot fork it")
    return session


def restore_file(path: Path, *, force: bool = False) -> Path:
    """Put the newest backup back; raises UnsafeWriteError with a message when there is none or
    it is damaged.

    A damaged newest backup is refused, not skipped for an older one: restoring an older state
    silently would lose every repair and append made since. The message names the next older
    intact backup, so moving the damaged one aside restores that one.
    """
    if path.is_dir():
        raise UnsafeWriteError(
            f"{path}: a folder: restore puts back one session file, from the backup beside it"
            f" (SESSION.jsonl.*{BACKUP_SUFFIX}); name the session"
        )
    backups = backups_of(path)
    if not backups:
        raise UnsafeWriteError(f"{path}: no backup found (looked for {path.name}.*{BACKUP_SUFFIX})")
    newest = backups[-1]
    problem = None if force else backup_problem(newest)
    if problem is not None:
        older = next((b for b in reversed(backups[:-1]) if backup_problem(b) is None), None)
        hint = (
            f" The next older intact backup is {older.name}: move {newest.name} aside to"
            " restore it."
            if older is not None
            else " No older backup is intact."
        )
        raise UnsafeWriteError(
            f"{path}: not restored: the newest backup {newest.name} is damaged ({problem});"
            f" nothing was changed.{hint} Pass --force to restore it anyway (a session whose last"
            " line was already cut off when it was backed up looks the same)"
        )
    if path.exists() or path.is_symlink():
        with session_lock(path):
            put_back(path, newest)
    else:
        put_back(path, newest)
    return newest


def backup_problem(backup: Path) -> str | None:
    """Why a backup is not the whole file it saved, or None. Its name's checksum decides; a backup
    named before checksums (written in place, so possibly cut off by a kill) must end with a
    whole line and hold session records."""
    try:
        data = read_for_update(backup)[0]
    except UnsafeWriteError as error:
        return str(error).removeprefix(f"{backup}: ")
    checksum = checksum_in_name(backup)
    if checksum is not None:
        if backup_checksum(data) != checksum:
            return "its content does not match the checksum in its name: cut off or changed"
        return None
    if not data.strip():
        return "it is empty"
    if not data.endswith(b"\n"):
        return "its last line is incomplete, as if cut off while being written"
    with deep_json():
        analysis = analyse_bytes(data)
    if not is_session(analysis):
        return "no line is a session record"
    if any(finding.code is Code.TRUNCATED_LINE for finding in analysis.findings):
        return "its last line is cut off"
    return None
