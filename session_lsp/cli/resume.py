"""`session-lsp resume`: check a session, explain and repair what would break it, then resume it.

The guarded `claude --continue`: a clean session goes straight to `claude --resume <id>`; a broken
one is explained (the interrupted call, what follows it, what Claude Code would do) and repaired
through the same routine as `fix` before Claude Code is started. The repair is all or nothing: a
refused or failed repair starts nothing. Claude Code replaces this process (exec), so signals and
the terminal behave exactly as if the user had typed the command.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from session_lsp.cli.output import format_finding
from session_lsp.core.analysis import LIVE_SECONDS, Analysis, analyse_bytes
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.formats.claude_code.titles import one_line
from session_lsp.core.nesting import deep_json
from session_lsp.core.repairs import Strategy
from session_lsp.disk import fix_file
from session_lsp.files import SessionFileError, read_session_file
from session_lsp.sessions import SessionNameError, resolve_session
from session_lsp.sessions.metadata import SessionMetadata, is_session_id, read_metadata

EXIT_OK, EXIT_ABORTED, EXIT_USAGE = 0, 1, 2
FORK = "fork"
CHOICES = ("stub", "purge", "fork", "truncate")
_INPUT_VIEW = 80
_SHOWN_CALLS = 3

CHOICE_HELP = {
    "stub": "keep the call, record it as failed (an error result the model will see)",
    "purge": "give up the unfinished call (remove it from the session)",
    "fork": "continue in a new session repaired with stub; this file stays as it is",
    "truncate": "cut the session after its last consistent point",
}
WITHOUT_REPAIR = (
    "Without a repair, older Claude Code versions and the Agent SDK fail with"
    ' "API Error: 400 ... tool_use ids were found without tool_result blocks";'
    " newer ones silently drop the unfinished call."
)


def run_resume(
    name: str | None,
    *,
    last: bool,
    strategy: str | None,
    yes: bool,
    force: bool,
    claude_arguments: Sequence[str],
) -> int:
    try:
        path = resolve_session(name, last=last)
    except SessionNameError as error:
        return _refuse(str(error))
    if path.is_dir():
        return _refuse(f"{path}: is a folder; name one session (a file, an id or --last)")
    try:
        session = read_session_file(path)
    except SessionFileError as error:
        return _refuse(str(error))
    if session.modified_seconds_ago < LIVE_SECONDS and not force:
        return _refuse(
            f"{path}: written {session.modified_seconds_ago:.1f}s ago: Claude Code may still be"
            " running this session. Close it first, or pass --force"
        )
    analysis = analyse_bytes(session.data)
    metadata = read_metadata(session.data, path.stem)
    session_id = path.stem if is_session_id(path.stem) else str(path)
    errors = [finding for finding in analysis.findings if finding.is_error]
    if not errors:
        return exec_claude(session_id, claude_arguments, metadata.project)
    print("\n".join(explain(path, analysis, metadata)))
    chosen = _choose(strategy, yes=yes, session=name or path.stem, last=last)
    if isinstance(chosen, int):
        return chosen
    resumed = _repair(path, chosen, force=force)
    if resumed is None:
        return EXIT_USAGE
    return exec_claude(resumed or session_id, claude_arguments, metadata.project)


def _refuse(message: str) -> int:
    print(f"session-lsp: {message}", file=sys.stderr)
    return EXIT_USAGE


def _choose(strategy: str | None, *, yes: bool, session: str, last: bool) -> str | int:
    """The strategy to apply, or an exit status when nothing is to be done."""
    default = strategy or "stub"
    if yes:
        return default
    if not sys.stdin.isatty():
        named = "--last" if last else shlex.quote(session)
        return _refuse(
            "not a terminal, so no question can be asked. Choose a repair:"
            f" session-lsp resume {named} --yes [--strategy {'|'.join(CHOICES)}]"
            " (stub is the default), or inspect it first with session-lsp check"
        )
    keys = {choice[0]: choice for choice in CHOICES}
    shown = "/".join(key.upper() if keys[key] == default else key for key in keys)
    while True:
        try:
            answer = input(f"Repair and resume? [{shown}/a(bort)] ").strip().lower()
        except EOFError:
            answer = "a"
            print()
        if not answer:
            return default
        if answer in {"a", "abort", "q", "n", "no"}:
            print("Aborted: nothing changed.")
            return EXIT_ABORTED
        picked = keys.get(answer[0])
        if picked is not None and picked.startswith(answer):
            return picked
        print(f"Please answer one of: {', '.join(CHOICES)}, abort.")


def _repair(path: Path, choice: str, *, force: bool) -> str | None:
    """Repair through `fix_file`; the session id to resume ("" for the same one), None on failure.

    A dry run first proves the repair leaves no error, so a repair that would not make the session
    resumable writes nothing at all."""
    fork = choice == FORK
    strategy = Strategy.STUB if fork else Strategy(choice)
    trial = fix_file(path, strategy, dry_run=True, force=force)
    problem = trial.message if trial.refused else None
    if problem is None and trial.remaining_errors:
        first = next(finding for finding in trial.remaining if finding.is_error)
        problem = (
            f"{path}: the {choice} repair would leave {trial.remaining_errors} error(s), first:"
            f" line {first.span.line + 1}: {first.code.value}. Nothing was changed;"
            " try another strategy (truncate cuts the file at its last consistent point)"
        )
    if problem is not None:
        print(f"session-lsp: {problem}", file=sys.stderr)
        return None
    outcome = fix_file(path, strategy, fork=fork, force=force)
    if outcome.refused or not outcome.changed or outcome.remaining_errors:
        print(f"session-lsp: {outcome.message or f'{path}: not repaired'}", file=sys.stderr)
        return None
    if fork:
        print(f"Forked: {outcome.fork} (the original is unchanged)")
        return outcome.fork_session_id or ""
    backup = f" (backup: {outcome.backup.name})" if outcome.backup is not None else ""
    print(f"Repaired: {outcome.message}{backup}")
    return ""


def exec_claude(session_id: str, arguments: Sequence[str], project: str | None) -> int:
    """Replace this process with `claude --resume`, in the session's project directory."""
    command = ["claude", "--resume", session_id, *arguments]
    here = os.path.realpath(os.getcwd())
    move_to = (
        project
        if project and os.path.isdir(project) and os.path.realpath(project) != here
        else None
    )
    shown = shlex.join(command)
    if move_to is not None:
        shown = f"cd {shlex.quote(move_to)} && {shown}"
    if shutil.which("claude") is None:
        print(f"claude is not on PATH; to resume, run:\n  {shown}")
        return EXIT_OK
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if move_to is not None:
            os.chdir(move_to)
        os.execvp("claude", command)
    except OSError as error:
        return _refuse(f"cannot start claude ({error.strerror}); run:\n  {shown}")
    return EXIT_OK  # pragma: no cover - execvp does not return


