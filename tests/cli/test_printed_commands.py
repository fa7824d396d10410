"""The commands `resume`, `fix --fork` and `sessions` print for the user to paste are quoted for
the shells of the system they run on (`programs.command_line`): POSIX quoting, or on Windows one
form cmd.exe and PowerShell both read as the same words, and nothing where there is none. Each
Windows decision is run here by handing it Windows' `os.name`, as tests/test_windows.py does."""

from __future__ import annotations

from pathlib import Path

import pytest

from session_lsp.cli import resume
from session_lsp.cli.fix import resume_fork_command
from session_lsp.cli.sessions import _summary
from session_lsp.sessions.summary import Health, SessionSummary

FORK_ID = "0b8d6a8e-3c52-4a0e-9a53-6c1f3e2b4d71"


def _broken(session_id: str) -> SessionSummary:
    return SessionSummary(
        session_id=session_id,
        path=Path(f"/sessions/{session_id}.jsonl"),
        project=None,
        title=None,
        first_activity=None,
        last_activity=None,
        size_bytes=1,
        version=None,
        health=Health.BROKEN,
        errors=1,
        warnings=0,
    )


@pytest.mark.parametrize(
    ("os_name", "session_id", "footer"),
    [
        ("posix", "it's a session", "session-lsp resume 'it'\"'\"'s a s'"),
        ("nt", "it's a session", 'session-lsp resume "it\'s a s"'),
        ("nt", FORK_ID, "session-lsp resume 0b8d6a8e"),
    ],
)
def test_the_listing_s_footer_is_quoted_for_the_system_s_shells(
    os_name: str, session_id: str, footer: str
) -> None:
    text = _summary([_broken(session_id)], [], os_name)
    assert text == f"1 session, 1 broken. Repair and resume one with: {footer}"


@pytest.mark.parametrize("session_id", ["100%done-session", "$(calc)-session", 'say "hi"'])
def test_on_windows_the_footer_names_no_command_no_shell_pair_reads_alike(session_id: str) -> None:
    assert _summary([_broken(session_id)], [], "nt") == "1 session, 1 broken."


def test_the_command_that_resumes_a_fork_is_written_for_each_system() -> None:
    assert resume_fork_command(FORK_ID, "nt") == f"claude --resume {FORK_ID}"
    assert resume_fork_command(FORK_ID, "posix") == f"claude --resume {FORK_ID}"


@pytest.mark.parametrize(
    ("os_name", "path", "named"),
    [
        ("posix", "/home/me/my project/s.jsonl", "'/home/me/my project/s.jsonl'"),
        ("nt", r"C:\Users\me\my project\s.jsonl", r'"C:\Users\me\my project\s.jsonl"'),
        ("nt", r"C:\Users\me\it's\s.jsonl", '"' + r"C:\Users\me\it's\s.jsonl" + '"'),
        ("nt", "-s.jsonl", "./-s.jsonl"),
        ("posix", "-s.jsonl", "./-s.jsonl"),
    ],
)
def test_resume_names_the_session_again_quoted_for_the_system_s_shells(
    os_name: str, path: str, named: str
) -> None:
    assert resume._named(Path(path), False, os_name) == named


def test_on_windows_resume_does_not_print_a_path_cmd_and_powershell_read_differently(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = Path(r"C:\Users\me\100%\s.jsonl")
    assert resume._named(path, False, "nt") is None
    assert resume._named(path, True, "nt") == "--last"
    status = resume._choose(
        path, None, resume.CHOICES, yes=False, last=False, force=False, os_name="nt"
    )
    assert status == resume.EXIT_USAGE
    error = capsys.readouterr().err
    assert "session-lsp resume with --yes --strategy stub and the session's path" in error
    assert "100%" not in error
