"""No terminal control sequence from a transcript or a file name reaches the terminal (#15 item 4).

A shared or downloaded session is written by whoever wrote it: its title, prompts, tool names and
ids, version and working directory, and the names of its files, can carry OSC 0 (window title),
OSC 8 (a hidden link), OSC 52 (the clipboard), CSI sequences (also as the one-byte C1 CSI) and
bidirectional overrides. Every text output of the CLI is run against such a session, and the raw
characters must appear nowhere in what it prints; each is shown as a visible escape instead.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from session_lsp.cli.output import Progress
from session_lsp.sessions.locations import project_folder_name
from tests.support.cli import REPO

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_LINK = "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
CSI = "\x1b[2J"
C1_CSI = "\x9b31m"
BIDI = "\u202egnp.exe"
HOSTILE = OSC_TITLE + OSC_LINK + OSC_CLIPBOARD + CSI + C1_CSI + BIDI
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")
"""None of these may be printed as they are."""

SESSION_ID = ";id;#abc-" + "\x1b[2J"
"""A recorded id (the file is not named by a UUID) that runs `id` when pasted unquoted."""
FILE_NAME = f"named {OSC_TITLE}{C1_CSI}{BIDI}.jsonl"
DANGLING = "toolu_01HOSTILE"
SESSION = "<the hostile session's path>"


def _record(uuid: str, parent: str | None, second: int, **fields: object) -> dict[str, object]:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "sessionId": SESSION_ID,
        "uuid": uuid,
        "cwd": f"/work/{HOSTILE}",
        "version": f"2.1{CSI}",
        "timestamp": f"2026-01-01T00:00:{second:02d}.000Z",
        **fields,
    }


def hostile_session() -> bytes:
    """A session whose last call is unanswered, every string of it hostile (its first prompt is
    its title)."""
    call = {"type": "tool_use", "id": DANGLING, "name": f"Bash{OSC_LINK}", "input": {}}
    lines = [
        _record("u1", None, 0, type="user", message={"role": "user", "content": HOSTILE}),
        _record(
            "a1",
            "u1",
            1,
            type="assistant",
            message={"id": "m1", "role": "assistant", "content": [call]},
        ),
    ]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME whose project for `work/` holds the hostile session, written an hour ago."""
    work = tmp_path / "work"
    work.mkdir()
    folder = tmp_path / ".claude" / "projects" / project_folder_name(os.path.realpath(work))
    folder.mkdir(parents=True)
    session = folder / FILE_NAME
    session.write_bytes(hostile_session())
    moment = time.time() - 3600
    os.utime(session, (moment, moment))
    return tmp_path


def _run(home: Path, *arguments: str) -> tuple[str, str, int]:
    """Run the CLI in the session's project; SESSION stands for the hostile file's path (its name
    is no `<uuid>.jsonl`, so `--last`, which follows `claude --continue`, would not take it)."""
    named = [_session(home) if argument == SESSION else argument for argument in arguments]
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", *named],
        capture_output=True,
        check=False,
        cwd=home / "work",
        env={
            **os.environ,
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "NO_COLOR": "1",
            "PYTHONPATH": str(REPO),
        },
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    return (
        result.stdout.decode("utf-8", "surrogateescape"),
        result.stderr.decode("utf-8", "surrogateescape"),
        result.returncode,
    )


def _assert_inert(*outputs: str) -> None:
    for output in outputs:
        for control in RAW_CONTROLS:
            assert control not in output, (control, output)
        assert "Traceback" not in output


def _session(home: Path) -> str:
    (path,) = (home / ".claude" / "projects").glob("*/*.jsonl")
    return str(path)


@pytest.mark.parametrize(
    "arguments",
    [
        ("sessions",),
        ("sessions", "--all"),
        ("sessions", "--broken", "--format", "json"),
        ("show", SESSION),
        ("show", SESSION, "--format", "markdown"),
        ("show", SESSION, "--format", "json"),
        ("check",),
        ("check", SESSION, "--format", "json"),
        ("fix", "--dry-run", SESSION),
    ],
    ids=" ".join,
)
def test_no_raw_control_character_of_a_hostile_session_is_printed(
    home: Path, arguments: tuple[str, ...]
) -> None:
    stdout, stderr, _ = _run(home, *arguments)
    assert stdout
    _assert_inert(stdout, stderr)


