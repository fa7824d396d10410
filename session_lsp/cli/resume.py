"""`session-lsp resume`: check a session, explain and repair what would break it, then resume it.

The guarded `claude --continue`: a clean session goes straight to `claude --resume <id>`; a broken
one is explained (the interrupted call, what follows it, what Claude Code would do) and repaired
through the same routine as `fix` before Claude Code is started. The repair is all or nothing: a
refused or failed repair starts nothing, and it repairs only the content that was explained. What
is started, where, and with which binary is `launch`'s decision (see docs/resume.md); Claude Code
replaces this process (exec), so signals and the terminal behave as if the user had typed it.
Every transcript- or file-derived string printed goes through `for_terminal`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from session_lsp.cli.fix import told
from session_lsp.cli.launch import Launch, find_executable, plan_claude, plan_codex
from session_lsp.cli.output import format_finding
from session_lsp.cli.programs import command_line
from session_lsp.cli.terminal import for_terminal
from session_lsp.core.analysis import Analysis, analyse_bytes
from session_lsp.core.findings import Code, Finding
from session_lsp.core.formats import CODEX
from session_lsp.core.formats.base import Format
from session_lsp.core.formats.claude_code.records import Record
from session_lsp.core.formats.claude_code.titles import one_line
from session_lsp.core.nesting import deep_json
from session_lsp.core.repairs import Strategy
from session_lsp.core.wording import counted
from session_lsp.disk import fix_file
from session_lsp.files import SessionFile, SessionFileError, read_session_file
from session_lsp.sessions import SessionNameError, resolve_session
from session_lsp.sessions.metadata import SessionMetadata
from session_lsp.sessions.registry import Liveness
from session_lsp.sessions.rollouts import session_metadata

EXIT_OK, EXIT_ABORTED, EXIT_USAGE = 0, 1, 2
FORK = "fork"
TRUNCATE = "truncate"
CHOICES = ("stub", "purge", "fork", "truncate")
_INPUT_VIEW = 80
_SHOWN_CALLS = 3
_EXPLANATIONS = 3
"""How often a file that changes under the question is explained again before giving up."""

CHOICE_HELP = {
    "stub": "keep the call, record it as failed (an error result the model will see)",
    "purge": "give up the unfinished call (remove it from the session)",
    "fork": "continue in a new session repaired with stub; this file stays as it is",
    "truncate": "cut the session after its last consistent point",
}


def choices_for(transcript_format: Format | None) -> tuple[str, ...]:
    """The repairs offered for a file: a fork only where its format can write one."""
    can_fork = transcript_format is not None and transcript_format.can_fork
    return tuple(choice for choice in CHOICES if choice != FORK or can_fork)


@dataclass(frozen=True, slots=True)
class _Explained:
    """The file as it was when it was explained: the repair must act on exactly this."""

    session: SessionFile
    analysis: Analysis
    metadata: SessionMetadata
    digest: bytes

    @classmethod
    def read(cls, path: Path) -> _Explained:
        session = read_session_file(path)
        digest = hashlib.blake2b(session.data, digest_size=16).digest()
        analysis = analyse_bytes(session.data)
        return cls(session, analysis, session_metadata(session.data, path), digest)

    def changed(self, path: Path) -> bool:
        try:
            now = read_session_file(path)
        except SessionFileError:
            return True
        if (now.size, now.mtime_ns) != (self.session.size, self.session.mtime_ns):
            return True
        return hashlib.blake2b(now.data, digest_size=16).digest() != self.digest


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
        return _refuse(for_terminal(str(error)))
    if path.is_dir():
        return _refuse(
            f"{for_terminal(str(path))}: is a folder; name one session (a file, an id or --last)"
        )
    liveness = Liveness.read()
    for _ in range(_EXPLANATIONS):
        try:
            explained = _Explained.read(path)
        except SessionFileError as error:
            return _refuse(for_terminal(str(error)))
        transcript_format = explained.analysis.format
        agent = transcript_format.agent if transcript_format is not None else None
        why_live = liveness.why_live(path, explained.session.mtime_ns, agent)
        if why_live is not None and not force:
            return _refuse(
                f"{for_terminal(str(path))}: {for_terminal(why_live)}. Close it first, or pass"
                " --force"
            )
        launch = _plan(path, explained, list(claude_arguments))
        if not any(finding.is_error for finding in explained.analysis.findings):
            return _resume(launch)
        print("\n".join(explain(path, explained.analysis, explained.metadata)))
        print(_preview(launch))
        chosen = _choose(
            path,
            strategy,
            choices_for(transcript_format),
            yes=yes,
            last=last,
            force=force,
        )
        if isinstance(chosen, int):
            return chosen
        if explained.changed(path):
            print("The file changed since it was explained; here is what it holds now.")
            continue
        repaired = _repair(path, chosen, force=force)
        if repaired is None:
            return EXIT_USAGE
        if repaired != path:
            fork = _Explained.read(repaired)
            launch = _plan(repaired, fork, list(claude_arguments))
        return _resume(launch)
    return _refuse(
        f"{for_terminal(str(path))}: it kept changing while it was explained; nothing was"
        " changed. Claude Code may be running it: close it first"
    )


def _plan(path: Path, explained: _Explained, arguments: list[str]) -> Launch:
    if explained.analysis.format is CODEX:
        return plan_codex(path, arguments)
    return plan_claude(path, explained.metadata.project, arguments)


def _preview(launch: Launch) -> str:
    """What happens after the repair, said before the question."""
    if launch.refusal is None:
        return (
            f"After the repair: {launch.command} (a fork resumes the new session instead),"
            f" started in {for_terminal(launch.directory or '')} ({launch.why_here})."
        )
    return f"After the repair, nothing is started: {launch.refusal}."


def _resume(launch: Launch) -> int:
    """Start what `launch` says, or print what to run and why it was not started."""
    if launch.refusal is not None:
        run = f" To resume, run:\n  {launch.command}" if launch.command else ""
        message = f"Not starting it: {launch.refusal}.{run}"
        if launch.runnable:
            print(message)
            return EXIT_OK
        return _refuse(message)
    claude = find_executable("claude")
    if claude is None:
        print(f"claude is not on PATH; to resume, run:\n  {launch.command}")
        return EXIT_OK
    print(
        f"Starting claude ({for_terminal(claude)}) in {for_terminal(launch.directory or '')}"
        f" ({launch.why_here})."
    )
    sys.stdout.flush()
    sys.stderr.flush()
    failure = launch.start(claude)
    reason = failure.strerror if isinstance(failure, OSError) else failure
    return _refuse(f"cannot start claude ({for_terminal(str(reason))}); run:\n  {launch.command}")


def _refuse(message: str) -> int:
    """`message` must already be safe for a terminal."""
    print(f"session-lsp: {message}", file=sys.stderr)
    return EXIT_USAGE


def _named(path: Path, last: bool, os_name: str = os.name) -> str | None:
    """How to name this session again on a command line: --last, or its path quoted for this
    system's shells (`command_line`), never starting with `-` (so no program takes it for an
    option); None on Windows when no form of the path is read alike by cmd.exe and PowerShell."""
    if last:
        return "--last"
    text = str(path)
    if text.startswith("-"):
        text = f"./{text}"
    quoted = command_line([text], os_name)
    return for_terminal(quoted) if quoted is not None else None


def _choose(
    path: Path,
    strategy: str | None,
    choices: Sequence[str],
    *,
    yes: bool,
    last: bool,
    force: bool,
    os_name: str = os.name,
) -> str | int:
    """The strategy to apply, or an exit status when nothing is to be done."""
    default = strategy or "stub"
    if yes:
        return default
    if not sys.stdin.isatty():
        named = _named(path, last, os_name)
        again = (
            f"session-lsp resume {named} --yes --strategy {default}"
            if named is not None
            else f"session-lsp resume with --yes --strategy {default} and the session's path"
            " (not printed: cmd.exe and PowerShell cannot both read it as one word)"
        )
        return _refuse(
            "not a terminal, so no question can be asked. Choose a repair:"
            f" {again}"
            f" (or {', '.join(choice for choice in choices if choice != default)}), or inspect it"
            " first with session-lsp check"
        )
    keys = {choice[0]: choice for choice in choices}
    shown = "/".join(key.upper() if keys[key] == default else key for key in keys)
    while True:
        answer = _ask(f"Repair and resume? [{shown}/a(bort)] ")
        if not answer:
            picked = default
        elif answer in {"a", "abort", "q", "n", "no"}:
            print("Aborted: nothing changed.")
            return EXIT_ABORTED
        else:
            found = keys.get(answer[0])
            if found is None or not found.startswith(answer):
                print(f"Please answer one of: {', '.join(choices)}, abort.")
                continue
            picked = found
        if picked == TRUNCATE and not _truncation_confirmed(path, force=force):
            continue
        return picked


def _ask(question: str) -> str:
    try:
        return input(question).strip().lower()
    except EOFError:
        print()
        return "a"


def _truncation_confirmed(path: Path, *, force: bool) -> bool:
    """Truncating drops lines: say which before asking whether to write."""
    trial = fix_file(path, Strategy.TRUNCATE, dry_run=True, force=force)
    if trial.refused or not trial.diff:
        print(for_terminal(trial.message or "truncate changes nothing here"))
        return False
    print(for_terminal(trial.message.removeprefix("would apply: ")))
    return _ask("Write this truncation? [y/N] ") in {"y", "yes"}


def _repair(path: Path, choice: str, *, force: bool) -> Path | None:
    """Repair through `fix_file`; the session file to resume (`path`, or the fork), None on
    failure.

    A dry run first proves the repair leaves no error, so a repair that would not make the session
    resumable writes nothing at all."""
    fork = choice == FORK
    strategy = Strategy.STUB if fork else Strategy(choice)
    trial = fix_file(path, strategy, dry_run=True, force=force)
    problem = for_terminal(told(trial, fork="--strategy fork")) if trial.refused else None
    if problem is None and trial.remaining_errors:
        first = next(finding for finding in trial.remaining if finding.is_error)
        problem = (
            f"{for_terminal(str(path))}: the {choice} repair would leave"
            f" {counted(trial.remaining_errors, 'error')}, first: line {first.span.line + 1}:"
            f" {first.code.value}. Nothing was changed; try another strategy (truncate cuts the"
            " file at its last consistent point)"
        )
    if problem is not None:
        print(f"session-lsp: {problem}", file=sys.stderr)
        return None
    outcome = fix_file(path, strategy, fork=fork, force=force)
    if outcome.refused or not outcome.changed or outcome.remaining_errors:
        print(
            f"session-lsp: {for_terminal(told(outcome, fork='--strategy fork') or f'{path}: not repaired')}",
            file=sys.stderr,
        )
        return None
    if outcome.fork is not None:
        print(f"Forked: {for_terminal(str(outcome.fork))} (the original is unchanged)")
        return outcome.fork
    backup = f" (backup: {outcome.backup.name})" if outcome.backup is not None else ""
    print(for_terminal(f"Repaired: {outcome.message}{backup}"))
    return path


def _when(timestamp: str | None) -> str:
    if not timestamp:
        return "at an unknown time"
    shown = timestamp[:19].replace("T", " ") + (" UTC" if timestamp.endswith("Z") else "")
    return for_terminal(shown)


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
    return for_terminal(call.name or "?"), for_terminal(one_line(view, _INPUT_VIEW))


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
        return f"a prompt: {for_terminal(repr(one_line(text, 60)))}" if text else "a user line"
    if record.type == "assistant":
        if "tool_use" in kinds:
            names = ", ".join(block.name or "?" for block in blocks if block.type == "tool_use")
            return f"another tool call ({for_terminal(names)})"
        text = next((block.text for block in blocks if block.text), "") or ""
        return (
            f"an answer: {for_terminal(repr(one_line(text, 60)))}" if text else "an assistant line"
        )
    if record.type == "system":
        return f"a system line ({for_terminal(record.subtype or 'no subtype')})"
    return f"a {for_terminal(record.type or 'typeless')} line"


def _followers(analysis: Analysis, line: int) -> str:
    if analysis.format is not None and not analysis.format.uses_records:
        return _lines_after(analysis, line)
    after = [
        record
        for record in analysis.records[line + 1 :]
        if record is not None and record.uuid is not None
    ]
    if not after:
        return _NOTHING_AFTER
    last = after[-1]
    return (
        f"followed by {counted(len(after), 'line')}: first {describe_record(after[0])},"
        f" last {describe_record(last)} {_when(last.timestamp)}"
    )


_NOTHING_AFTER = "nothing was written after it (the session stopped there)"


def _lines_after(analysis: Analysis, line: int) -> str:
    """The lines written after the call's, in a file read from its lines (a Codex rollout)."""
    lines = analysis.lines
    after = [index for index in range(line + 1, len(lines)) if bytes(lines[index]).strip()]
    if not after:
        return _NOTHING_AFTER
    return f"followed by {counted(len(after), 'line')}, the last {_when(_line_time(analysis, after[-1]))}"