def _when(timestamp: str | None) -> str:
    if not timestamp:
        return "at an unknown time"
    return timestamp[:19].replace("T", " ") + (" UTC" if timestamp.endswith("Z") else "")


def _tool_call(analysis: Analysis, finding: Finding) -> tuple[str, str]:
    """(tool name, a one-line view of its input) of the call a finding is about, as the
    transcript's format reads it (the hover shows the same); a call nested too deeply to decode
    even with `deep_json` is named "?"."""
    transcript_format = analysis.format
    if transcript_format is None or finding.tool_use_id is None:
        return "?", ""
    try:
        with deep_json():
            call = transcript_format.half(
                analysis, finding.span.line, finding.tool_use_id, is_result=False
            )
            view = "" if call.input is None else json.dumps(call.input, ensure_ascii=False)
    except RecursionError:
        return "?", ""
    return call.name or "?", one_line(view, _INPUT_VIEW)


def describe_record(record: Record) -> str:
    """What a line is, in a few words, for telling what followed an interrupted call."""
    blocks = record.blocks
    kinds = {block.type for block in blocks}
    if record.type == "user":
        if "tool_result" in kinds:
            return "a tool result"
        text = next((block.text for block in blocks if block.text), "") or ""
        if text.startswith("[Request interrupted"):
            return "an interrupt marker"
        return f"a prompt: {one_line(text, 60)!r}" if text else "a user line"
    if record.type == "assistant":
        if "tool_use" in kinds:
            names = ", ".join(block.name or "?" for block in blocks if block.type == "tool_use")
            return f"another tool call ({names})"
        text = next((block.text for block in blocks if block.text), "") or ""
        return f"an answer: {one_line(text, 60)!r}" if text else "an assistant line"
    if record.type == "system":
        return f"a system line ({record.subtype or 'no subtype'})"
    return f"a {record.type or 'typeless'} line"


def _followers(analysis: Analysis, line: int) -> str:
    after = [
        record
        for record in analysis.records[line + 1 :]
        if record is not None and record.uuid is not None
    ]
    if not after:
        return "nothing was written after it (the session stopped there)"
    last = after[-1]
    return (
        f"followed by {len(after)} line(s): first {describe_record(after[0])},"
        f" last {describe_record(last)} {_when(last.timestamp)}"
    )


def explain(path: Path, analysis: Analysis, metadata: SessionMetadata) -> list[str]:
    """A few lines on what is broken, the choices, and what happens without a repair."""
    title = f" ({metadata.title})" if metadata.title else ""
    lines = [f"Session {path.stem}{title}", f"  {path}"]
    unpaired = [finding for finding in analysis.findings if finding.code is Code.UNPAIRED_TOOL_USE]
    for finding in unpaired[:_SHOWN_CALLS]:
        record = analysis.records[finding.span.line]
        name, view = _tool_call(analysis, finding)
        when = _when(record.timestamp if record is not None else None)
        lines.append(f"Interrupted: {name} {view}")
        lines.append(f"  line {finding.span.line + 1}, {when}; no result was recorded;")
        lines.append(f"  {_followers(analysis, finding.span.line)}")
    if len(unpaired) > _SHOWN_CALLS:
        lines.append(f"... and {len(unpaired) - _SHOWN_CALLS} more unfinished call(s)")
    others = [f for f in analysis.findings if f.is_error and f.code is not Code.UNPAIRED_TOOL_USE]
    lines.extend(format_finding(str(path), finding, colour=False) for finding in others)
    lines.append(WITHOUT_REPAIR)
    lines.append("Choices:")
    lines.extend(f"  {choice:<9} {help_text}" for choice, help_text in CHOICE_HELP.items())
    lines.append("  abort     change nothing")
    return lines
