"""Emacs 28 with eglot 1.9, in batch mode, against the real server: quick fix and U+2028 sync.

eglot 1.9 takes push diagnostics, counts columns in utf-16 and cannot resolve code actions, so the
server must send the quick fix's edit inline.
"""

from __future__ import annotations

from pathlib import Path

from tests.editors.support import (
    HERE,
    TOOL_ID,
    TOOL_LINE,
    TYPED,
    EditorRun,
    assert_checks_clean,
    assert_passed,
    assert_server_copy,
    assert_stub_inserted,
    damaged_copy,
    run_editor,
    u2028_transcript,
)
from tests.support.tools import require_tool


def run_emacs(script: str, cwd: Path, **env: str) -> EditorRun:
    """Run an Elisp script in batch Emacs without init files.

    `-q` rather than `-Q`: `-Q` also skips the site start files that put Debian's elpa-eglot on the
    load path, and `(package-initialize)` activates it.
    """
    emacs = require_tool("emacs")
    return run_editor(
        [emacs, "-q", "--batch", "--eval", "(package-initialize)", "-l", str(HERE / script)],
        cwd,
        **env,
    )


def test_quick_fix_round_trip(tmp_path: Path) -> None:
    """Diagnostic on line 25, hover, stub quick fix, save-buffer; the saved file checks clean."""
    session = damaged_copy(tmp_path)
    original = session.read_bytes()

    run = run_emacs(
        "eglot_quick_fix.el",
        tmp_path,
        SESSION_FILE=str(session),
        TOOL_ID=TOOL_ID,
        TOOL_LINE=str(TOOL_LINE),
    )

    assert_passed(run)
    assert_stub_inserted(original, session.read_bytes())
    assert_checks_clean(session)


def test_incremental_sync_past_u2028(tmp_path: Path) -> None:
    """Typing on line 2 keeps the server's copy equal to the buffer although line 1 has U+2028."""
    transcript = u2028_transcript(tmp_path)
    server_text = tmp_path / "server-copy.txt"

    run = run_emacs(
        "eglot_u2028_sync.el",
        tmp_path,
        SESSION_FILE=str(transcript),
        TYPED=TYPED,
        SERVER_TEXT_FILE=str(server_text),
    )

    assert_passed(run)
    assert_server_copy(server_text, transcript)