def test_the_hostile_strings_are_shown_as_visible_escapes(home: Path) -> None:
    listing, _, status = _run(home, "sessions", "--all")
    assert status == 0
    assert "  \\x1b]0;pwned\\x07\\x1b]8;;https://evil.example/" in listing
    assert "\\u202egnp.exe" in listing and "\\x9b31m" in listing
    shown, _, _ = _run(home, "show", SESSION)
    assert "Bash\\x1b]8;;https://evil.example/" in shown
    checked, _, _ = _run(home, "check", SESSION)
    assert "Bash\\x1b]8;;https://evil.example/\\x1b\\click" in checked
    assert "named \\x1b]0;pwned\\x07\\x9b31m\\u202egnp.exe.jsonl:2:" in checked


def test_json_keeps_the_exact_strings_as_json_escapes(home: Path) -> None:
    stdout, _, _ = _run(home, "sessions", "--format", "json")
    (listed,) = json.loads(stdout)
    assert listed["title"] == HOSTILE
    assert listed["path"] == _session(home)


def test_the_command_printed_in_the_listing_is_inert_when_pasted(home: Path) -> None:
    stdout, _, _ = _run(home, "sessions")
    footer = stdout.splitlines()[-1]
    command = footer.split("Repair and resume one with: ")[1]
    assert command == f"session-lsp resume {shlex.quote(SESSION_ID[:8])}"
    echoed = subprocess.run(
        ["sh", "-c", command.replace("session-lsp", "printf '%s\\n'", 1)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert echoed.stdout.splitlines() == ["resume", SESSION_ID[:8]]


def test_fix_and_restore_print_only_visible_escapes(home: Path) -> None:
    session = _session(home)
    fixed_out, fixed_err, fixed = _run(home, "fix", session)
    restored_out, restored_err, restored = _run(home, "restore", session)
    assert (fixed, restored) == (0, 0), fixed_err + restored_err
    assert "repaired" in fixed_out and "restored from" in restored_out
    _assert_inert(fixed_out, fixed_err, restored_out, restored_err)


def test_the_progress_bar_shows_a_hostile_file_name_as_escapes() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = Progress(2, stream)
    bar.update(1, f"/tmp/{FILE_NAME}")
    bar.close()
    _assert_inert(stream.getvalue())
    assert "\\u202egnp.exe.jsonl" in stream.getvalue()


def test_a_file_name_with_controls_is_shown_as_escapes_when_it_cannot_be_read(
    tmp_path: Path,
) -> None:
    missing = tmp_path / f"gone {OSC_CLIPBOARD}.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "session_lsp", "check", str(missing)],
        capture_output=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
    )
    stderr = result.stderr.decode("utf-8", "surrogateescape")
    assert result.returncode == 2
    assert "gone \\x1b]52;c;cm0gLXJmIH4=\\x07.jsonl: no such file or folder" in stderr
    _assert_inert(stderr, result.stdout.decode())


def test_a_hostile_question_and_structured_input_print_only_visible_escapes(
    tmp_path: Path,
) -> None:
    """What a question to the user asks (its headline) and a structured input field (indented
    JSON under `show --item`) come from the transcript too; wide-character wrapping as well."""
    from tests.support.claude_records import Builder
    from tests.support.cli import run_cli
    from tests.support.files import aged_copy

    session = Builder()
    session.prompt("u1", None, f"日本語 {HOSTILE} " * 20)
    asked = {"question": f"Which {HOSTILE}?", "options": [{"label": HOSTILE}]}
    session.call("a1", "u1", "toolu_Q", "AskUserQuestion", questions=[asked])
    session.result("r1", "a1", "toolu_Q", f"answered {HOSTILE}")
    path = tmp_path / "session.jsonl"
    path.write_bytes(session.data())
    aged_copy(path, path)
    narrow = {"NO_COLOR": "1", "COLUMNS": "60"}
    outputs = [
        run_cli("show", str(path), env=narrow).stdout,
        run_cli("show", "--brief", str(path), env=narrow).stdout,
        run_cli("show", "--item", "2", str(path), env=narrow).stdout,
    ]
    _assert_inert(*outputs)
    assert "asks: Which \\x1" in outputs[0], "escaped, then cut to the width"
    assert '"label": "\\u001b]0;pwned\\u0007' in outputs[2], "JSON's own escapes"
    assert "\\u202egnp.exe" in outputs[2], "and the bidi override JSON leaves raw, escaped"
