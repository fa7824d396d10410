"""Headless Neovim 0.7 against the real server: the quick fix round trip and U+2028 sync.

Neovim 0.7 is the oldest client we support: push diagnostics only, utf-16 positions, and lazy
code actions through codeAction/resolve.
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


def run_neovim(script: str, cwd: Path, **env: str) -> EditorRun:
    """Run a Lua script in a clean headless Neovim: no config, swap file or shada."""
    nvim = require_tool("nvim")
    return run_editor(
        [nvim, "--headless", "--clean", "-n", "-i", "NONE", "-c", f"luafile {HERE / script}"],
        cwd,
        **env,
    )


def test_quick_fix_round_trip(tmp_path: Path) -> None:
    """Diagnostic on line 25, hover, stub quick fix, :write; the saved file then checks clean."""
    session = damaged_copy(tmp_path)
    original = session.read_bytes()

    run = run_neovim(
        "neovim_quick_fix.lua",
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

    run = run_neovim(
        "neovim_u2028_sync.lua",
        tmp_path,
        SESSION_FILE=str(transcript),
        TYPED=TYPED,
        SERVER_TEXT_FILE=str(server_text),
    )

    assert_passed(run)
    assert_server_copy(server_text, transcript)