class _Stamped(msgspec.Struct):
    timestamp: object = None


_STAMPED = msgspec.json.Decoder(_Stamped)


def _line_time(analysis: Analysis, line: int) -> str | None:
    """The `timestamp` a line carries at its top level, as both agents write it."""
    try:
        value = _STAMPED.decode(analysis.lines[line]).timestamp
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def explain(path: Path, analysis: Analysis, metadata: SessionMetadata) -> list[str]:
    """A few lines on what is broken, the choices, and what happens without a repair."""
    title = f" ({for_terminal(metadata.title)})" if metadata.title else ""
    lines = [f"Session {for_terminal(path.stem)}{title}", f"  {for_terminal(str(path))}"]
    unpaired = [finding for finding in analysis.findings if finding.code is Code.UNPAIRED_TOOL_USE]
    for finding in unpaired[:_SHOWN_CALLS]:
        name, view = _tool_call(analysis, finding)
        when = _when(_line_time(analysis, finding.span.line))
        lines.append(f"Interrupted: {name} {view}")
        lines.append(f"  line {finding.span.line + 1}, {when}; no result was recorded;")
        lines.append(f"  {_followers(analysis, finding.span.line)}")
    if len(unpaired) > _SHOWN_CALLS:
        lines.append(f"... and {counted(len(unpaired) - _SHOWN_CALLS, 'more unfinished call')}")
    others = [f for f in analysis.findings if f.is_error and f.code is not Code.UNPAIRED_TOOL_USE]
    lines.extend(
        for_terminal(format_finding(str(path), finding, colour=False)) for finding in others
    )
    transcript_format = analysis.format
    if transcript_format is not None:
        lines.append(transcript_format.without_repair)
    lines.append("Choices:")
    lines.extend(
        f"  {choice:<9} {CHOICE_HELP[choice]}" for choice in choices_for(transcript_format)
    )
    lines.append("  abort     change nothing")
    return lines
