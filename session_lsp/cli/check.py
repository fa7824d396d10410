"""`session-lsp check`: report every way a session breaks replay, like a linter."""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from session_lsp.cli.output import (
    Progress,
    format_finding,
    nothing_found,
    problem,
    wants_colour,
    write_json,
)
from session_lsp.core.findings import Finding, Severity
from session_lsp.core.formats import not_a_transcript
from session_lsp.core.wording import counted
from session_lsp.files import SessionFileError, find_session_files, read_session_file
from session_lsp.parallel import Crash, map_in_order
from session_lsp.report import finding_to_json
from session_lsp.sessions.registry import Liveness, analyse_session

EXIT_CLEAN, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def collect_paths(arguments: list[str]) -> tuple[list[Path], list[str]]:
    """All session files named or found below the folders named, and the problems finding them."""
    paths: list[Path] = []
    problems: list[str] = []
    for argument in arguments:
        for found in find_session_files(argument):
            if isinstance(found, SessionFileError):
                problems.append(str(found))
            else:
                paths.append(found)
    return paths, problems


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file's findings, and why it is no session at all if it is none (`not_a_transcript`)."""

    findings: list[Finding]
    not_a_transcript: str | None


def check_file(path: Path, liveness: Liveness | None = None) -> CheckedFile | SessionFileError:
    """One file's findings, or why it could not be read. Its tail is live when Claude Code runs
    it (`liveness`: the registry read once for the whole check, else read here)."""
    try:
        session = read_session_file(path)
    except SessionFileError as error:
        return error
    analysis = analyse_session(session, liveness)
    reason = not_a_transcript(analysis.format is not None, analysis.lines, analysis.findings)
    return CheckedFile(analysis.findings, reason)


def check_task(task: tuple[Path, Liveness]) -> CheckedFile | SessionFileError:
    """`check_file` as the worker processes of a tree's check run it."""
    return check_file(*task)


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def run_check(arguments: list[str], output_format: str, jobs: int = 1) -> int:
    """Files are checked in `jobs` worker processes when there is enough to read; the output is
    the same, in the same order, whatever `jobs` is."""
    paths, problems = collect_paths(arguments)
    named = {Path(argument) for argument in arguments}
    for message in problems:
        problem(message)
    colour = output_format == "text" and wants_colour(sys.stdout)
    counts: Counter[Severity] = Counter()
    files_with_errors = 0
    json_entries: list[dict[str, object]] = []
    progress = Progress(len(paths))
    checked = 0
    liveness = Liveness.read()
    tasks = [(path, liveness) for path in paths]
    results = map_in_order(check_task, tasks, [_size(path) for path in paths], jobs=jobs)
    for done, (path, result) in enumerate(zip(paths, results, strict=True), 1):
        progress.update(done, str(path))
        if isinstance(result, SessionFileError | Crash):
            message = (
                str(result)
                if isinstance(result, SessionFileError)
                else f"{path}: could not be checked: {result.message}"
            )
            problems.append(message)
            progress.close()
            problem(message)
            continue
        checked += 1
        findings = result.findings
        counts.update(finding.severity for finding in findings)
        files_with_errors += any(finding.is_error for finding in findings)
        for finding in findings:
            if output_format == "json":
                json_entries.append(finding_to_json(str(path), finding))
            else:
                progress.close()
                print(format_finding(str(path), finding, colour=colour))
        if result.not_a_transcript is not None and path in named:
            # Named: said so. Found in a folder, it is judged by its lines as before, so that a
            # session a power loss zero-filled is still reported as broken, not left out.
            problems.append(f"{path}: {result.not_a_transcript}")
            progress.close()
            problem(problems[-1])
    progress.close()
    if not checked and not problems:
        problems.append(nothing_found(arguments, "nothing was checked"))
        problem(problems[-1])
    if output_format == "json":
        write_json(json_entries, sys.stdout)
    elif checked:
        print(_summary(checked, counts, files_with_errors, unread=len(problems)))
    if problems:
        return EXIT_USAGE
    return EXIT_ERRORS if counts[Severity.ERROR] else EXIT_CLEAN


def _summary(files: int, counts: Counter[Severity], files_with_errors: int, *, unread: int) -> str:
    """The last line; "all resumable" only when every path named was read and none will fail."""
    parts = [
        counted(counts[severity], severity.label)
        if severity is not Severity.INFORMATION
        else f"{counts[severity]:,} {severity.label}"
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFORMATION)
    ]
    verdict = (
        f"{counted(files_with_errors, 'file')} will fail to resume"
        if files_with_errors
        else "all resumable"
        if not unread
        else "none of them will fail to resume"
    )
    if unread:
        verdict += f"; {counted(unread, 'problem')} reported above"
    return f"Checked {counted(files, 'file')}: {', '.join(parts)} ({verdict})."
