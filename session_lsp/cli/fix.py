"""`session-lsp fix` and `session-lsp restore`: repair sessions on disk, safely."""

from __future__ import annotations

import sys
from pathlib import Path

from session_lsp.atomic import UnsafeWriteError
from session_lsp.cli.check import EXIT_CLEAN, EXIT_ERRORS, EXIT_USAGE, collect_paths
from session_lsp.cli.output import Progress, format_finding, wants_colour
from session_lsp.core.repairs import Strategy
from session_lsp.disk import FixOutcome, fix_file, restore_file


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
    for problem in problems:
        print(f"session-lsp: {problem}", file=sys.stderr)
    progress = Progress(len(paths))
    outcomes: list[FixOutcome] = []
    for done, path in enumerate(paths, 1):
        progress.update(done, str(path))
        outcome = fix_file(path, strategy, dry_run=dry_run, backup=backup, fork=fork, force=force)
        progress.close()
        _report(outcome, dry_run=dry_run)
        outcomes.append(outcome)
    progress.close()
    if len(paths) != 1 or problems:
        print(_summary(outcomes, dry_run=dry_run))
    if problems or any(outcome.refused for outcome in outcomes):
        return EXIT_USAGE
    return EXIT_ERRORS if any(outcome.remaining_errors for outcome in outcomes) else EXIT_CLEAN


def _report(outcome: FixOutcome, *, dry_run: bool) -> None:
    if outcome.refused:
        print(f"session-lsp: {outcome.message}", file=sys.stderr)
        return
    if dry_run and outcome.diff:
        sys.stdout.write(outcome.diff)
    verb = "would repair" if dry_run else "repaired"
    if outcome.changed:
        line = f"{outcome.path}: {verb}: {outcome.message}"
        if outcome.backup is not None:
            line += f" (backup: {outcome.backup.name})"
        print(line)
    elif dry_run and outcome.diff:
        print(f"{outcome.path}: {outcome.message}")
    elif outcome.message:
        print(
            f"{outcome.path}: {outcome.message}",
            file=sys.stderr if outcome.remaining_errors else sys.stdout,
        )
    if outcome.fork_session_id is not None:
        print(f"claude --resume {outcome.fork_session_id}")
    colour = wants_colour(sys.stdout)
    for finding in outcome.remaining:
        if finding.is_error:
            print(format_finding(str(outcome.fork or outcome.path), finding, colour=colour))


def _summary(outcomes: list[FixOutcome], *, dry_run: bool) -> str:
    changed = sum(outcome.changed or bool(outcome.diff) for outcome in outcomes)
    refused = sum(outcome.refused for outcome in outcomes)
    broken = sum(1 for outcome in outcomes if outcome.remaining_errors)
    verb = "would repair" if dry_run else "repaired"
    return (
        f"{len(outcomes)} file(s): {changed} {verb}, {refused} refused, {broken} with errors left"
    )


def run_restore(arguments: list[str], *, force: bool = False) -> int:
    status = EXIT_CLEAN
    for argument in arguments:
        path = Path(argument)
        try:
            backup = restore_file(path, force=force)
        except UnsafeWriteError as error:
            print(f"session-lsp: {error}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        print(
            f"{path}: restored from {backup.name}, which is moved into place, so that backup is"
            " gone (older ones remain)"
        )
    return status
