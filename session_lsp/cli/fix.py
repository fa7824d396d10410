"""`session-lsp fix` and `session-lsp restore`: repair sessions on disk, safely."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from session_lsp.atomic import UnsafeWriteError
from session_lsp.cli.check import EXIT_CLEAN, EXIT_ERRORS, EXIT_USAGE, collect_paths
from session_lsp.cli.output import Progress, format_finding, nothing_found, problem, wants_colour
from session_lsp.cli.programs import command_line
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.repairs import Strategy
from session_lsp.core.wording import counted
from session_lsp.disk import FixOutcome, NextStep, fix_file, restore_file
from session_lsp.files import SessionFileError, too_large


def run_fix(
    arguments: list[str],
    strategy: Strategy,
    *,
    dry_run: bool,
    backup: bool,
    fork: bool,
    force: bool,
) -> int:
    paths, problems = collect_paths(arguments)
    for message in problems:
        problem(message)
    if not paths and not problems:
        problem(nothing_found(arguments, "nothing was repaired"))
        return EXIT_USAGE
    progress = Progress(len(paths))
    outcomes: list[FixOutcome] = []
    for done, path in enumerate(paths, 1):
        progress.update(done, str(path))
        refusal = _too_large(path)
        outcome = (
            FixOutcome(path, refused=True, message=str(refusal))
            if refusal is not None
            else fix_file(path, strategy, dry_run=dry_run, backup=backup, fork=fork, force=force)
        )
        progress.close()
        _report(outcome, dry_run=dry_run)
        outcomes.append(outcome)
    progress.close()
    if len(paths) != 1 or problems:
        print(_summary(outcomes, dry_run=dry_run))
    if problems or any(outcome.refused for outcome in outcomes):
        return EXIT_USAGE
    return EXIT_ERRORS if any(outcome.remaining_errors for outcome in outcomes) else EXIT_CLEAN


def _too_large(path: Path) -> SessionFileError | None:
    """A repair reads the whole file into memory: one too large to be a session is not read."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return None  # the repair itself says why it cannot read it
    return too_large(path, size)


def told(outcome: FixOutcome, fork: str = "--fork") -> str:
    """The outcome's message, with what gets past it in this command's flags (`fork`: how the
    command asks for a repaired copy)."""
    steps = {
        NextStep.FORCE: ", or pass --force",
        NextStep.TRUNCATE: "; try --strategy truncate",
        NextStep.FORCE_OR_FORK: f". Repair it anyway with --force (it stays read-only), or use {fork}",
    }
    return outcome.message + (steps[outcome.next_step] if outcome.next_step else "")


def _report(outcome: FixOutcome, *, dry_run: bool) -> None:
    if outcome.refused:
        problem(told(outcome))
        return
    if dry_run and outcome.diff:
        sys.stdout.write(for_terminal(outcome.diff, layout=True))
    verb = "would repair" if dry_run else "repaired"
    said = f"{for_terminal(str(outcome.path))}: {for_terminal(told(outcome))}"
    if outcome.changed:
        line = f"{for_terminal(str(outcome.path))}: {verb}: {for_terminal(outcome.message)}"
        if outcome.backup is not None:
            line += f" (backup: {for_terminal(outcome.backup.name)})"
        print(line)
    elif dry_run and outcome.diff:
        print(said)
    elif outcome.message:
        print(said, file=sys.stderr if outcome.remaining_errors else sys.stdout)
    if outcome.fork_session_id is not None:
        print(resume_fork_command(outcome.fork_session_id))
    colour = wants_colour(sys.stdout)
    for finding in outcome.remaining:
        if finding.is_error:
            print(format_finding(str(outcome.fork or outcome.path), finding, colour=colour))


def resume_fork_command(session_id: str, os_name: str = os.name) -> str:
    """`claude --resume` of a fork, written as this system's shells read it (`command_line`)."""
    line = command_line(["claude", "--resume", session_id], os_name)
    assert line is not None  # the fork's id is a UUID we chose: no shell treats it specially
    return line


def _summary(outcomes: list[FixOutcome], *, dry_run: bool) -> str:
    changed = sum(outcome.changed or bool(outcome.diff) for outcome in outcomes)
    refused = sum(outcome.refused for outcome in outcomes)
    broken = sum(1 for outcome in outcomes if outcome.remaining_errors)
    verb = "would repair" if dry_run else "repaired"
    return f"{counted(len(outcomes), 'file')}: {changed} {verb}, {refused} refused, {broken} with errors left"


def run_restore(arguments: list[str], *, force: bool = False) -> int:
    status = EXIT_CLEAN
    for argument in arguments:
        path = Path(argument)
        try:
            backup = restore_file(path, force=force)
        except UnsafeWriteError as error:
            problem(str(error))
            status = EXIT_USAGE
            continue
        print(
            f"{for_terminal(str(path))}: restored from {for_terminal(backup.name)}, which is moved"
            " into place, so that backup is gone (older ones remain)"
        )
    return status
